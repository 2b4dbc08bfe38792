"""Units (dinas) sharing one box: Diskominfo, Damkar, BPBD, Dinkes ... each with its own people and budget.

A unit has a name, a signature appended to every message of its campaigns (``-Damkar Kota Bandung``), a
sender name for an operator route that supports SMS masking, and an optional monthly quota of SMS parts
with the cost of a part. Every user belongs to one unit. Admins see and manage every unit; anyone else
sees and acts only on their own unit's campaigns (:func:`scope_of` gives the unit a person is limited to,
and the campaign verbs take it as ``within``). Migration ``m013_units`` made unit 1 (``Kantor``) and put
everything that existed before into it.

The quota counts SMS parts queued in a calendar month (local time) by the unit's campaigns, whatever
happens to them later, except messages that never left (suppressed, cancelled, expired): queueing a
campaign that would go beyond it is refused, unless it is an emergency, which goes out and is flagged
(``campaigns.over_quota``) and audited. The monthly report (:func:`monthly_report`) counts what was
handed to the modems in the month, for the finance office.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware.errors import BilingualError
from firmware.office.config import is_sender_name
from firmware.people.csvcells import cell_safe

#: The unit migration m013 created; users, campaigns and templates of an older install are in it.
DEFAULT_UNIT = 1
MAX_NAME = 60
MAX_SIGNATURE = 60
#: An alphanumeric sender (GSM 03.38 TP-OA, "SMS masking"): at most 11 letters and digits, one letter at least.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: Message states whose parts never left the box: they do not count against a quota.
_NOT_SENT = ("suppressed", "cancelled", "expired")


class UnitError(BilingualError, ValueError):
    """A unit could not be created, changed or found; ``pesan`` says why in Bahasa Indonesia."""


# -- checks ----------------------------------------------------------------------------------------


def _one_line(value: Any, limit: int, what_en: str, what_id: str) -> str:
    """``value`` as one line of at most ``limit`` characters, inner spaces collapsed (None: "")."""
    if value is None:
        return ""
    if not isinstance(value, str) or _CONTROL.search(value):
        raise UnitError(f"{what_en}: one line of text", f"{what_id}: satu baris teks, tanpa baris baru atau tab.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise UnitError(f"{what_en} longer than {limit} characters", f"{what_id} lebih dari {limit} karakter.")
    return value


def check_name(name: Any) -> str:
    """A unit name: 1..60 characters on one line."""
    name = _one_line(name, MAX_NAME, "unit name", "Nama unit")
    if not name:
        raise UnitError("unit name is empty", "Nama unit kosong.")
    return name


def check_signature(signature: Any) -> str:
    """A signature: at most 60 characters on one line ("" for none)."""
    return _one_line(signature, MAX_SIGNATURE, "signature", "Tanda tangan")


def check_sender_name(sender: Any) -> str | None:
    """A sender name for SMS masking (the operator route's rule, :func:`firmware.office.config.is_sender_name`:
    1..11 letters, digits, spaces or ``- . _ &``, one letter at least); None for none."""
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        return None
    if not isinstance(sender, str) or not is_sender_name(sender.strip()):
        raise UnitError(
            f"sender name {sender!r}: 1 to 11 letters, digits, spaces or - . _ &, at least one letter",
            f"Nama pengirim {sender!r}: 1 sampai 11 huruf, angka, spasi atau - . _ &, minimal satu huruf.")
    return sender.strip()


def _check_number(value: Any, what_en: str, what_id: str, *, whole: bool) -> float | int | None:
    """A non-negative number or None ("" and None: none)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        number = -1.0
    if isinstance(value, bool) or not number >= 0 or number == float("inf") or (whole and number != int(number)):
        kind_en, kind_id = ("a whole number", "bilangan bulat") if whole else ("a number", "angka")
        raise UnitError(f"{what_en}: {kind_en} of 0 or more, or empty for none",
                        f"{what_id}: {kind_id} 0 atau lebih, atau kosong bila tidak ada.")
    return int(number) if whole else number


def check_quota(value: Any) -> int | None:
    return _check_number(value, "monthly quota", "Kuota bulanan", whole=True)


def check_cost(value: Any) -> float | None:
    return _check_number(value, "cost per SMS part", "Biaya per SMS", whole=False)


# -- verbs -----------------------------------------------------------------------------------------

_FIELDS = {"name": check_name, "signature": check_signature, "sender_name": check_sender_name,
           "monthly_quota": check_quota, "cost_per_part": check_cost}


