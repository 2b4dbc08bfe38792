#!/usr/bin/env bash
# Install Siaran on Raspberry Pi OS Bookworm Lite (or Trixie): Debian packages, the
# `siaran` service user, a virtualenv in /opt/siaran with this checkout installed,
# /etc/siaran/siaran.toml (only when absent), the systemd units and udev rule, the
# UART for the modem (serial console off, Bluetooth moved off the UART) and the
# hardware watchdog. Idempotent: running it again upgrades the software in place and
# leaves everything else as it is. See docs/install.md.
#
# Usage: sudo scripts/install.sh [--no-apt] [--no-systemctl] [--no-venv] [--force-os]
#                                [--wheels DIR] [--debs DIR]
#        scripts/install.sh --root DIR [--no-venv]          (staging, for tests)
#        scripts/install.sh --list-packages                 (the Debian packages it needs)
#
#   --root DIR      staging: write every file under DIR instead of / and run no system
#                   command (apt-get, useradd, usermod, chown, raspi-config, systemctl,
#                   udevadm); they are recorded in DIR/install-actions.log instead.
#                   Root is not needed.
#   --no-apt        do not install Debian packages (they must be there already)
#   --no-systemctl  do not talk to systemd or udev (no reload, enable, start)
#   --no-venv       do not create the virtualenv or pip-install the checkout
#   --force-os      install on an OS other than Debian/Raspberry Pi OS bookworm/trixie
#   --wheels DIR    offline: pip installs from this wheelhouse only (--no-index
#                   --find-links DIR); it must hold setuptools and wheel (to build the
#                   checkout) and every dependency, systemd-python built for this box
#   --debs DIR      offline: the Debian packages come from the .deb files in DIR (no
#                   apt-get update, nothing downloaded); scripts/bundle makes both folders
#   --list-packages print the Debian packages the installer needs, one a line, and exit
#
# Every step is a function taking the root prefix ("" for a real install), so the real
# install and the staging run go through the same code.
set -euo pipefail

readonly UNIT_DIR=/etc/systemd/system
readonly UDEV_DIR=/etc/udev/rules.d
readonly ETC_DIR=/etc/siaran
readonly STATE_DIR=/var/lib/siaran
readonly PREFIX=/opt/siaran
readonly VENV="$PREFIX/venv"
readonly BIN_LINK=/usr/local/bin/siaran
readonly WATCHDOG_DROPIN=/etc/systemd/system.conf.d/siaran-watchdog.conf
readonly WATCHDOG_SEC=15 # bcm2835_wdt tops out near 16 s
readonly DEFAULT_PORT=8080

root=""          # prefix for every path written; "" = the real system
staging=0        # 1: record system commands instead of running them
skip_apt=0
skip_systemctl=0
skip_venv=0
force_os=0
actions_log=""   # staging only
wheels=""        # --wheels: offline wheelhouse
debs=""          # --debs: folder of .deb files
changed=0        # files written or edited during this run
reboot_needed=0

# --- messages (Bahasa Indonesia first, then English) ----------------------------------

say() { printf 'siaran: %s\n' "$*"; }
warn() { printf 'siaran: PERINGATAN/WARNING: %s\n' "$*" >&2; }

# die "pesan Indonesia" "English message" [exit code]
die() {
    printf 'install.sh: %s\n' "$1" >&2
    printf 'install.sh: %s\n' "$2" >&2
    exit "${3:-1}"
}

usage() {
    sed -n '/^# Usage:/,/^# Every step/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# --- running system commands ----------------------------------------------------------

# act CATEGORY CMD...: run CMD, or record/skip it when its category is off.
# Categories: system (users, ownership, raspi-config), apt, systemctl (systemd and udev),
# venv. Staging records every category but venv (which --no-venv records too); the log
# shows paths as they would be on the real system.
act() {
    local category=$1 skip=0
    shift
    case "$category" in
        apt) skip=$skip_apt ;;
        systemctl) skip=$skip_systemctl ;;
        venv) skip=$skip_venv ;;
    esac
    if [ "$staging" = 1 ] && { [ "$category" != venv ] || [ "$skip" = 1 ]; }; then
        local arg line=""
        for arg in "$@"; do
            arg="${arg//"$root"/}"
            case "$arg" in
                '' | *[!A-Za-z0-9_./,:=@%+-]*) line+="$(printf '%q' "$arg") " ;;
                *) line+="$arg " ;;
            esac
        done
        printf '%s\n' "${line% }" >>"$actions_log"
        return 0
    fi
    if [ "$skip" = 1 ]; then
        say "dilewati/skipped (--no-$category): $*"
        return 0
    fi
    "$@"
}

