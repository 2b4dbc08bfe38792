"""Campaigns: one text, personalised per recipient, checked before it is sent.

Life of a campaign (``campaigns.state``)::

    draft --submit--> running                 (recipients <= approval_threshold)
    draft --submit--> awaiting_approval --approve (another user, role approver/admin)--> running
    draft | awaiting_approval | running | paused --cancel--> cancelled

"running" means its messages are in the queue (``messages.campaign_id``);
:meth:`Store.pause_campaign` / ``resume_campaign`` move it to and from
``paused``.  Queueing renders the text for each recipient of the audience
*as defined when the campaign was created* (the definition is copied into
``campaigns.audience``: what the approver saw is what is sent) and inserts
all messages in ONE transaction, opted-out numbers as ``suppressed``.

Units (:mod:`firmware.office.units`): a campaign belongs to the unit (dinas) it was created for; its
unit's signature is appended to every text (and counted), an approver must be of its unit (an
emergency: any approver), and queueing stays within the unit's monthly quota (an emergency goes
beyond it, flagged).  ``within=<unit id>`` limits the read verbs to one unit (None: every unit).

Templates: ``{nama}`` ``{jabatan}`` ``{rt}`` ``{rw}`` ``{desa}`` ``{dusun}``
(case and inner spaces ignored; ``{{``/``}}`` for a literal brace); any other
``{...}`` is refused.  When a contact's field is empty the placeholder's
fallback is used (:data:`DEFAULT_FALLBACKS`, overridable per campaign).

Optional phrases: ``[...]`` around text holding a placeholder is kept only
when every placeholder in it has data, else the whole phrase is dropped
(fallbacks are never used inside one), so an empty RW never reads
"di RW setempat"::

    "AWAS BANJIR[ di RW {rw}][ {desa}]!"    ->  "AWAS BANJIR di RW 03 Sukamaju!" / "AWAS BANJIR!"

``|`` separates alternatives, the first with all its data wins (one without
placeholders always does): ``[RT {rt}/RW {rw}|RW {rw}|RT {rt}]``.  Square
brackets without a placeholder are plain text (``[PENTING]``).  A space left
doubled, or before punctuation, by a dropped phrase is removed.
Blanks of a ready template (``[[tanggal]]``) must be filled before creation.

Settings (table ``settings``, JSON values): ``cost_per_segment`` (Rupiah,
default :data:`DEFAULT_COST_PER_SEGMENT`), ``approval_threshold``
(recipients, default :data:`DEFAULT_APPROVAL_THRESHOLD`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware.people import audience as aud_mod
from firmware.queue import estimate
from firmware.office import settings as office_settings
from firmware.office import units as units_mod
from firmware.campaigns import routing, templates_builtin
from firmware.people.audience import Audience, AudienceError
from firmware.office.config import Config
from firmware.queue.estimate import sending_config
from firmware.errors import CampaignError, group_digits
from firmware.modem.pdu import Encoding
from firmware.modem.segments import analyse
from firmware.people.numbers import operator_of
from firmware.people.privacy import mask_number
from firmware.queue.store import EMERGENCY
from firmware.campaigns.text_checks import GSM_CHARS, count_segments, filter_warnings, warning
# Also re-exported for the pages and commands (``camp_mod.MAX_TEXT``, ``camp_mod.render``): this module is the
# campaigns' front door; the template language is template.py, the text checks text_checks.py.
from firmware.campaigns.template import (DEFAULT_FALLBACKS, MAX_TEXT, PLACEHOLDERS, TemplateError, check_fallbacks,
                                         Template, compile_template, field_text, fill_blanks, render, renderer,
                                         unfilled)

#: Rupiah per SMS segment when the setting ``cost_per_segment`` is absent
#: (a typical prepaid on-net price; set the real tariff of your SIMs).
DEFAULT_COST_PER_SEGMENT = 150
#: A campaign to more recipients than this needs a second user's approval.
DEFAULT_APPROVAL_THRESHOLD = 50
#: Placeholders whose fallback ("setempat") reads wrong in a phrase: the preview suggests ``[...]``.
_PLACE_FALLBACKS = ("rt", "rw", "desa", "dusun")
#: Roles that may approve a campaign (``users.role``).
APPROVER_ROLES = ("approver", "admin")


class NotAllowed(CampaignError, PermissionError):
    """The user may not do this (approve their own campaign, no approver role, wrong state)."""


class QuotaExceeded(NotAllowed):
    """Queueing would take the campaign's unit beyond its monthly quota of SMS parts (not for emergencies)."""


class NotFound(CampaignError, LookupError):
    """No campaign, template or user by that id or name."""


def signed_renderer(template: Template | str, fallbacks: Mapping[str, str] | None,
                    signature: str) -> Callable[[Any], str]:
    """:func:`renderer` with the unit's ``signature`` appended to every text (what is counted and sent)."""
    render_one = renderer(template, fallbacks)
    if not signature:
        return render_one
    return lambda contact: units_mod.signed(render_one(contact), signature)


# -- settings ----------------------------------------------------------------------