def add_unit(store, name: str, *, actor: str, signature: str = "", sender_name: str | None = None,
             monthly_quota: Any = None, cost_per_part: Any = None) -> int:
    """Create a unit; return its id. Audited."""
    values = {"name": check_name(name), "signature": check_signature(signature),
              "sender_name": check_sender_name(sender_name), "monthly_quota": check_quota(monthly_quota),
              "cost_per_part": check_cost(cost_per_part)}
    now = store.clock()
    with store.tx() as c:
        if c.execute("SELECT 1 FROM units WHERE name = ?", (values["name"],)).fetchone():
            raise UnitError(f"a unit named {values['name']!r} exists", f"Unit bernama {values['name']!r} sudah ada.")
        unit_id = c.execute(
            "INSERT INTO units (name, signature, sender_name, monthly_quota, cost_per_part, created_at, updated_at)"
            " VALUES (:name, :signature, :sender_name, :monthly_quota, :cost_per_part, :now, :now)",
            {**values, "now": now}).lastrowid
        store._audit(c, actor, "unit_add", {"unit": unit_id, **values}, now)
    return unit_id


def update_unit(store, unit: int | str, *, actor: str, **changes: Any) -> dict[str, Any]:
    """Change a unit's ``name``, ``signature``, ``sender_name``, ``monthly_quota`` or ``cost_per_part``
    (None or "" clears the last three). Audited with the old and new values; returns the unit."""
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise UnitError(f"unknown unit field(s) {', '.join(unknown)}",
                        f"Isian unit tidak dikenal: {', '.join(unknown)}.")
    values = {key: _FIELDS[key](value) for key, value in changes.items()}
    current = get_unit(store, unit)
    now = store.clock()
    with store.tx() as c:
        if "name" in values and c.execute("SELECT 1 FROM units WHERE name = ? AND id != ?",
                                          (values["name"], current["id"])).fetchone():
            raise UnitError(f"a unit named {values['name']!r} exists", f"Unit bernama {values['name']!r} sudah ada.")
        changed = {k: v for k, v in values.items() if current[k] != v}
        if not changed:
            return current
        sets = ", ".join(f"{k} = :{k}" for k in changed)
        c.execute(f"UPDATE units SET {sets}, updated_at = :now WHERE id = :id", {**changed, "now": now,
                                                                                 "id": current["id"]})
        store._audit(c, actor, "unit_change", {"unit": current["id"], "name": current["name"],
                                               "from": {k: current[k] for k in changed}, "to": changed}, now)
    return get_unit(store, current["id"])


def get_unit(store, unit: int | str) -> dict[str, Any]:
    """The unit by id (an int or digits) or by name (any case); UnitError when there is none."""
    if isinstance(unit, int) or (isinstance(unit, str) and unit.strip().isdigit()):
        row = store.conn.execute("SELECT * FROM units WHERE id = ?", (int(unit),)).fetchone()
    else:
        row = store.conn.execute("SELECT * FROM units WHERE name = ?", (" ".join(str(unit).split()),)).fetchone()
    if row is None:
        names = ", ".join(u["name"] for u in list_units(store))
        raise UnitError(f"no unit {unit!r} (units: {names})", f"Tidak ada unit {unit!r} (tersedia: {names}).")
    return dict(row)


def list_units(store) -> list[dict[str, Any]]:
    """Every unit by name, with how many users it has."""
    return [dict(r) for r in store.conn.execute(
        "SELECT u.*, (SELECT COUNT(*) FROM users s WHERE s.unit_id = u.id) AS users FROM units u ORDER BY u.name")]


