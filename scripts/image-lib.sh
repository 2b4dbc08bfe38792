#!/usr/bin/env bash
# Shared shell functions for scripts/build-image, scripts/bundle and scripts/vm-test:
# messages, installing the host tools they need, the cached Debian base root filesystem
# (mmdebstrap), running commands in a root filesystem (chroot; arm64 through qemu-user
# registered in a private user namespace, so the host's binfmt_misc is left alone) and
# the offline bundle (wheelhouse + .debs + checkout). Sourced, not run.
# shellcheck disable=SC2034  # variables used by the scripts that source this file

# Bump when the base or bundle recipe changes in a way the package list does not show:
# the cache keys include it, so an old cached base is not reused.
readonly IMG_LIB_VERSION=3
readonly IMG_SUITE=bookworm
readonly IMG_MIRROR="${SIARAN_IMAGE_MIRROR:-http://deb.debian.org/debian}"
readonly IMG_ROOT_LABEL=siaran-root
readonly IMG_BOOT_LABEL=SIARANBOOT

# A failure inside $(...) stops the caller too (set -e alone ignores it there).
shopt -s inherit_errexit

IMG_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMG_CACHE="${SIARAN_IMAGE_CACHE:-/var/cache/siaran-image}"

img_say() { printf '%s: %s\n' "${IMG_PROG:-siaran-image}" "$*" >&2; }

# img_die "pesan Indonesia" "English message": both, then exit 1.
img_die() {
    printf '%s: GAGAL: %s\n' "${IMG_PROG:-siaran-image}" "$1" >&2
    printf '%s: FAILED: %s\n' "${IMG_PROG:-siaran-image}" "$2" >&2
    exit 1
}

# img_now: seconds since the epoch with a fraction (for the timings).
img_now() { date +%s.%N; }

# img_since START: seconds elapsed since START, one decimal.
img_since() { awk -v a="$1" -v b="$(img_now)" 'BEGIN { printf "%.1f", b - a }'; }

# img_as_root ARGS...: carry on as root: already root, or run this script again through
# sudo (as scripts/bootstrap.sh does for apt-get), or stop and say so.
img_as_root() {
    [ "$(id -u)" -eq 0 ] && return 0
    if command -v sudo >/dev/null 2>&1; then
        exec sudo --preserve-env=SIARAN_IMAGE_CACHE,SIARAN_IMAGE_MIRROR,SIARAN_VM_ACCEL bash "$0" "$@"
    fi
    img_die "jalankan sebagai root (sudo $0 ...)" "run as root (sudo $0 ...)"
}

# img_need_tools CMD:PACKAGE ...: install the Debian package of every missing command.
img_need_tools() {
    local item cmd pkg missing=()
    for item in "$@"; do
        cmd=${item%%:*}
        pkg=${item#*:}
        if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -e "$cmd" ]; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    img_say "memasang alat/installing tools: ${missing[*]}"
    if ! env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        || ! env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        img_die "gagal memasang ${missing[*]}" "could not install ${missing[*]}"
    fi
}

# img_base_packages ARCH: the base root filesystem's packages (without Siaran's own:
# those come from the bundle, through install.sh --debs, as on a box with no internet).
img_base_packages() {
    local common=(systemd systemd-sysv udev dbus kmod iproute2 procps e2fsprogs
        openssh-server polkitd initramfs-tools zstd python3 ca-certificates)
    case "$1" in
        amd64) printf '%s\n' "${common[@]}" linux-image-amd64 ;;
        arm64) printf '%s\n' "${common[@]}" linux-image-arm64 raspi-firmware firmware-brcm80211 ;;
        *) img_die "arsitektur tidak dikenal: $1 (amd64 atau arm64)" "unknown architecture: $1 (amd64 or arm64)" ;;
    esac
}

# img_components ARCH: the archive components (the Pi's firmware is in non-free-firmware).
img_components() {
    case "$1" in
        arm64) echo main,non-free-firmware ;;
        *) echo main ;;
    esac
}

# img_base_key ARCH: a short hash naming the cached base for this recipe.
img_base_key() {
    {
        echo "$IMG_LIB_VERSION $IMG_SUITE $IMG_MIRROR $1"
        img_base_packages "$1"
        if [ "$(img_components "$1")" != main ]; then img_components "$1"; fi
    } | sha256sum | cut -c1-16
}

# img_foreign ARCH: true when ARCH binaries need qemu-user on this host.
img_foreign() {
    [ "$1" != "$(dpkg --print-architecture)" ]
}

