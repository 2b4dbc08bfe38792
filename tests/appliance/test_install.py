"""scripts/install.sh: shellcheck-clean, idempotent, and what it lays down on a box.

The installer runs in its staging mode (``--root DIR``): every file goes under DIR and the
system commands (apt-get, useradd, raspi-config, systemctl ...) are recorded in
DIR/install-actions.log instead of run. One more test runs the real mode (no --root) with
real useradd/chown inside a private mount namespace, where /etc, /opt, /var/lib and
/usr/local/bin are throw-away copies, when the machine allows it.
A run in a debootstrap'ed bookworm root is a manual check (docs/install.md).
"""

from __future__ import annotations

import configparser
import grp
import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install.sh"

OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'
# Raspberry Pi OS Bookworm's config.txt ends in conditional sections: a line appended
# after [cm5] would only apply to a CM5.
CONFIG_TXT = """\
# For more options and information see http://rptl.io/configtxt
dtparam=audio=on
camera_auto_detect=1
display_auto_detect=1
auto_initramfs=1
dtoverlay=vc4-kms-v3d
max_framebuffers=2
disable_fw_kms_setup=1
arm_64bit=1
disable_overscan=1
arm_boost=1

[cm4]
otg_mode=1

[cm5]
dtoverlay=dwc2,dr_mode=host
"""


def shell_scripts() -> list[Path]:
    found = []
    for folder in (ROOT / "scripts", ROOT / ".ci"):
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            with path.open("rb") as f:
                first = f.readline()
            if path.suffix == ".sh" or re.match(rb"#!.*\b(ba|da)?sh\b", first):
                found.append(path)
    return found