def unit_names(store) -> dict[int, str]:
    """Unit id -> name (for lists that show a unit beside a campaign or a user)."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT id, name FROM units")}


def person(actor: str) -> str:
    """``"cli:ani"`` / ``"web:ani"`` / ``"ani"`` -> ``"ani"``: the person behind an actor string."""
    return str(actor).split(":", 1)[-1].strip().lower()


def user_unit(store, actor: str) -> int | None:
    """The unit of the user behind ``actor`` (``web:ani``), None when the actor is no user (``cli:root``)."""
    row = store.conn.execute("SELECT unit_id FROM users WHERE LOWER(username) = ?", (person(actor),)).fetchone()
    if row is None:
        return None
    return row["unit_id"] if row["unit_id"] is not None else DEFAULT_UNIT


def scope_of(store, actor: str) -> int | None:
    """The unit ``actor`` is limited to, or None for all units: an admin, or the box's console (``cli:root``
    and other actors that are no user account)."""
    row = store.conn.execute("SELECT role, unit_id FROM users WHERE LOWER(username) = ?",
                             (person(actor),)).fetchone()
    if row is None or row["role"] == "admin":
        return None
    return row["unit_id"] if row["unit_id"] is not None else DEFAULT_UNIT


def visible(unit_id: int | None, within: int | None) -> bool:
    """Whether a row of ``unit_id`` (None: shared) is visible to someone limited to ``within`` (None: all)."""
    return within is None or unit_id is None or unit_id == within


def sender_name_for_campaign(store, campaign_id: int) -> str | None:
    """The sender name an operator route should use for the campaign's messages (its unit's), or None."""
    row = store.conn.execute("SELECT u.sender_name FROM campaigns c JOIN units u ON u.id = c.unit_id"
                             " WHERE c.id = ?", (campaign_id,)).fetchone()
    return row["sender_name"] if row else None


def signed(text: str, signature: str) -> str:
    """``text`` with ``signature`` appended after a space (unchanged when there is none)."""
    return f"{text.rstrip()} {signature}" if signature else text


# -- quota -----------------------------------------------------------------------------------------


def month_bounds(month: str | None = None, *, now: float, utc_offset_hours: float = 7.0) -> tuple[float, float, str]:
    """(start, end, ``YYYY-MM``) of a calendar month in local time: ``month`` (``YYYY-MM``) or the one
    holding ``now``."""
    tz = timezone(timedelta(hours=utc_offset_hours))
    if month is None:
        local = datetime.fromtimestamp(now, tz)
        year, mon = local.year, local.month
    else:
        m = _MONTH.match(str(month).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise UnitError(f"month {month!r}: write it as YYYY-MM (e.g. 2026-07)",
                            f"Bulan {month!r}: tulis sebagai TTTT-BB (mis. 2026-07).")
        year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start.timestamp(), end.timestamp(), f"{year:04d}-{mon:02d}"


def month_campaigns(conn, unit_id: int, start: float, end: float, *, sending: bool = False) -> list[int]:
    """Ids of the unit's campaigns queued between ``start`` and ``end`` (``sending``: also those queued
    earlier that may still send then), without reading their messages.

    A campaign's messages are all inserted by one transaction with one ``created_at``, its queue time, and
    queueing sets ``campaigns.updated_at`` to it (later changes only move it on): a campaign last changed
    before ``start`` was queued before it. One index seek per remaining campaign reads its queue time.
    """
    rows = conn.execute("SELECT id, state FROM campaigns WHERE unit_id = ? AND created_at < ?"
                        " AND (updated_at >= ? OR state IN ('running', 'paused'))", (unit_id, end, start)).fetchall()
    out = []
    for campaign_id, state in rows:
        queued = conn.execute("SELECT created_at FROM messages WHERE campaign_id = ? LIMIT 1", (campaign_id,)).fetchone()
        if queued is not None and queued[0] < end and (queued[0] >= start or sending):
            out.append(campaign_id)
    return out


def parts_used(conn, unit_id: int, start: float, end: float) -> int:
    """SMS parts the unit's campaigns queued between ``start`` and ``end`` (never-sent messages excluded)."""
    ids = month_campaigns(conn, unit_id, start, end)
    if not ids:
        return 0
    marks = ",".join("?" * len(_NOT_SENT))
    return conn.execute(
        f"SELECT COALESCE(SUM(COALESCE(parts, 1)), 0) FROM messages WHERE campaign_id IN ({','.join('?' * len(ids))})"
        f" AND state NOT IN ({marks})", (*ids, *_NOT_SENT)).fetchone()[0]


def quota_status(store, unit_id: int, *, utc_offset_hours: float = 7.0, conn=None) -> dict[str, Any]:
    """The unit's quota this month: ``quota`` (None: none), ``used``, ``left`` (None without a quota), ``month``."""
    unit = get_unit(store, unit_id)
    start, end, label = month_bounds(now=store.clock(), utc_offset_hours=utc_offset_hours)
    used = parts_used(conn or store.conn, unit["id"], start, end)
    quota = unit["monthly_quota"]
    return {"unit": unit["id"], "unit_name": unit["name"], "month": label, "quota": quota, "used": used,
            "left": None if quota is None else max(0, quota - used)}