# probe DESCRIPTION CMD...: ask the system a yes/no question. In staging the system is
# not ours to ask: assume "yes" and record the assumption.
probe() {
    local what=$1
    shift
    if [ "$staging" = 1 ]; then
        printf '# assume: %s\n' "$what" >>"$actions_log"
        return 0
    fi
    "$@" >/dev/null 2>&1
}

# --- files ----------------------------------------------------------------------------

# put_file SRC DEST MODE: copy when the content or mode differs; say what happened.
put_file() {
    local src=$1 dest=$2 mode=$3
    install -d -m 0755 "$(dirname "$dest")"
    if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
        if [ "$(stat -c %a "$dest")" != "${mode#0}" ]; then
            chmod "$mode" "$dest"
            say "mode $mode: ${dest#"$root"}"
            changed=$((changed + 1))
        fi
        return 0
    fi
    install -m "$mode" "$src" "$dest"
    say "ditulis/written: ${dest#"$root"}"
    changed=$((changed + 1))
}

# put_text DEST MODE TEXT: like put_file for generated content.
put_text() {
    local dest=$1 mode=$2 text=$3 tmp
    tmp="$(mktemp)"
    printf '%s' "$text" >"$tmp"
    put_file "$tmp" "$dest" "$mode"
    rm -f "$tmp"
}

# --- steps ----------------------------------------------------------------------------

step_check_root() {
    if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
        die "jalankan sebagai root: sudo scripts/install.sh" \
            "run as root: sudo scripts/install.sh"
    fi
}

step_check_os() {
    local r=$1 file id="" codename="" pretty=""
    file="$r/etc/os-release"
    [ -f "$file" ] || file=/etc/os-release
    if [ -f "$file" ]; then
        id="$(os_field "$file" ID)"
        codename="$(os_field "$file" VERSION_CODENAME)"
        pretty="$(os_field "$file" PRETTY_NAME)"
    fi
    case "$id:$codename" in
        debian:bookworm | debian:trixie | raspbian:bookworm | raspbian:trixie) return 0 ;;
    esac
    if [ "$force_os" = 1 ]; then
        warn "OS tidak didukung ($pretty), lanjut karena --force-os / unsupported OS, continuing (--force-os)"
        return 0
    fi
    die "sistem operasi tidak didukung: ${pretty:-tidak diketahui}. Perlu Raspberry Pi OS (Debian) bookworm atau trixie; --force-os untuk tetap memasang." \
        "unsupported operating system: ${pretty:-unknown}. Needs Raspberry Pi OS (Debian) bookworm or trixie; --force-os to install anyway." 2
}

