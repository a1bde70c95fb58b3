#!/usr/bin/env bash
# Sets everything up (Chromium and PostgreSQL included), starts PostgreSQL, then runs the whole
# test suite: browser tests, and the store's tests on both backends (SQLite and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
BPLAB_TEST_DATABASE_URL="${BPLAB_TEST_DATABASE_URL:-$(bash scripts/postgres.sh bplab_test)}"
export BPLAB_TEST_DATABASE_URL
exec .venv/bin/python -m pytest "$@"
