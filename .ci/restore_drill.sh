#!/usr/bin/env bash
# The restore drill: back up the demo database (yixiang_check, loaded by .ci/run's
# "summaries of the demo" step) with deploy/backup.sh, restore it into a fresh database
# (yixiang_restore) with deploy/restore.sh, and require ledger_totals to be identical
# before and after. Also: a second restore into the now non-empty database is refused.
# Cleans up its database and temporary files, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

# The database names can be changed (DRILL_SOURCE, DRILL_TARGET) to run the drill beside CI.
SOURCE="postgres://postgres@127.0.0.1:5432/${DRILL_SOURCE:-yixiang_check}"
TARGET_DB="${DRILL_TARGET:-yixiang_restore}"
TARGET="postgres://postgres@127.0.0.1:5432/$TARGET_DB"
PY=.venv/bin/python
work="$(mktemp -d)"
cleanup() {
    psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS $TARGET_DB WITH (FORCE)"
    rm -rf -- "$work"
}
trap cleanup EXIT
unset CELERY_BROKER_URL
psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS $TARGET_DB WITH (FORCE)"

DATABASE_URL="$SOURCE" "$PY" manage.py ledger_totals --json >"$work/before.json"
backup="$(DATABASE_URL="$SOURCE" PYTHON="$PY" deploy/backup.sh "$work/backups")"
echo "backed up: $(du -sh "$backup" | cut -f1) in $backup"

export DATABASE_URL="$TARGET" MEDIA_ROOT="$work/media" PRIVATE_MEDIA_ROOT="$work/private"
PYTHON="$PY" deploy/restore.sh "$backup"
"$PY" manage.py ledger_totals --json >"$work/after.json"
diff -u "$work/before.json" "$work/after.json"
echo "ledger totals identical after the restore:"
"$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])); print(" ", t["ledger"], t["payouts"]["recorded"], t["orders"]["received"], t["households"])' "$work/after.json"

if PYTHON="$PY" deploy/restore.sh "$backup" 2>"$work/refused.txt"; then
    echo "restore into a non-empty database was not refused" >&2
    exit 1
fi
grep -q "already holds" "$work/refused.txt"
echo "a second restore into the same (non-empty) database is refused"
