"""The Bandung job from the command line, end to end.

Import the RT/RW list (an .xlsx with title rows and bad rows), pick the north
RWs, create the landslide warning from the ready template with its preview of
cost and time, have a second user approve it, and watch the daemon deliver it
through an emulated modem.
"""

from __future__ import annotations

import json
import threading
import time

import openpyxl

from firmware.cli import main
from firmware.office.config import with_defaults
from firmware.queue.daemon import Daemon
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator
from firmware.queue.store import Store


def _rt_rw_list(path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data RT RW"
    ws.append(["DAFTAR KETUA RT/RW KECAMATAN CONTOH"])
    ws.append(["Tahun 2026"])
    ws.append([])
    ws.append(["No", "Nama", "Jabatan", "RT", "RW", "Kelurahan", "No. HP"])
    n = 1
    for kel in ("Sukamaju", "Cibeunying"):
        for rw in range(1, 11):
            ws.append([n, f"Pak RW {rw:02d} {kel}", "Ketua RW", "", rw, kel, f"0812-0000-{n:04d}"])
            n += 1
            for rt in (1, 2):
                ws.append([n, f"Bu RT {rt} RW {rw} {kel}", "Ketua RT", rt, rw, kel, 8120000000 + n])  # lost zero
                n += 1
    ws.append([n, "Nomor rusak", "Ketua RT", 1, 1, "Sukamaju", "6.28123E+11"])
    wb.save(path)


def run(capsys, *args) -> tuple[int, dict]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_bandung_job(tmp_path, capsys):
    state = ("--state-dir", str(tmp_path / "state"))
    _rt_rw_list(tmp_path / "rtrw.xlsx")

    code, out = run(capsys, "import", str(tmp_path / "rtrw.xlsx"), "--dry-run", *state)
    assert code == 0 and out["counts"]["new"] == 60 and out["counts"]["invalid"] == 1
    code, out = run(capsys, "import", str(tmp_path / "rtrw.xlsx"), *state)
    assert code == 0 and out["counts"]["new"] == 60
    assert "Teks" in out["rejected"][0]["alasan"]  # how to fix the scientific-notation column

    code, out = run(capsys, "audience", "save", "rw-utara", "--desa", "Sukamaju", "--rw", "01-05",
                    "--role", "Ketua RT,Ketua RW", *state)
    assert code == 0 and out["counts"]["reachable"] == 15

    code, out = run(capsys, "campaign", "create", "--name", "Peringatan longsor", "--template", "peringatan-longsor",
                    "--audience", "rw-utara", *state)
    assert code == 0
    campaign = str(out["id"])
    preview = out["preview"]
    assert preview["recipients"] == 15 and preview["cost"]["total_rupiah"] > 0 and "time" in preview

    assert run(capsys, "setting", "set", "approval_threshold", "10", *state)[0] == 0
    assert run(capsys, "user", "add", "budi", "--role", "approver", *state)[0] == 0
    code, out = run(capsys, "campaign", "submit", campaign, *state)
    assert out["state"] == "awaiting_approval"
    code, out = run(capsys, "campaign", "approve", campaign, *state)  # the maker cannot approve
    assert code != 0 and "pesan" in out
    code, out = run(capsys, "campaign", "approve", campaign, "--as", "budi", *state)
    assert code == 0 and out["queued"] == 15

    emu = PtyEmulator(EmulatorConfig(model="sim800", report_delay=0.05), log_path=str(tmp_path / "sent.jsonl")).start()
    config = with_defaults(str(tmp_path / "state"), [f"{emu.port}:sim800"], unthrottled=True)
    daemon = Daemon(config)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        store = Store(tmp_path / "state" / "siaran.db")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            counts = dict(store.conn.execute(
                "SELECT state, COUNT(*) FROM messages WHERE campaign_id = ? GROUP BY state", (int(campaign),)))
            if counts == {"delivered": 15}:
                break
            time.sleep(0.1)
        assert counts == {"delivered": 15}
        texts = [json.loads(line)["text"] for line in (tmp_path / "sent.jsonl").read_text().splitlines()]
        assert len(texts) == 15 and all("LONGSOR" in t for t in texts)
        store.close()
    finally:
        daemon.stop()
        thread.join(timeout=10)
        emu.stop()
