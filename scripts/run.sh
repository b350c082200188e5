#!/usr/bin/env bash
# make run (and make reset): the launcher package does the work; see launcher/__init__.py.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec .venv/bin/python -m launcher "${1:-run}"
