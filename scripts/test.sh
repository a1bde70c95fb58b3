#!/usr/bin/env bash
# Sets everything up (Chromium included), then runs the whole test suite, browser tests too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
exec .venv/bin/python -m pytest "$@"
