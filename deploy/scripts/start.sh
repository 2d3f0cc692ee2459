#!/bin/sh
# The one entry point for every role: the Dockerfile's CMD, docker-compose.yml, k8s/ and
# `make run` (deploy/scripts/run-local.sh) all run `deploy/scripts/start.sh <role>`, so the
# commands cannot drift apart. Python comes from $PYTHON (the image's PATH by default).
set -eu
role="${1:-web}"
python="${PYTHON:-python}"

# Prometheus multiprocess mode: each process writes its metrics here; a fresh start, fresh files.
# (`make run` shares one folder between its processes and wipes it once itself: METRICS_WIPE=0.)
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ] && [ "${METRICS_WIPE:-1}" = 1 ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

# Under make run's supervisord (which sets SUPERVISOR_ENABLED) a role dies with it: even a
# kill -9 of supervisord leaves no process behind.
die_with_parent=""
if [ -n "${SUPERVISOR_ENABLED:-}" ] && command -v setpriv >/dev/null; then
  die_with_parent="setpriv --pdeathsig TERM"
fi

case "$role" in
  web)
    # --no-proxy-headers: uvicorn would otherwise take X-Forwarded-For from any loopback client;
    # the application trusts forwarded addresses only as TRUSTED_PROXY_COUNT says.
    # WEB_SOCKET_FD: a socket someone else listens on (make run's supervisord passes fd 0 to
    # each of its WEB_CONCURRENCY processes); otherwise uvicorn binds and forks its own.
    # (config/uvicorn_fd.py: uvicorn's own --fd would serve it without TCP_NODELAY).
    if [ -n "${WEB_SOCKET_FD:-}" ]; then
      exec $die_with_parent "$python" -m config.uvicorn_fd "$WEB_SOCKET_FD"
    fi
    # --loop: uvloop unless WEB_LOOP=asyncio (README "Performance": what each gives).
    # --ws-per-message-deflate false: events are small JSON, and compressing each one once per
    # listener took a fifth of a web process's time fanning one event out to 200 sockets.
    exec $die_with_parent "$python" -m uvicorn config.asgi:application --host "${HOST:-0.0.0.0}" \
      --port "${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" --no-access-log --lifespan off \
      --no-proxy-headers --ws-per-message-deflate false --loop "${WEB_LOOP:-uvloop}" \
      --log-config deploy/uvicorn-logging.json
    ;;
  worker)
    # The workers' metrics server runs beside them (it only reads the metrics folder); port 0:
    # none (make run, whose web /metrics already reads the shared folder).
    if [ "${WORKER_METRICS_PORT:-9191}" != 0 ]; then
      "$python" manage.py worker_metrics --address "${WORKER_METRICS_ADDRESS:-0.0.0.0}" \
        --port "${WORKER_METRICS_PORT:-9191}" &
    fi
    # An idle worker looks at its queues again after a backoff that grows to this many ms
    # (dramatiq's worker timeout: its CLI has no flag, its worker reads this variable). Its
    # default, 1000, made every job wait ~0.4 s (up to 1 s) before starting; 100 ms costs an
    # idle worker process ~10 more small Redis scripts a second per queue.
    export dramatiq_worker_timeout="${BROKER_POLL_MS:-100}"
    # --skip-logging: the worker processes log through Django's JSON logging, not dramatiq's format
    exec $die_with_parent "$python" manage.py rundramatiq --skip-logging --processes "${WORKER_PROCESSES:-2}" \
      --threads "${WORKER_THREADS:-2}" --worker-shutdown-timeout "${WORKER_SHUTDOWN_MS:-600000}"
    ;;
  migrate)
    "$python" manage.py migrate --noinput
    "$python" manage.py migrate_annotations_store
    # jobs queued under the broker's older namespace move to this instance's (before workers)
    "$python" manage.py move_queued_messages
    exec "$python" manage.py sync_roles
    ;;
  sweeper)
    exec $die_with_parent "$python" manage.py sweep_uploads --every 60
    ;;
  watchdog)
    exec $die_with_parent "$python" manage.py processing_watchdog --every 30
    ;;
  *)
    echo "usage: start.sh web|worker|migrate|sweeper|watchdog" >&2
    exit 64
    ;;
esac
