#!/usr/bin/env bash
# Back up Yixiang: the PostgreSQL database (pg_dump, custom format) and the uploaded media,
# with a manifest (sizes, sha256, the migration state, the ledger totals at backup time).
#
#   deploy/backup.sh [DEST]          (DEST: $BACKUP_DIR, else var/backups)
#
# Reads the same environment as the site: DATABASE_URL (PostgreSQL), MEDIA_STORAGE,
# MEDIA_ROOT, PRIVATE_MEDIA_ROOT, and the PII keys, which it needs to check the sample of
# encrypted values and to make sure no key lands in the backup. It never writes the
# environment, a key or an .env file into the backup: the keys live in the deployment's
# secret store and in escrow (README, "Personal data"), never beside the dump. A backup
# that would hold one is deleted and the script fails.
#
# The dump and the totals are read in one PostgreSQL snapshot (pg_export_snapshot), so the
# manifest's totals are exactly those of the dump, while the site keeps writing.
#
# Writes DEST/yixiang-YYYYmmddTHHMMSSZ/ (mode 700):
#   database.dump      pg_dump --format=custom
#   media.tar.gz       MEDIA_ROOT            (MEDIA_STORAGE=local)
#   private.tar.gz     PRIVATE_MEDIA_ROOT    (MEDIA_STORAGE=local)
#   migrations.txt     app.name of every applied migration, in the dump's snapshot
#   totals.json        manage.py ledger_totals --json, in the dump's snapshot
#   manifest.json      the above with sizes and sha256, and how the media were copied
#   SHA256SUMS         sha256sum -c SHA256SUMS checks the copy
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
manage() { "$PYTHON" manage.py "$@"; }
fail() { printf 'backup: %s\n' "$*" >&2; exit 1; }

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) fail "DATABASE_URL is not PostgreSQL (the embedded SQLite default: copy var/ with the site stopped)" ;;
esac
# libpq does not read django-environ's own query options (conn_max_age…): strip them.
PGURL="${DATABASE_URL%%\?*}"
PGURL="${PGURL/#postgresql:/postgres:}"

DEST="${1:-${BACKUP_DIR:-var/backups}}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$DEST/yixiang-$STAMP"
umask 077
mkdir -p "$DEST"
mkdir "$OUT"
done_ok=0
snapshot_open=0
PIPES=""
cleanup() {
    if [ "$snapshot_open" = 1 ]; then
        # (exec's own 2>/dev/null would silence the rest of the script: braces keep it here.)
        { exec {to_psql}>&- {from_psql}<&-; } 2>/dev/null || true
        wait "$psql_pid" 2>/dev/null || true
    fi
    [ -z "$PIPES" ] || rm -rf -- "$PIPES"
    if [ "$done_ok" != 1 ]; then
        rm -rf -- "$OUT"
        printf 'backup: failed, %s removed\n' "$OUT" >&2
    fi
}
trap cleanup EXIT

# One snapshot for everything read from the database: a psql session holds it open. Its
# pipes are named ones in a private folder, held by descriptors of this script: bash unsets
# a coproc's descriptors and PID as soon as the process ends, which raced with closing them.
PIPES="$(mktemp -d)"
mkfifo "$PIPES/in" "$PIPES/out"
psql "$PGURL" -X -q -t -A -v ON_ERROR_STOP=1 <"$PIPES/in" >"$PIPES/out" &
psql_pid=$!
exec {to_psql}>"$PIPES/in" {from_psql}<"$PIPES/out"
snapshot_open=1
# Written from a subshell: a psql that has already ended (it could not connect) kills the
# writer with SIGPIPE, and the script says so instead of dying without a word.
psql_say() { (printf '%s\n' "$@" >&"$to_psql") || fail "the psql session ended (see above)"; }
psql_say "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" "SELECT pg_export_snapshot();"
read -r -t 30 SNAPSHOT <&"$from_psql" || fail "no snapshot from PostgreSQL"
psql_say "\\o $OUT/migrations.txt" \
    "SELECT app || '.' || name FROM django_migrations ORDER BY app, name;" "\\o" \
    "SELECT 'migrations-listed';"
read -r -t 60 line <&"$from_psql" && [ "$line" = migrations-listed ] || fail "could not list the migrations"

pg_dump --format=custom --snapshot="$SNAPSHOT" --file="$OUT/database.dump" "$PGURL"
manage ledger_totals --json --snapshot="$SNAPSHOT" >"$OUT/totals.json"
psql_say "COMMIT;" "\\q"
exec {to_psql}>&- {from_psql}<&-
wait "$psql_pid" || true
snapshot_open=0

# Media. The local folders are archived; buckets are mirrored by the object store's own tools.
MEDIA_STORAGE="${MEDIA_STORAGE:-local}"
case "$MEDIA_STORAGE" in
    local)
        mapfile -t roots < <(manage shell -v0 -c \
            "from django.conf import settings; print(settings.MEDIA_ROOT); print(settings.PRIVATE_MEDIA_ROOT)")
        MEDIA_ROOT_SET="${roots[0]}" PRIVATE_ROOT_SET="${roots[1]}"
        for pair in "media:$MEDIA_ROOT_SET" "private:$PRIVATE_ROOT_SET"; do
            name="${pair%%:*}" folder="${pair#*:}"
            if [ -d "$folder" ]; then
                # Never an environment file, wherever someone left one.
                tar -C "$folder" --exclude='.env' --exclude='*.env' --exclude='.env.*' \
                    -czf "$OUT/$name.tar.gz" .
            else
                tar -czf "$OUT/$name.tar.gz" -T /dev/null
            fi
        done
        MEDIA_NOTE="local folders archived: media.tar.gz ($MEDIA_ROOT_SET), private.tar.gz ($PRIVATE_ROOT_SET)"
        ;;
    s3)
        MEDIA_NOTE="S3 buckets are not copied by this script: mirror them to the backup host with
  aws s3 sync s3://\$S3_MEDIA_BUCKET   BACKUP_HOST_PATH/media/   --endpoint-url \$S3_ENDPOINT_URL
  aws s3 sync s3://\$S3_PRIVATE_BUCKET BACKUP_HOST_PATH/private/ --endpoint-url \$S3_ENDPOINT_URL
or with MinIO's client: mc mirror --overwrite ALIAS/\$S3_MEDIA_BUCKET BACKUP_HOST_PATH/media/ (and the private bucket);
better still, turn on the bucket's versioning so a deleted or overwritten file can be restored."
        printf 'backup: %s\n' "$MEDIA_NOTE" >&2
        ;;
    *) fail "MEDIA_STORAGE=$MEDIA_STORAGE: expected local or s3" ;;
esac

# No key and no environment in the backup: read everything back and look.
manage backup_scan "$OUT" >&2

(cd "$OUT" && sha256sum -- * >SHA256SUMS)
"$PYTHON" - "$OUT" "$STAMP" "$MEDIA_STORAGE" "$MEDIA_NOTE" <<'PY'
import json, sys
from pathlib import Path

out, stamp, storage, note = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sums = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
manifest = {
    "format": 1,
    "taken_at": stamp,
    "files": {
        name: {"bytes": (out / name).stat().st_size, "sha256": digest}
        for name, digest in sorted(sums.items())
    },
    "migrations": (out / "migrations.txt").read_text().split(),
    "totals": json.loads((out / "totals.json").read_text()),
    "media": {"storage": storage, "note": note},
    "keys": "not in this backup: PII_KEYS / PII_KEY and PII_HASH_KEY come from the "
    "deployment's secret store and the escrow copies (README, Personal data)",
}
(out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
PY
done_ok=1
printf '%s\n' "$OUT"
