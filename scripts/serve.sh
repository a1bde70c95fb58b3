#!/usr/bin/env bash
# Sets up what is missing, then serves Backprop Lab on http://127.0.0.1:8000 (sessions in
# data/sessions.sqlite3 unless BPLAB_DB names another file). For a classroom, let the
# students' laptops in with HOST=0.0.0.0; WORKERS=4 runs four processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/uvicorn app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --workers "${WORKERS:-1}" \
  --timeout-graceful-shutdown 5  # open room streams never end by themselves: give them 5 s, then stop
