"""USB-stick drop (firmware/box/usbdrop.py, ``siaran usb-import``): the folder path end to end, the stick's
edge cases, the mount sequence with the commands stubbed, and a real FAT image where the kernel can mount it.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from firmware.office import config as config_mod
from firmware.people import contacts as contacts_mod
from firmware.people import importer
from firmware.box import usbdrop
from firmware.cli import main
from firmware.queue.store import Store

import hostile_files as hf

GOOD = ["081200000101", "0812-0000-0102", "+6281300000103", "85700000104"]
BAD = ["12345", "6.28123E+11", ""]


@pytest.fixture
def cfg(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    return config_mod.with_defaults(str(state), [])


@pytest.fixture
def db(cfg, clock):
    s = Store.in_state_dir(cfg.state_dir, clock=lambda: clock[0])
    yield s
    s.close()


def write_xlsx(path: Path, good=GOOD, bad=BAD, dup=True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Daftar Ketua RT"])
    ws.append(["Nama", "No. HP", "Desa", "RT"])
    for i, n in enumerate(good):
        ws.append([f"Warga {i}", n, "Sukajadi", i + 1])
    for i, n in enumerate(bad):
        ws.append([f"Salah {i}", n, "Sukajadi", 9])
    if dup:
        ws.append(["Dobel", good[0], "Sukajadi", 1])
    wb.save(path)
    return path


def read_report(folder: Path) -> tuple[str, list[list[str]]]:
    reports = sorted(folder.glob("laporan-*.csv"))
    assert len(reports) == 1, [p.name for p in folder.iterdir()]
    data = reports[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    assert rows[0][0] == "Baris (Row)"
    return reports[0].name, rows


def n_contacts(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]


def state(store: Store) -> dict:
    return usbdrop.get_state(store)


# -- the folder path, end to end -------------------------------------------------------------


def test_folder_end_to_end_campaign_awaiting_approval(tmp_path, cfg, db, monkeypatch):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "ketua rt.xlsx")
    (stick / "pesan.txt").write_bytes("Yth {nama}, rapat RT besok jam 19.00. Terima kasih.\r\n".encode("cp1252"))
    (stick / "._ketua rt.xlsx").write_bytes(b"\x00\x05\x16\x07junk")
    with db.tx() as c:  # 4 recipients > threshold 2: submit makes it awaiting_approval
        c.execute("INSERT INTO settings (key, value, updated_at) VALUES ('approval_threshold', '2', 0)")
    r = usbdrop.run_folder(db, cfg, stick, device="sda1")
    assert r.state == "safe_to_remove", r
    assert n_contacts(db) == len(GOOD)
    assert r.counts["new"] == 4 and r.counts["invalid"] == 3 and r.counts["duplicate_in_file"] == 1
    tag = r.tag
    assert tag.startswith("usb-") and len(tag) == len("usb-YYYYMMDD-HHMM")
    camp = db.conn.execute("SELECT * FROM campaigns").fetchall()
    assert len(camp) == 1 and camp[0]["state"] == "awaiting_approval"
    assert json.loads(camp[0]["audience"]) == {"tag": [tag]}
    assert camp[0]["text"].startswith("Yth {nama}")
    assert db.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0  # never queued
    imp = contacts_mod.imports(db)[0]
    assert imp["source"] == "usb" and imp["file_name"] == "ketua rt.xlsx" and not imp["dry_run"]
    name, rows = read_report(stick)
    assert name == r.report
    statuses = [row[1] for row in rows[1:]]
    assert statuses.count("diterima / accepted") == 4
    assert statuses.count("ditolak / rejected") == 3
    assert statuses.count("duplikat / duplicate") == 1
    assert any('="+6281200000101"' == row[2] for row in rows)
    assert all(row[4] for row in rows[1:] if row[1] in ("ditolak / rejected", "duplikat / duplicate"))
    st = state(db)
    assert st["state"] == "safe_to_remove" and st["device"] == "sda1"
    assert not list((Path(cfg.state_dir)).glob("usb-*"))  # the private copy is gone


def test_small_campaign_stays_draft_and_contacts_mode(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "daftar.csv").write_text("nama;hp\nAni;081200000201\nBudi;081200000202\n", encoding="utf-8")
    (stick / "PESAN.TXT").write_text("Halo {nama}", encoding="utf-8")
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.state == "safe_to_remove" and r.campaign_state == "draft"
    assert db.conn.execute("SELECT state FROM campaigns").fetchone()[0] == "draft"
    assert db.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0

    from dataclasses import replace
    stick2 = tmp_path / "stick2"
    stick2.mkdir()
    (stick2 / "daftar.csv").write_text("nama;hp\nCici;081200000203\n", encoding="utf-8")
    (stick2 / "pesan.txt").write_text("Halo", encoding="utf-8")
    r = usbdrop.run_folder(db, replace(cfg, usb_mode="contacts"), stick2)
    assert r.state == "safe_to_remove" and r.campaign_id is None
    assert db.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 1
    assert n_contacts(db) == 3
    _, rows = read_report(stick2)
    assert any("pesan.txt ignored" in row[5] for row in rows)


def test_cli_folder(tmp_path, cfg, capsys):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")
    assert main(["usb-import", "--folder", str(stick), "--state-dir", cfg.state_dir]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "safe_to_remove" and out["counts"]["new"] == 4
    assert "campaign_id" not in out  # no pesan.txt: contacts only
    assert out["report"].startswith("laporan-")


def test_newest_list_chosen_others_reported_old_report_ignored(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    old = stick / "lama.csv"
    old.write_text("hp\n081200000301\n")
    os.utime(old, (1_600_000_000, 1_600_000_000))
    (stick / "baru.csv").write_text("hp\n081200000302\n")
    (stick / "laporan-20260101-0900.csv").write_text("hp\n081200000399\n")
    (stick / "lama.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.file == "baru.csv" and r.state == "safe_to_remove"
    assert [x["file"] for x in r.ignored] == ["lama.xls", "lama.csv"] or {x["file"] for x in r.ignored} == {
        "lama.xls", "lama.csv"}
    assert [row[0] for row in db.conn.execute("SELECT number FROM contacts")] == ["+6281200000302"]


# -- edge cases: a report and usb_state error, never a traceback, never a half import -------------


def _assert_failed(db, stick, words: str) -> list[list[str]]:
    assert n_contacts(db) == 0
    assert db.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0
    st = state(db)
    assert st["state"] == "error", st
    assert words in st["detail"], st
    _, rows = read_report(stick)
    assert any(row[5].startswith("FAILED") for row in rows), rows
    return rows


def test_empty_stick(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.state == "error"
    _assert_failed(db, stick, "no contact list")


def test_only_junk(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "._daftar.xlsx").write_bytes(b"junk")
    (stick / ".DS_Store").write_bytes(b"junk")
    (stick / ".Trashes").mkdir()
    (stick / "System Volume Information").mkdir()
    (stick / "foto.jpg").write_bytes(b"\xff\xd8")
    (stick / "folder.csv").mkdir()
    usbdrop.run_folder(db, cfg, stick)
    rows = _assert_failed(db, stick, "no contact list")
    assert any("folder.csv" in row[5] and "not a regular file" in row[5] for row in rows)


def test_symlink_refused(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "daftar.csv").symlink_to("/etc/passwd")
    (stick / "pesan.txt").symlink_to("/etc/shadow")
    usbdrop.run_folder(db, cfg, stick)
    rows = _assert_failed(db, stick, "no contact list")
    assert any("daftar.csv" in row[5] and "link" in row[5] for row in rows)


def test_symlink_swapped_in_after_scan_refused(tmp_path, cfg, db, monkeypatch):
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "daftar.csv"
    target.write_text("hp\n081200000401\n")
    real_scan = usbdrop.scan

    def scan_then_swap(folder):
        listing = real_scan(folder)
        target.unlink()
        target.symlink_to("/etc/passwd")
        return listing
    monkeypatch.setattr(usbdrop, "scan", scan_then_swap)
    usbdrop.run_folder(db, cfg, stick)
    _assert_failed(db, stick, "link")


def test_huge_file(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    with open(stick / "besar.csv", "wb") as f:
        f.truncate(60 * 1024 * 1024)  # sparse: 60 MB without writing them
    usbdrop.run_folder(db, cfg, stick)
    _assert_failed(db, stick, "too large")


def test_corrupt_xlsx(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    data = write_xlsx(tmp_path / "ok.xlsx").read_bytes()
    (stick / "rusak.xlsx").write_bytes(data[: len(data) // 2])
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.state == "error"
    assert n_contacts(db) == 0 and state(db)["state"] == "error"
    read_report(stick)


@pytest.mark.parametrize("make,words", [
    (lambda p: hf.entity_bomb(p), "DTD"),
    (lambda p: hf.zip_bomb(p, 170), "unpacks to more than 160 MB"),
    (lambda p: hf.huge_cell(p, 3_000_000), "row 2, cell A2"),
])
def test_hostile_workbook_on_a_stick_is_refused_by_the_same_reader(tmp_path, cfg, db, make, words):
    stick = tmp_path / "stick"
    stick.mkdir()
    make(stick / "daftar.xlsx")
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.pesan and r.pesan != r.error
    _assert_failed(db, stick, words)


def test_odd_names(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    odd = os.fsencode(str(stick)) + b"/da\xfftar\n\x1b[31m.csv"
    with open(odd, "wb") as f:
        f.write(b"hp\n081200000501\n")
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.state == "safe_to_remove", r
    assert "\n" not in r.file and "\x1b" not in r.file
    assert contacts_mod.imports(db)[0]["file_name"] == r.file


def test_bad_message_changes_nothing(tmp_path, cfg, db):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")
    (stick / "pesan.txt").write_text("Halo {namaa}")
    usbdrop.run_folder(db, cfg, stick)
    _assert_failed(db, stick, "pesan.txt")


def test_eio_while_copying_off_the_stick(tmp_path, cfg, db, monkeypatch):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")
    calls = []

    def failing(fd, size):
        calls.append(size)
        raise OSError(errno.EIO, os.strerror(errno.EIO))
    monkeypatch.setattr(usbdrop, "_read_block", failing)
    r = usbdrop.run_folder(db, cfg, stick)
    assert calls and r.state == "error"
    _assert_failed(db, stick, "read error")


def test_eio_mid_commit_rolls_back(tmp_path, cfg, db, monkeypatch):
    """Rows already written in earlier batches of the one transaction are rolled back."""
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")
    monkeypatch.setattr(contacts_mod, "_BATCH", 1)
    real_rows = importer.Sheet.rows
    passes = []

    def rows(self):
        passes.append(1)
        for i, contact in enumerate(real_rows(self)):
            if len(passes) == 2 and i == 2:  # the commit's pass, after two batches were inserted
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            yield contact
    monkeypatch.setattr(importer.Sheet, "rows", rows)
    r = usbdrop.run_folder(db, cfg, stick)
    assert r.state == "error" and len(passes) == 2
    _assert_failed(db, stick, "Input/output error")
    assert db.conn.execute("SELECT COUNT(*) FROM tags").fetchone()[0] == 0
    assert db.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0


def test_unwritable_stick_gives_error_state_not_traceback(tmp_path, cfg, db, monkeypatch):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")

    def cannot(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    monkeypatch.setattr(usbdrop, "write_report", cannot)
    r = usbdrop.run_folder(db, cfg, stick)
    assert n_contacts(db) == 4  # imported; only the report failed
    assert r.state == "error" and "report could not be written" in state(db)["detail"]


# -- the device path with mount/umount stubbed (the option strings and the order) ------------------


def test_device_sequence_stubbed(tmp_path, cfg, db, monkeypatch):
    stick = tmp_path / "stick"
    stick.mkdir()
    write_xlsx(stick / "a.xlsx")
    dev = tmp_path / "sdz1"
    dev.write_bytes(b"")
    calls, states = [], []
    monkeypatch.setattr(usbdrop.stat, "S_ISBLK", lambda mode: True)
    real_set = usbdrop.set_state
    monkeypatch.setattr(usbdrop, "set_state", lambda s, st, d, det="": (states.append(st), real_set(s, st, d, det)))

    def run(cmd, timeout=60):
        calls.append(cmd)
        if cmd[0] == "blkid":
            return subprocess.CompletedProcess(cmd, 0, "vfat\n", "")
        if cmd[0] == "mount":  # "mount" the stick folder onto the mount point
            os.rmdir(cmd[-1])
            os.symlink(stick, cmd[-1])
        if cmd[0] == "umount":
            os.unlink(cmd[-1])
            os.mkdir(cmd[-1])
        return subprocess.CompletedProcess(cmd, 0, "", "")
    monkeypatch.setattr(usbdrop, "_run", run)
    r = usbdrop.run_device(db, cfg, str(dev), mount_base=tmp_path / "run")
    assert r.state == "safe_to_remove", r
    mount = calls[1]
    assert mount[:3] == ["mount", "-t", "vfat"]
    assert mount[4] == "rw,nosuid,nodev,noexec,uid=0,gid=0,umask=077,utf8,flush,errors=remount-ro"
    assert mount[-1] == str(tmp_path / "run" / "usb-sdz1")
    assert calls[-1][0] == "umount"
    assert states[-2:] == ["busy", "safe_to_remove"]  # safe only after the unmount
    assert not (tmp_path / "run" / "usb-sdz1").exists()
    read_report(stick)
    assert usbdrop.mount_options("exfat") == "rw,nosuid,nodev,noexec,uid=0,gid=0,umask=077,iocharset=utf8,errors=remount-ro"


def test_device_refuses_non_block_and_odd_names(tmp_path, cfg, db):
    f = tmp_path / "sdz1"
    f.write_bytes(b"")
    assert usbdrop.run_device(db, cfg, str(f), mount_base=tmp_path / "run").state == "error"
    assert "not a block device" in state(db)["detail"]
    assert usbdrop.run_device(db, cfg, "/dev/sd a;1", mount_base=tmp_path / "run").state == "error"


# -- a real FAT image, loop-mounted -----------------------------------------------------------------


def _vfat_mountable() -> str | None:
    if shutil.which("mkfs.vfat") is None:
        return "mkfs.vfat missing: add dosfstools to scripts/bootstrap.sh --test"
    if os.geteuid() != 0:
        return "loop mounting needs root"
    try:
        fs = Path("/proc/filesystems").read_text()
    except OSError:
        return "no /proc/filesystems"
    if "vfat" not in fs.split():
        r = subprocess.run(["modprobe", "vfat"], capture_output=True, check=False) if shutil.which("modprobe") else None
        if r is None or r.returncode != 0 or "vfat" not in Path("/proc/filesystems").read_text().split():
            return "the kernel here has no vfat filesystem (container); the stubbed device test covers the sequence"
    if shutil.which("losetup") is None or not Path("/dev/loop-control").exists():
        return "no loop devices here"
    return None


def test_fat_image_end_to_end(tmp_path, cfg, db):
    why = _vfat_mountable()
    if why:
        pytest.skip(why)
    img = tmp_path / "stick.img"
    with open(img, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.vfat", "-n", "SIARAN", str(img)], check=True, capture_output=True)
    src = tmp_path / "src"
    src.mkdir()
    write_xlsx(src / "ketua.xlsx")
    (src / "pesan.txt").write_text("Halo {nama}")
    loop = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip(f"losetup not permitted here: {loop.stderr.strip()}")
    dev = loop.stdout.strip()
    try:
        fill = tmp_path / "fill"
        fill.mkdir()
        r = subprocess.run(["mount", "-t", "vfat", dev, str(fill)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"mount not permitted here: {r.stderr.strip()}")
        for p in src.iterdir():
            shutil.copy(p, fill / p.name)
        subprocess.run(["umount", str(fill)], check=True)
        result = usbdrop.run_device(db, cfg, dev, mount_base=tmp_path / "run")
        assert result.state == "safe_to_remove", result
        assert n_contacts(db) == 4
        assert not os.path.ismount(tmp_path / "run" / "usb-" / os.path.basename(dev))
        check = tmp_path / "check"
        check.mkdir()
        subprocess.run(["mount", "-t", "vfat", "-o", "ro", dev, str(check)], check=True)
        try:
            _, rows = read_report(check)
            assert sum(row[1] == "ditolak / rejected" for row in rows) == 3
        finally:
            subprocess.run(["umount", str(check)], check=True)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
