#!/usr/bin/env bash
# A single-node OpenSearch on 127.0.0.1 for the test suite, without Docker.
#
#   scripts/opensearch.sh start   download once, start unless running, print the URL
#   scripts/opensearch.sh stop    stop the node this script started
#   scripts/opensearch.sh resume  start the stopped node again, keeping its data
#   scripts/opensearch.sh url     print the URL
#
# Settings, from the environment:
#   MOZDEF_TEST_OPENSEARCH_PORT   HTTP port (default 9200)
#   MOZDEF_TEST_CACHE             where the downloaded zip is kept (default ~/.cache/mozdef-test)
#   MOZDEF_TEST_OPENSEARCH_JAVA_OPTS  JVM options (default -Xms512m -Xmx1g)
#
# It runs OpenSearch's integration-test distribution (the server and its HTTP
# transport, no plugins) from Maven Central on Java 17. OpenSearch refuses to run as
# root, so under root the node runs as the system user mozdef-test from a folder
# outside /root. It is a test node: its data and snapshot folders are emptied each
# time it starts. The snapshot repository folder (path.repo) is printed by `url -v`.
set -euo pipefail

VERSIONS=(2.19.6 2.19.5 2.19.4 2.19.3 2.19.2 2.19.1 2.19.0)
ARTIFACT=org.opensearch.distribution.integ-test-zip:opensearch
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
PORT=${MOZDEF_TEST_OPENSEARCH_PORT:-9200}
URL="http://127.0.0.1:${PORT}"
JAVA_OPTS=${MOZDEF_TEST_OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g}
CACHE=${MOZDEF_TEST_CACHE:-${HOME:-/root}/.cache/mozdef-test}
NODE_USER=mozdef-test

if [[ $(id -u) -eq 0 ]]; then
    BASE=/var/lib/mozdef-test
else
    BASE=$CACHE
fi
NODE_DIR="$BASE/node-$PORT"
PID_FILE="$NODE_DIR/opensearch.pid"

log() { echo "opensearch.sh: $*" >&2; }

as_node_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$NODE_USER" -- "$@"
    else
        "$@"
    fi
}

healthy() {
    # Yellow is the best one node can be: replicas have nowhere to go.
    python3 - "$URL" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/_cluster/health", timeout=2) as answer:
        status = json.load(answer).get("status")
except Exception:
    sys.exit(1)
sys.exit(0 if status in ("yellow", "green") else 1)
EOF
}

install_system_packages() {
    local missing=()
    command -v unzip >/dev/null || missing+=(unzip)
    command -v mvn >/dev/null || missing+=(maven)
    command -v python3 >/dev/null || missing+=(python3)
    compgen -G "/usr/lib/jvm/java-17-openjdk-*/bin/java" >/dev/null \
        || missing+=(openjdk-17-jre-headless)
    if ((${#missing[@]})); then
        local sudo_cmd=()
        [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        "${sudo_cmd[@]}" apt-get update -q
        "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

java_home() {
    local java
    java=$(compgen -G "/usr/lib/jvm/java-17-openjdk-*/bin/java" | head -n 1)
    dirname "$(dirname "$java")"
}

# Prints the path of the cached zip, downloading the newest version that resolves.
download() {
    mkdir -p "$CACHE"
    local version zip
    for version in "${VERSIONS[@]}"; do
        zip="$CACHE/opensearch-$version.zip"
        if [[ -s $zip ]]; then
            echo "$zip"
            return
        fi
    done
    for version in "${VERSIONS[@]}"; do
        log "downloading $ARTIFACT:$version:zip"
        if mvn -B -q "$DEPENDENCY_PLUGIN:copy" -Dartifact="$ARTIFACT:$version:zip" \
            -DoutputDirectory="$CACHE" >&2; then
            echo "$CACHE/opensearch-$version.zip"
            return
        fi
    done
    log "no version of $ARTIFACT resolved (tried ${VERSIONS[*]})"
    exit 1
}

ensure_node_user() {
    [[ $(id -u) -eq 0 ]] || return 0
    id -u "$NODE_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --shell /usr/sbin/nologin "$NODE_USER"
}

# Unpacks the zip into NODE_DIR/home once; empties data, logs and the snapshot folder
# unless KEEP_DATA is set.
prepare_node_dir() {
    local zip=$1 home="$NODE_DIR/home"
    mkdir -p "$NODE_DIR"
    if [[ ! -x $home/bin/opensearch ]]; then
        rm -rf "$home" "$NODE_DIR/unpack"
        unzip -q "$zip" -d "$NODE_DIR/unpack"
        mv "$NODE_DIR"/unpack/opensearch-* "$home"
        rmdir "$NODE_DIR/unpack"
    fi
    if [[ -z ${KEEP_DATA:-} ]]; then
        rm -rf "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots" "$NODE_DIR/launch.log"
    fi
    mkdir -p "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots" "$NODE_DIR/tmp"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R "$NODE_USER:" "$NODE_DIR"
    fi
}

running_pid() {
    [[ -s $PID_FILE ]] || return 1
    local pid
    pid=$(cat "$PID_FILE")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
    if healthy; then
        echo "$URL"
        return
    fi
    if running_pid >/dev/null; then
        log "a node started here is not healthy yet; waiting"
    else
        install_system_packages
        local zip
        zip=$(download)
        ensure_node_user
        prepare_node_dir "$zip"
        launch
    fi
    wait_until_healthy
    echo "$URL"
}

launch() {
    local java
    java=$(java_home)
    log "starting on $URL with $java"
    (
        cd "$NODE_DIR"
        as_node_user env JAVA_HOME="$java" OPENSEARCH_JAVA_HOME="$java" \
            OPENSEARCH_JAVA_OPTS="$JAVA_OPTS" OPENSEARCH_TMPDIR="$NODE_DIR/tmp" \
            "$NODE_DIR/home/bin/opensearch" -d -p "$PID_FILE" \
            -Ediscovery.type=single-node \
            -Enetwork.host=127.0.0.1 \
            -Ehttp.port="$PORT" \
            -Etransport.port="$((PORT + 100))" \
            -Epath.data="$NODE_DIR/data" \
            -Epath.logs="$NODE_DIR/logs" \
            -Epath.repo="$NODE_DIR/snapshots" \
            -Ecluster.name="mozdef-test-$PORT" \
            -Ecluster.routing.allocation.disk.threshold_enabled=false \
            >"$NODE_DIR/launch.log" 2>&1
    )
}

wait_until_healthy() {
    local deadline=$((SECONDS + 120))
    until healthy; do
        if ((SECONDS >= deadline)); then
            log "not healthy after 120 s; last log lines:"
            tail -n 40 "$NODE_DIR"/logs/*.log >&2 || true
            exit 1
        fi
        if ! running_pid >/dev/null && ((SECONDS > deadline - 110)); then
            log "the node exited; last log lines:"
            tail -n 40 "$NODE_DIR/launch.log" "$NODE_DIR"/logs/*.log >&2 || true
            exit 1
        fi
        sleep 1
    done
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        log "no node running from $NODE_DIR"
        return
    fi
    kill "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 1
    done
    log "node $pid did not stop in 60 s; killing it"
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    resume) KEEP_DATA=1 start ;;
    url)
        echo "$URL"
        if [[ ${2:-} == -v ]]; then echo "path.repo=$NODE_DIR/snapshots"; fi
        ;;
    *)
        echo "usage: $0 start|stop|resume|url [-v]" >&2
        exit 2
        ;;
esac
