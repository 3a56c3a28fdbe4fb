# Sourced by .ci/run: install (Debian's postgresql), initialise and start a throw-away
# PostgreSQL server in a temporary folder, and export O2OPT_TEST_POSTGRES_URL for the tests.
# initdb and pg_ctl refuse to run as root, so they run as the 'postgres' user.
pg_start() {
  local bin port
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    local sudo_cmd=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo -n"; fi
    { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y postgresql; } >/dev/null 2>&1 \
      || { echo "warning: could not install postgresql; the PostgreSQL tests will skip" >&2; return 0; }
  fi
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_DIR="$(mktemp -d /tmp/o2opt-pg.XXXXXX)"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local as_pg=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=on" start >/dev/null
  PG_STOP=("${as_pg[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop)
  export O2OPT_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "started PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on port $port"
}
pg_stop() {
  if [ -n "${PG_DIR:-}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; fi
}
