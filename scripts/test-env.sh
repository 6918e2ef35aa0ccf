#!/usr/bin/env bash
# Installs the system packages the test suite drives for real (a syslog daemon that
# ships to the bulk endpoint). Idempotent; needs root or sudo on Debian.
set -euo pipefail

packages=(rsyslog rsyslog-elasticsearch chromium)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done

if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The package may start a system rsyslogd; the tests run their own instances.
