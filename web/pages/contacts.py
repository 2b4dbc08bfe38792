"""Contacts: the list (search, filters, pages), one contact (edit, opt-out, delete, export) and the import wizard.

The import is a three-step wizard that keeps nothing in memory between requests
(the server is multi-threaded and may restart):

1. ``POST /import`` saves the uploaded bytes under ``Site.uploads`` with a random
   name (``import-<token>.bin``; the name the user gave is display text only),
   runs the dry run (``read_rows`` + ``plan_import``) and keeps its report next to
   it (``import-<token>.json``).
2. ``GET /import/<token>`` shows that report; ``GET /import/<token>/rejected``
   re-reads the file for the CSV of every rejected row.  The report shows the
   desa/kelurahan (and kecamatan) the title rows or file name name; ``POST
   /import/wilayah`` keeps the one the staffer confirmed or typed (in the
   report) and runs the dry run again with it.
3. ``POST /import/commit`` re-reads the saved file and commits it
   (``commit_import``), then deletes the upload.  Only the rejected rows are kept, as
   ``rejected-<import id>.csv`` (the CSV the preview offered: row, number as typed, name, reason),
   for :data:`REJECTED_MAX_AGE` (7 days) so the office can fix its file; ``GET
   /import/saved/<import id>/rejected`` downloads it, and the Import page links it.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

import bottle

from firmware.people import contacts as contacts_mod
from firmware.people.audience import AudienceError
from firmware.people.importer import FIELD_MAX, ImportFileError, read_rows
from firmware.people.rows import canonical_unit
from web import context
from web.context import field, int_field, shown_number
from web.render import page

PAGE_SIZE = 50
UPLOAD_MAX_AGE = 86400  # an upload not committed within a day is removed at the next upload
#: How long the rejected rows of a saved import stay downloadable (then removed at the next visit to the
#: import pages); only those rows are kept, never the rest of the file.
REJECTED_MAX_AGE = 7 * 86400
PREVIEW_REJECTED = 20  # rejected rows shown on the preview (all of them are in the CSV)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_EDITABLE = ("name", "desa", "kecamatan", "dusun", "rw", "rt", "role", "notes")
_FIELD_LABELS = {"number": ("Nomor HP", "Phone number"), "name": ("Nama", "Name"),
                 "desa": ("Desa/Kelurahan", "Village"),
                 "kecamatan": ("Kecamatan", "District"), "dusun": ("Dusun", "Hamlet"), "rw": ("RW", "RW"),
                 "rt": ("RT", "RT"), "rtrw": ("RT/RW", "RT/RW"), "role": ("Jabatan", "Role"), "notes": ("Keterangan", "Notes")}
STATUSES = ("", "reachable", "optout", "dead")


def register(app: bottle.Bottle) -> None:
    app.get("/contacts", callback=contact_list)
    app.get("/contacts/<cid:int>", callback=contact_page)
    app.post("/contacts/<cid:int>", callback=contact_edit)
    app.post("/contacts/<cid:int>/optout", callback=contact_optout)
    app.post("/contacts/<cid:int>/delete", callback=contact_delete)
    app.post("/contacts/<cid:int>/export", callback=contact_export)
    app.get("/import", callback=import_form)
    app.post("/import", callback=import_upload)
    app.get("/import/<token>", callback=import_preview)
    app.get("/import/<token>/rejected", callback=import_rejected)
    app.get("/import/saved/<import_id:int>/rejected", callback=import_saved_rejected)
    app.post("/import/sheet", callback=import_sheet)
    app.post("/import/wilayah", callback=import_wilayah)
    app.post("/import/commit", callback=import_commit)
    app.post("/import/cancel", callback=import_cancel)


# -- the list -----------------------------------------------------------------------------------


def list_filters() -> dict[str, str]:
    """The list's filters from the query string (all text, as typed)."""
    f = {k: field(k, maxlen=200) for k in ("q", "desa", "dusun", "rw", "rt", "role", "tag")}
    status = field("status", maxlen=20)
    f["status"] = status if status in STATUSES else ""
    return f


