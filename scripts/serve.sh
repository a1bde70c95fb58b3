#!/usr/bin/env bash
# Sets everything up, then serves Backprop Lab on http://127.0.0.1:8000 (sessions in
# data/sessions.sqlite3 unless BPLAB_DB names another file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/uvicorn app.main:app --host 127.0.0.1 --port "${PORT:-8000}"
