#!/usr/bin/env bash
# Sets up everything Backprop Lab needs on a Debian machine (run as root, or with sudo rights):
# system packages when missing, the virtualenv .venv with the app and its test tools, and the
# front-end packages from package-lock.json. With --browser (the tests), also Debian's Chromium
# for the browser tests and Debian's PostgreSQL for the tests of the second backend. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=0
[ "${1:-}" = "--browser" ] && with_browser=1

apt_packages=()
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3 python3-venv python3-pip)
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)
if [ "$with_browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  # CJK glyphs, so the Chinese pages render in the browser tests and screenshots
  fc-list 2>/dev/null | grep -qi "noto.*cjk" || apt_packages+=(fonts-noto-cjk)
  command -v pg_lsclusters >/dev/null 2>&1 || apt_packages+=(postgresql)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
fi

# Each install runs only when its lock file changed since the last one, so a server restart
# needs no network (classrooms are often offline) and never replaces files a running server uses.
stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
if [ "$(cat .venv/.bplab-installed 2>/dev/null)" != "$(stamp pyproject.toml)" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
  stamp pyproject.toml > .venv/.bplab-installed
fi
if [ "$(cat node_modules/.bplab-installed 2>/dev/null)" != "$(stamp package.json package-lock.json)" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  stamp package.json package-lock.json > node_modules/.bplab-installed
fi