@context.require("viewer")
def contact_list():
    store, u = context.store(), context.user()
    f = list_filters()
    pg = int_field("page", 1, low=1, high=1_000_000) or 1
    error = None
    rows: list[dict] = []
    matched = 0
    can_see_numbers = u.can("operator")
    try:
        matched = contacts_mod.count_listed(store, f, can_see_numbers=can_see_numbers)
    except AudienceError as exc:
        error, matched = exc.pesan, 0
    pages = max(1, math.ceil(matched / PAGE_SIZE))
    pg = min(pg, pages)
    if matched:
        rows = contacts_mod.list_page(store, f, can_see_numbers=can_see_numbers, limit=PAGE_SIZE,
                                      offset=(pg - 1) * PAGE_SIZE)
        tags = contacts_mod.tags_of(store, [r["id"] for r in rows])
        for r in rows:
            r["tags"] = tags.get(r["id"], [])
            r["shown"] = shown_number(r["number"])
    query = {k: v for k, v in f.items() if v}

    def link(n: int) -> str:
        return "/contacts?" + urllib.parse.urlencode({**query, "page": n})

    if error:
        bottle.response.status = 400
    return page("contacts", title=context.lang()("Kontak", "Contacts"), f=f, rows=rows, matched=matched, pg=pg, pages=pages,
                totals=contacts_mod.totals(store), choices=contacts_mod.contact_choices(store), error=error,
                prev_link=link(pg - 1) if pg > 1 else "", next_link=link(pg + 1) if pg < pages else "",
                filtered=bool(query))


# -- one contact ----------------------------------------------------------------------------------


def _contact(cid: int) -> dict:
    contact = contacts_mod.get_contact(context.store(), cid)
    if contact is None:
        bottle.abort(404)
    return contact


def _detail(contact: dict, **values: Any) -> str:
    store = context.store()
    optout = contacts_mod.optout_of(store, contact["number"])
    sent = contacts_mod.messages_to(store, contact["number"])
    form = values.pop("form", None) or {k: contact.get(k) or "" for k in _EDITABLE}
    return page("contacts_detail", title=contact.get("name") or context.lang()("Kontak", "Contact"), c=contact,
                shown=shown_number(contact["number"]), tags=contacts_mod.tags_of(store, [contact["id"]]).get(contact["id"], []),
                optout=optout, sent=sent, form=form,
                choices=contacts_mod.contact_choices(store), error=values.pop("error", None), **values)


@context.require("viewer")
def contact_page(cid: int):
    return _detail(_contact(cid))


def _edited_fields() -> tuple[dict[str, str | None], str | None]:
    """The edit form's values, cleaned; or the first problem in Bahasa/English."""
    t = context.lang()
    out: dict[str, str | None] = {}
    for key in _EDITABLE:
        raw = field(key)
        value = raw if key == "notes" else " ".join(raw.split())
        if len(value) > FIELD_MAX[key]:
            label = t(*_FIELD_LABELS[key])
            return out, t(f"{label} terlalu panjang (maks. {FIELD_MAX[key]} karakter).",
                          f"{label} too long (at most {FIELD_MAX[key]} characters).")
        if key in ("rw", "rt") and value:
            value = canonical_unit(value)
            if not re.fullmatch(r"[0-9A-Za-z./ -]{1,20}", value):
                label = _FIELD_LABELS[key][0]
                return out, t(f"{label} harus angka, misalnya 03.", f"{label} must be a number, e.g. 03.")
        out[key] = value or None
    return out, None


@context.require("operator")
def contact_edit(cid: int):
    store, t = context.store(), context.lang()
    contact = _contact(cid)
    values, error = _edited_fields()
    if error:
        bottle.response.status = 400
        typed = {k: field(k) for k in _EDITABLE}
        return _detail(contact, form=typed, error=error)
    changed = sorted(k for k in _EDITABLE if values.get(k) != contact.get(k))
    if not changed:
        context.flash(t("Tidak ada perubahan.", "Nothing changed."), "warn")
        bottle.redirect(f"/contacts/{cid}", 303)
    contacts_mod.edit_contact(store, cid, {k: values[k] for k in _EDITABLE}, changed, actor=context.actor())
    context.flash(t("Kontak disimpan.", "Contact saved."))
    bottle.redirect(f"/contacts/{cid}", 303)


@context.require("operator")
def contact_optout(cid: int):
    store, t = context.store(), context.lang()
    contact = _contact(cid)
    if store.is_opted_out(contact["number"]):
        context.flash(t("Nomor ini sudah berhenti langganan.", "This number is already opted out."), "warn")
        bottle.redirect(f"/contacts/{cid}", 303)
    suppressed = store.add_optout(contact["number"], source="web")
    store.audit(context.actor(), "contact.optout", {"contact_id": cid, "source": "web", "suppressed": suppressed})
    context.flash(t(f"Nomor dihentikan dari semua pengiriman (berhenti langganan). {suppressed} pesan antre dibatalkan.",
                    f"Number opted out of all sends. {suppressed} queued message(s) withdrawn."))
    bottle.redirect(f"/contacts/{cid}", 303)