# img_run ARCH CMD...: run CMD as root in a private mount namespace; for a foreign ARCH
# also in a user namespace (identity-mapped: files keep their real owners) with its own
# binfmt_misc, where qemu-aarch64-static is registered (F: loaded now, so it works inside
# a chroot). The host's binfmt_misc registrations are not touched.
img_run() {
    local arch=$1
    shift
    if ! img_foreign "$arch"; then
        unshare --mount --propagation private -- "$@"
        return
    fi
    local qemu magic mask
    case "$arch" in
        arm64)
            qemu=/usr/bin/qemu-aarch64-static
            magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
            mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
            ;;
        *) img_die "tidak bisa menjalankan $arch" "cannot run $arch binaries here" ;;
    esac
    [ -x "$qemu" ] || img_die "$qemu tidak ada (apt-get install qemu-user-static)" "$qemu missing (apt-get install qemu-user-static)"
    # unshare's --map-users goes through newuidmap and /etc/subuid; root writes the
    # identity map itself, once the child is in its new user namespace.
    local fifo pid i rc
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    # shellcheck disable=SC2016  # expanded by the inner shell
    unshare --user --mount --propagation private --pid --fork -- bash -c '
            set -e
            read -r _ <"$1"
            mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
            printf ":%s:M::%s:%s:%s:F\n" "$2" "$3" "$4" "$5" >/proc/sys/fs/binfmt_misc/register
            shift 5
            exec "$@"' img-run "$fifo" "$(basename "$qemu" -static)" "$magic" "$mask" "$qemu" "$@" &
    pid=$!
    for i in $(seq 100); do
        [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
        sleep 0.05
    done
    echo "0 0 65536" >"/proc/$pid/uid_map"
    echo "0 0 65536" >"/proc/$pid/gid_map"
    echo go >"$fifo"
    rc=0
    wait "$pid" || rc=$?
    rm -f "$fifo"
    return "$rc"
}

# img_base ARCH: path of the cached base root filesystem (a directory) for ARCH, built
# with mmdebstrap when absent.
img_base() {
    local arch=$1 key dir tmp pkgs
    key="$(img_base_key "$arch")"
    dir="$IMG_CACHE/base-$arch-$key"
    if [ -d "$dir" ]; then
        img_say "dasar dari cache/base from cache: $dir"
        printf '%s' "$dir"
        return 0
    fi
    mkdir -p "$IMG_CACHE"
    # Old bases (other keys) are dead weight: a base is 0.7-0.9 GB.
    find "$IMG_CACHE" -maxdepth 1 -name "base-$arch-*" -exec rm -rf {} +
    pkgs="$(img_base_packages "$arch" | paste -sd, -)"
    tmp="$dir.part"
    img_say "membuat dasar/building base ($arch, $IMG_SUITE): $pkgs"
    img_run "$arch" mmdebstrap --mode=root --format=directory --variant=apt --arch="$arch" --include="$pkgs" \
        --components="$(img_components "$arch")" \
        --aptopt='Acquire::Retries "3"' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        "$IMG_SUITE" "$tmp" "$IMG_MIRROR" >&2 \
        || img_die "mmdebstrap gagal (lihat di atas)" "mmdebstrap failed (see above)"
    mv "$tmp" "$dir"
    printf '%s' "$dir"
}

# img_unpack BASE DIR: a fresh root filesystem in DIR, a copy of the cached BASE.
img_unpack() {
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp -a "$1" "$2"
}

# img_chroot ARCH ROOT CMD...: CMD in ROOT with /proc, /sys, /dev and the host's DNS,
# inside img_run's private namespace (nothing stays mounted when it ends).
img_chroot() {
    local arch=$1 root=$2
    shift 2
    # shellcheck disable=SC2016  # expanded by the inner shell
    img_run "$arch" bash -c '
        set -e
        root=$1; shift
        mount -t proc proc "$root/proc" 2>/dev/null || mount --rbind /proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        if [ -e /etc/resolv.conf ]; then
            cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        fi
        exec chroot "$root" "$@"' img-chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# img_copy_checkout DEST: the checkout's tracked and untracked-but-not-ignored files
# (what a clone would have, plus work in progress), without .git, .venv or build output.
img_copy_checkout() {
    local dest=$1
    mkdir -p "$dest"
    if git -C "$IMG_HERE" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$IMG_HERE" && git ls-files -z --cached --others --exclude-standard \
            | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
            | tar --null -T - -cf -) | tar -C "$dest" -xf -
    else
        tar -C "$IMG_HERE" --exclude=.venv --exclude=build --exclude=.git -cf - . | tar -C "$dest" -xf -
    fi
}

# img_requirements: the project's dependencies from pyproject.toml, one a line.
img_requirements() {
    python3 -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
        "$IMG_HERE/pyproject.toml"
}