def setting(store, key: str, default: float) -> float:
    """A non-negative number from ``settings`` (JSON value), or ``default`` when unset."""
    value = store.get_setting(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
        raise office_settings.SettingError(
            f"setting {key}: expected a non-negative number, got {value!r}",
            f"Pengaturan {key} tidak sah (harus angka 0 atau lebih, tertulis {value!r}): perbaiki di halaman "
            "Pengaturan.")
    return value


def cost_per_part(store, unit: Mapping[str, Any] | None = None) -> float:
    """Rupiah per SMS part: the unit's ``cost_per_part`` when it has one, else the office's ``cost_per_segment``."""
    if unit is not None and unit["cost_per_part"] is not None:
        return unit["cost_per_part"]
    return setting(store, "cost_per_segment", DEFAULT_COST_PER_SEGMENT)


# -- balance ---------------------------------------------------------------------

_RUPIAH = re.compile(r"Rp\.?\s*(\d{1,3}(?:[.,]\d{3})+|\d+)(?![\d.,]*\d)", re.IGNORECASE)


def balance_rupiah(text: str | None) -> int | None:
    """The Rupiah amount in an operator's USSD balance answer ("Sisa pulsa Anda Rp 25.000. ..." -> 25000),
    or None when it names none."""
    m = _RUPIAH.search(text or "")
    return int(re.sub(r"[.,]", "", m.group(1))) if m else None


def balance_warning(store, cost: float) -> dict[str, Any] | None:
    """A warning when the SIMs' last known balances (``modems.balance``) add up to less than ``cost``."""
    known = {r["name"]: balance_rupiah(r.get("balance")) for r in store.modems()}
    known = {name: amount for name, amount in known.items() if amount is not None}
    total = sum(known.values())
    if not known or total >= cost:
        return None
    found = [f"{name}: {_rupiah(amount)}" for name, amount in known.items()]
    return warning("balance", f"the SIMs' known balance ({_rupiah(total)}) is less than the cost "
                    f"({_rupiah(cost)}): top up before sending or some messages will fail",
                    f"pulsa SIM yang diketahui ({_rupiah(total)}) kurang dari perkiraan biaya ({_rupiah(cost)}): "
                    f"isi pulsa dulu, atau sebagian pesan akan gagal", found=found)


def _rupiah(amount: float) -> str:
    return f"Rp {amount:,.0f}".replace(",", ".")


def parse_time(value: Any, tz: timezone | None = None) -> float | None:
    """Epoch seconds from None, a number, a datetime or an ISO 8601 string (naive = ``tz``, default WIB)."""
    if value is None or value == "":
        return None
    tz = tz or timezone(timedelta(hours=7))
    if isinstance(value, bool):
        raise CampaignError("time: expected an ISO date/time", "Waktu: harus tanggal/jam ISO.")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise CampaignError(f"time {value!r}: expected ISO 8601 like 2025-07-01T08:00",
                                f"Waktu {value!r}: gunakan format seperti 2025-07-01T08:00.") from exc
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.timestamp()
    raise CampaignError("time: expected an ISO date/time", "Waktu: harus tanggal/jam ISO.")


# -- preview -----------------------------------------------------------------------


def _resolve_audience(store, audience: Audience | str | Mapping, unit: int) -> tuple[int | None, Audience]:
    """(saved audience id or None, the audience as the unit ``unit`` sends to it: contacts private to another
    unit left out; a saved audience private to another unit is not found)."""
    if isinstance(audience, Audience):
        audience_id, aud = None, audience
    elif isinstance(audience, Mapping):
        audience_id, aud = None, Audience.from_dict(dict(audience))
    elif isinstance(audience, str):
        audience_id, aud = aud_mod.load_row(store, audience, within=unit)
    else:
        raise AudienceError("audience: expected a saved name or a definition",
                            "Audiens: nama tersimpan atau definisi.")
    return audience_id, dataclasses.replace(aud, unit=unit)


def _shared(aud: Audience) -> Audience:
    """The audience without its unit: the definition as saved and shown (a campaign has its own unit)."""
    return dataclasses.replace(aud, unit=None)


def _audience_of(camp: Mapping[str, Any]) -> Audience:
    """A campaign's audience as its unit reaches it (contacts private to other units left out)."""
    return dataclasses.replace(Audience.from_dict(camp["audience"]), unit=camp["unit_id"])


def _sample_row(store, aud: Audience, sample: Any):
    """The contact to show a preview for: a row/mapping as given, else by number or id within the audience."""
    if sample is None:
        return None
    if isinstance(sample, Mapping) or hasattr(sample, "keys"):
        return sample
    sql, params = aud_mod.select_sql(aud)
    key = "c.id" if isinstance(sample, int) else "c.number"
    sql = sql.replace(" ORDER BY c.id", f" AND {key} = ? ORDER BY c.id")
    row = store.conn.execute(sql, [*params, sample]).fetchone()
    if row is None:
        raise NotFound("that contact is not in this audience", "Kontak itu tidak termasuk audiens ini.")
    return row


def preview(store, config: Config | None, text: str, audience: Audience | str | Mapping,
            fallbacks: Mapping[str, str] | None = None, *, sample_contact: Any = None, emergency: bool = False,
            send_at: float | None = None, expires_at: float | None = None, unit: int | None = None,
            signature: str | None = None, channel: str = routing.AUTO) -> dict[str, Any]:
    """Everything to check before sending: recipients, encoding, segments, cost, time, warnings, a sample.

    ``route``: the route ``channel`` (``modem``, ``smpp`` or ``auto``) would take now and each route's
    cost at its own price per SMS part and its time (:func:`firmware.campaigns.routing.route_costs`);
    ``cost`` and ``time`` stay the modems' figures (the box's SIMs), as before there was a choice.

    Every reachable recipient's text is rendered and counted (not just one),
    so a long name pushing some texts into a second segment shows in
    ``segments.max`` and in the cost.  ``examples`` shows the worst cases, not
    only the first recipient: the longest text and the one with the least
    data (most fields empty: dropped phrases, fallbacks).  ``sample`` is the
    first recipient of the audience (or ``sample_contact``).

    ``unit``: the sending unit (default the first, ``Kantor``): its signature (or ``signature``, a saved
    campaign's) is appended to every text before it is counted, its cost per part prices it, and
    ``quota`` says what is used and left of its monthly quota.
    """
    tpl = compile_template(text)
    unit_row = units_mod.get_unit(store, units_mod.DEFAULT_UNIT if unit is None else unit)
    if signature is None:
        signature = unit_row["signature"]
    fb = check_fallbacks(fallbacks)
    config, limits_from = sending_config(store, config)  # the window and limits the daemon uses
    snapshot = estimate.take_snapshot(store, config)
    _, aud = _resolve_audience(store, audience, unit_row["id"])
    counts = aud_mod.count(store, aud)
    render_one = signed_renderer(tpl, fb, signature)
    total = n = 0
    seg_max = 0
    seg_min: int | None = None
    ucs2_recipients = 0
    contact_ucs2: dict[str, None] = {}
    first = None
    columns = [PLACEHOLDERS[p] for p in tpl.placeholders]
    bare_places = [(p, PLACEHOLDERS[p]) for p in tpl.bare_placeholders if p in _PLACE_FALLBACKS]
    fallback_used = dict.fromkeys((p for p, _ in bare_places), 0)
    longest: tuple[int, Any] = (-1, None)
    sparsest: tuple[int, Any] = (-1, None)
    by_route: dict[str | None, tuple[int, int]] = {}  # operator -> (parts, messages), for the time estimate
    for row in aud_mod.recipients(store, aud):
        rendered = render_one(row)
        encoding, segs = count_segments(rendered)
        if first is None:
            first = row
        if len(rendered) > longest[0]:
            longest = (len(rendered), row)
        empty = sum(1 for col in columns if not field_text(row, col))
        if empty > sparsest[0]:
            sparsest = (empty, row)
        for p, col in bare_places:
            if not field_text(row, col):
                fallback_used[p] += 1
        n += 1
        total += segs
        route = operator_of(row["number"])
        parts_so_far, messages_so_far = by_route.get(route, (0, 0))
        by_route[route] = (parts_so_far + segs, messages_so_far + 1)
        seg_max = max(seg_max, segs)
        seg_min = segs if seg_min is None else min(seg_min, segs)
        if encoding is Encoding.UCS2:
            ucs2_recipients += 1
            if len(contact_ucs2) < 20:
                contact_ucs2.update(dict.fromkeys(ch for ch in rendered if ch not in GSM_CHARS))
    base = analyse(render_one({v: None for v in PLACEHOLDERS.values()}))
    cost_per = cost_per_part(store, unit_row)
    offset = config.utc_offset_hours
    quota = units_mod.quota_status(store, unit_row["id"], utc_offset_hours=offset)
    now = store.clock()
    time_estimate = estimate.for_new(snapshot, total, n, emergency=emergency,
                                     send_at=send_at if send_at and send_at > now else None, routes=by_route)
    time_estimate["limits_from"] = limits_from
    choice = routing.check_choice(channel)
    accounts = routing.accounts(store, config)
    route = _route_preview(choice, accounts, recipients=n, parts=total, emergency=emergency, store=store,
                           modem_price=cost_per, time_estimate=time_estimate, routes=by_route,
                           send_at=send_at if send_at and send_at > now else None, snapshot=snapshot)
    warnings = filter_warnings(tpl.literal_text()) + filter_warnings(" ".join(fb[p] for p in tpl.bare_placeholders))
    warnings = _merge_warnings(warnings)
    spans = aud_mod.wilayah_warning(store, aud)
    if spans is not None:
        warnings.append(spans)
    used = {p: k for p, k in fallback_used.items() if k}
    if used:
        names = ", ".join("{" + p + "}" for p in used)
        example = "[di RW {rw}]" if "rw" in used else "[ {" + next(iter(used)) + "}]"
        warnings.append(warning(
            "fallback", f"{max(used.values())} recipient(s) have no data for {names}: their text says "
            f"\"{fb[next(iter(used))]}\" instead. Put the phrase in square brackets, e.g. {example}, so it is "
            "dropped when empty.",
            f"{max(used.values())} penerima tidak punya data {names}: teksnya memakai \"{fb[next(iter(used))]}\". "
            f"Apit frasanya dengan kurung siku, mis. {example}, agar dihapus bila kosong.",
            found=[f"{{{p}}}: {k}" for p, k in used.items()]))
    template_ucs2 = list(base.ucs2_chars)
    from_contacts = [ch for ch in contact_ucs2 if ch not in template_ucs2]
    if ucs2_recipients:
        warnings.append(warning(
            "ucs2", f"{ucs2_recipients} text(s) need UCS-2 (70 characters a segment instead of 160)"
            + (f"; replace {', '.join(template_ucs2)} to stay in GSM-7" if template_ucs2 else "")
            + (f"; contact data brings {', '.join(from_contacts)}" if from_contacts else ""),
            f"{ucs2_recipients} pesan memakai UCS-2 (70 karakter per SMS, bukan 160)"
            + (f"; ganti {', '.join(template_ucs2)} agar tetap GSM-7" if template_ucs2 else "")
            + (f"; data kontak berisi {', '.join(from_contacts)}" if from_contacts else ""),
            found=template_ucs2 + from_contacts))
    if seg_max > 1:
        warnings.append(warning(
            "segments", f"up to {seg_max} SMS per recipient; shorten the text to save cost and time",
            f"hingga {seg_max} SMS per penerima; persingkat teks untuk menghemat biaya dan waktu"))
    if n == 0:
        warnings.append(warning("no_recipients", "the audience reaches nobody",
                                 "audiens tidak menjangkau siapa pun"))
    if not config.modems and route["channel"] != routing.SMPP:
        warnings.append(warning("no_modems", "no modems configured or seen: the time cannot be estimated",
                                 "belum ada modem: waktu kirim tidak dapat diperkirakan"))
    if choice == routing.SMPP and not accounts:
        warnings.append(warning("no_smpp", "no operator (SMPP) account: add one in Settings or choose another route",
                                 "belum ada akun operator (SMPP): tambahkan di Pengaturan atau pilih jalur lain"))
    if store.hold().active and not emergency:
        warnings.append(warning("hold", "the global hold is on: only emergencies go out until it is lifted",
                                 "penahanan aktif: hanya pesan darurat yang dikirim sampai dicabut"))
    if quota["quota"] is not None and total > quota["left"]:
        warnings.append(warning(
            "quota", f"this campaign needs {total:,} SMS parts; {quota['left']:,} of unit {unit_row['name']}'s "
            f"monthly quota of {quota['quota']:,} are left"
            + (": an emergency still goes out, flagged in the report" if emergency else ": it will be refused"),
            f"kampanye ini perlu {group_digits(total)} SMS; sisa kuota bulanan unit {unit_row['name']} "
            f"{group_digits(quota['left'])} dari {group_digits(quota['quota'])}"
            + (": pesan darurat tetap dikirim, ditandai di laporan" if emergency else ": kampanye akan ditolak")))
    if signature and analyse(signature).encoding is Encoding.UCS2:
        warnings.append(warning(
            "signature_ucs2", "the unit's signature has characters outside GSM-7: every text goes as UCS-2 "
            "(70 characters a segment); ask the admin to change it",
            "tanda tangan unit berisi karakter di luar GSM-7: semua pesan menjadi UCS-2 (70 karakter per SMS); "
            "minta admin menggantinya", found=list(analyse(signature).ucs2_chars)))
    low_balance = balance_warning(store, total * cost_per) if route["channel"] != routing.SMPP else None
    if low_balance is not None:
        warnings.append(low_balance)
    finish = time_estimate.get("elapsed_minutes")
    if expires_at is not None and (finish is None and n or finish is not None and now + finish * 60 > expires_at):
        warnings.append(warning(
            "expiry", "the campaign expires before all its messages can be sent at these limits",
            "kampanye kedaluwarsa sebelum semua pesan terkirim dengan batas kirim ini"))
    sample = _sample_row(store, aud, sample_contact) if sample_contact is not None else first
    examples = _examples(render_one, [("first", sample), ("longest", longest[1]), ("least_data", sparsest[1])])
    return {
        "audience": {"description": aud.describe(), "definition": _shared(aud).to_dict(), **counts},
        "recipients": n,
        "encoding": "ucs2" if ucs2_recipients else "gsm7",
        "ucs2_recipients": ucs2_recipients,
        "segments": {"per_message_max": seg_max, "per_message_min": seg_min or 0,
                     "per_message_avg": round(total / n, 2) if n else 0, "total": total},
        "gsm7_fix": {"ucs2_chars": template_ucs2, "replacements": base.replacements,
                     "suggested_text": _suggest(tpl.text, base.replacements) if base.replacements else None,
                     "ucs2_chars_from_contacts": from_contacts},
        "cost": {"per_segment_rupiah": cost_per, "total_rupiah": total * cost_per,
                 "setting": "cost_per_part" if unit_row["cost_per_part"] is not None else "cost_per_segment"},
        "unit": {"id": unit_row["id"], "name": unit_row["name"], "signature": signature},
        "quota": quota,
        "time": time_estimate,
        "route": route,
        "warnings": warnings,
        "sample": _sample(sample, render_one) if sample is not None else None,
        "examples": examples,
        "emergency": emergency,
    }


def _route_preview(choice: str, accounts: list[routing.Account], *, recipients: int, parts: int, emergency: bool,
                   store, modem_price: float, time_estimate: Mapping[str, Any],
                   routes: Mapping[str | None, tuple[int, int]], send_at: float | None,
                   snapshot: estimate.Snapshot) -> dict[str, Any]:
    """What the preview says of the routes: the choice, the channel the rule picks now, each route's figures."""
    channel, threshold, overflow = _rule_channel(
        store, choice, accounts, recipients=recipients, emergency=emergency,
        modem_minutes=lambda: _rule_minutes(snapshot, routes, emergency=emergency, send_at=send_at))
    return {"choice": choice, "channel": channel, "threshold": threshold, "overflow_minutes": overflow,
            **routing.route_costs(parts, modem_price=modem_price, modem_time=time_estimate, accounts=accounts)}


def _rule_channel(store, choice: str, accounts: list[routing.Account], *, recipients: int, emergency: bool,
                  modem_minutes: Callable[[], float | None]) -> tuple[str | None, int, float]:
    """(the channel :func:`firmware.campaigns.routing.choose_channel` picks, its recipient threshold, its overflow
    minutes) with the office's thresholds; ``modem_minutes`` is asked only when the rule weighs the modems' time
    (the preview and the queueing each have their own way to estimate it)."""
    threshold, overflow = route_thresholds(store)
    kw = {"recipients": recipients, "emergency": emergency, "smpp_accounts": len(accounts), "threshold": threshold}
    minutes = modem_minutes() if routing.needs_modem_estimate(choice, **kw) else None
    return routing.choose_channel(choice, modem_minutes=minutes, overflow_minutes=overflow, **kw), threshold, overflow


def route_thresholds(store) -> tuple[int, float]:
    """(recipients above which an automatic campaign goes by the operator, the modems' minutes beyond which a
    smaller one overflows): the office settings, else the defaults of :mod:`firmware.campaigns.routing`."""
    return (int(setting(store, routing.AUTO_THRESHOLD_KEY, routing.DEFAULT_AUTO_THRESHOLD)),
            setting(store, routing.OVERFLOW_KEY, routing.DEFAULT_OVERFLOW_MINUTES))


def _rule_minutes(snapshot: estimate.Snapshot, routes: Mapping[str | None, tuple[int, int]], *, emergency: bool,
                  send_at: float | None) -> float | None:
    """The modems' minutes for a job as the automatic rule weighs them: with the hold off (it stops every
    route, so it says nothing of the modems' load)."""
    parts = sum(p for p, _ in routes.values())
    messages = sum(m for _, m in routes.values())
    answer = estimate.for_new(dataclasses.replace(snapshot, hold=False), parts, messages, emergency=emergency, send_at=send_at,
                              routes=routes)
    return routing.modem_minutes(answer)


def _parts_by_route(store, aud: Audience, render_one: Callable[[Any], str]) -> dict[str | None, tuple[int, int]]:
    """operator -> (SMS parts, messages) of an audience's reachable recipients, as the estimate takes them."""
    out: dict[str | None, tuple[int, int]] = {}
    for row in aud_mod.recipients(store, aud):
        route = operator_of(row["number"])
        parts, messages = out.get(route, (0, 0))
        out[route] = (parts + count_segments(render_one(row))[1], messages + 1)
    return out


def queue_channel(store, config: Config | None, camp: Mapping[str, Any], aud: Audience,
                  render_one: Callable[[Any], str]) -> str | None:
    """``messages.channel`` for a campaign about to be queued: its chosen route, or the automatic rule
    (:func:`firmware.campaigns.routing.choose_channel`) applied to the queue as it is now.
    NotAllowed when it chose the operator route and there is no operator account."""
    choice = routing.choice_of(camp.get("channel"))
    accounts = routing.accounts(store, config)
    if choice == routing.SMPP and not accounts:
        raise NotAllowed(f"campaign {camp['id']} chose the operator route (SMPP) but there is no operator account",
                         f"Kampanye {camp['id']} memilih jalur operator (SMPP), tetapi belum ada akun operator: "
                         "tambahkan di Pengaturan, atau buat ulang kampanye dengan jalur lain.")
    emergency = camp["priority"] >= EMERGENCY
    counted = choice == routing.AUTO and accounts  # only the automatic rule with an account weighs the size

    def modem_minutes() -> float | None:
        snapshot = estimate.take_snapshot(store, sending_config(store, config)[0])
        now = store.clock()
        return _rule_minutes(snapshot, _parts_by_route(store, aud, render_one), emergency=emergency,
                             send_at=camp["send_at"] if camp["send_at"] and camp["send_at"] > now else None)

    return _rule_channel(store, choice, accounts, recipients=aud_mod.count(store, aud)["reachable"] if counted else 0,
                         emergency=emergency, modem_minutes=modem_minutes)[0]


def _examples(render_one: Callable[[Any], str], rows: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The sample texts to show, each text once, with every reason it is shown for (``why``: a list of
    ``first``, ``longest``, ``least_data``)."""
    out: list[dict[str, Any]] = []
    for why, row in rows:
        if row is None:
            continue
        item = _sample(row, render_one)
        same = next((e for e in out if e["text"] == item["text"]), None)
        if same is not None:
            same["why"].append(why)
        else:
            out.append({"why": [why], **item})
    return out


def _suggest(text: str, replacements: Mapping[str, str]) -> str:
    return "".join(replacements.get(ch, ch) for ch in text)


def _merge_warnings(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for w in warnings:
        if w["code"] in merged:
            merged[w["code"]]["found"] = list(dict.fromkeys(merged[w["code"]]["found"] + w["found"]))
        else:
            merged[w["code"]] = w
    return list(merged.values())


def _sample(row: Any, render_one: Callable[[Any], str]) -> dict[str, Any]:
    text = render_one(row)
    encoding, segments = count_segments(text)
    fields = dict(zip(row.keys(), tuple(row) if not isinstance(row, Mapping) else row.values()))
    number = fields.get("number")
    status = "opted_out" if fields.get("opted_out") else "dead" if fields.get("dead") else "reachable"
    return {"number": mask_number(number) if number else None, "name": fields.get("name"), "text": text,
            "encoding": encoding.value, "segments": segments, "status": status}


# -- campaigns ---------------------------------------------------------------------


_person = units_mod.person


def _user(store, username: str):
    return store.conn.execute("SELECT username, role, disabled FROM users WHERE LOWER(username) = ?",
                              (_person(username),)).fetchone()


def check_user(store, username: str, roles: Iterable[str] | None = None) -> str:
    """The ``users`` account ``username`` (enabled, with one of ``roles`` if given); its username."""
    row = _user(store, username)
    if row is None or row["disabled"]:
        raise NotAllowed(f"no active user {username!r}", f"Tidak ada pengguna aktif {username!r}.")
    roles = tuple(roles or ())
    if roles and row["role"] not in roles:
        raise NotAllowed(f"user {row['username']!r} has role {row['role']!r}; needs {' or '.join(roles)}",
                         f"Pengguna {row['username']!r} berperan {row['role']!r}; perlu {' atau '.join(roles)}.")
    return row["username"]


def template_text(store, name: str, *, within: int | None = None) -> tuple[int, str]:
    """(id, text) of the template ``name`` (the shipped ones are installed on first use); ``within``: a unit's
    own and the shared templates only."""
    templates_builtin.install(store)
    row = store.conn.execute("SELECT id, text, unit_id FROM templates WHERE name = ?", (name,)).fetchone()
    if row is None or not units_mod.visible(row["unit_id"], within):
        names = [t["name"] for t in list_templates(store, within=within)]
        raise NotFound(f"no template {name!r} (templates: {', '.join(names)})",
                       f"Tidak ada template {name!r} (tersedia: {', '.join(names)}).")
    return row["id"], row["text"]


def list_templates(store, *, within: int | None = None) -> list[dict[str, Any]]:
    """Every template (``within``: a unit's own and the shared ones), by category and name."""
    templates_builtin.install(store)
    out = []
    names = units_mod.unit_names(store)
    for r in store.conn.execute("SELECT * FROM templates ORDER BY category, name"):
        if not units_mod.visible(r["unit_id"], within):
            continue
        tpl_blanks = unfilled(r["text"])
        out.append({"id": r["id"], "name": r["name"], "category": r["category"], "builtin": bool(r["builtin"]),
                    "text": r["text"], "blanks": tpl_blanks, "unit_id": r["unit_id"],
                    "unit": names.get(r["unit_id"])})
    return out


def create(store, name: str, text: str | None, audience_or_name: Audience | str | Mapping, *,
           fallbacks: Mapping[str, str] | None = None, emergency: bool = False, send_at: Any = None,
           expires_at: Any = None, actor: str, template: str | None = None, fills: Mapping[str, str] | None = None,
           tz: timezone | None = None, via: str | None = None, unit: int | str | None = None,
           channel: str | None = None) -> int:
    """A new campaign in state ``draft``; return its id.

    ``text`` or ``template`` (a template name; its ``[[blanks]]`` filled from
    ``fills``).  The audience's definition is copied into the campaign.
    ``unit``: the unit it is sent for (id or name); default the unit of the user behind ``actor`` (else the
    first unit). Someone limited to a unit (not an admin) can create only for their own. The unit's
    signature is copied into the campaign (what the approver sees is what is sent).
    ``channel``: ``modem`` (the box's SIMs only), ``smpp`` (the operator route only), or None/``auto``
    (decided when it is queued, by :func:`firmware.campaigns.routing.choose_channel`).
    Raises CampaignError/TemplateError/AudienceError/UnitError naming what is wrong.
    """
    name = aud_mod.check_name(name, "campaign")
    channel = check_channel(channel)
    within = units_mod.scope_of(store, actor)
    if unit is None:
        unit = units_mod.user_unit(store, actor) or units_mod.DEFAULT_UNIT
    unit_row = units_mod.get_unit(store, unit)
    if within is not None and unit_row["id"] != within:
        raise NotAllowed(f"you may create campaigns only for your own unit, not {unit_row['name']}",
                         f"Anda hanya boleh membuat kampanye untuk unit Anda sendiri, bukan {unit_row['name']}.")
    template_id = None
    if template is not None:
        if text is not None:
            raise CampaignError("give a text or a template, not both", "Pilih teks atau template, bukan keduanya.")
        template_id, text = template_text(store, template, within=unit_row["id"])
    if text is None:
        raise CampaignError("a text or a template is needed", "Perlu teks atau template.")
    if fills:
        text = fill_blanks(text, fills)
    tpl = compile_template(text)
    fb_given = {str(k).strip().strip("{}").strip().lower(): v for k, v in (fallbacks or {}).items()}
    check_fallbacks(fb_given)
    audience_id, aud = _resolve_audience(store, audience_or_name, unit_row["id"])
    now = store.clock()
    send_ts = parse_time(send_at, tz)
    expires_ts = parse_time(expires_at, tz)
    if send_ts is not None and send_ts < now - 300:
        raise CampaignError("send_at is in the past", "Waktu kirim sudah lewat.")
    if expires_ts is not None and expires_ts <= max(now, send_ts or now):
        raise CampaignError("expires_at must be after now and after send_at",
                            "Waktu kedaluwarsa harus setelah sekarang dan setelah waktu kirim.")
    counts = aud_mod.count(store, aud)
    if counts["reachable"] == 0:
        raise CampaignError(f"the audience reaches nobody ({counts['matched']} matched, {counts['opted_out']} opted "
                            f"out, {counts['dead']} dead)",
                            f"Audiens tidak menjangkau siapa pun ({counts['matched']} cocok, {counts['opted_out']} "
                            f"berhenti langganan, {counts['dead']} nomor mati).")
    definition = _shared(aud).to_json()  # the unit is the campaign's own (campaigns.unit_id)
    with store.tx() as c:
        campaign_id = c.execute(
            "INSERT INTO campaigns (name, text, state, priority, audience, send_at, expires_at, created_by, created_at,"
            " updated_at, audience_id, template_id, fallbacks, unit_id, signature, channel)"
            " VALUES (?,?,'draft',?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (name, tpl.text, EMERGENCY if emergency else 0, definition, send_ts, expires_ts, actor, now, now,
             audience_id, template_id, json.dumps(fb_given, ensure_ascii=False, sort_keys=True), unit_row["id"],
             unit_row["signature"], channel)).lastrowid
        store._audit(c, actor, "campaign_create", {
            "campaign": campaign_id, "name": name, "audience": _shared(aud).to_dict(), "emergency": emergency,
            "template": template, "reachable": counts["reachable"], "send_at": send_ts, "expires_at": expires_ts,
            "unit": unit_row["id"], "channel": channel or "auto",
            **({"via": via} if via and via != actor else {})}, now)
    return campaign_id


#: The routes a campaign may choose (``auto``: decided when queued; stored as NULL).
CHANNELS = routing.CHOICES


def check_channel(channel: str | None) -> str | None:
    """The ``campaigns.channel`` of a route choice: ``modem`` or ``smpp``, None for ``auto`` (also
    ``otomatis``, ``operator``, empty; :func:`firmware.campaigns.routing.check_choice`); CampaignError otherwise."""
    try:
        return routing.stored(routing.check_choice(channel))
    except routing.RouteError as exc:
        raise CampaignError(exc.reason, exc.pesan) from None


def get(store, campaign_id: int, *, within: int | None = None) -> dict[str, Any]:
    """The campaign row as a dict (``audience``/``fallbacks`` decoded); NotFound if there is none, or when it
    belongs to another unit than ``within`` (someone limited to a unit does not learn that it exists)."""
    row = store.conn.execute("SELECT * FROM campaigns WHERE id = ?", (_int_id(campaign_id),)).fetchone()
    if row is None or (within is not None and row["unit_id"] != within):
        raise NotFound(f"no campaign {campaign_id}", f"Tidak ada kampanye {campaign_id}.")
    out = dict(row)
    out["audience"] = json.loads(row["audience"]) if row["audience"] else None
    out["fallbacks"] = json.loads(row["fallbacks"] or "{}")
    out["emergency"] = row["priority"] >= EMERGENCY
    out["unit"] = units_mod.unit_names(store).get(row["unit_id"])
    return out


def _int_id(campaign_id: Any) -> int:
    try:
        return int(campaign_id)
    except (TypeError, ValueError):
        raise NotFound(f"no campaign {campaign_id!r}", f"Tidak ada kampanye {campaign_id!r}.") from None


def preview_campaign(store, config: Config | None, campaign_id: int, *, sample_contact: Any = None,
                     within: int | None = None) -> dict[str, Any]:
    """:func:`preview` of a saved campaign (with its unit and signature), with its id, name and state."""
    camp = get(store, campaign_id, within=within)
    out = preview(store, config, camp["text"], Audience.from_dict(camp["audience"]), camp["fallbacks"],
                  sample_contact=sample_contact, emergency=camp["emergency"], send_at=camp["send_at"],
                  expires_at=camp["expires_at"], unit=camp["unit_id"], signature=camp["signature"],
                  channel=routing.choice_of(camp.get("channel")))
    return {"id": camp["id"], "name": camp["name"], "state": camp["state"], "created_by": camp["created_by"],
            "approval_needed": out["recipients"] > approval_threshold(store), **out}


def approval_threshold(store) -> int:
    return int(setting(store, "approval_threshold", DEFAULT_APPROVAL_THRESHOLD))


def submit(store, campaign_id: int, actor: str, *, via: str | None = None,
           config: Config | None = None) -> dict[str, Any]:
    """Send a draft on: queued now when small (within its unit's monthly quota), else ``awaiting_approval``.
    ``config``: the box's time zone (where a quota's month begins) and its operator accounts, which count
    for the route rule (without it: UTC+7 and the accounts added on the page)."""
    camp = get(store, campaign_id, within=units_mod.scope_of(store, actor))
    if camp["state"] != "draft":
        raise NotAllowed(f"campaign {camp['id']} is {camp['state']}, not a draft",
                         f"Kampanye {camp['id']} berstatus {camp['state']}, bukan draf.")
    reachable = aud_mod.count(store, _audience_of(camp))["reachable"]
    threshold = approval_threshold(store)
    if reachable > threshold:
        now = store.clock()
        with store.tx() as c:
            if not c.execute("UPDATE campaigns SET state = 'awaiting_approval', updated_at = ? WHERE id = ?"
                             " AND state = 'draft'", (now, camp["id"])).rowcount:
                raise NotAllowed(f"campaign {camp['id']} is no longer a draft",
                                 f"Kampanye {camp['id']} bukan draf lagi.")
            detail = {"campaign": camp["id"], "reachable": reachable, "threshold": threshold,
                      "state": "awaiting_approval"}
            if via and via != actor:
                detail["via"] = via
            store._audit(c, actor, "campaign_submit", detail, now)
        return {"id": camp["id"], "state": "awaiting_approval", "reachable": reachable, "threshold": threshold,
                "pesan": f"Perlu persetujuan pengguna lain (lebih dari {threshold} penerima)."}
    return _queue(store, camp, actor, "campaign_submit", approved_by=None, expect_state="draft", via=via,
                  config=config)


def approve(store, campaign_id: int, approver: str, *, via: str | None = None,
            config: Config | None = None) -> dict[str, Any]:
    """Approve a campaign awaiting approval and queue it.

    ``approver`` must be an enabled ``users`` account with role approver or
    admin, and not the person who created the campaign; an approver must be of the
    campaign's unit, except for an emergency (any approver may let it out).  ``via``:
    the actor that ran the command (e.g. ``cli:root``), recorded in the audit log.
    """
    camp = get(store, campaign_id)
    if camp["state"] != "awaiting_approval":
        hint = " (submit it first)" if camp["state"] == "draft" else ""
        raise NotAllowed(f"campaign {camp['id']} is {camp['state']}, not awaiting approval{hint}",
                         f"Kampanye {camp['id']} berstatus {camp['state']}, tidak menunggu persetujuan.")
    if _person(approver) == _person(camp["created_by"] or ""):
        raise NotAllowed("a campaign must be approved by someone other than its creator",
                         "Kampanye harus disetujui oleh pengguna lain, bukan pembuatnya.")
    username = check_user(store, approver, APPROVER_ROLES)
    within = units_mod.scope_of(store, username)
    if within is not None and within != camp["unit_id"] and not camp["emergency"]:
        raise NotAllowed(f"campaign {camp['id']} belongs to unit {camp['unit']}: an approver of that unit (or an "
                         "admin) approves it",
                         f"Kampanye {camp['id']} milik unit {camp['unit']}: harus disetujui approver unit itu "
                         "(atau admin).")
    return _queue(store, camp, username, "campaign_approve", approved_by=username,
                  expect_state="awaiting_approval", via=via, config=config)


def _queue(store, camp: dict[str, Any], actor: str, action: str, *, approved_by: str | None, expect_state: str,
           via: str | None = None, config: Config | None = None) -> dict[str, Any]:
    """Render and insert every recipient's message in ONE transaction, on the route :func:`queue_channel`
    decides; the campaign becomes ``running``.

    The unit's monthly quota is checked in the same transaction, with the parts just rendered: beyond it
    the transaction is rolled back (:class:`~firmware.office.units.QuotaExceeded`), except for an
    emergency, which is queued and flagged (``over_quota``, audited as ``campaign_over_quota``)."""
    now = store.clock()
    if camp["expires_at"] is not None and camp["expires_at"] <= now:
        raise NotAllowed(f"campaign {camp['id']} expired before it was queued; create it again",
                         f"Kampanye {camp['id']} sudah kedaluwarsa sebelum dikirim; buat ulang.")
    aud = _audience_of(camp)
    render_one = signed_renderer(camp["text"], camp["fallbacks"], camp["signature"])
    priority = camp["priority"]
    report = camp["report"]
    not_before = camp["send_at"] or 0.0
    expires_at = camp["expires_at"]
    created_by = camp["created_by"]
    campaign_id = camp["id"]
    counts = {"queued": 0, "suppressed": 0}
    parts = [0]
    channel = queue_channel(store, config, camp, aud, render_one)
    utc_offset_hours = (config or Config()).utc_offset_hours

    def rows(c):
        for r in aud_mod.recipients(store, aud, reachable_only=False, conn=c):
            number = r["number"]
            text = render_one(r)
            if r["opted_out"]:
                counts["suppressed"] += 1
                yield (campaign_id, number, text, priority, report, operator_of(number), "suppressed",
                       not_before, expires_at, now, created_by, now, "opted out", count_segments(text)[1], channel)
            else:
                counts["queued"] += 1
                segments = count_segments(text)[1]
                parts[0] += segments
                yield (campaign_id, number, text, priority, report, operator_of(number), "queued",
                       not_before, expires_at, now, created_by, None, None, segments, channel)

    with store.tx() as c:
        state = c.execute("SELECT state FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()[0]
        if state != expect_state:  # someone else acted meanwhile
            raise NotAllowed(f"campaign {campaign_id} is now {state}",
                             f"Kampanye {campaign_id} kini berstatus {state}.")
        # The rows are read and inserted in this one transaction: an opt-out
        # arriving meanwhile waits for the commit, then suppresses what is queued.
        # NOTE: the generator streams the SELECT into executemany (two cursors on
        # one connection; different tables), so 100k texts are never all in memory.
        c.executemany(
            "INSERT INTO messages (campaign_id, number, text, priority, report, route, state, not_before, expires_at,"
            " created_at, created_by, done_at, error, parts, channel) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows(c))
        if counts["queued"] == 0:
            raise NotAllowed(f"campaign {campaign_id}: the audience reaches nobody now",
                             f"Kampanye {campaign_id}: audiens kini tidak menjangkau siapa pun.")
        c.execute("UPDATE campaigns SET state = 'running', recipients = ?, approved_by = COALESCE(?, approved_by),"
                  " approved_at = CASE WHEN ? IS NULL THEN approved_at ELSE ? END, updated_at = ? WHERE id = ?",
                  (counts["queued"], approved_by, approved_by, now, now, campaign_id))
        # After the update: the quota counts the campaigns queued this month, this one with its new rows.
        room = units_mod.room(store, c, camp["unit_id"], parts[0], utc_offset_hours=utc_offset_hours, inserted=True)
        if not room["fits"] and priority < EMERGENCY:
            raise QuotaExceeded(
                f"unit {room['unit_name']}: this campaign needs {room['needed']:,} SMS parts but only "
                f"{room['left']:,} of the monthly quota of {room['quota']:,} are left for {room['month']}; ask the "
                "admin to raise the quota, or send to fewer people",
                f"Kuota bulanan unit {room['unit_name']} tidak cukup: kampanye ini perlu {group_digits(room['needed'])}"
                f" SMS, sisa kuota {room['month']} tinggal {group_digits(room['left'])} dari "
                f"{group_digits(room['quota'])}. Minta admin menaikkan kuota, atau kirim ke lebih sedikit penerima.")
        over = None if room["fits"] else room
        if over is not None:
            c.execute("UPDATE campaigns SET over_quota = 1 WHERE id = ?", (campaign_id,))
        if over is not None:
            store._audit(c, actor, "campaign_over_quota", {
                "campaign": campaign_id, "unit": camp["unit_id"], "unit_name": over["unit_name"],
                "month": over["month"], "quota": over["quota"],
                "used_before": over["used"], "needed": over["needed"]}, now)
        detail = {"campaign": campaign_id, "queued": counts["queued"], "suppressed": counts["suppressed"],
                  "emergency": priority >= EMERGENCY, "channel": channel}
        if via and via != actor:
            detail["via"] = via
        store._audit(c, actor, action, detail, now)
    return {"id": campaign_id, "state": "running", **counts, "approved_by": approved_by,
            "send_at": camp["send_at"], "expires_at": expires_at, "parts": parts[0], "over_quota": over is not None,
            "channel": channel}


def cancel(store, campaign_id: int, actor: str) -> dict[str, Any]:
    """Cancel a campaign that has not finished: queued and paused messages become ``cancelled``."""
    camp = get(store, campaign_id)
    if camp["state"] in ("cancelled", "done"):
        raise NotAllowed(f"campaign {camp['id']} is already {camp['state']}",
                         f"Kampanye {camp['id']} sudah berstatus {camp['state']}.")
    n = store.cancel_campaign(camp["id"], actor)
    return {"id": camp["id"], "state": "cancelled", "messages_cancelled": n}


def list_campaigns(store, *, within: int | None = None) -> list[dict[str, Any]]:
    """Every campaign (``within``: of that unit only), newest first, with its messages counted by state."""
    per = store.all_campaign_counts()
    names = units_mod.unit_names(store)
    out = []
    where, args = ("WHERE unit_id = ?", (within,)) if within is not None else ("", ())
    for r in store.conn.execute(f"SELECT * FROM campaigns {where} ORDER BY id DESC", args):
        try:
            description = Audience.from_dict(json.loads(r["audience"])).describe() if r["audience"] else None
        except (ValueError, AudienceError):
            description = None
        out.append({"id": r["id"], "name": r["name"], "state": r["state"], "emergency": r["priority"] >= EMERGENCY,
                    "audience": description, "recipients": r["recipients"], "created_by": r["created_by"],
                    "created_at": r["created_at"], "approved_by": r["approved_by"], "approved_at": r["approved_at"],
                    "send_at": r["send_at"], "expires_at": r["expires_at"], "messages": per.get(r["id"], {}),
                    "unit_id": r["unit_id"], "unit": names.get(r["unit_id"]), "over_quota": bool(r["over_quota"])})
    return out


def awaiting_approval(store, *, within: int | None = None) -> list[int]:
    """Ids of the campaigns waiting for approval, oldest first: ``within`` a unit, that unit's and every
    unit's emergencies (any approver may let an emergency out)."""
    if within is None:
        rows = store.conn.execute("SELECT id FROM campaigns WHERE state = 'awaiting_approval' ORDER BY id")
    else:
        rows = store.conn.execute("SELECT id FROM campaigns WHERE state = 'awaiting_approval'"
                                  " AND (unit_id = ? OR priority >= ?) ORDER BY id", (within, EMERGENCY))
    return [r[0] for r in rows]


def active_rows(store, limit: int = 5, *, within: int | None = None) -> list[dict[str, Any]]:
    """Running and paused campaigns (``id, name, state, priority, send_at``; ``within``: of that unit), newest
    first."""
    unit, args = ("", (limit,)) if within is None else (" AND unit_id = ?", (within, limit))
    return [dict(r) for r in store.conn.execute(
        "SELECT id, name, state, priority, send_at FROM campaigns"
        f" WHERE state IN ('running', 'paused'){unit} ORDER BY id DESC LIMIT ?", args)]


def rejection(store, campaign_id: int) -> dict[str, str] | None:
    """Who rejected the campaign and why (``{"by", "reason"}``, from the audit log), or None."""
    row = store.conn.execute(
        "SELECT actor, detail FROM audit_log WHERE action = 'campaign_reject'"
        " AND json_extract(detail, '$.campaign') = ? ORDER BY id DESC LIMIT 1", (campaign_id,)).fetchone()
    if row is None:
        return None
    return {"by": row["actor"], "reason": json.loads(row["detail"]).get("reason", "")}


def retry_failed(store, campaign_id: int, actor: str) -> dict[str, Any]:
    """Put a campaign's ``failed`` and ``unknown`` messages back in the queue for one more try.

    Each goes out whole again (parts count from the first, a fresh concatenation
    reference), due now.  Skipped: numbers that opted out since, and messages
    past their expiry.  A ``done`` campaign runs again; a ``paused`` one gets the
    messages back as ``paused``.  Cancelled campaigns (and drafts, campaigns
    awaiting approval) are refused.  Audited as ``campaign_retry``.
    """
    camp = get(store, campaign_id)
    if camp["state"] not in ("running", "paused", "done"):
        raise NotAllowed(f"campaign {camp['id']} is {camp['state']}: nothing to retry",
                         f"Kampanye {camp['id']} berstatus {camp['state']}: tidak ada yang bisa dikirim ulang.")
    now = store.clock()
    with store.tx() as c:
        state = c.execute("SELECT state FROM campaigns WHERE id = ?", (camp["id"],)).fetchone()[0]
        if state not in ("running", "paused", "done"):  # someone else acted meanwhile
            raise NotAllowed(f"campaign {camp['id']} is now {state}",
                             f"Kampanye {camp['id']} kini berstatus {state}.")
        before = dict(c.execute(
            "SELECT state, COUNT(*) FROM messages WHERE campaign_id = ? AND state IN ('failed', 'unknown')"
            " GROUP BY state", (camp["id"],)).fetchall())
        target = "paused" if state == "paused" else "queued"
        n = c.execute(
            "UPDATE messages SET state = ?, not_before = ?, done_at = NULL, parts_sent = 0, concat_ref = NULL,"
            " error_class = NULL, error_code = NULL, error = NULL"
            " WHERE campaign_id = ? AND state IN ('failed', 'unknown')"
            " AND (expires_at IS NULL OR expires_at > ?)"
            " AND NOT EXISTS (SELECT 1 FROM optouts o WHERE o.match_number = messages.number)",
            (target, now, camp["id"], now)).rowcount
        if n and state == "done":
            c.execute("UPDATE campaigns SET state = 'running', updated_at = ? WHERE id = ?", (now, camp["id"]))
        store._audit(c, actor, "campaign_retry", {
            "campaign": camp["id"], "messages": n, "failed": before.get("failed", 0),
            "unknown": before.get("unknown", 0)}, now)
    return {"id": camp["id"], "requeued": n, "failed": before.get("failed", 0), "unknown": before.get("unknown", 0),
            "skipped": before.get("failed", 0) + before.get("unknown", 0) - n,
            "state": "running" if n and state == "done" else state}
