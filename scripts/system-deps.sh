#!/usr/bin/env bash
# Check the system packages Maestro needs outside its virtualenv, and install the missing ones
# when we can (root on Debian/Ubuntu). Otherwise stop with the exact command to run.
#
#   scripts/system-deps.sh demo   WeasyPrint's Pango (PDF rendering)
#   scripts/system-deps.sh test   + PostgreSQL server, Redis server, Chromium and fonts
#                                   (the real-backend test run and the browser tests)
set -euo pipefail

profile=${1:-test}
case "$profile" in
    demo | test) ;;
    *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

have_lib() { # soname
    ldconfig -p 2>/dev/null | grep -q "$1" && return 0
    # ldconfig may be outside PATH for non-root users; fall back to the usual library dirs.
    compgen -G "/usr/lib/*/$1*" >/dev/null || compgen -G "/usr/lib/$1*" >/dev/null
}
have_pg_ctl() {
    compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && return 0
    command -v pg_ctl >/dev/null 2>&1
}
have_chromium() { [[ -x /usr/bin/chromium || -x /usr/lib/chromium/chromium ]]; }
have_fonts() {
    # WeasyPrint and Chromium need at least one real font; DejaVu is the Debian default.
    compgen -G "/usr/share/fonts/truetype/dejavu/DejaVuSans*.ttf" >/dev/null && return 0
    command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list 2>/dev/null | head -n1)" ]]
}

missing=()
have_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
if [[ "$profile" == test ]]; then
    have_pg_ctl || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    have_chromium || missing+=(chromium)
    have_fonts || missing+=(fonts-dejavu-core)
fi

if ((${#missing[@]} == 0)); then
    echo "System packages for '$profile': all present."
    exit 0
fi

echo "System packages for '$profile': missing ${missing[*]}"
if [[ -n "${_MAESTRO_SYSDEPS_RECHECK:-}" ]]; then
    echo "error: still missing after apt-get install; check the apt output above." >&2
    exit 1
fi
install_cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "Run this, then retry:" >&2
        echo "  sudo sh -c '$install_cmd'" >&2
    else
        echo "This is not a Debian/Ubuntu system: install the equivalents of" >&2
        echo "  ${missing[*]}" >&2
        echo "with your package manager, then retry." >&2
    fi
    exit 1
fi

# We only need the binaries: keep the packages' maintainer scripts from starting system-wide
# PostgreSQL/Redis services on their default ports (our tests start throwaway servers).
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

echo "+ $install_cmd"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

# Verify that what we installed provides what we check for (no exec: the trap must run).
_MAESTRO_SYSDEPS_RECHECK=1 "$0" "$profile"
