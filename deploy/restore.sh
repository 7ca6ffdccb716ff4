#!/usr/bin/env bash
# Restore a Yixiang backup made by deploy/backup.sh into a NEW database, and prove it.
#
#   deploy/restore.sh [--force] BACKUP_DIR
#
# DATABASE_URL names the database to restore into; it is created if it does not exist.
# A database that already holds tables is refused, and so are non-empty MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT folders, unless --force (then the dump's objects replace the old ones:
# pg_restore --clean, and the media archives are unpacked over the folders).
# The PII keys are NOT in the backup: set PII_KEYS / PII_KEY and PII_HASH_KEY from the
# secret store or the escrow copies first (README, "Personal data").
#
# Steps: the copy's checksums (sha256sum -c), pg_restore, the media, the migration state
# (the same as at backup time, and `migrate --check` against this code), then
# `ledger_totals --json` (with its sample decryption under the keys set) compared with the
# totals in the manifest. Any difference fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
manage() { "$PYTHON" manage.py "$@"; }
fail() { printf 'restore: %s\n' "$*" >&2; exit 1; }
say() { printf 'restore: %s\n' "$*" >&2; }

FORCE=0
if [ "${1:-}" = --force ]; then FORCE=1; shift; fi
[ $# -eq 1 ] || fail "usage: deploy/restore.sh [--force] BACKUP_DIR"
IN="$(cd "$1" && pwd)"
[ -f "$IN/manifest.json" ] || fail "$IN has no manifest.json: not a backup made by deploy/backup.sh"

: "${DATABASE_URL:?DATABASE_URL must name the database to restore into}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) fail "DATABASE_URL is not PostgreSQL" ;;
esac
PGURL="${DATABASE_URL%%\?*}"
PGURL="${PGURL/#postgresql:/postgres:}"
DBNAME="${PGURL##*/}"
[ -n "$DBNAME" ] || fail "DATABASE_URL names no database"
MAINTENANCE="${PGURL%/*}/postgres"

# 1. The copy is whole.
(cd "$IN" && sha256sum --quiet -c SHA256SUMS) || fail "checksums do not match: the copy is damaged"
say "checksums match"

# 2. A new database, or --force.
exists="$(psql "$MAINTENANCE" -X -tAc "SELECT 1 FROM pg_database WHERE datname = '${DBNAME//\'/\'\'}'")"
if [ "$exists" != 1 ]; then
    printf '%s\n' 'CREATE DATABASE :"name";' \
        | psql "$MAINTENANCE" -X -q -v ON_ERROR_STOP=1 -v name="$DBNAME"
    say "database $DBNAME created"
fi
tables="$(psql "$PGURL" -X -tAc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
clean=()
if [ "$tables" != 0 ]; then
    [ "$FORCE" = 1 ] || fail "database $DBNAME already holds $tables tables: restore into a new one, or pass --force to replace them"
    clean=(--clean --if-exists)
    say "--force: replacing the $tables tables of $DBNAME"
fi

# 3. The media folders (local storage) are empty, or --force.
MEDIA_STORAGE_SAVED="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["media"]["storage"])' "$IN/manifest.json")"
if [ "$MEDIA_STORAGE_SAVED" = local ]; then
    mapfile -t roots < <(manage shell -v0 -c \
        "from django.conf import settings; print(settings.MEDIA_ROOT); print(settings.PRIVATE_MEDIA_ROOT)")
    for pair in "media:${roots[0]}" "private:${roots[1]}"; do
        folder="${pair#*:}"
        if [ -d "$folder" ] && [ -n "$(ls -A "$folder")" ] && [ "$FORCE" != 1 ]; then
            fail "$folder is not empty: restore into empty folders, or pass --force"
        fi
    done
fi

# 4. The database.
pg_restore --exit-on-error --no-owner --no-privileges "${clean[@]}" --dbname="$PGURL" "$IN/database.dump"
say "database restored into $DBNAME"

# 5. The media.
if [ "$MEDIA_STORAGE_SAVED" = local ]; then
    for pair in "media:${roots[0]}" "private:${roots[1]}"; do
        name="${pair%%:*}" folder="${pair#*:}"
        mkdir -p "$folder"
        tar -C "$folder" -xzf "$IN/$name.tar.gz"
        say "$name restored into $folder"
    done
else
    say "media were in S3 buckets: mirror them back (aws s3 sync BACKUP_HOST_PATH/media/ s3://\$S3_MEDIA_BUCKET, the same for the private bucket; or mc mirror)"
fi

# 6. The migration state: what the backup had, and nothing this code still has to apply.
psql "$PGURL" -X -tAc "SELECT app || '.' || name FROM django_migrations ORDER BY app, name" \
    | diff -u "$IN/migrations.txt" - >&2 || fail "applied migrations differ from those at backup time"
if ! manage migrate --check >/dev/null; then
    manage showmigrations --plan | grep -F '[ ]' >&2 || true
    fail "this code has migrations the backup had not applied: check out the release the backup was taken with, or run manage.py migrate and then compare by hand"
fi
say "migrations: as at backup time, none pending"

# 7. The same totals, and the keys open the data.
now="$(mktemp)"
trap 'rm -f "$now"' EXIT
manage ledger_totals --json >"$now" || fail "ledger_totals failed (are the PII keys the ones the backup was made under?)"
if ! diff -u "$IN/totals.json" "$now" >&2; then
    fail "the restored totals differ from the manifest's"
fi
say "ledger totals identical to the manifest's; sample of encrypted values opens with the current keys"