# os_field FILE KEY: a value from os-release, unquoted (read, not sourced).
os_field() {
    sed -n "s/^$2=//p" "$1" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# The Debian packages Siaran needs (scripts/bundle downloads them with --list-packages).
# python3-dev, gcc, pkg-config, libsystemd-dev: pip builds systemd-python when no wheel is given.
PACKAGES=(python3 python3-venv python3-dev gcc pkg-config libsystemd-dev
    dosfstools exfatprogs sqlite3)

step_packages() {
    local pkgs=("${PACKAGES[@]}")
    local missing=() p
    # Debian's lgpio (0.2.2) rather than pip's; only Raspberry Pi OS and trixie have it.
    if probe "python3-lgpio is available from apt" apt_has python3-lgpio; then
        pkgs+=(python3-lgpio)
    fi
    for p in "${pkgs[@]}"; do
        if [ "$staging" = 1 ] || ! dpkg_installed "$p"; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "paket Debian sudah ada/Debian packages present"
        return 0
    fi
    if [ -n "$debs" ]; then
        install_debs
        return 0
    fi
    act apt env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    act apt env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# install_debs: offline, from the .deb files in $debs: every one whose package is not
# installed yet (the needed packages and their dependencies, as scripts/bundle resolved
# them). apt-get installs them in dependency order; with every dependency in the folder
# it has nothing to fetch.
install_debs() {
    local f pkg files=()
    shopt -s nullglob
    for f in "$debs"/*.deb; do
        pkg="$(dpkg-deb -f "$f" Package 2>/dev/null)" || continue
        if [ "$staging" = 1 ] || ! dpkg_installed "$pkg"; then
            files+=("$f")
        fi
    done
    shopt -u nullglob
    if [ "${#files[@]}" -eq 0 ]; then
        say "paket Debian dari $debs sudah terpasang/packages from $debs already installed"
        return 0
    fi
    say "memasang ${#files[@]} paket dari/installing ${#files[@]} packages from $debs"
    act apt env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Use-Pty=0 "${files[@]}"
}

apt_has() {
    apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -qv '(none)'
}

dpkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

step_user() {
    local r=$1
    # SupplementaryGroups=gpio fails the unit when the group does not exist (plain Debian).
    if ! getent_or_assume group gpio; then
        act system groupadd --system gpio
    fi
    if ! getent_or_assume passwd siaran "missing"; then
        act system useradd --system --user-group --home-dir "$STATE_DIR" \
            --shell /usr/sbin/nologin --comment "Siaran SMS appliance" siaran
    fi
    act system usermod -a -G dialout,gpio siaran
    install -d -m 0750 "$r$STATE_DIR"
    act system chown siaran:siaran "$STATE_DIR"
}

# getent_or_assume DB KEY [missing]: does the entry exist? Staging assumes it exists,
# or, with "missing", that it does not (a fresh system has no siaran user).
getent_or_assume() {
    if [ "$staging" = 1 ]; then
        if [ "${3:-}" = missing ]; then
            printf '# assume: %s %s does not exist yet\n' "$1" "$2" >>"$actions_log"
            return 1
        fi
        printf '# assume: %s %s exists\n' "$1" "$2" >>"$actions_log"
        return 0
    fi
    getent "$1" "$2" >/dev/null
}

step_venv() {
    local r=$1 src=$2
    install -d -m 0755 "$r$PREFIX"
    # --system-site-packages: use Debian's python3-lgpio (pip's has been broken).
    if ! grep -qs '^include-system-site-packages *= *true' "$r$VENV/pyvenv.cfg" \
        || [ ! -x "$r$VENV/bin/python" ]; then
        act venv python3 -m venv --system-site-packages "$r$VENV"
    fi
    # Always reinstall: an update is a new checkout with (perhaps) the same version.
    local offline=()
    if [ -n "$wheels" ]; then
        offline=(--no-index --find-links "$wheels")
    fi
    act venv "$r$VENV/bin/python" -m pip install -q --disable-pip-version-check "${offline[@]}" "$src"
    install -d -m 0755 "$(dirname "$r$BIN_LINK")"
    if [ "$(readlink "$r$BIN_LINK" 2>/dev/null || true)" != "$VENV/bin/siaran" ]; then
        ln -sfn "$VENV/bin/siaran" "$r$BIN_LINK"
        say "symlink: $BIN_LINK -> $VENV/bin/siaran"
        changed=$((changed + 1))
    fi
}

step_config() {
    local r=$1 src=$2
    install -d -m 0755 "$r$ETC_DIR"
    # The shipped defaults, refreshed on every run, so an operator can diff after an update.
    put_file "$src/config/siaran.toml" "$r$ETC_DIR/siaran.toml.dist" 0644
    if [ -e "$r$ETC_DIR/siaran.toml" ]; then
        say "konfigurasi dipertahankan/config kept: $ETC_DIR/siaran.toml"
        return 0
    fi
    put_file "$src/config/siaran.toml" "$r$ETC_DIR/siaran.toml" 0640
    act system chown root:siaran "$ETC_DIR/siaran.toml"
}

# The docs (the units' Documentation= points here; the page serves the panel card).
step_docs() {
    local r=$1 src=$2 f
    shopt -s nullglob
    for f in "$src"/docs/*.md; do
        put_file "$f" "$r$PREFIX/docs/$(basename "$f")" 0644
    done
    shopt -u nullglob
}

# Units and udev rules: whatever the checkout has.
step_units() {
    local r=$1 src=$2 f
    shopt -s nullglob
    for f in "$src"/systemd/*.service "$src"/systemd/*.socket "$src"/systemd/*.timer \
        "$src"/systemd/*.path "$src"/systemd/*.mount "$src"/systemd/*.target; do
        put_file "$f" "$r$UNIT_DIR/$(basename "$f")" 0644
    done
    for f in "$src"/systemd/*.rules; do
        put_file "$f" "$r$UDEV_DIR/$(basename "$f")" 0644
    done
    shopt -u nullglob
}

step_watchdog() {
    local r=$1
    put_text "$r$WATCHDOG_DROPIN" 0644 "# Written by Siaran's scripts/install.sh: systemd pings the Pi's hardware watchdog
# (bcm2835_wdt, limit about 16 s); if the kernel or PID 1 hangs, the board resets.
[Manager]
RuntimeWatchdogSec=$WATCHDOG_SEC
"
    # Only one process may hold /dev/watchdog.
    if [ "$staging" = 0 ] && systemctl is-enabled watchdog.service >/dev/null 2>&1; then
        warn "layanan watchdog aktif; matikan (systemctl disable --now watchdog) / the watchdog daemon is enabled; disable it, systemd now drives /dev/watchdog"
    fi
}

# polkit: the front panel's shutdown button runs `systemctl poweroff` as the service user.
step_polkit() {
    local r=$1 src=$2
    put_file "$src/config/polkit/50-siaran-poweroff.rules" "$r/etc/polkit-1/rules.d/50-siaran-poweroff.rules" 0644
}

# The Pi's config.txt: /boot/firmware on Bookworm (the /boot one is a stub there).
boot_config() {
    local r=$1
    if [ -f "$r/boot/firmware/config.txt" ]; then
        printf '%s' "$r/boot/firmware/config.txt"
    elif [ -f "$r/boot/config.txt" ]; then
        printf '%s' "$r/boot/config.txt"
    fi
}

step_uart() {
    local r=$1 cfg
    if probe "raspi-config exists" command -v raspi-config; then
        # 0 = enable in raspi-config's convention: UART hardware on, login console off.
        if [ "$(serial_state get_serial_hw)" != 0 ]; then
            act system raspi-config nonint do_serial_hw 0
            reboot_needed=1
        fi
        if [ "$(serial_state get_serial_cons)" != 1 ]; then
            act system raspi-config nonint do_serial_cons 1
            reboot_needed=1
        fi
    else
        warn "raspi-config tidak ada: aktifkan UART sendiri (enable_uart=1, tanpa console=serial0) / no raspi-config: enable the UART yourself (enable_uart=1, no console=serial0 in cmdline.txt)"
    fi

    # Bluetooth holds the good UART (PL011) on Pi 3/4/Zero W: give it to the modem.
    cfg="$(boot_config "$r")"
    if [ -z "$cfg" ]; then
        warn "config.txt tidak ditemukan (bukan Raspberry Pi?) / no config.txt found (not a Raspberry Pi?): dtoverlay=disable-bt not set"
    elif grep -Eq '^[[:space:]]*dtoverlay=(pi3-)?disable-bt([[:space:],]|$)' "$cfg"; then
        :
    elif grep -Eq '^[[:space:]]*dtoverlay=(pi3-)?miniuart-bt([[:space:],]|$)' "$cfg"; then
        say "config.txt: miniuart-bt sudah dipilih/already chosen, disable-bt not added"
    else
        printf '\n[all]\n# Siaran: the PL011 UART (serial0) for the modem, Bluetooth off\ndtoverlay=disable-bt\n' >>"$cfg"
        say "ditulis/written: ${cfg#"$r"} (dtoverlay=disable-bt)"
        changed=$((changed + 1))
        reboot_needed=1
    fi
    if probe "hciuart.service exists" unit_exists hciuart.service; then
        act systemctl systemctl disable --now hciuart.service
    fi
}

# serial_state get_serial_hw|get_serial_cons: raspi-config's answer, "?" in staging.
serial_state() {
    if [ "$staging" = 1 ]; then
        printf '?'
        return 0
    fi
    raspi-config nonint "$1" 2>/dev/null || printf '?'
}

unit_exists() {
    [ -n "$(systemctl list-unit-files --no-legend "$1" 2>/dev/null)" ]
}

step_services() {
    local r=$1 unit running=1
    # In a chroot or image build systemd is not running: enable only, start at first boot.
    if ! probe "systemd is running (booted with systemd)" test -d /run/systemd/system; then
        running=0
        warn "systemd tidak berjalan: layanan hanya di-enable / systemd is not running: services enabled only, they start at boot"
    fi
    if [ "$running" = 1 ]; then
        act systemctl systemctl daemon-reload
        if [ -n "$(find "$r$UDEV_DIR" -maxdepth 1 -name '*siaran*.rules' 2>/dev/null)" ]; then
            act systemctl udevadm control --reload
        fi
    fi
    for unit in siaran.service siaran-web.service; do
        [ -f "$r$UNIT_DIR/$unit" ] || continue
        act systemctl systemctl enable "$unit"
        [ "$running" = 1 ] || continue
        # restart = start when stopped, and picks up the new code after an update. A unit
        # that fails to start is reported, not fatal: the files are in place either way.
        if ! act systemctl systemctl restart "$unit"; then
            warn "$unit gagal dijalankan, lihat/failed to start, see: journalctl -u $unit"
        fi
    done
}

# The web page's port: web_port = N in the config (the key `siaran web` reads); else 8080.
web_port() {
    local cfg=$1 port=""
    if [ -f "$cfg" ]; then
        port="$(awk '
            /^[[:space:]]*\[/ { exit }
            {
                line = $0; sub(/#.*/, "", line)
                if (line ~ /^[[:space:]]*web_port[[:space:]]*=[[:space:]]*[0-9]+[[:space:]]*$/) { sub(/^[^=]*=[[:space:]]*/, "", line); gsub(/[[:space:]]/, "", line); print line; exit }
            }' "$cfg")"
    fi
    printf '%s' "${port:-$DEFAULT_PORT}"
}

