#!/usr/bin/env bash
# Make sure a PostgreSQL server answers and that the current OS user may create
# databases on it. With PGHOST set, that server is used as it is. Otherwise a
# local cluster is started when installed but stopped, and PostgreSQL is
# installed with apt-get when absent.
set -euo pipefail

say() { printf '[postgres] %s\n' "$*"; }

if [ -n "${PGHOST:-}" ]; then
  if pg_isready -q; then
    say "using the server at PGHOST=$PGHOST"
    exit 0
  fi
  say "PGHOST=$PGHOST is set but no server answers there (check PGHOST/PGPORT/PGUSER/PGPASSWORD)."
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL is not installed and apt-get is not available."
    say "Install PostgreSQL 12+ or point PGHOST/PGUSER/PGPASSWORD at a running server."
    exit 1
  fi
  say "PostgreSQL is not installed: installing it with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi

# Start every installed cluster that is down (normally just one).
pg_lsclusters --no-header | while read -r version name _port status _rest; do
  if [ "$status" != "online" ]; then
    say "starting cluster $version/$name"
    as_root pg_ctlcluster "$version" "$name" start
  fi
done

for _ in $(seq 1 30); do
  pg_isready -q && break
  sleep 1
done
pg_isready -q || { say "the local PostgreSQL server does not answer"; exit 1; }

# Odoo connects over the local socket as the OS user: give it a role.
user=$(id -un)
if [ "$user" = "postgres" ]; then
  say "do not run Odoo as the postgres user"
  exit 1
fi
exists=$(as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$user'\"" 2>/dev/null || true)
if [ "$exists" != "1" ]; then
  say "creating the database role '$user'"
  as_root su postgres -c "createuser --createdb '$user'"
fi
say "ready"
