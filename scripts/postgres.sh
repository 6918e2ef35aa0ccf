#!/usr/bin/env bash
# A PostgreSQL server on 127.0.0.1 for the test suite, in a cluster of its own.
#
#   scripts/postgres.sh start   install once, start unless running, print the URL
#   scripts/postgres.sh stop    stop the server this script started
#   scripts/postgres.sh url     print the URL
#
# Settings, from the environment:
#   MOZDEF_TEST_POSTGRES_PORT   TCP port (default 5433, beside a system server on 5432)
#   MOZDEF_TEST_CACHE           the cluster's parent folder when not run as root
#                               (default ~/.cache/mozdef-test)
#
# It uses Debian's PostgreSQL binaries (the `postgresql` package, installed when no
# /usr/lib/postgresql/*/bin/pg_ctl is there) but not Debian's cluster tools: the
# cluster is made by initdb under /var/lib/mozdef-test/pg-<port> and run by pg_ctl, as
# the system user postgres under root (PostgreSQL refuses to run as root), so nothing
# here needs systemd or touches the system's default cluster. It is a test server:
# it listens on loopback only, trusts every local connection, skips fsync, and its
# database mozdef_test (owned by the role mozdef_test) is made afresh at each start.
set -euo pipefail

PORT=${MOZDEF_TEST_POSTGRES_PORT:-5433}
ROLE=mozdef_test
DATABASE=mozdef_test
URL="postgresql+psycopg://${ROLE}@127.0.0.1:${PORT}/${DATABASE}"
CACHE=${MOZDEF_TEST_CACHE:-${HOME:-/root}/.cache/mozdef-test}
SERVER_USER=postgres

if [[ $(id -u) -eq 0 ]]; then
    BASE=/var/lib/mozdef-test
else
    BASE=$CACHE
fi
NODE_DIR="$BASE/pg-$PORT"
DATA_DIR="$NODE_DIR/data"
LOG_FILE="$NODE_DIR/postgres.log"

log() { echo "postgres.sh: $*" >&2; }

as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        "$@"
    fi
}

# The bin folder of the newest PostgreSQL installed, or nothing.
bin_dir() {
    local found
    found=$(compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" | sort -V | tail -n 1 || true)
    [[ -n $found ]] && dirname "$found"
}

install_server() {
    bin_dir >/dev/null && return 0
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends postgresql
    bin_dir >/dev/null || {
        log "postgresql installed, but no /usr/lib/postgresql/*/bin/pg_ctl"
        exit 1
    }
}

ensure_server_user() {
    [[ $(id -u) -eq 0 ]] || return 0
    id -u "$SERVER_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVER_USER"
}

psql_admin() {
    PGOPTIONS="-c client_min_messages=warning" "$(bin_dir)/psql" -h 127.0.0.1 -p "$PORT" \
        -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

ready() {
    local bin
    bin=$(bin_dir) || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U postgres
}

running() {
    [[ -s $DATA_DIR/postmaster.pid ]] || return 1
    kill -0 "$(head -n 1 "$DATA_DIR/postmaster.pid")" 2>/dev/null
}

init_cluster() {
    [[ -s $DATA_DIR/PG_VERSION ]] && return 0
    log "creating a cluster in $DATA_DIR"
    rm -rf "$DATA_DIR"
    mkdir -p "$NODE_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$SERVER_USER:" "$NODE_DIR"
    fi
    as_server_user "$(bin_dir)/initdb" -D "$DATA_DIR" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$NODE_DIR/initdb.log" 2>&1 || {
        log "initdb failed:"
        cat "$NODE_DIR/initdb.log" >&2
        exit 1
    }
}

launch() {
    log "starting on 127.0.0.1:$PORT from $DATA_DIR"
    # Sockets in the cluster's own folder: /var/run/postgresql may not exist or be
    # writable, and the tests connect over TCP anyway.
    local options="-c listen_addresses=127.0.0.1 -p $PORT -k $NODE_DIR"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    options+=" -c max_connections=200"
    as_server_user "$(bin_dir)/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
        -o "$options" >&2 || {
        log "the server did not start; last log lines:"
        tail -n 40 "$LOG_FILE" >&2 || true
        exit 1
    }
}

wait_until_ready() {
    local deadline=$((SECONDS + 60))
    until ready; do
        if ((SECONDS >= deadline)); then
            log "not ready after 60 s; last log lines:"
            tail -n 40 "$LOG_FILE" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

# The role, and its database made afresh: schemas left by killed test runs go with it.
create_database() {
    if [[ -z $(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'") ]]; then
        psql_admin -c "CREATE ROLE $ROLE LOGIN"
    fi
    psql_admin -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)"
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0"
}

start() {
    if ready; then
        echo "$URL"
        return
    fi
    if running; then
        log "a server started here is not ready yet; waiting"
        wait_until_ready
        echo "$URL"
        return
    fi
    install_server
    ensure_server_user
    init_cluster
    launch
    wait_until_ready
    create_database
    echo "$URL"
}

stop() {
    if ! running; then
        log "no server running from $DATA_DIR"
        return
    fi
    as_server_user "$(bin_dir)/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 >&2
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$URL" ;;
    *)
        echo "usage: $0 start|stop|url" >&2
        exit 2
        ;;
esac
