#!/bin/sh
# The one entry point of the image, for every role: the Dockerfile's CMD, docker-compose.yml and
# k8s/ all run `deploy/scripts/start.sh <role>`, so the commands cannot drift apart.
set -eu
role="${1:-web}"

# Prometheus multiprocess mode: each process writes its metrics here; a fresh start, fresh files.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

case "$role" in
  web)
    exec uvicorn config.asgi:application --host 0.0.0.0 --port "${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --no-access-log --lifespan off --proxy-headers \
      --log-config deploy/uvicorn-logging.json
    ;;
  worker)
    # The workers' metrics server runs beside them (it only reads the metrics folder).
    python manage.py worker_metrics --address 0.0.0.0 --port "${WORKER_METRICS_PORT:-9191}" &
    # --skip-logging: the worker processes log through Django's JSON logging, not dramatiq's format
    exec python manage.py rundramatiq --skip-logging --processes "${WORKER_PROCESSES:-2}" \
      --threads "${WORKER_THREADS:-2}" --worker-shutdown-timeout 600000
    ;;
  migrate)
    python manage.py migrate --noinput
    python manage.py migrate_annotations_store
    exec python manage.py sync_roles
    ;;
  sweeper)
    exec python manage.py sweep_uploads --every 60
    ;;
  watchdog)
    exec python manage.py processing_watchdog --every 30
    ;;
  *)
    echo "usage: start.sh web|worker|migrate|sweeper|watchdog" >&2
    exit 64
    ;;
esac