# img_bundle_key ARCH: names the cached wheelhouse and .debs for this base and these dependencies.
img_bundle_key() {
    { img_base_key "$1"; img_requirements; bash "$IMG_HERE/scripts/install.sh" --list-packages; } | sha256sum | cut -c1-16
}

# img_bundle_parts ARCH: path of a cached folder holding wheels/ and debs/ for ARCH,
# made when absent: the .debs install.sh needs (with dependencies, resolved against the
# base), every Python dependency as a wheel, setuptools and wheel, and systemd-python
# compiled in the base for ARCH (offline, from its sdist).
img_bundle_parts() {
    local arch=$1 key dir tmp base
    key="$(img_bundle_key "$arch")"
    dir="$IMG_CACHE/bundle-$arch-$key"
    if [ -d "$dir/wheels" ] && [ -d "$dir/debs" ]; then
        img_say "wheel dan .deb dari cache/wheels and .debs from cache: $dir"
        printf '%s' "$dir"
        return 0
    fi
    base="$(img_base "$arch")"
    find "$IMG_CACHE" -maxdepth 1 -name "bundle-$arch-*" -exec rm -rf {} +
    tmp="$dir.part"
    rm -rf "$tmp"
    mkdir -p "$tmp/wheels" "$tmp/debs" "$tmp/sdist"

    img_say "wheelhouse: $(img_requirements | grep -vc '^systemd-python') paket/packages + setuptools, wheel"
    local reqs=()
    mapfile -t reqs < <(img_requirements | grep -v '^systemd-python')
    python3 -m pip wheel -q --disable-pip-version-check -w "$tmp/wheels" "${reqs[@]}" \
        'setuptools>=68' wheel >&2 \
        || img_die "pip wheel gagal (perlu internet)" "pip wheel failed (needs the internet)"
    python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: -d "$tmp/sdist" \
        "$(img_requirements | grep '^systemd-python')" >&2 \
        || img_die "unduh systemd-python gagal" "downloading systemd-python failed"

    img_say "paket Debian dan systemd-python untuk/Debian packages and systemd-python for $arch"
    local root="$tmp/root"
    img_unpack "$base" "$root"
    mkdir -p "$root/tmp/b"
    cp -a "$tmp/wheels" "$tmp/sdist" "$root/tmp/b/"
    cp "$IMG_HERE/scripts/install.sh" "$root/tmp/b/install.sh"
    # shellcheck disable=SC2016  # expanded in the chroot
    img_chroot "$arch" "$root" bash -c '
        set -e
        apt-get update -qq
        mapfile -t pkgs < <(bash /tmp/b/install.sh --list-packages)
        apt-get install -y -qq --no-install-recommends --download-only "${pkgs[@]}"
        mkdir -p /tmp/b/debs
        cp /var/cache/apt/archives/*.deb /tmp/b/debs/
        apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 /tmp/b/debs/*.deb >/dev/null
        python3 -m venv /tmp/b/venv
        /tmp/b/venv/bin/pip install -q --disable-pip-version-check --no-index --find-links /tmp/b/wheels setuptools wheel
        /tmp/b/venv/bin/pip wheel -q --disable-pip-version-check --no-index --find-links /tmp/b/wheels \
            --no-deps -w /tmp/b/built /tmp/b/sdist/*' >&2 \
        || img_die "membuat .deb/wheel di root $arch gagal" "resolving .debs / building systemd-python in the $arch root failed"
    cp "$root"/tmp/b/debs/*.deb "$tmp/debs/"
    cp "$root"/tmp/b/built/*.whl "$tmp/wheels/"
    rm -rf "$root" "$tmp/sdist"
    mv "$tmp" "$dir"
    printf '%s' "$dir"
}

# img_bundle ARCH DEST: a stick-ready bundle in DEST: siaran/ (the checkout), wheels/,
# debs/ and PASANG.txt (install) with the one command to run.
img_bundle() {
    local arch=$1 dest=$2 parts
    parts="$(img_bundle_parts "$arch")"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp -a "$parts/wheels" "$parts/debs" "$dest/"
    img_copy_checkout "$dest/siaran"
    cat >"$dest/PASANG.txt" <<EOF
Siaran: paket pemasangan tanpa internet / offline install bundle ($arch, Debian $IMG_SUITE)

Di Raspberry Pi (Raspberry Pi OS Lite 64-bit / Debian 12), dari folder ini:
On the Raspberry Pi (Raspberry Pi OS Lite 64-bit / Debian 12), from this folder:

    sudo bash siaran/scripts/install.sh --wheels wheels --debs debs

Dibuat/made $(date -u +%Y-%m-%dT%H:%MZ) dari/from $(git -C "$IMG_HERE" describe --always --dirty 2>/dev/null || echo checkout).
EOF
}
