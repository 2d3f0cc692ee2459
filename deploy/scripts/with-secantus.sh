#!/usr/bin/env bash
# Run a command with MONGODB_URL pointing at a throwaway MongoDB-compatible server (SecantusDB,
# from PyPI, in memory, on loopback). Used by `make test` for the annotations' MongoDB run.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
.venv/bin/secantusd-py --host 127.0.0.1 --port "$port" --storage-path :memory: >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
MONGODB_URL="mongodb://127.0.0.1:$port/" "$@"
