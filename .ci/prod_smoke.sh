#!/usr/bin/env bash
# The production path, smoke-tested (README "Deploy"): config.settings.prod on a fresh
# PostgreSQL database and Redis, then migrate, bootstrap, the demo (for a product image),
# collectstatic and check --deploy, and gunicorn with deploy/gunicorn.conf.py answering
# through a trusted proxy address. Fails on any error; stops gunicorn on exit.
#
# The trusted proxy is 127.0.0.2 (Linux routes all of 127.0.0.0/8 to the loopback):
# requests sent from it with X-Forwarded-Proto: https are https; the same requests from
# 127.0.0.1, which is not in TRUSTED_PROXIES, must be redirected to https.
#
# Environment (defaults for CI): PROD_SMOKE_DB (yixiang_prod_smoke), PROD_SMOKE_BROKER_DB
# and PROD_SMOKE_CACHE_DB (Redis databases 12 and 13: the suite has 14 and 15);
# PROD_SMOKE_TEMPLATE: a migrated database to copy (CI's yixiang_template: its one migrate of
# an empty database ran already), so migrate here is an upgrade with nothing to apply.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
DB_NAME="${PROD_SMOKE_DB:-yixiang_prod_smoke}"
BROKER_DB="${PROD_SMOKE_BROKER_DB:-12}"
CACHE_DB="${PROD_SMOKE_CACHE_DB:-13}"
HOST="shop.yixiang.example"
PROXY="127.0.0.2"

