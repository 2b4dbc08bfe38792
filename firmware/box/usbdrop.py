"""USB-stick drop: a FAT/exFAT stick with a contact list (and ``pesan.txt``) becomes an import.

A udev rule starts ``siaran-usb@sda1.service`` (``systemd/``), which runs
``siaran usb-import --device /dev/sda1``: :func:`run_device` mounts the stick
at ``/run/siaran/usb-sda1`` (noexec,nosuid,nodev, root-only), then runs the same
code as ``siaran usb-import --folder DIR`` (:func:`run_folder`):

1. list the top level only: ``.csv``/``.xlsx`` files (dotfiles, ``._*`` macOS
   junk, earlier ``laporan-*.csv`` reports ignored; symlinks and anything not a
   regular file refused); several lists -> the newest (by mtime), the others
   named in the report;
2. copy the chosen list (and ``pesan.txt``) off the stick into a private
   temporary folder (at most :data:`MAX_BYTES`): from here on a pulled stick
   cannot affect the import;
3. import it with the one importer (source ``usb``, tag ``usb-YYYYMMDD-HHMM``),
   in ONE transaction (:func:`firmware.people.contacts.commit_import`): all rows or none;
4. ``usb_mode == "campaign"`` and a message: a campaign for that tag is created
   as a DRAFT, and submitted only when that makes it ``awaiting_approval``
   (more recipients than the approval threshold).  A small campaign stays a
   draft: submitting it would queue it at once, and a stick is not a person;
   someone logged in on the page must send it on.  Never queued from here;
5. write ``laporan-YYYYMMDD-HHMM.csv`` back (UTF-8 with BOM, ``;``: Excel with
   Indonesian settings; accepted and rejected rows with reasons), temp name then
   rename, fsync file and folder, ``sync``, unmount.

Every step writes ``usb_state`` in the store's ``settings`` table (JSON
``{"state": "busy"|"safe_to_remove"|"error", "device", "at", "detail"}``) for
the front panel.  ``safe_to_remove`` is written only after the unmount.
Nothing raises out of :func:`run_folder`/:func:`run_device`: every failure
becomes an ``error`` state and, when the stick is writable, a report on it.
"""

from __future__ import annotations

import csv
import errno
import io
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from firmware.people import audience as aud_mod
from firmware.campaigns import campaign as camp_mod
from firmware.people import contacts as contacts_mod
from firmware.office.config import Config
from firmware.people.csvcells import cell_safe, number_cell
from firmware.errors import BilingualError, SiaranError
from firmware.people.importer import MAX_FILE_BYTES, ImportFileError, read_rows
from firmware.people.wilayah import summary_sentence
from firmware.queue.store import Store

log = logging.getLogger("siaran.usb")

#: Largest list copied off a stick (the importer's own limit).
MAX_BYTES = MAX_FILE_BYTES
#: Largest ``pesan.txt``.
MAX_MESSAGE_BYTES = 64 * 1024
#: File types taken as a contact list.
LIST_SUFFIXES = (".csv", ".xlsx")
#: File types named in the report as "save as .xlsx or .csv".
WRONG_SUFFIXES = (".xls", ".ods", ".numbers", ".txt", ".tsv")
MESSAGE_NAME = "pesan.txt"
REPORT_PREFIX = "laporan-"
MOUNT_BASE = Path("/run/siaran")
SETTING_KEY = "usb_state"
_DEVICE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PRINTABLE = re.compile(r"[^\w .,()+&@#'-]", re.UNICODE)


class DropError(BilingualError):
    """The drop cannot go on; ``reason`` English, ``pesan`` Bahasa Indonesia."""


class Unplugged(BaseException):
    """SIGTERM (systemd stops the unit when the stick disappears: BindsTo=): roll back and stop."""


