#!/usr/bin/env bash
# A single RabbitMQ node on 127.0.0.1 for the test suite, without systemd or Docker.
#
#   scripts/rabbitmq.sh start   install once, start unless running, print the AMQP URL
#   scripts/rabbitmq.sh stop    stop the node this script started
#   scripts/rabbitmq.sh resume  start the stopped node again, keeping its queues
#   scripts/rabbitmq.sh url     print the AMQP URL
#
# Settings, from the environment:
#   MOZDEF_TEST_RABBITMQ_PORT   AMQP port (default 5672); Erlang distribution uses port + 20000
#   MOZDEF_TEST_CACHE           the node's folder when not run as root (default ~/.cache/mozdef-test)
#
# It runs Debian's rabbitmq-server package as its own node (mozdef-test-PORT@localhost)
# with its own configuration, Erlang cookie, data and logs under
# /var/lib/mozdef-test/rabbitmq-PORT, as the `rabbitmq` system user the package
# creates (as the calling user when not root). It is a test node: its data is emptied
# each time it starts. The package's installer may start the default node (rabbit@host)
# on port 5672; when that node holds our port, this script stops it first.
set -euo pipefail

PORT=${MOZDEF_TEST_RABBITMQ_PORT:-5672}
URL="amqp://guest:guest@127.0.0.1:${PORT}/%2F"
NODE="mozdef-test-${PORT}@localhost"
SBIN=/usr/lib/rabbitmq/bin
CACHE=${MOZDEF_TEST_CACHE:-${HOME:-/root}/.cache/mozdef-test}

if [[ $(id -u) -eq 0 ]]; then
    BASE=/var/lib/mozdef-test/rabbitmq-$PORT
else
    BASE=$CACHE/rabbitmq-$PORT
fi
# Written by the broker once it boots; LAUNCHER_FILE holds the pid of the process this
# script started, alive from launch to shutdown.
PID_FILE="$BASE/rabbitmq.pid"
LAUNCHER_FILE="$BASE/launcher.pid"

log() { echo "rabbitmq.sh: $*" >&2; }

as_node_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u rabbitmq -- "$@"
    else
        "$@"
    fi
}

# The node's environment; RABBITMQ_* variables take precedence over rabbitmq-env.conf.
node_env() {
    as_node_user env HOME="$BASE" \
        RABBITMQ_NODENAME="$NODE" \
        RABBITMQ_USE_LONGNAME=false \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$PORT" \
        RABBITMQ_DIST_PORT="$((PORT + 20000))" \
        RABBITMQ_CONFIG_FILE="$BASE/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins" \
        RABBITMQ_MNESIA_BASE="$BASE/mnesia" \
        RABBITMQ_LOG_BASE="$BASE/log" \
        RABBITMQ_PID_FILE="$PID_FILE" \
        "$@"
}

# True when something on the port answers the AMQP 0-9-1 protocol header.
answers_amqp() {
    python3 - "$PORT" <<'EOF'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as sock:
        sock.settimeout(2)
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        # A broker answers with a method frame (type 1): connection.start.
        sys.exit(0 if sock.recv(1) == b"\x01" else 1)
except OSError:
    sys.exit(1)
EOF
}

install_system_packages() {
    local missing=()
    [[ -x $SBIN/rabbitmq-server ]] || missing+=(rabbitmq-server)
    command -v python3 >/dev/null || missing+=(python3)
    if ((${#missing[@]})); then
        local sudo_cmd=()
        [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
        log "installing ${missing[*]}"
        "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
}

running_pid() {
    [[ -s $LAUNCHER_FILE ]] || return 1
    local pid
    pid=$(cat "$LAUNCHER_FILE")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Stops what holds our port when it is a node of ours whose launcher is gone (an
# earlier run killed midway) or the package's default node; fails on any other holder.
free_port() {
    answers_amqp || return 0
    if [[ -d $BASE ]]; then
        log "port $PORT is taken; stopping a leftover node $NODE if it is one"
        node_env "$SBIN/rabbitmqctl" -q -n "$NODE" stop >/dev/null 2>&1 || true
        answers_amqp || return 0
    fi
    local default_node
    default_node="rabbit@$(hostname -s)"
    log "port $PORT is taken; stopping the package's default node $default_node"
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq \
            "$SBIN/rabbitmqctl" -q -n "$default_node" stop >&2 || true
    else
        sudo rabbitmqctl -q -n "$default_node" stop >&2 || true
    fi
    local deadline=$((SECONDS + 30))
    while answers_amqp; do
        if ((SECONDS >= deadline)); then
            log "port $PORT still answers AMQP and it is not the node $NODE:" \
                "stop that broker or set MOZDEF_TEST_RABBITMQ_PORT"
            exit 1
        fi
        sleep 1
    done
}

prepare_node_dir() {
    mkdir -p "$BASE"
    rm -rf "$BASE/log" "$BASE/launch.log" "$PID_FILE" "$LAUNCHER_FILE"
    [[ -n ${KEEP_DATA:-} ]] || rm -rf "$BASE/mnesia"
    mkdir -p "$BASE/mnesia" "$BASE/log"
    cat >"$BASE/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$PORT
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
    echo "[]." >"$BASE/enabled_plugins"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R rabbitmq: "$BASE"
    fi
}

launch() {
    log "starting node $NODE on 127.0.0.1:$PORT in $BASE"
    (
        cd "$BASE"
        node_env nohup "$SBIN/rabbitmq-server" >"$BASE/launch.log" 2>&1 </dev/null &
        echo $! >"$LAUNCHER_FILE"
    )
}

wait_until_ready() {
    local deadline=$((SECONDS + 90))
    until answers_amqp; do
        if ! running_pid >/dev/null; then
            log "the node exited; last log lines:"
            tail -n 40 "$BASE/launch.log" "$BASE"/log/*.log >&2 || true
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "no AMQP answer on port $PORT after 90 s; last log lines:"
            tail -n 40 "$BASE/launch.log" "$BASE"/log/*.log >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

start() {
    if running_pid >/dev/null; then
        wait_until_ready
        echo "$URL"
        return
    fi
    install_system_packages
    free_port
    prepare_node_dir
    launch
    wait_until_ready
    echo "$URL"
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        log "no node running from $BASE"
        return
    fi
    if ! node_env "$SBIN/rabbitmqctl" -q -n "$NODE" stop >&2; then
        # The launcher script turns TERM into a clean shutdown of the node.
        [[ -s $PID_FILE ]] && kill "$(cat "$PID_FILE")" 2>/dev/null || kill "$pid"
    fi
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 1
    done
    log "node $pid did not stop in 30 s; killing it"
    [[ -s $PID_FILE ]] && kill -9 "$(cat "$PID_FILE")" 2>/dev/null
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    resume) KEEP_DATA=1 start ;;
    url) echo "$URL" ;;
    *)
        echo "usage: $0 start|stop|resume|url" >&2
        exit 2
        ;;
esac
