#!/usr/bin/env bash
# Starts Debian's PostgreSQL for the tests (installed by setup.sh --browser) and makes sure the
# current OS user may use it over the local socket, then prints the test database's URL.
# Only the tests need it: serve.sh runs on the embedded SQLite default.
set -euo pipefail
database="${1:-bplab_test}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
read -r version cluster _port status _ < <(pg_lsclusters --no-header | head -n 1)
[ "$status" = online ] || $sudo pg_ctlcluster "$version" "$cluster" start >&2
user="$(id -un)"
# a superuser role named like the OS user: peer authentication over the socket, no password
$sudo su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\"" | grep -q 1 \
  || $sudo su postgres -c "createuser --superuser '$user'" >&2
psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 || createdb "$database"
echo "postgresql:///$database?host=/var/run/postgresql"