def room(store, conn, unit_id: int, parts: int, *, utc_offset_hours: float = 7.0,
         inserted: bool = False) -> dict[str, Any]:
    """Whether ``parts`` more SMS parts fit in the unit's quota this month: :func:`quota_status` (read on
    ``conn``, inside the queueing transaction) with ``needed`` and ``fits`` (True without a quota).
    ``inserted``: those parts are already among the unit's rows (the caller rolls them back when they do
    not fit)."""
    status = quota_status(store, unit_id, utc_offset_hours=utc_offset_hours, conn=conn)
    if inserted:
        status["used"] -= parts
        status["left"] = None if status["quota"] is None else max(0, status["quota"] - status["used"])
    fits = status["quota"] is None or status["used"] + parts <= status["quota"]
    return {**status, "needed": parts, "fits": fits}


# -- the monthly report ----------------------------------------------------------------------------

#: Columns of the monthly CSV (Bahasa, for the finance office).
REPORT_COLUMNS = ("bulan", "unit", "kampanye", "pesan", "bagian_sms", "biaya_per_sms", "biaya_rp", "diterima",
                  "gagal", "tingkat_terkirim_persen", "kuota", "kuota_terpakai", "darurat_melebihi_kuota")


def monthly_report(store, month: str | None = None, *, utc_offset_hours: float = 7.0,
                   default_cost: float = 150.0, within: int | None = None) -> list[dict[str, Any]]:
    """One row per unit for ``month`` (``YYYY-MM``, default this month, local time):

    - ``kampanye``: the unit's campaigns that queued messages in the month;
    - ``pesan``: those messages (opted-out numbers, cancelled and expired ones left out);
    - ``bagian_sms``: SMS parts handed to a modem in the month (each try counts: the operator charges it);
    - ``biaya_rp``: ``bagian_sms`` × the unit's cost per part (else the office's ``cost_per_segment``);
    - ``diterima`` / ``gagal``: of ``pesan``, delivered / failed or unknown; ``tingkat_terkirim_persen`` =
      ``diterima`` ÷ ``pesan`` (still waiting counts as not delivered yet);
    - ``kuota`` / ``kuota_terpakai``: the monthly quota (empty: none) and the parts counted against it;
    - ``darurat_melebihi_kuota``: emergencies queued beyond the quota in the month.

    ``within``: only that unit (a non-admin's report).
    """
    start, end, label = month_bounds(month, now=store.clock(), utc_offset_hours=utc_offset_hours)
    marks = ",".join("?" * len(_NOT_SENT))
    rows = []
    for unit in list_units(store):
        if within is not None and unit["id"] != within:
            continue
        queued = month_campaigns(store.conn, unit["id"], start, end)
        msg = store.conn.execute(
            "SELECT COUNT(*) AS messages, COALESCE(SUM(state = 'delivered'), 0) AS delivered,"
            " COALESCE(SUM(state IN ('failed', 'unknown')), 0) AS failed FROM messages"
            f" WHERE campaign_id IN ({','.join('?' * len(queued))}) AND state NOT IN ({marks})",
            (*queued, *_NOT_SENT)).fetchone()
        over = store.conn.execute(f"SELECT COUNT(*) FROM campaigns WHERE over_quota = 1 AND id IN"
                                  f" ({','.join('?' * len(queued))})", queued).fetchone()[0]
        sending = month_campaigns(store.conn, unit["id"], start, end, sending=True)
        parts = store.conn.execute(
            "SELECT COUNT(*) FROM messages m JOIN message_parts p ON p.message_id = m.id"
            f" WHERE m.campaign_id IN ({','.join('?' * len(sending))}) AND p.sent_at >= ? AND p.sent_at < ?",
            (*sending, start, end)).fetchone()[0]
        cost = unit["cost_per_part"] if unit["cost_per_part"] is not None else default_cost
        rows.append({
            "bulan": label, "unit": unit["name"], "kampanye": len(queued), "pesan": msg["messages"],
            "bagian_sms": parts, "biaya_per_sms": cost, "biaya_rp": round(parts * cost, 2),
            "diterima": msg["delivered"], "gagal": msg["failed"],
            "tingkat_terkirim_persen": (round(100.0 * msg["delivered"] / msg["messages"], 1)
                                        if msg["messages"] else None),
            "kuota": unit["monthly_quota"], "kuota_terpakai": parts_used(store.conn, unit["id"], start, end),
            "darurat_melebihi_kuota": over,
        })
    return rows


def write_report_csv(rows: list[dict[str, Any]], out) -> None:
    """The monthly report as CSV for Excel in Indonesian: ``;``-separated, decimal comma, text cells a
    spreadsheet would run as a formula made safe, an empty cell for "none"."""
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(REPORT_COLUMNS)
    for r in rows:
        w.writerow([_cell(r[k]) for k in REPORT_COLUMNS])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_safe(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")