log() { printf '\n== prod smoke (%ss): %s\n' "$SECONDS" "$*"; }
fail() { printf 'prod smoke FAILED: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d -t yixiang-prod-smoke-XXXXXX)"
GUNICORN_PID=""
cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID"
        for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=config.settings.prod
# 64 URL-safe characters after the prefix, always (check --deploy wants 50 or more; a
# filtered base64 string was sometimes shorter).
export SECRET_KEY="prod-smoke-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export ALLOWED_HOSTS="$HOST"
export SITE_URL="https://$HOST"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export CACHE_URL="redis://127.0.0.1:6379/$CACHE_DB"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/$BROKER_DB"
export PII_KEYS="prod-smoke-pii-key-$(head -c 16 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export PII_HASH_KEY="prod-smoke-hash-key-$(head -c 16 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export MEDIA_ROOT="$WORK/media"
export PRIVATE_MEDIA_ROOT="$WORK/private"
export WHOOSH_PATH="$WORK/whoosh"
export SERVE_MEDIA=true
export TRUSTED_PROXIES="$PROXY"
export REGION_CODES="530113,530128,530129"
export ADMIN_USERNAME="operator"
export ADMIN_EMAIL="operator@yixiang.example"
export ADMIN_PASSWORD="smoke-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export EMAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend"
# collectstatic writes into the checkout's staticfiles/, as on a real host.
unset DJANGO_ALLOW_ASYNC_UNSAFE DEBUG

log "fresh database $DB_NAME, Redis $BROKER_DB (broker) and $CACHE_DB (cache)"
psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
psql -h 127.0.0.1 -U postgres -d postgres -q -c \
    "CREATE DATABASE $DB_NAME${PROD_SMOKE_TEMPLATE:+ TEMPLATE $PROD_SMOKE_TEMPLATE}"
redis-cli -h 127.0.0.1 -p 6379 -n "$BROKER_DB" flushdb >/dev/null
redis-cli -h 127.0.0.1 -p 6379 -n "$CACHE_DB" flushdb >/dev/null

log "migrate"
"$PY" manage.py migrate --noinput -v0

log "bootstrap (twice: the second changes nothing)"
"$PY" manage.py bootstrap
"$PY" manage.py bootstrap | tee "$WORK/bootstrap2.txt"
grep -q "nothing changed" "$WORK/bootstrap2.txt" || fail "a second bootstrap changed something"

log "load_demo refuses without --force, then loads with it"
if "$PY" manage.py load_demo >"$WORK/refused.txt" 2>&1; then fail "load_demo ran with DEBUG off"; fi
grep -q "DEBUG is off" "$WORK/refused.txt" || fail "load_demo's refusal: $(cat "$WORK/refused.txt")"
"$PY" manage.py load_demo --force >/dev/null

log "collectstatic"
"$PY" manage.py collectstatic --noinput --clear -v0

log "check --deploy"
"$PY" manage.py check --deploy --fail-level WARNING

log "gunicorn"
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORT WEB_CONCURRENCY=2
"$PY" -m gunicorn -c deploy/gunicorn.conf.py config.wsgi \
    >"$WORK/gunicorn.out" 2>"$WORK/gunicorn.err" &
GUNICORN_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
    curl -s -o /dev/null -H "Host: $HOST" --interface "$PROXY" -H 'X-Forwarded-Proto: https' \
        "$BASE/" && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.err" >&2; fail "gunicorn died"; }
    sleep 0.5
done

# A hashed static file and a product image, named by the site's own records.
STATIC_PATH="$("$PY" -c '
import json, sys
manifest = json.load(open("staticfiles/staticfiles.json"))
print("/static/" + manifest["paths"]["vendor/chartjs/chart.umd.min.js"])
')"
IMAGE_PATH="$("$PY" manage.py shell -v 0 -c '
from oscar.core.loading import get_model
image = get_model("catalogue", "ProductImage").objects.order_by("pk").first()
print(image.original.url)
' | tail -n 1)"
[ -n "$IMAGE_PATH" ] || fail "the demo made no product image"

# fetch PATH [curl options...]: prints the status code; the body goes to $WORK/body.
fetch() {
    local path="$1"
    shift
    curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -H "Host: $HOST" "$@" "$BASE$path"
}
for path in / /shop/ "$STATIC_PATH" "$IMAGE_PATH"; do
    status="$(fetch "$path" --interface "$PROXY" -H 'X-Forwarded-Proto: https')"
    if [ "$status" = 302 ]; then
        # /shop/ is Oscar's redirect to the catalogue: followed once, within the site.
        target="$(sed -n 's/^[Ll]ocation: *\(\/[^[:space:]]*\).*/\1/p' "$WORK/headers")"
        [ -n "$target" ] || fail "$path redirects off the site: $(grep -i '^location' "$WORK/headers")"
        printf '302 %s -> %s\n' "$path" "$target"
        path="$target"
        status="$(fetch "$path" --interface "$PROXY" -H 'X-Forwarded-Proto: https')"
    fi
    [ "$status" = 200 ] || fail "$path through the trusted proxy: $status, not 200"
    printf '200 %s (%s bytes)\n' "$path" "$(wc -c <"$WORK/body")"
done
grep -qi '^x-content-type-options: nosniff' "$WORK/headers" || fail "media without nosniff"
grep -qi '^content-type: image/' "$WORK/headers" || fail "the product image is not an image"
fetch "$STATIC_PATH" --interface "$PROXY" -H 'X-Forwarded-Proto: https' >/dev/null
grep -qi '^cache-control:.*immutable' "$WORK/headers" || fail "hashed static file not immutable"

# The header is believed only from the trusted proxy: from anywhere else, and from the proxy
# without it, the same requests are plain http and are redirected to https.
for path in / /shop/; do
    for how in untrusted-with-header proxy-without-header; do
        if [ "$how" = untrusted-with-header ]; then
            status="$(fetch "$path" --interface 127.0.0.1 -H 'X-Forwarded-Proto: https')"
        else
            status="$(fetch "$path" --interface "$PROXY")"
        fi
        [ "$status" = 301 ] || fail "$path $how: $status, not a redirect to https"
        grep -qi "^location: https://$HOST$path" "$WORK/headers" \
            || fail "$path $how: redirected elsewhere: $(grep -i '^location' "$WORK/headers")"
        printf '301 %s %s -> https\n' "$path" "$how"
    done
done

log "gunicorn's logs"
if grep -qE '\[ERROR\]| ERROR |"(levelname|level)": "ERROR"|Traceback|" 500 ' "$WORK/gunicorn.err" "$WORK/gunicorn.out"; then
    cat "$WORK/gunicorn.err" "$WORK/gunicorn.out" >&2
    fail "errors in gunicorn's logs"
fi
grep -q "Booting worker" "$WORK/gunicorn.err" || fail "gunicorn's error log is not where expected"
printf 'prod smoke: all passed\n'
