#!/usr/bin/env bash
# The pages' assets are built with Node.js and npm (the npm registry's packages, bundled by esbuild).
set -euo pipefail
command -v npm >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Node.js and npm with apt-get..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
else
  echo "npm is needed to build the pages' assets: sudo apt-get install nodejs npm" >&2
  exit 1
fi
