"""The README's first command: ``siaran demo`` brings up the modems, the daemon and the page, and prints logins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SIARAN = Path(sys.executable).parent / "siaran"


def test_demo_once_runs_the_page_and_prints_working_credentials(tmp_path):
    state = tmp_path / "demo"
    proc = subprocess.run([str(SIARAN), "demo", "--once", "--port", "0", "--latency", "0.05",
                           "--state-dir", str(state)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"http://127\.0\.0\.1:\d+/", out)
    for user in ("admin", "staf", "camat"):
        assert re.search(rf"^\s+{user}\s+[a-z0-9]{{4}}(-[a-z0-9]{{4}}){{4}}\s", out, re.M), user
    assert (state / "contoh" / "bandung-ketua-rt-rw.xlsx").exists()
    assert (state / "contoh" / "blitar-warga.csv").exists()
    summary = json.loads(out[out.index("\n{") + 1:])
    assert summary["web_login"] is True  # the printed admin password logged in over HTTP
    assert summary["optouts"] == 1 and summary["queue"].get("delivered", 0) >= 20
    assert "+62812" not in out.replace("+6281****", "")  # numbers masked in what it prints
