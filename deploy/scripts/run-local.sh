#!/usr/bin/env bash
# `make run`: migrate, create the admin from the environment, then run every role under
# supervisord (deploy/supervisord.conf: each role restarted when it dies) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
export PORT="${PORT:-8000}"
# logs, sockets, metrics and a private Redis's files; a test points it at its own folder
export RUN_DIR="${RUN_DIR:-$PWD/.run}"
mkdir -p "$RUN_DIR"
pids=()

redis_answers() {  # $1: redis URL
  "$PY" - "$1" <<'PYEOF'
import sys, redis
try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1, socket_timeout=1).ping()
except Exception:
    sys.exit(1)
PYEOF
}

if [ -n "${REDIS_URL:-}" ]; then
  redis_answers "$REDIS_URL" || { echo "REDIS_URL=$REDIS_URL does not answer; start that Redis or unset REDIS_URL." >&2; exit 1; }
elif redis_answers redis://127.0.0.1:6379/0; then
  export REDIS_URL=redis://127.0.0.1:6379/0
else
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing redis-server with apt-get..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      echo "No Redis found: install redis-server (sudo apt-get install redis-server) or set REDIS_URL." >&2
      exit 1
    fi
  fi
  echo "Starting a private redis-server on 127.0.0.1:6390 (data under $RUN_DIR)."
  redis-server --bind 127.0.0.1 --port 6390 --dir "$RUN_DIR" --save "" --appendonly no \
    --logfile "$RUN_DIR/redis.log" &
  pids+=($!)
  export REDIS_URL=redis://127.0.0.1:6390/0
  for _ in $(seq 50); do redis_answers "$REDIS_URL" && break; sleep 0.1; done
fi

if ! command -v ffprobe >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ffmpeg with apt-get..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  else
    echo "ffmpeg is missing: install it (sudo apt-get install ffmpeg)." >&2
    exit 1
  fi
fi
if [ -z "${CLAMAV_ADDRESS:-}" ] && ! grep -qs '^CLAMAV_ADDRESS=.' .env; then
  printf '{"level": "WARNING", "logger": "make.run", "message": "%s"}\n' \
    "No clamd configured (CLAMAV_ADDRESS): uploads are stored as not scanned, never as clean."
fi

export PYTHON="$PWD/$PY"
start=deploy/scripts/start.sh
"$start" migrate
"$PY" manage.py ensure_superuser

# Metrics from every process (web and worker) are aggregated by the web's /metrics; the roles
# share this folder, so it is wiped once here rather than by each role.
export PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/metrics" METRICS_WIPE=0
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

stop() {
  trap - INT TERM EXIT
  [ -n "${supervisor:-}" ] && kill -TERM "$supervisor" 2>/dev/null && wait "$supervisor"
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# The same roles as the image runs (deploy/scripts/start.sh <role>, listed in the supervisor's
# configuration), sized for one machine and bound to loopback.
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
echo "Serving http://127.0.0.1:${PORT}/ with ${WEB_CONCURRENCY} web processes, a worker, the" \
  "sweeper and the watchdog; each restarts when it dies (Ctrl-C stops them all)."
supervisord="${SUPERVISORD:-.venv/bin/supervisord}"
[ -x "$supervisord" ] || { echo "$supervisord is missing: pip install -r requirements/base.txt" >&2; exit 1; }
"$supervisord" -c deploy/supervisord.conf &
supervisor=$!
wait "$supervisor"