@context.require("operator")
def contact_delete(cid: int):
    store, t = context.store(), context.lang()
    contact = _contact(cid)
    suppress = field("suppress") == "1"
    counts = contacts_mod.delete_person(store, contact["number"], context.actor(), suppress=suppress,
                                        optout_source="web")
    msg = t("Kontak dihapus.", "Contact deleted.")
    if counts.get("optout") == "added":
        msg += " " + t("Nomornya dicatat sebagai berhenti langganan agar tidak masuk lagi lewat impor.",
                       "Its number is kept as opted out so an import cannot bring it back.")
    if counts.get("messages_cancelled"):
        msg += " " + t(f"{counts['messages_cancelled']} pesan antre dibatalkan.",
                       f"{counts['messages_cancelled']} queued message(s) cancelled.")
    context.flash(msg)
    bottle.redirect("/contacts", 303)


@context.require("admin")
def contact_export(cid: int):
    """Everything stored about this person, as a JSON download (a UU 27/2022 access request). Audited."""
    contact = _contact(cid)
    data = contacts_mod.export_person(context.store(), contact["number"], actor=context.actor())
    day = _today()
    bottle.response.content_type = "application/json; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="data-pribadi-{cid}-{day}.json"')
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _today() -> str:
    site = context.site()
    fmt = bottle.request.environ["siaran.view"]["fmt"]
    return datetime.fromtimestamp(site.clock(), fmt.tz).strftime("%Y%m%d")


# -- the import wizard --------------------------------------------------------------------------------


def _paths(token: str) -> tuple[Path, Path]:
    if not _TOKEN.match(token or ""):
        bottle.abort(404)
    up = context.site().uploads
    return up / f"import-{token}.bin", up / f"import-{token}.json"


def _display_name(raw: str | None) -> str:
    """The uploaded file's name as text to show: last path part, no control characters, at most 100."""
    name = raw or ""
    try:
        name = name.encode("latin-1").decode("utf-8")  # multipart headers arrive as latin-1
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
    return name[:100] or "upload"


def _clean_uploads(folder: Path) -> None:
    """Remove import uploads older than a day and kept rejected rows older than :data:`REJECTED_MAX_AGE`
    (never anything else in the folder)."""
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        if re.fullmatch(r"import-[0-9a-f]{32}\.(bin|json)(\.[0-9a-f]{8})?", e.name):
            cutoff = now - UPLOAD_MAX_AGE
        elif re.fullmatch(r"rejected-[0-9]+\.csv(\.[0-9a-f]{8})?", e.name):
            cutoff = now - REJECTED_MAX_AGE
        else:
            continue
        try:
            if e.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(e.path)
        except OSError:
            pass


def _rejected_path(import_id: int) -> Path:
    return context.site().uploads / f"rejected-{int(import_id)}.csv"


def _keep_rejected(import_id: int, body: bytes) -> None:
    """Keep a saved import's rejected rows (owner-only file, written whole or not at all)."""
    path = _rejected_path(import_id)
    tmp = path.with_name(path.name + "." + secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(body)
    os.replace(tmp, path)


def kept_rejected(import_ids: list[int]) -> set[int]:
    """Which of these saved imports still have their rejected rows to download."""
    _clean_uploads(context.site().uploads)
    return {i for i in import_ids if _rejected_path(i).is_file()}


def _meta(token: str) -> dict:
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict) or not data_path.is_file():
        t = context.lang()
        context.flash(t("Unggahan tidak ditemukan atau sudah kedaluwarsa. Unggah file lagi.",
                        "Upload not found or expired. Upload the file again."), "error")
        bottle.redirect("/import", 303)
    return meta


def _remove(token: str) -> None:
    for p in _paths(token):
        try:
            p.unlink()
        except OSError:
            pass


def _problem(p) -> dict:
    return {"row": p.row, "code": p.code, "number": p.number, "name": p.name, "alasan": p.alasan,
            "reason": p.reason}


#: Room left in the 20 MB body for the form's other fields and the multipart framing.
UPLOAD_FORM_OVERHEAD = 64 * 1024


