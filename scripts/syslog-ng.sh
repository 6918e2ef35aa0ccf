#!/usr/bin/env bash
# syslog-ng with its AMQP destination, for the test suite, beside rsyslog.
#
#   scripts/syslog-ng.sh fetch   print the path of a syslog-ng binary that has amqp()
#
# Debian's syslog-ng and rsyslog packages conflict (both provide the system log
# daemon), and the test suite drives both. So syslog-ng's packages are downloaded and
# unpacked into a folder of their own (never installed as the system's logger); only
# their shared libraries, which conflict with nothing, are installed with apt. Prints
# the folder holding `usr/sbin/syslog-ng`; run it with LD_LIBRARY_PATH set to
# <folder>/usr/lib/syslog-ng and --module-path=<folder>/usr/lib/syslog-ng/<version>.
set -euo pipefail

CACHE=${MOZDEF_TEST_CACHE:-${HOME:-/root}/.cache/mozdef-test}
ROOT="$CACHE/syslog-ng"
PACKAGES=(syslog-ng-core syslog-ng-mod-amqp)
LIBRARIES=(libivykis0 libnet1 libpcre3 libwrap0 librabbitmq4 libjson-c5 libglib2.0-0)

log() { echo "syslog-ng.sh: $*" >&2; }

fetch() {
    if [[ -x $ROOT/usr/sbin/syslog-ng ]] && compgen -G "$ROOT/usr/lib/syslog-ng/*/libafamqp.so" >/dev/null; then
        echo "$ROOT"
        return
    fi
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    local missing=()
    for package in "${LIBRARIES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        "${sudo_cmd[@]}" apt-get update -q >&2
        "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
    local debs
    debs=$(mktemp -d)
    chmod 777 "$debs"
    (cd "$debs" && apt-get download "${PACKAGES[@]}" >&2)
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    for deb in "$debs"/*.deb; do
        dpkg -x "$deb" "$ROOT"
    done
    rm -rf "$debs"
    echo "$ROOT"
}

case "${1:-}" in
    fetch) fetch ;;
    *)
        echo "usage: $0 fetch" >&2
        exit 2
        ;;
esac
