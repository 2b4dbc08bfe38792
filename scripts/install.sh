#!/usr/bin/env bash
# Install Siaran on a Raspberry Pi OS (Bookworm) box: Debian packages, a
# service user, and a virtualenv in /opt/siaran with this checkout installed.
# Idempotent: running it again upgrades in place.
#
# This first version installs the software only; systemd units, udev rules,
# UART set-up and the hardware watchdog arrive with issue #6.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (sudo scripts/install.sh)" >&2
    echo "install.sh: jalankan sebagai root (sudo scripts/install.sh)" >&2
    exit 1
fi

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${SIARAN_PREFIX:-/opt/siaran}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    python3 python3-venv python3-dev gcc pkg-config libsystemd-dev >/dev/null

if ! id siaran >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/siaran --shell /usr/sbin/nologin siaran
fi
for group in dialout gpio; do
    if getent group "$group" >/dev/null; then
        usermod -a -G "$group" siaran
    fi
done

install -d -m 0755 "$prefix"
if [ ! -x "$prefix/venv/bin/python" ]; then
    python3 -m venv "$prefix/venv"
fi
"$prefix/venv/bin/python" -m pip install -q --upgrade pip
"$prefix/venv/bin/python" -m pip install -q "$src"
ln -sf "$prefix/venv/bin/siaran" /usr/local/bin/siaran

echo "Siaran installed: $(/usr/local/bin/siaran --help | head -n 1)"
