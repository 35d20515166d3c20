#!/usr/bin/env bash
# `make run-services`: the backend and the board together on 127.0.0.1, no cluster
# (`make run` is the whole platform: tools/localplatform). Ctrl-C stops both
# (each process is ended by its own PID; the backend drains gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."
backend_port=${BACKEND_PORT:-8080}
frontend_port=${FRONTEND_PORT:-8090}
sha=$(git rev-parse HEAD 2>/dev/null || true)
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)

BACKEND_PORT=$backend_port BACKEND_GIT_SHA=$sha BACKEND_VERSION=$version \
    BACKEND_DRAIN_DELAY_SECONDS=${BACKEND_DRAIN_DELAY_SECONDS:-0} .venv/bin/backend &
backend_pid=$!
FRONTEND_PORT=$frontend_port FRONTEND_BACKEND_URL=http://127.0.0.1:$backend_port \
    FRONTEND_VERSION=$version .venv/bin/frontend &
frontend_pid=$!

stop() {
    trap - INT TERM EXIT
    kill -INT "$frontend_pid" "$backend_pid" 2>/dev/null || true
    wait "$frontend_pid" "$backend_pid" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo "backend:  http://127.0.0.1:$backend_port/meta"
echo "board:    http://127.0.0.1:$frontend_port/"
echo "(FRONTEND_KUBECONFIG=<path> shows a cluster on the board; Ctrl-C stops both)"
wait -n "$backend_pid" "$frontend_pid"