def _upload_page(error: str | None = None, status: int = 200, tag: str = "") -> str:
    from web.app import MAX_BODY  # web.app imports the pages: read its limit when the page is drawn
    bottle.response.status = status
    recent = contacts_mod.imports(context.store(), limit=10)
    return page("import", title=context.lang()("Impor kontak", "Import contacts"), error=error, tag=tag,
                max_file_bytes=MAX_BODY - UPLOAD_FORM_OVERHEAD,
                recent=recent, kept=kept_rejected([r["id"] for r in recent if not r["dry_run"]]),
                keep_days=REJECTED_MAX_AGE // 86400, tags=contacts_mod.contact_choices(context.store())["tag"])


@context.require("operator")
def import_form():
    return _upload_page()


def _check_tag(raw: str) -> str | None:
    if not raw:
        return None
    try:
        return contacts_mod.check_tag(raw)
    except ValueError:
        raise ImportFileError("a tag is 1 to 64 printable characters", "Tag harus 1 sampai 64 karakter.") from None


@context.require("operator")
def import_upload():
    store, site, t = context.store(), context.site(), context.lang()
    tag_raw = field("tag", maxlen=200)
    upload = bottle.request.files.get("file")
    if upload is None or not upload.raw_filename:
        return _upload_page(t("Pilih file CSV atau Excel (.xlsx) terlebih dahulu.",
                              "Choose a CSV or Excel (.xlsx) file first."), 400, tag_raw)
    name = _display_name(upload.raw_filename)
    try:
        tag = _check_tag(tag_raw)
    except ImportFileError as exc:
        return _upload_page(context.error_text(exc), 400, tag_raw)
    _clean_uploads(site.uploads)
    token = secrets.token_hex(16)
    data_path, _ = _paths(token)
    fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        upload.file.seek(0)
        while chunk := upload.file.read(1 << 20):
            out.write(chunk)
    started = site.clock()
    try:
        _dry_run(token, name=name, tag=tag, sheet_name=None, started=started)
    except ImportFileError as exc:
        _remove(token)
        contacts_mod.record_import(store, source="web", file_name=name, file_hash=None, actor=context.actor(),
                                   counts={"error": exc.reason}, dry_run=True, tag=tag, started_at=started)
        return _upload_page(context.error_text(exc), 400, tag_raw)
    bottle.redirect(f"/import/{token}", 303)


def _open(token: str, meta: dict):
    """The saved upload as a Sheet, read as the preview showed it (sheet chosen, wilayah given)."""
    data_path, _ = _paths(token)
    sheet = read_rows(data_path, meta.get("name") or "upload", sheet=meta.get("sheet_choice"))
    given = meta.get("wilayah_given") or {}
    try:
        sheet.use_wilayah(given.get("desa"), given.get("kecamatan"))
    except ImportFileError:
        sheet.close()
        raise
    return sheet


def _dry_run(token: str, *, name: str, tag: str | None, sheet_name: str | None, started: float,
             wilayah: dict | None = None) -> None:
    """Read the saved upload, plan it against the store (changing nothing), record the dry run, and keep
    its report next to the upload for the preview page.  Raises ImportFileError."""
    store = context.store()
    _, meta_path = _paths(token)
    meta = {"name": name, "sheet_choice": sheet_name, "wilayah_given": wilayah or {}}
    with _open(token, meta) as sheet:
        plan = contacts_mod.plan_import(store, sheet, tag=tag)
        file_hash = sheet.file_hash
    contacts_mod.record_import(store, source="web", file_name=name, file_hash=file_hash, actor=context.actor(),
                               counts=plan.counts, dry_run=True, tag=tag, started_at=started)
    meta.update({
        "tag": tag, "uploaded_by": context.actor(), "at": started, "file_hash": file_hash,
        "counts": plan.counts, "rows": plan.rows, "sheet": {k: v for k, v in plan.sheet.items() if k != "file_name"},
        "rejected_total": len(plan.rejected), "rejected": [_problem(p) for p in plan.rejected[:PREVIEW_REJECTED]],
        "warnings_total": len(plan.warnings), "warnings": [_problem(p) for p in plan.warnings[:PREVIEW_REJECTED]],
    })
    tmp = meta_path.with_name(meta_path.name + "." + secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(meta, out, ensure_ascii=False)
    os.replace(tmp, meta_path)


@context.require("operator")
def import_sheet():
    """Read another sheet of the uploaded workbook (the preview offers the sheets the file has)."""
    t = context.lang()
    token = field("token", maxlen=64)
    meta = _meta(token)
    wanted = field("sheet", maxlen=200)
    if wanted not in ((meta.get("sheet") or {}).get("sheets") or []):
        bottle.abort(400, t("Sheet itu tidak ada di file ini.", "That sheet is not in this file."))
    try:
        _dry_run(token, name=meta.get("name") or "upload", tag=meta.get("tag"), sheet_name=wanted,
                 started=context.site().clock(), wilayah=meta.get("wilayah_given"))
    except ImportFileError as exc:
        context.flash(t(f"Sheet “{wanted}” tidak dapat dipakai: {exc.pesan}", f"Sheet “{wanted}” cannot be used: "
                        f"{exc.reason}"), "error")
    bottle.redirect(f"/import/{token}", 303)


@context.require("operator")
def import_wilayah():
    """Use the desa/kelurahan and kecamatan the staffer confirmed or typed for every row without one."""
    t = context.lang()
    token = field("token", maxlen=64)
    meta = _meta(token)
    given = {"desa": field("desa", maxlen=300), "kecamatan": field("kecamatan", maxlen=300)}
    try:
        _dry_run(token, name=meta.get("name") or "upload", tag=meta.get("tag"), sheet_name=meta.get("sheet_choice"),
                 started=context.site().clock(), wilayah=given)
    except ImportFileError as exc:
        context.flash(context.error_text(exc), "error")
    else:
        if given["desa"] or given["kecamatan"]:
            context.flash(t("Wilayah dipakai untuk baris yang belum menyebutnya. Periksa lagi jumlahnya di bawah.",
                            "The wilayah is used for the rows that do not name one. Check the counts below again."))
    bottle.redirect(f"/import/{token}", 303)


@context.require("operator")
def import_preview(token: str):
    meta = _meta(token)
    return page("import_preview", title=context.lang()("Pratinjau impor", "Import preview"), token=token, m=meta,
                labels=_FIELD_LABELS)


@context.require("operator")
def import_rejected(token: str):
    """Every rejected row of the upload as a CSV for Excel (UTF-8 with BOM), re-read from the saved file."""
    meta = _meta(token)
    with _open(token, meta) as sheet:
        for _ in sheet.rows():
            pass
        body = contacts_mod.rejected_csv(sheet)
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="penolakan-{_today()}.csv"')
    return body


@context.require("operator")
def import_commit():
    store, t = context.store(), context.lang()
    token = field("token", maxlen=64)
    meta = _meta(token)
    name, tag = meta.get("name") or "upload", meta.get("tag")
    try:
        with _open(token, meta) as sheet:
            plan = contacts_mod.plan_import(store, sheet, tag=tag)
            import_id = contacts_mod.commit_import(store, plan, source="web", file_name=name,
                                                   file_hash=sheet.file_hash, actor=context.actor(), tag=tag)
    except ImportFileError as exc:
        _remove(token)
        return _upload_page(context.error_text(exc), 400)
    _remove(token)
    link = None
    if plan.rejected:
        _keep_rejected(import_id, contacts_mod.rejected_csv(plan))
        days = REJECTED_MAX_AGE // 86400
        link = (f"/import/saved/{import_id}/rejected",
                t(f"Unduh {len(plan.rejected)} baris yang ditolak (CSV, tersedia {days} hari)",
                  f"Download the {len(plan.rejected)} rejected rows (CSV, kept {days} days)"))
    c = plan.counts
    context.flash(t(f"Impor selesai: {c['new']} baru, {c['updated']} diperbarui, {c['unchanged']} tetap, "
                    f"{c['opted_out']} berhenti langganan, {c['duplicate_in_file']} duplikat, {c['invalid']} ditolak.",
                    f"Import done: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, "
                    f"{c['opted_out']} opted out, {c['duplicate_in_file']} duplicates, {c['invalid']} rejected."),
                  link=link)
    bottle.redirect("/contacts", 303)


@context.require("operator")
def import_saved_rejected(import_id: int):
    """The rejected rows of a saved import, as kept at commit (for :data:`REJECTED_MAX_AGE`); audited."""
    t = context.lang()
    path = _rejected_path(import_id)
    if import_id not in kept_rejected([import_id]):
        days = REJECTED_MAX_AGE // 86400
        context.flash(t(f"Daftar baris yang ditolak untuk impor ini tidak ada lagi (disimpan {days} hari)."
                        " Unggah file itu lagi untuk melihatnya.",
                        f"The rejected rows of this import are no longer kept ({days} days)."
                        " Upload the file again to see them."), "error")
        bottle.redirect("/import", 303)
    try:
        body = path.read_bytes()
    except OSError:
        bottle.abort(404)
    context.store().audit(context.actor(), "import.rejected_download", {"import_id": import_id})
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="penolakan-impor-{import_id}.csv"')
    return body


@context.require("operator")
def import_cancel():
    token = field("token", maxlen=64)
    _paths(token)
    _remove(token)
    context.flash(context.lang()("Impor dibatalkan; file unggahan dihapus.", "Import cancelled; the uploaded file was deleted."))
    bottle.redirect("/import", 303)
