#!/usr/bin/env bash
# make run: migrate, seed, then run API, worker, beat and Flower in the foreground.
# Ctrl-C (or SIGTERM) stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PORT="${PORT:-3000}" FLOWER_PORT="${FLOWER_PORT:-5555}"
export FLOWER_BASIC_AUTH="${FLOWER_BASIC_AUTH:-admin:wallet-dev}"

"$BIN/python" scripts/preflight.py
"$BIN/alembic" upgrade head 2>&1 | grep -v "^INFO  \[alembic.runtime.migration\] \(Context\|Will\)" || true
"$BIN/python" -m ledger.seed

pids=()
start() { "$@" & pids+=($!); }
stop() {
    trap - INT TERM EXIT
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait || true
}
trap stop INT TERM EXIT

start "$BIN/python" api_server.py
PROMETHEUS_MULTIPROC_DIR="$(mktemp -d -t wallet-worker-metrics-XXXX)" \
    start "$BIN/celery" -A worker.celery_app worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}"
start "$BIN/celery" -A worker.celery_app beat --loglevel=INFO --schedule="$BIN/../celerybeat-schedule"
# Flower keeps every task it hears of in memory: keep the last FLOWER_MAX_TASKS only.
start "$BIN/celery" -A worker.celery_app flower --port="$FLOWER_PORT" --basic-auth="$FLOWER_BASIC_AUTH" \
    --max_tasks="${FLOWER_MAX_TASKS:-10000}"
echo "wallet: API on :$PORT, Flower on :$FLOWER_PORT (Ctrl-C stops everything)"
wait -n
echo "a process exited; stopping the others" >&2
exit 1
