#!/usr/bin/env bash
# `make test`: make sure what the suite talks to is installed and running.
set -euo pipefail

as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if as_root && command -v apt-get >/dev/null; then
    [ -n "${_APT_UPDATED:-}" ] || { apt-get update -qq; _APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "Missing system packages: $* (install them with apt-get as root)." >&2
    exit 1
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The suite runs the real tools: ffmpeg/ffprobe and clamd (started by the tests themselves).
command -v ffmpeg >/dev/null || apt_install ffmpeg
command -v clamd >/dev/null || apt_install clamav-daemon
# The pages are built with npm and checked in Debian's Chromium (driven by Playwright for Python).
command -v npm >/dev/null || apt_install nodejs npm
[ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
# wrk: the API benchmark's client (make bench).
command -v wrk >/dev/null || apt_install wrk
# promtool (Debian's prometheus package) checks and unit-tests the alert rules.
command -v promtool >/dev/null || apt_install prometheus

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | head -n1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
if ! port_open 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
fi
for _ in $(seq 50); do port_open 5432 && port_open 6379 && break; sleep 0.2; done
# The test runner creates test_video_service itself; the base database keeps Django's
# migration-consistency check (makemigrations --check) quiet.
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='video_service'" \
  | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE video_service" || true
