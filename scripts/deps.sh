#!/bin/sh
# Installs the Debian packages ckube needs to build, test and run, when missing.
# Usage: scripts/deps.sh [build|test|run|bench|fuzz]...
set -e
want="gcc make pkg-config libssl-dev libsqlite3-dev libjansson-dev libyaml-dev libh2o-evloop-dev libcurl4-openssl-dev libsodium-dev openssl tzdata"
for role in "$@"; do
    case "$role" in
    build) ;;
    test) want="$want python3 curl clang-format openssl kubernetes-client" ;;
    run) ;;
    bench) want="$want nginx curl" ;;
    fuzz) want="$want clang libclang-rt-14-dev" ;;
    *) echo "deps.sh: unknown role '$role'" >&2; exit 2 ;;
    esac
done
missing=""
for p in $want; do
    # kubectl may come from the machine rather than Debian's kubernetes-client.
    if [ "$p" = kubernetes-client ] && [ -x /usr/bin/kubectl ]; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
