#!/usr/bin/env bash
# Print the path of a Python >= 3.12 that can create a virtualenv with pip (venv + ensurepip).
# Used by `make` to bootstrap .venv. Every candidate is run and its real version checked:
# pyenv shims exist for versions that are not selected and refuse to run, and `python3` is
# whatever the distribution ships (3.11 on Debian 12).
#
# Override with PYTHON=/path/to/python3.12 (make PYTHON=...).
set -euo pipefail

MIN_MAJOR=3
MIN_MINOR=12
check='import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (%d, %d) else 1)'
check=$(printf "$check" "$MIN_MAJOR" "$MIN_MINOR")
version='import sys; print("%d.%d.%d" % sys.version_info[:3])'

candidates=()
if [[ -n "${PYTHON:-}" ]]; then
    candidates+=("$PYTHON")
fi
for name in python3.14 python3.13 python3.12 python3; do
    candidates+=("$name")
done
for dir in /usr/local/bin /usr/bin; do
    for path in "$dir"/python3.1[2-9]; do
        [[ -x "$path" ]] && candidates+=("$path")
    done
done
# pyenv installs that are not the global version: their shims refuse to run, the binaries don't.
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv"; do
    [[ -n "$root" && -d "$root/versions" ]] || continue
    while IFS= read -r path; do
        candidates+=("$path")
    done < <(ls -d "$root"/versions/3.1[2-9]*/bin/python3.1[2-9] 2>/dev/null | sort -rV)
done
# uv-managed or otherwise discoverable interpreters (never downloads).
if command -v uv >/dev/null 2>&1; then
    if found=$(UV_PYTHON_DOWNLOADS=never uv python find ">=$MIN_MAJOR.$MIN_MINOR" 2>/dev/null); then
        candidates+=("$found")
    fi
fi

rejected=()
for candidate in "${candidates[@]}"; do
    if ! path=$(command -v "$candidate" 2>/dev/null); then
        continue
    fi
    if "$path" -c "$check" >/dev/null 2>&1; then
        echo "$path"
        exit 0
    fi
    got=$("$path" -c "$version" 2>/dev/null || echo "does not run")
    rejected+=("  $path ($got)")
done

{
    echo "error: no Python >= $MIN_MAJOR.$MIN_MINOR with the venv and ensurepip modules was found."
    if ((${#rejected[@]})); then
        echo "Rejected (too old, refused to run, or missing venv/ensurepip):"
        printf '%s\n' "${rejected[@]}"
    fi
    echo "Install one (Debian 13: apt-get install python3 python3-venv; or pyenv install 3.12)"
    echo "or point at it: make PYTHON=/path/to/python3.12 ..."
} >&2
exit 1