def run(*args: str, root: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = ["bash", str(INSTALL)]
    if root is not None:
        cmd += ["--root", str(root)]
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def snapshot(top: Path, skip: tuple[str, ...] = ("install-actions.log",)) -> dict:
    """Every path under top: kind, mode, content hash or link target, file mtime."""
    snap = {}
    for path in sorted(top.rglob("*")):
        rel = str(path.relative_to(top))
        if rel in skip:
            continue
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            snap[rel] = ("link", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            snap[rel] = ("dir", stat.S_IMODE(st.st_mode))
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            snap[rel] = ("file", stat.S_IMODE(st.st_mode), digest, st.st_mtime_ns)
    return snap


def new_root(tmp_path: Path, config_txt: str | None = CONFIG_TXT, where: str = "boot/firmware") -> Path:
    root = tmp_path / "pi"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text(OS_RELEASE)
    if config_txt is not None:
        (root / where).mkdir(parents=True)
        (root / where / "config.txt").write_text(config_txt)
    return root


def units_in_checkout() -> list[Path]:
    suffixes = {".service", ".socket", ".timer", ".path", ".mount", ".target"}
    return [p for p in sorted((ROOT / "systemd").iterdir()) if p.suffix in suffixes]


# --- shellcheck -------------------------------------------------------------------------


def test_shell_scripts_found():
    names = {p.name for p in shell_scripts()}
    assert {"install.sh", "bootstrap.sh", "run"} <= names


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shellcheck(script):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    proc = subprocess.run(["shellcheck", "-x", str(script)], capture_output=True, text=True, cwd=script.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- staging ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """Two staging runs on a fresh root; yields (root, first run, second run, logs, snapshots)."""
    tmp = tmp_path_factory.mktemp("install")
    root = new_root(tmp)
    first = run("--no-venv", root=root)
    log1 = (root / "install-actions.log").read_text()
    snap1 = snapshot(root)
    second = run("--no-venv", root=root)
    log2 = (root / "install-actions.log").read_text()
    snap2 = snapshot(root)
    return {"root": root, "first": first, "second": second, "log1": log1, "log2": log2, "snap1": snap1, "snap2": snap2}


def test_second_run_changes_nothing(staged):
    assert staged["snap1"] == staged["snap2"]
    assert "(0 berkas diubah/files changed)" in staged["second"].stdout
    assert "(0 berkas" not in staged["first"].stdout


def test_config_written_once_and_never_overwritten(tmp_path):
    root = new_root(tmp_path)
    run("--no-venv", root=root)
    cfg = root / "etc" / "siaran" / "siaran.toml"
    assert cfg.read_text() == (ROOT / "config" / "siaran.toml").read_text()
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640
    assert "chown root:siaran /etc/siaran/siaran.toml" in (root / "install-actions.log").read_text()

    edited = (cfg.read_text().replace('window_end = "21:00"', 'window_end = "20:00"')
              .replace("web_port = 8080 ", "web_port = 8181 "))
    assert "web_port = 8181" in edited
    from firmware.office import config as config_mod
    edited_path = tmp_path / "edited.toml"
    edited_path.write_text(edited)
    assert config_mod.load(edited_path).web_port == 8181  # the key the installer reads is the one Siaran reads
    cfg.write_text(edited)
    cfg.chmod(0o600)
    second = run("--no-venv", root=root)
    assert cfg.read_text() == edited
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600  # the operator's choice stands
    assert "chown root:siaran /etc/siaran/siaran.toml" not in (root / "install-actions.log").read_text()
    # The shipped defaults are kept next to it for comparison after an update.
    assert (root / "etc" / "siaran" / "siaran.toml.dist").read_text() == (ROOT / "config" / "siaran.toml").read_text()
    # The page address uses the configured port.
    assert re.search(r"http://\S+:8181/", second.stdout), second.stdout


def test_page_address_printed_with_default_port(staged):
    assert re.search(r"Halaman/Page: http://\S+:8080/", staged["first"].stdout), staged["first"].stdout


def test_units_and_udev_rules_installed(staged):
    root = staged["root"]
    units = units_in_checkout()
    assert any(p.name == "siaran.service" for p in units), "systemd/siaran.service is missing from the checkout"
    for unit in units:
        installed = root / "etc" / "systemd" / "system" / unit.name
        assert installed.read_bytes() == unit.read_bytes(), unit.name
        assert stat.S_IMODE(installed.stat().st_mode) == 0o644
    for rule in sorted((ROOT / "systemd").glob("*.rules")):
        assert (root / "etc" / "udev" / "rules.d" / rule.name).read_bytes() == rule.read_bytes()


def test_units_run_what_the_installer_installs(staged):
    """ExecStart= of our units points at the venv the installer creates (or the symlink)."""
    root = staged["root"]
    assert os.readlink(root / "usr" / "local" / "bin" / "siaran") == "/opt/siaran/venv/bin/siaran"
    provided = {"/opt/siaran/venv/bin/siaran", "/usr/local/bin/siaran"}
    for unit in units_in_checkout():
        for line in unit.read_text().splitlines():
            m = re.match(r"\s*ExecStart(?:Pre|Post)?=[-@:+!]*(\S+)", line)
            if m and "siaran" in m.group(1):
                assert m.group(1) in provided, f"{unit.name}: {line}"


def test_watchdog_dropin(staged):
    dropin = staged["root"] / "etc" / "systemd" / "system.conf.d" / "siaran-watchdog.conf"
    parser = configparser.ConfigParser()
    parser.optionxform = str
    parser.read_string(dropin.read_text())
    value = parser["Manager"]["RuntimeWatchdogSec"]
    seconds = int(re.fullmatch(r"(\d+)s?", value).group(1))
    assert 0 < seconds <= 15  # bcm2835_wdt: about 16 s at most


def test_disable_bt_added_once_in_an_all_section(staged):
    text = (staged["root"] / "boot" / "firmware" / "config.txt").read_text()
    assert text.startswith(CONFIG_TXT)  # appended, nothing else touched
    lines = [line.strip() for line in text.splitlines()]
    assert lines.count("dtoverlay=disable-bt") == 1
    sections = [line for line in lines[: lines.index("dtoverlay=disable-bt")] if line.startswith("[")]
    assert sections[-1] == "[all]"


@pytest.mark.parametrize(
    ("where", "config_txt", "expect"),
    [
        ("boot", "enable_uart=1\n", 1),  # older images: /boot/config.txt
        ("boot/firmware", "dtoverlay=disable-bt\n", 1),  # already there
        ("boot/firmware", "dtoverlay=pi3-disable-bt\n", 0),  # the old name counts
        ("boot/firmware", "dtoverlay=miniuart-bt\n", 0),  # the operator chose the other fix
    ],
)
def test_disable_bt_variants(tmp_path, where, config_txt, expect):
    root = new_root(tmp_path, config_txt, where)
    run("--no-venv", root=root)
    text = (root / where / "config.txt").read_text()
    assert [line.strip() for line in text.splitlines()].count("dtoverlay=disable-bt") == expect


def test_no_config_txt_is_a_warning_not_an_error(tmp_path):
    root = new_root(tmp_path, None)
    proc = run("--no-venv", root=root)
    assert "config.txt" in proc.stderr
    assert not (root / "boot").exists()


def test_actions_log_records_the_system_steps(staged):
    log = staged["log1"]
    lines = log.splitlines()

    def has(pattern: str) -> bool:
        return any(re.search(pattern, line) for line in lines)

    apt = next(line for line in lines if "apt-get install" in line)
    for pkg in ("python3", "python3-venv", "python3-dev", "gcc", "pkg-config", "libsystemd-dev",
                "python3-lgpio", "dosfstools", "exfatprogs", "sqlite3"):
        assert f" {pkg}" in apt, pkg
    assert has(r"^useradd --system .*--home-dir /var/lib/siaran .*--shell /usr/sbin/nologin .*siaran$")
    assert has(r"^usermod -a -G dialout,gpio siaran$")
    assert has(r"^python3 -m venv --system-site-packages /opt/siaran/venv$")
    assert has(r"^/opt/siaran/venv/bin/python -m pip install .*" + re.escape(str(ROOT)) + "$")
    assert has(r"^raspi-config nonint do_serial_hw 0$")
    assert has(r"^raspi-config nonint do_serial_cons 1$")
    assert has(r"^systemctl disable --now hciuart")
    assert has(r"^systemctl daemon-reload$")
    assert has(r"^systemctl enable siaran\.service$")
    assert has(r"^systemctl restart siaran\.service$")
    if (ROOT / "systemd" / "siaran-web.service").exists():
        assert has(r"^systemctl enable siaran-web\.service$")
    if list((ROOT / "systemd").glob("*.rules")):
        assert has(r"^udevadm control --reload$")
    # Paths are those of the real system, never the staging folder.
    assert str(staged["root"]) not in log
    # daemon-reload comes after the units are in place, enable after daemon-reload.
    assert lines.index("systemctl daemon-reload") < lines.index("systemctl enable siaran.service")
    # A reboot is announced for the UART changes.
    assert "reboot" in staged["first"].stdout


# --- refusals -----------------------------------------------------------------------------


def test_unsupported_os_refused_in_both_languages(tmp_path):
    root = new_root(tmp_path)
    (root / "etc" / "os-release").write_text('PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nVERSION_CODENAME=noble\n')
    proc = run("--no-venv", root=root, check=False)
    assert proc.returncode == 2
    first, second = proc.stderr.splitlines()[:2]
    assert "tidak didukung" in first and "Ubuntu 24.04" in first
    assert "unsupported operating system" in second
    assert not (root / "etc" / "siaran").exists()
    assert proc.stdout == ""
    # --force-os goes ahead.
    assert run("--no-venv", "--force-os", root=root).returncode == 0


@pytest.mark.parametrize("codename", ["bookworm", "trixie"])
@pytest.mark.parametrize("distro", ["debian", "raspbian"])
def test_supported_os(tmp_path, distro, codename):
    root = new_root(tmp_path)
    (root / "etc" / "os-release").write_text(f'PRETTY_NAME="x"\nID={distro}\nVERSION_CODENAME="{codename}"\n')
    run("--no-venv", root=root)


def test_not_root_refused_in_both_languages():
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to drop root")
        nobody = pwd.getpwnam("nobody")
        prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    else:
        prefix = []
    with tempfile.TemporaryDirectory() as tmp:  # readable by nobody, unlike pytest's tmp_path
        os.chmod(tmp, 0o755)
        script = Path(tmp) / "install.sh"
        shutil.copy(INSTALL, script)
        script.chmod(0o755)
        proc = subprocess.run(prefix + ["bash", str(script)], capture_output=True, text=True, timeout=30, cwd="/")
    assert proc.returncode == 1
    first, second = proc.stderr.splitlines()[:2]
    assert "jalankan sebagai root" in first
    assert "run as root" in second


def test_bad_arguments(tmp_path):
    proc = run("--bogus", root=tmp_path / "x", check=False)
    assert proc.returncode == 1 and "pilihan tidak dikenal" in proc.stderr
    proc = run("--root", "/", check=False)
    assert proc.returncode == 1 and "--root /" in proc.stderr
    proc = run("--help")
    assert "--root DIR" in proc.stdout and "--no-systemctl" in proc.stdout


# --- the real mode, in a private mount namespace --------------------------------------------

NAMESPACE_SCRIPT = r"""
set -euo pipefail
scratch="$1"; install="$2"
cp -a /etc "$scratch/etc"
mount --bind "$scratch/etc" /etc
for d in /opt /var/lib /usr/local/bin; do
    mkdir -p "$scratch$d"
    mount --bind "$scratch$d" "$d"
done
bash "$install" --no-apt --no-systemctl --no-venv --force-os > "$scratch/run1.out"
echo "edited" >> /etc/siaran/siaran.toml
bash "$install" --no-apt --no-systemctl --no-venv --force-os > "$scratch/run2.out"
id siaran > "$scratch/id.out"
stat -c '%U:%G %a' /etc/siaran/siaran.toml /var/lib/siaran > "$scratch/stat.out"
tail -n 1 /etc/siaran/siaran.toml > "$scratch/tail.out"
readlink /usr/local/bin/siaran > "$scratch/link.out"
"""


def test_real_mode_in_a_mount_namespace(tmp_path):
    """No --root: real useradd, usermod, chown; /etc, /opt, /var/lib, /usr/local/bin are copies."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1)")
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    try:
        existed = pwd.getpwnam("siaran")
    except KeyError:
        existed = None
    had_etc = Path("/etc/siaran").exists()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", NAMESPACE_SCRIPT, "ns", str(scratch), str(INSTALL)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out1 = (scratch / "run1.out").read_text()
    out2 = (scratch / "run2.out").read_text()
    assert "(0 berkas" not in out1
    assert "(0 berkas diubah/files changed)" in out2
    groups = (scratch / "id.out").read_text()
    assert "(dialout)" in groups and "(gpio)" in groups
    assert (scratch / "stat.out").read_text().split("\n")[:2] == ["root:siaran 640", "siaran:siaran 750"]
    assert (scratch / "tail.out").read_text().strip() == "edited"
    assert (scratch / "link.out").read_text().strip() == "/opt/siaran/venv/bin/siaran"
    assert (scratch / "etc" / "systemd" / "system.conf.d" / "siaran-watchdog.conf").exists()
    # The host is untouched.
    if existed is None:
        with pytest.raises(KeyError):
            pwd.getpwnam("siaran")
        with pytest.raises(KeyError):
            grp.getgrnam("siaran")
    assert Path("/etc/siaran").exists() == had_etc


def test_polkit_rule_lets_only_the_service_user_power_off(tmp_path):
    """The panel's shutdown button needs polkit's leave; only for user siaran, only power-off/reboot."""
    subprocess.run(["bash", str(INSTALL), "--root", str(tmp_path), "--no-apt", "--no-systemctl", "--no-venv",
                    "--force-os"], check=True, capture_output=True)
    rule = (tmp_path / "etc/polkit-1/rules.d/50-siaran-poweroff.rules").read_text()
    assert 'subject.user == "siaran"' in rule and "login1.power-off" in rule
    assert "polkit.Result.YES" in rule and "org.freedesktop.systemd1" not in rule


# --- the offline install (scripts/bundle's wheels/ and debs/) --------------------------------


def make_deb(folder: Path, package: str) -> Path:
    """A real (empty) .deb named as apt names its downloads."""
    build = folder / f"{package}-build"
    (build / "DEBIAN").mkdir(parents=True)
    (build / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Siaran tests <tests@example.invalid>\n"
        f"Description: test package\n")
    deb = folder / f"{package}_1.0-1_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(build), str(deb)],
                   check=True, capture_output=True)
    shutil.rmtree(build)
    return deb


def test_list_packages_is_what_apt_installs(staged):
    listed = run("--list-packages").stdout.split()
    assert listed[:3] == ["python3", "python3-venv", "python3-dev"] and "sqlite3" in listed
    apt = next(line for line in staged["log1"].splitlines() if "apt-get install" in line)
    assert all(f" {pkg}" in apt for pkg in listed)


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian)")
def test_offline_install_uses_only_the_bundle(tmp_path):
    wheels, debs = tmp_path / "wheels", tmp_path / "debs"
    wheels.mkdir()
    debs.mkdir()
    made = [make_deb(debs, name) for name in ("gcc", "libsystemd-dev")]
    (debs / "README.txt").write_text("not a package")
    root = new_root(tmp_path)
    proc = run("--no-venv", "--wheels", str(wheels), "--debs", str(debs), root=root)
    lines = (root / "install-actions.log").read_text().splitlines()
    assert not any("apt-get update" in line for line in lines), "an offline install must not ask the network"
    apt = [line for line in lines if "apt-get install" in line]
    assert len(apt) == 1 and all(str(deb) in apt[0] for deb in made) and "README" not in apt[0]
    assert "--no-install-recommends" in apt[0]
    pip = next(line for line in lines if " -m pip install " in line)
    assert f"--no-index --find-links {wheels} " in pip and pip.endswith(str(ROOT))
    assert "memasang 2 paket" in proc.stdout


def test_offline_install_refuses_missing_folders(tmp_path):
    for option in ("--wheels", "--debs"):
        proc = run(option, str(tmp_path / "nowhere"), root=tmp_path / "x", check=False)
        assert proc.returncode == 1
        assert "folder tidak ada" in proc.stderr and "no such directory" in proc.stderr
        proc = run(option, check=False)
        assert proc.returncode == 1 and "needs a directory" in proc.stderr
