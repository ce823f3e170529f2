#!/usr/bin/env bash
# pg_ctl for pytest-postgresql that also works as root (CI runs as root).
#
# initdb and postgres refuse to run as root, and pytest-postgresql runs everything through one
# executable: `pg_ctl initdb --pgdata D -o ...`, `pg_ctl start -D D ... -l LOG`, `pg_ctl status`,
# `pg_ctl stop`, `pg_ctl --version`. As root, this wrapper hands the data directory's parent
# (a pytest temp folder that also holds the log file) to the `postgres` system user created by
# Debian's postgresql package, makes the path to it traversable, and runs the real pg_ctl as
# that user. As anyone else it just runs the real pg_ctl.
#
# The real pg_ctl: $MAESTRO_PG_CTL, else the newest /usr/lib/postgresql/*/bin/pg_ctl,
# else `pg_config --bindir`/pg_ctl, else pg_ctl on PATH.
set -euo pipefail

find_pg_ctl() {
    if [[ -n "${MAESTRO_PG_CTL:-}" ]]; then
        echo "$MAESTRO_PG_CTL"
        return
    fi
    local newest
    newest=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1 || true)
    if [[ -n "$newest" ]]; then
        echo "$newest"
        return
    fi
    local bindir
    if bindir=$(pg_config --bindir 2>/dev/null) && [[ -x "$bindir/pg_ctl" ]]; then
        echo "$bindir/pg_ctl"
        return
    fi
    command -v pg_ctl || {
        echo "pg_ctl_as_postgres: no PostgreSQL server found (apt-get install postgresql)." >&2
        exit 127
    }
}

real_pg_ctl=$(find_pg_ctl)

if [[ $(id -u) -ne 0 ]]; then
    exec "$real_pg_ctl" "$@"
fi

id postgres >/dev/null 2>&1 || {
    echo "pg_ctl_as_postgres: running as root needs the 'postgres' user (apt-get install postgresql)." >&2
    exit 1
}

datadir=""
logfile=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        -D | --pgdata) datadir=${args[i + 1]:-} ;;
        -D?*) datadir=${args[i]#-D} ;;
        --pgdata=*) datadir=${args[i]#--pgdata=} ;;
        -l | --log) logfile=${args[i + 1]:-} ;;
        --log=*) logfile=${args[i]#--log=} ;;
    esac
done

make_traversable() { # every parent of $1, so that postgres can reach it (not list it)
    local parent
    parent=$(dirname "$(realpath -m "$1")")
    while [[ "$parent" != "/" ]]; do
        if ! runuser -u postgres -- test -x "$parent"; then
            chmod o+x "$parent"
        fi
        parent=$(dirname "$parent")
    done
}

give_to_postgres() { # directory that will hold the data directory or the log file
    local dir
    dir=$(realpath -m "$1")
    # Never hand over a top-level directory such as /tmp itself: only a folder made for us.
    if [[ "$(dirname "$dir")" == "/" ]]; then
        echo "pg_ctl_as_postgres: refusing to chown top-level directory $dir" >&2
        exit 1
    fi
    mkdir -p "$dir"
    chown -R postgres: "$dir"
}

# pytest's temp folders are 0700 root, and every new pytest session resets the top one to 0700,
# so check the path on every call (status and stop included), not only when starting.
if [[ -n "$datadir" ]]; then
    if [[ "${args[0]:-}" == initdb || "${args[0]:-}" == start ]]; then
        give_to_postgres "$(dirname "$datadir")"
    fi
    make_traversable "$datadir"
fi
if [[ -n "$logfile" ]]; then
    give_to_postgres "$(dirname "$logfile")"
    make_traversable "$logfile"
fi

# postgres may not be allowed into the caller's working directory; every path we get is absolute.
cd /
exec runuser -u postgres -- "$real_pg_ctl" "$@"