def safe_name(name: str) -> str:
    """A file name fit for a log, the report and the store (odd bytes and control characters replaced)."""
    text = os.fsdecode(name) if isinstance(name, bytes) else name
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates from undecodable bytes
    text = _PRINTABLE.sub("?", text)
    return text[:120] or "?"


@dataclass
class Result:
    """What a drop did (JSON-ready through :meth:`as_dict`)."""

    state: str = "busy"
    device: str = ""
    detail: str = ""
    file: str | None = None
    ignored: list[dict] = field(default_factory=list)
    counts: dict[str, int] | None = None
    import_id: int | None = None
    tag: str | None = None
    wilayah: dict | None = None  # where the rows' desa/kelurahan came from (Sheet.wilayah_summary)
    campaign_id: int | None = None
    campaign_state: str | None = None
    report: str | None = None
    error: str | None = None
    pesan: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "")} | {"state": self.state}


# -- usb_state ---------------------------------------------------------------------------


def set_state(store: Store | None, state: str, device: str, detail: str = "") -> None:
    """Record ``usb_state`` for the front panel; never raises (a locked store is logged)."""
    if store is None:
        return
    value = {"state": state, "device": device, "at": store.clock(), "detail": detail}
    try:
        store.set_setting(SETTING_KEY, value, by="usb")
    except Exception as exc:  # noqa: BLE001 — the panel state must never break the drop
        log.warning("cannot record usb_state %s: %s", state, exc)


def get_state(store: Store) -> dict | None:
    return store.get_setting(SETTING_KEY)


# -- reading the stick ---------------------------------------------------------------------


@dataclass
class Listing:
    chosen: Path | None
    message: Path | None
    ignored: list[dict]


