#!/usr/bin/env bash
# Set up everything Siaran needs to run from this checkout: Debian packages
# (only when missing; installing them needs root), then a virtualenv in .venv
# with the project installed in editable mode.
#
# Usage: scripts/bootstrap.sh [--test]
#   --test  also install what the test suite needs (test extras, shellcheck,
#           systemd-analyze, chromium for the browser tests, and the Jasmin SMPP
#           gateway with RabbitMQ and Redis for tests/smpp via scripts/jasmin-setup).
#
# Sourced by scripts/demo and scripts/test; safe to run again (idempotent).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SIARAN_VENV:-$here/.venv}"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Debian packages: build tools for systemd-python, venv support.
apt_pkgs=(python3 python3-venv python3-dev gcc pkg-config libsystemd-dev)
if [ "$want_test" = 1 ]; then
    apt_pkgs+=(shellcheck systemd dosfstools udev chromium chromium-driver fonts-liberation openssl)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        sudo=(none)
    fi
    if [ "${sudo[0]:-}" != none ]; then
        echo "siaran: installing Debian packages: ${missing[*]}" >&2
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "siaran: these Debian packages are missing: ${missing[*]}" >&2
        echo "        install them once as root with:" >&2
        echo "        apt-get install ${missing[*]}" >&2
        echo "        (paket Debian ini belum terpasang; pasang dengan perintah di atas)" >&2
        exit 1
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp="$venv/.siaran-installed"
extras=""
[ "$want_test" = 1 ] && extras="[test]"
want="$(sha256sum "$here/pyproject.toml" | cut -d' ' -f1)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e "$here$extras"
    echo "$want" > "$stamp"
fi

# The SMPP integration tests route through a real Jasmin gateway (own venv, quick when already there).
if [ "$want_test" = 1 ]; then
    "$here/scripts/jasmin-setup"
fi
