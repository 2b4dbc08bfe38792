"""The systemd units in ``systemd/`` pass ``systemd-analyze verify`` without a warning.

verify runs with ``--root`` on a throw-away root holding only:

- our units in ``/etc/systemd/system`` (byte for byte, ExecStart untouched),
- an executable stub at ``/opt/siaran/venv/bin/siaran`` (verify checks that
  ExecStart's binary exists and is executable, relative to the root),
- empty stub targets the units order against or are pulled in by default
  (sysinit, basic, shutdown ...).

So the result does not depend on the host's unit files: a container or build
machine with odd or broken units of its own adds no noise, and nothing is
filtered out.  ``User=siaran`` needs no account (verify does not resolve users).
verify reports unknown keys and unparsable values on stderr but still exits 0,
hence the test asserts on stderr being empty, and a self-check proves that a
broken copy of the unit does produce output in this very setup.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS_DIR = Path(__file__).resolve().parents[2] / "systemd"
UNITS = ("siaran.service", "siaran-web.service")
STUB_TARGETS = ("sysinit", "basic", "shutdown", "multi-user", "network-online", "network", "local-fs",
                "time-sync", "sockets", "timers", "paths", "slices")

needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze is not installed (apt-get install systemd)")


def make_root(tmp_path: Path, edit=None) -> Path:
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd/system").mkdir(parents=True)
    binary = root / "opt/siaran/venv/bin/siaran"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    for name in UNITS:
        text = (UNITS_DIR / name).read_text()
        (root / "etc/systemd/system" / name).write_text(edit(name, text) if edit else text)
    for target in STUB_TARGETS:
        (root / f"usr/lib/systemd/system/{target}.target").write_text(f"[Unit]\nDescription=stub {target}\n")
    return root


def verify(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYSTEMD_")}
    env["SYSTEMD_LOG_COLOR"] = "0"
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", *UNITS],
                          capture_output=True, text=True, env=env, timeout=60)


@needs_analyze
def test_units_verify_clean(tmp_path):
    result = verify(make_root(tmp_path))
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert output == "", f"systemd-analyze verify warned:\n{output}"


@needs_analyze
def test_verify_setup_catches_mistakes(tmp_path):
    """The clean result above means something: the same setup flags a bad key and a bad value."""
    def spoil(name, text):
        if name != "siaran.service":
            return text
        return text.replace("LockPersonality=yes", "LockPersonality=yes\nProtectSystm=strict\nRestart=sometimes")

    result = verify(make_root(tmp_path, spoil))
    output = result.stdout + result.stderr
    assert "ProtectSystm" in output
    assert "sometimes" in output


def _keys(name: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (UNITS_DIR / name).read_text().splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            keys.setdefault(m.group(1), []).append(m.group(2))
    return keys


def test_daemon_unit_shape():
    k = _keys("siaran.service")
    assert k["Type"] == ["notify"] and k["NotifyAccess"] == ["main"] and k["WatchdogSec"] == ["30"]
    assert k["Restart"] == ["on-failure"]
    assert k["User"] == ["siaran"] and set(k["SupplementaryGroups"][0].split()) == {"dialout", "gpio"}
    assert k["ProtectSystem"] == ["strict"]
    assert "PrivateDevices" not in k, "the modem and the gpiochip must stay reachable"
    assert "DevicePolicy" not in k and "DeviceAllow" not in k
    assert k["CapabilityBoundingSet"] == ["CAP_SYS_TIME"] == k["AmbientCapabilities"]
    assert k["ExecStart"][0].endswith("siaran daemon --config /etc/siaran/siaran.toml")


def test_web_unit_shape():
    k = _keys("siaran-web.service")
    assert k["Type"] == ["simple"] and k["User"] == ["siaran"]
    assert k["ExecStart"][0].endswith("siaran web --config /etc/siaran/siaran.toml")
    assert k["CapabilityBoundingSet"] == [""]