def scan(folder: Path) -> Listing:
    """The top level of ``folder``: the newest list, ``pesan.txt``, and what was ignored and why."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise DropError(f"cannot read the stick: {exc.strerror}", f"flashdisk tidak dapat dibaca: {exc.strerror}")
    lists: list[tuple[float, str, Path]] = []
    message: Path | None = None
    ignored: list[dict] = []

    def skip(name: str, reason: str, alasan: str) -> None:
        ignored.append({"file": safe_name(name), "reason": reason, "alasan": alasan})

    for e in entries:
        name = e.name
        lower = name.lower()
        if name.startswith("."):
            continue  # .Trashes, .Spotlight-V100, ._list.xlsx (macOS), .fseventsd ...
        is_list = lower.endswith(LIST_SUFFIXES) and not lower.startswith(REPORT_PREFIX)
        is_message = lower == MESSAGE_NAME
        if not (is_list or is_message):
            if lower.endswith(WRONG_SUFFIXES) and not lower.startswith(REPORT_PREFIX):
                skip(name, "not a .csv or .xlsx file: save it as .xlsx or .csv",
                     "bukan file .csv atau .xlsx: simpan sebagai .xlsx atau .csv")
            continue
        try:
            if e.is_symlink():
                skip(name, "a link, not a file: refused", "tautan (link), bukan file: ditolak")
                continue
            if not e.is_file(follow_symlinks=False):
                skip(name, "not a regular file", "bukan file biasa")
                continue
            st = e.stat(follow_symlinks=False)
        except OSError as exc:
            skip(name, f"cannot read: {exc.strerror}", f"tidak dapat dibaca: {exc.strerror}")
            continue
        if is_message:
            message = Path(e.path)
        else:
            lists.append((st.st_mtime, name, Path(e.path)))
    lists.sort(reverse=True)
    for _, name, _ in lists[1:]:
        skip(name, "an older list: only the newest file is imported",
             "daftar lebih lama: hanya file terbaru yang diimpor")
    return Listing(lists[0][2] if lists else None, message, ignored)


def _read_block(fd: int, size: int) -> bytes:
    return os.read(fd, size)


def copy_in(src: Path, dst: Path, max_bytes: int) -> int:
    """Copy a regular file (no symlink followed) of at most ``max_bytes``; return its size.

    Raises DropError when it is not a regular file, too large, or unreadable (EIO: a stick pulled out).
    """
    name = safe_name(src.name)
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DropError(f"{name}: a link, not a file", f"{name}: tautan (link), bukan file") from exc
        raise DropError(f"{name}: cannot open: {exc.strerror}", f"{name}: tidak dapat dibuka: {exc.strerror}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DropError(f"{name}: not a regular file", f"{name}: bukan file biasa")
        too_big = DropError(
            f"{name}: file too large ({st.st_size // 1_000_000} MB; at most {max_bytes // 1_000_000} MB): split it",
            f"{name}: file terlalu besar ({st.st_size // 1_000_000} MB; paling besar {max_bytes // 1_000_000} MB):"
            " bagi file")
        if st.st_size > max_bytes:
            raise too_big
        total = 0
        with open(dst, "wb") as out:
            while True:
                try:
                    chunk = _read_block(fd, 1 << 20)
                except OSError as exc:
                    raise DropError(f"{name}: read error ({exc.strerror}): was the stick pulled out?",
                                    f"{name}: gagal membaca ({exc.strerror}): flashdisk tercabut?") from exc
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise too_big
                out.write(chunk)
        return total
    finally:
        os.close(fd)


def decode_message(data: bytes) -> str:
    """``pesan.txt`` as text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 (Notepad's ANSI)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return text.strip()


# -- the report ----------------------------------------------------------------------------

_HEADER = ["Baris (Row)", "Status", "Nomor (Number)", "Nama (Name)", "Alasan", "Reason"]


class Report:
    """Rows of ``laporan-*.csv``: a summary on top, then accepted and rejected rows."""

    def __init__(self) -> None:
        self.summary: list[tuple[str, str]] = []  # (alasan, reason)
        self.rows: list[list[Any]] = []

    def note(self, alasan: str, reason: str) -> None:
        self.summary.append((alasan, reason))

    def to_bytes(self) -> bytes:
        out = io.StringIO()
        w = csv.writer(out, delimiter=";", lineterminator="\r\n")
        w.writerow(_HEADER)
        for alasan, reason in self.summary:
            w.writerow(["", "INFO", "", "", cell_safe(alasan), cell_safe(reason)])
        for row in self.rows:
            w.writerow(row)
        return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_report(folder: Path, data: bytes, when: datetime) -> Path:
    """Write the report into ``folder`` safely (temp, fsync, rename, fsync folder); return its path."""
    base = f"{REPORT_PREFIX}{when:%Y%m%d-%H%M}"
    target = folder / f"{base}.csv"
    n = 2
    while target.exists():
        target = folder / f"{base}-{n}.csv"
        n += 1
    tmp = folder / f"{base}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    except OSError:
        pass  # some FUSE filesystems refuse fsync on a folder; sync below covers it
    finally:
        os.close(dfd)
    return target


# -- the drop --------------------------------------------------------------------------------


def _tag_for(store: Store, when: datetime) -> str:
    base = f"usb-{when:%Y%m%d-%H%M}"
    tag, n = base, 2
    while contacts_mod.tag_exists(store, tag):
        tag, n = f"{base}-{n}", n + 1
    return tag


def _check_message(text: str) -> None:
    if len(text) > camp_mod.MAX_TEXT:
        raise DropError(f"{MESSAGE_NAME}: the message is too long ({len(text)} characters; at most "
                        f"{camp_mod.MAX_TEXT})",
                        f"{MESSAGE_NAME}: pesan terlalu panjang ({len(text)} karakter; paling banyak "
                        f"{camp_mod.MAX_TEXT})")
    try:
        camp_mod.compile_template(text)
    except camp_mod.CampaignError as exc:
        raise DropError(f"{MESSAGE_NAME}: {exc.reason}", f"{MESSAGE_NAME}: {exc.pesan}") from exc


def import_folder(store: Store, config: Config, folder: Path, device: str, result: Result, report: Report,
                  work: Path) -> None:
    """Steps 1-4 (no report writing, no state): raises DropError/ImportFileError/OSError on failure."""
    listing = scan(folder)
    result.ignored = listing.ignored
    for item in listing.ignored:
        report.note(f"Diabaikan: {item['file']}: {item['alasan']}", f"Ignored: {item['file']}: {item['reason']}")
    if listing.chosen is None:
        raise DropError("no contact list (.xlsx or .csv) on the stick",
                        "tidak ada daftar kontak (.xlsx atau .csv) di flashdisk")
    file_name = safe_name(listing.chosen.name)
    result.file = file_name
    report.note(f"File: {file_name}", f"File: {file_name}")
    local = work / ("list" + Path(listing.chosen.name.lower()).suffix)
    copy_in(listing.chosen, local, MAX_BYTES)

    text = None
    if listing.message is not None:
        msg_local = work / "pesan.txt"
        copy_in(listing.message, msg_local, MAX_MESSAGE_BYTES)
        text = decode_message(msg_local.read_bytes()) or None
        if text is None:
            report.note(f"{MESSAGE_NAME} kosong", f"{MESSAGE_NAME} is empty")
    campaign = config.usb_mode == "campaign" and text is not None
    if text is not None and not campaign:
        report.note(f"{MESSAGE_NAME} diabaikan: mode USB hanya mengimpor kontak",
                    f"{MESSAGE_NAME} ignored: the USB mode imports contacts only")
    if campaign:
        _check_message(text)  # before the import: a bad message changes nothing

    now = store.clock()
    when = datetime.fromtimestamp(now, config.tz)
    tag = _tag_for(store, when)
    actor = f"usb:{device}"
    with read_rows(local, file_name) as sheet:
        plan = contacts_mod.plan_import(store, sheet, tag=tag)
        contacts_mod.commit_import(store, plan, source="usb", file_name=file_name, file_hash=sheet.file_hash,
                                   actor=actor, tag=tag)
        result.counts, result.import_id, result.tag = dict(plan.counts), plan.import_id, tag
        c = plan.counts
        report.note(f"Diimpor dengan tag {tag}: {c['new']} baru, {c['updated']} diperbarui, {c['unchanged']} tetap, "
                    f"{c['opted_out']} berhenti langganan, {c['invalid']} ditolak, {c['duplicate_in_file']} duplikat",
                    f"Imported with tag {tag}: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, "
                    f"{c['opted_out']} opted out, {c['invalid']} rejected, {c['duplicate_in_file']} duplicates")
        result.wilayah = plan.sheet.get("wilayah")
        report.note(*summary_sentence(result.wilayah or {}))
        rows: list[tuple[int, list[Any]]] = []
        try:  # the accepted rows, read again from the local copy (committed already: a failure here is cosmetic)
            for contact in sheet.rows():
                rows.append((contact["row"], [contact["row"], "diterima / accepted", number_cell(contact["number"]),
                                              cell_safe(contact["name"]), "", ""]))
        except (ImportFileError, OSError) as exc:
            report.note("Daftar baris diterima tidak lengkap", f"List of accepted rows incomplete: {exc}")
        for p in plan.rejected:
            kind = "duplikat / duplicate" if p.code == "duplicate" else "ditolak / rejected"
            rows.append((p.row, [p.row, kind, number_cell(p.number), cell_safe(p.name), p.alasan, p.reason]))
        for p in plan.warnings:
            rows.append((p.row, [p.row, "catatan / note", number_cell(p.number), cell_safe(p.name), p.alasan,
                                 p.reason]))
        rows.sort(key=lambda r: r[0])
        report.rows = [r for _, r in rows]
    log.info("usb %s: imported %s (import %s, tag %s): %s", device, file_name, plan.import_id, tag, plan.counts)

    if campaign:
        name = f"USB {when:%Y-%m-%d %H:%M} {file_name}"[:aud_mod.MAX_NAME]
        try:
            cid = camp_mod.create(store, name, text, aud_mod.Audience.build(tag=tag), actor=actor, tz=config.tz)
        except SiaranError as exc:
            reason, pesan = getattr(exc, "reason", str(exc)), getattr(exc, "pesan", str(exc))
            report.note(f"Kampanye tidak dibuat: {pesan}", f"Campaign not created: {reason}")
            result.detail = f"contacts imported; no campaign: {reason}"
            return
        result.campaign_id = cid
        reachable = aud_mod.count(store, aud_mod.Audience.build(tag=tag))["reachable"]
        if reachable > camp_mod.approval_threshold(store):
            result.campaign_state = camp_mod.submit(store, cid, actor)["state"]  # awaiting_approval, never queued
        else:
            result.campaign_state = "draft"
        report.note(f"Kampanye #{cid} dibuat ({result.campaign_state}): periksa dan kirim dari halaman web",
                    f"Campaign #{cid} created ({result.campaign_state}): review and send it from the web page")
        log.info("usb %s: campaign %s created (%s, %s recipients)", device, cid, result.campaign_state, reachable)


def run_folder(store: Store, config: Config, folder: Path, *, device: str | None = None,
               writable: bool = True, finish_state: bool = True) -> Result:
    """Import from ``folder`` (a mounted stick or any folder) and write the report there.  Never raises
    (except :class:`Unplugged`, after recording the error state).

    ``finish_state``: write the final ``usb_state`` (the device path writes it itself after unmounting).
    """
    device = device or str(folder)
    result = Result(device=device)
    report = Report()
    set_state(store, "busy", device, "importing")
    when = datetime.fromtimestamp(store.clock(), config.tz)
    work = Path(tempfile.mkdtemp(prefix="usb-", dir=config.state_dir if os.path.isdir(config.state_dir) else None))
    try:
        import_folder(store, config, folder, device, result, report, work)
        result.state = "safe_to_remove"
        result.detail = result.detail or "imported"
    except (DropError, ImportFileError) as exc:
        result.state, result.error, result.pesan = "error", exc.reason, exc.pesan
        report.note(f"GAGAL: {exc.pesan}. Tidak ada yang diimpor.", f"FAILED: {exc.reason}. Nothing was imported.")
        result.detail = exc.reason
        log.warning("usb %s: %s", device, exc.reason)
    except OSError as exc:
        result.state, result.error = "error", f"read error: {exc.strerror or exc}"
        result.pesan = f"gagal membaca: {exc.strerror or exc}"
        report.note(f"GAGAL: {result.pesan}. Tidak ada yang diimpor.", f"FAILED: {result.error}. Nothing was imported.")
        result.detail = result.error
        log.warning("usb %s: %s", device, result.error)
    except Unplugged:
        result.state, result.error, result.detail = "error", "stopped (stick removed?)", "stopped (stick removed?)"
        set_state(store, "error", device, result.detail)
        raise
    except Exception as exc:  # noqa: BLE001 — never a traceback for the office; logged for the developer
        log.exception("usb %s: unexpected failure", device)
        result.state, result.error = "error", f"internal error: {type(exc).__name__}"
        result.pesan = "kesalahan internal"
        report.note(f"GAGAL: {result.pesan}", f"FAILED: {result.error}")
        result.detail = result.error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if writable:
        try:
            result.report = write_report(folder, report.to_bytes(), when).name
        except OSError as exc:
            log.warning("usb %s: cannot write the report: %s", device, exc.strerror or exc)
            if result.state != "error":
                result.state, result.detail = "error", f"imported, but the report could not be written: {exc.strerror}"
    if finish_state:
        set_state(store, result.state, device, result.detail)
    return result


# -- the device --------------------------------------------------------------------------------


def _run(cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def fs_type(dev: str) -> str:
    r = _run(["blkid", "-o", "value", "-s", "TYPE", dev])
    return r.stdout.strip()


def mount_options(fstype: str, writable: bool = True) -> str:
    opts = ["rw" if writable else "ro", "nosuid", "nodev", "noexec", "uid=0", "gid=0", "umask=077"]
    if fstype == "vfat":
        opts += ["utf8", "flush", "errors=remount-ro"]
    else:  # exfat (kernel driver; "utf8" is accepted but deprecated there, "flush" unknown)
        opts += ["iocharset=utf8", "errors=remount-ro"]
    return ",".join(opts)


def _umount(point: Path) -> bool:
    for attempt in range(5):
        r = _run(["umount", str(point)])
        if r.returncode == 0:
            return True
        time.sleep(0.2 * (attempt + 1))
    log.warning("umount %s failed: %s", point, r.stderr.strip())
    return False


def run_device(store: Store, config: Config, dev: str, *, mount_base: Path = MOUNT_BASE) -> Result:
    """Mount ``dev`` (vfat/exfat), :func:`run_folder` on it, sync, unmount; then ``safe_to_remove``."""
    name = os.path.basename(dev)
    result = Result(device=name)
    if not _DEVICE_NAME.fullmatch(name) or name in (".", ".."):
        result.state, result.error = "error", "odd device name"
        set_state(store, "error", name[:64], result.error)
        return result
    set_state(store, "busy", name, "mounting")
    try:
        st = os.stat(dev)
        if not stat.S_ISBLK(st.st_mode):
            raise DropError(f"{dev} is not a block device", f"{dev} bukan perangkat blok")
        fstype = fs_type(dev)
        if fstype not in ("vfat", "exfat"):
            raise DropError(f"not a FAT or exFAT stick ({fstype or 'unknown'})",
                            f"bukan flashdisk FAT atau exFAT ({fstype or 'tidak dikenal'})")
        point = mount_base / f"usb-{name}"
        mount_base.mkdir(mode=0o755, parents=True, exist_ok=True)
        point.mkdir(mode=0o700, exist_ok=True)
    except (DropError, OSError, subprocess.SubprocessError) as exc:
        result.state = "error"
        result.error = getattr(exc, "reason", None) or str(exc)
        set_state(store, "error", name, result.error)
        return result
    writable = True
    r = _run(["mount", "-t", fstype, "-o", mount_options(fstype, True), dev, str(point)])
    if r.returncode != 0:  # write-protected stick: import read-only, no report
        writable = False
        r = _run(["mount", "-t", fstype, "-o", mount_options(fstype, False), dev, str(point)])
    if r.returncode != 0:
        result.state, result.error = "error", f"mount failed: {r.stderr.strip()[:200]}"
        set_state(store, "error", name, result.error)
        _rmdir(point)
        return result
    log.info("usb %s: mounted %s at %s (%s)", name, fstype, point, "rw" if writable else "ro")
    try:
        result = run_folder(store, config, point, device=name, writable=writable, finish_state=False)
    except Unplugged:
        _run(["umount", "-l", str(point)], timeout=10)
        set_state(store, "error", name, "stopped (stick removed?)")
        raise
    set_state(store, "busy", name, "unmounting")
    os.sync()
    if not writable and result.state == "safe_to_remove":
        result.detail = f"{result.detail}; stick is read-only: no report written"
    if _umount(point):
        _rmdir(point)
        set_state(store, result.state, name, result.detail)
    else:
        result.state, result.detail = "error", "unmount failed: do not pull the stick out; restart the box"
        set_state(store, "error", name, result.detail)
    return result


def _rmdir(point: Path) -> None:
    try:
        point.rmdir()
    except OSError:
        pass


def on_sigterm() -> None:
    """Make SIGTERM (unit stopped, stick pulled: BindsTo=) raise :class:`Unplugged` so the transaction rolls back."""
    def handler(signum, frame):  # noqa: ARG001
        raise Unplugged()
    signal.signal(signal.SIGTERM, handler)