step_report() {
    local r=$1 addr port
    port="$(web_port "$r$ETC_DIR/siaran.toml")"
    addr="$(hostname -I 2>/dev/null | awk '{print $1}')"
    say "selesai/done ($changed berkas diubah/files changed)"
    say "Halaman/Page: http://${addr:-<alamat-IP/IP-address>}:$port/"
    if [ "$reboot_needed" = 1 ]; then
        say "UART berubah: nyalakan ulang (sudo reboot) / UART changed: reboot required (sudo reboot)"
    fi
    if [ "$staging" = 1 ]; then
        say "staging: perintah sistem dicatat/system commands recorded in $actions_log"
    fi
}

main() {
    local src
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --root)
                [ "$#" -ge 2 ] || die "--root perlu folder" "--root needs a directory"
                root="$2"
                shift
                ;;
            --root=*) root="${1#--root=}" ;;
            --no-apt) skip_apt=1 ;;
            --no-systemctl) skip_systemctl=1 ;;
            --no-venv) skip_venv=1 ;;
            --force-os) force_os=1 ;;
            --wheels | --debs)
                [ "$#" -ge 2 ] || die "$1 perlu folder" "$1 needs a directory"
                [ -d "$2" ] || die "$1: folder tidak ada: $2" "$1: no such directory: $2"
                if [ "$1" = --wheels ]; then wheels="$(cd "$2" && pwd)"; else debs="$(cd "$2" && pwd)"; fi
                shift
                ;;
            --list-packages)
                printf '%s\n' "${PACKAGES[@]}"
                exit 0
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *) die "pilihan tidak dikenal: $1" "unknown option: $1 (see --help)" ;;
        esac
        shift
    done

    if [ -n "$root" ]; then
        mkdir -p "$root"
        root="$(cd "$root" && pwd)"
        if [ "$root" = / ]; then
            die "--root / bukan staging; jalankan tanpa --root" "--root / is not staging; run without --root"
        fi
        staging=1
        actions_log="$root/install-actions.log"
        : >"$actions_log"
    fi

    src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    step_check_root
    step_check_os "$root"
    step_packages
    step_user "$root"
    step_venv "$root" "$src"
    step_docs "$root" "$src"
    step_config "$root" "$src"
    step_units "$root" "$src"
    step_watchdog "$root"
    step_polkit "$root" "$src"
    step_uart "$root"
    step_services "$root"
    step_report "$root"
}

main "$@"
