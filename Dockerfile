# syntax=docker/dockerfile:1
# One image for the web server and the worker (docker-compose.yml and k8s/ pick the command).

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
RUN node static/build.mjs

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/base.txt /tmp/base.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r /tmp/base.txt

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8000
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=app:app . /app
COPY --from=assets --chown=app:app /src/static/dist /app/static/dist
# Static files are built into the image; the settings need placeholders only to import.
RUN SECRET_KEY=build-only-placeholder-build-only-placeholder-build-only \
    CLAMAV_ADDRESS=build:3310 \
    python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
# Web by default; other roles: deploy/scripts/start.sh worker|migrate|sweeper|watchdog
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
EXPOSE 9191
CMD ["deploy/scripts/start.sh", "web"]
