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

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware.people import audience as aud_mod
from firmware.queue import estimate
from firmware.office import settings as office_settings
from firmware.campaigns import routing, templates_builtin
from firmware.people.audience import Audience, AudienceError
from firmware.office.config import Config
from firmware.queue.estimate import sending_config
from firmware.errors import BilingualError
from firmware.modem import gsm7
from firmware.modem.pdu import Encoding, split_text
from firmware.modem.segments import analyse
from firmware.people.numbers import operator_of
from firmware.people.privacy import mask_number
from firmware.queue.store import EMERGENCY

#: Rupiah per SMS segment when the setting ``cost_per_segment`` is absent
#: (a typical prepaid on-net price; set the real tariff of your SIMs).
DEFAULT_COST_PER_SEGMENT = 150
#: A campaign to more recipients than this needs a second user's approval.
DEFAULT_APPROVAL_THRESHOLD = 50
#: Longest template text accepted (about 12 GSM-7 segments).
MAX_TEXT = 1800

#: Placeholder -> contacts column.
PLACEHOLDERS: dict[str, str] = {
    "nama": "name", "jabatan": "role", "rt": "rt", "rw": "rw", "desa": "desa", "dusun": "dusun",
}
#: What a placeholder becomes when the contact's field is empty.
DEFAULT_FALLBACKS: dict[str, str] = {
    "nama": "Bapak/Ibu", "jabatan": "Warga", "rt": "setempat", "rw": "setempat", "desa": "setempat",
    "dusun": "setempat",
}
#: Placeholders whose fallback ("setempat") reads wrong in a phrase: the preview suggests ``[...]``.
_PLACE_FALLBACKS = ("rt", "rw", "desa", "dusun")
#: Roles that may approve a campaign (``users.role``).
APPROVER_ROLES = ("approver", "admin")


class CampaignError(BilingualError, ValueError):
    """A campaign, template or action is invalid; ``pesan`` says why in Bahasa Indonesia."""


class TemplateError(CampaignError):
    """A template has an unknown placeholder, an unfilled blank or is too long."""


class NotAllowed(CampaignError, PermissionError):
    """The user may not do this (approve their own campaign, no approver role, wrong state)."""


class NotFound(CampaignError, LookupError):
    """No campaign, template or user by that id or name."""


# -- templates -------------------------------------------------------------------

_TOKEN = re.compile(r"\{\{|\}\}|\{\s*([^{}]*?)\s*\}")
_BLANK = re.compile(r"\[\[\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*\]\]")
_PHRASE = re.compile(r"\[([^\[\]]*)\]")

Part = tuple[str, "str | None"]  # (literal, None) or ("", placeholder)


@dataclass(frozen=True)
class Phrase:
    """An optional phrase ``[...]``: its alternatives (``|``), each a run of parts; the first whose
    placeholders all have data is rendered, and with none the phrase is dropped."""

    alternatives: tuple[tuple[Part, ...], ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for alt in self.alternatives for _, p in alt if p))


@dataclass(frozen=True)
class Template:
    """A parsed template: in order, literal text, placeholders (``parts``: (literal, placeholder|None))
    and optional phrases (:class:`Phrase`)."""

    text: str
    parts: tuple[Part | Phrase, ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder used, in order (inside phrases too)."""
        names: list[str] = []
        for part in self.parts:
            names.extend(part.placeholders if isinstance(part, Phrase) else [part[1]] if part[1] else [])
        return tuple(dict.fromkeys(names))

    @property
    def bare_placeholders(self) -> tuple[str, ...]:
        """The placeholders outside any phrase: the ones an empty field fills with a fallback."""
        return tuple(dict.fromkeys(part[1] for part in self.parts if not isinstance(part, Phrase) and part[1]))

    def literal_text(self, fill: str = " ") -> str:
        """The text with every placeholder replaced by ``fill`` and every alternative of a phrase kept
        (for the operator-filter checks)."""
        out = []
        for part in self.parts:
            runs = part.alternatives if isinstance(part, Phrase) else ((part,),)
            out.append(" ".join("".join(lit if p is None else fill for lit, p in run) for run in runs))
        return "".join(out)


def _parse_plain(text: str, unknown: list[str]) -> list[Part]:
    """Literal text and ``{placeholder}`` parts of ``text`` (unknown ones appended to ``unknown``)."""
    parts: list[Part] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            parts.append((text[pos:m.start()], None))
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append((token[0], None))
        else:
            name = m.group(1).lower()
            if name in PLACEHOLDERS:
                parts.append(("", name))
            else:
                unknown.append(token)
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], None))
    return _join_literals(parts)


def _join_literals(parts: list[Part]) -> list[Part]:
    """Adjacent literals joined (fewer pieces to render)."""
    merged: list[Part] = []
    for lit, p in parts:
        if p is None and merged and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + lit, None)
        else:
            merged.append((lit, p))
    return merged


def compile_template(text: Any) -> Template:
    """Parse ``text``; TemplateError on unknown placeholders, unfilled ``[[blanks]]`` or excess length."""
    if not isinstance(text, str) or not text.strip():
        raise TemplateError("message text is empty", "Teks pesan kosong.")
    if len(text) > MAX_TEXT:
        raise TemplateError(f"message text longer than {MAX_TEXT} characters",
                            f"Teks pesan lebih dari {MAX_TEXT} karakter.")
    parts: list[Part | Phrase] = []
    unknown: list[str] = []
    pos = 0
    for m in _PHRASE.finditer(text):
        found: list[str] = []
        alternatives = tuple(tuple(_parse_plain(alt, found)) for alt in m.group(1).split("|"))
        if not any(p for alt in alternatives for _, p in alt):
            continue  # square brackets around plain text: literal
        unknown.extend(found)
        parts.extend(_parse_plain(text[pos:m.start()], unknown))
        parts.append(Phrase(alternatives))
        pos = m.end()
    parts.extend(_parse_plain(text[pos:], unknown))
    if unknown:
        known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
        raise TemplateError(
            f"unknown placeholder(s) {', '.join(dict.fromkeys(unknown))}; known: {known}"
            " (write {{ for a literal brace)",
            f"Isian tidak dikenal: {', '.join(dict.fromkeys(unknown))}. Yang dikenal: {known}.")
    blanks = unfilled(text)
    if blanks:
        raise TemplateError(
            f"fill the template's blanks first: {', '.join(blanks)} (e.g. --fill {blanks[0]}=...)",
            f"Isi dulu bagian kosong template: {', '.join(blanks)} (misalnya --fill {blanks[0]}=...).")
    return Template(text, tuple(parts))


def unfilled(text: str) -> list[str]:
    """Names of the ``[[blanks]]`` still in ``text``."""
    return list(dict.fromkeys(m.group(1).strip().lower() for m in _BLANK.finditer(text)))


def fill_blanks(text: str, values: Mapping[str, str] | None) -> str:
    """Replace ``[[name]]`` blanks with ``values[name]``; unknown names are refused."""
    values = {str(k).strip().lower(): str(v) for k, v in (values or {}).items()}
    present = set(unfilled(text))
    extra = sorted(set(values) - present)
    if extra:
        raise TemplateError(f"no blank(s) {', '.join(extra)} in the text"
                            f" (blanks: {', '.join(sorted(present)) or 'none'})",
                            f"Tidak ada bagian kosong {', '.join(extra)} dalam teks.")
    for key, value in values.items():
        if not value.strip() or unfilled(value):
            raise TemplateError(f"blank {key}: empty value", f"Bagian {key}: nilai kosong.")
    return _BLANK.sub(lambda m: values.get(m.group(1).strip().lower(), m.group(0)), text)


def check_fallbacks(fallbacks: Mapping[str, str] | None) -> dict[str, str]:
    """Defaults overlaid with ``fallbacks``; TemplateError on an unknown placeholder name."""
    out = dict(DEFAULT_FALLBACKS)
    for key, value in (fallbacks or {}).items():
        name = str(key).strip().strip("{}").strip().lower()
        if name not in PLACEHOLDERS:
            raise TemplateError(f"fallback for unknown placeholder {key!r}; known: {', '.join(PLACEHOLDERS)}",
                                f"Cadangan untuk isian tidak dikenal {key!r}.")
        if not isinstance(value, str) or len(value) > 100:
            raise TemplateError(f"fallback {name}: must be text of at most 100 characters",
                                f"Cadangan {name}: harus teks maks. 100 karakter.")
        out[name] = value
    return out


def field_text(contact: Any, column: str) -> str:
    """A contact's field as a message shows it: spaces collapsed, "" when empty or absent."""
    try:
        value = contact[column]
    except (KeyError, IndexError):  # a partial mapping (a sample typed by hand)
        return ""
    return " ".join(str(value).split()) if value is not None else ""


_PUNCT_AFTER = frozenset(" ,.;:!?)/")


def renderer(template: Template | str, fallbacks: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    """A fast ``render(contact)`` for one template (contact: a mapping or sqlite3.Row with contacts columns).

    A placeholder outside a phrase takes its fallback when the field is empty; a phrase is rendered
    from its first alternative whose fields all have data, or dropped (see the module docstring).
    """
    tpl = template if isinstance(template, Template) else compile_template(template)
    fb = check_fallbacks(fallbacks)
    # Each piece: (literal, None, None) | ("", column, fallback) | (None, alternatives, None)
    pieces: list[tuple[Any, Any, Any]] = []
    for part in tpl.parts:
        if isinstance(part, Phrase):
            pieces.append((None, [[(lit, PLACEHOLDERS[p] if p else None) for lit, p in alt]
                                  for alt in part.alternatives], None))
        else:
            lit, p = part
            pieces.append((lit, None, None) if p is None else ("", PLACEHOLDERS[p], fb[p]))

    def render_one(contact: Any) -> str:
        out: list[str] = []
        dropped = False
        for lit, column, fallback in pieces:
            if lit is None:  # a phrase
                text = _phrase_text(column, contact)
                if not text:
                    dropped = True
                    continue
            elif column is None:
                text = lit
            else:
                text = field_text(contact, column) or fallback
            if dropped and out and text[:1] in _PUNCT_AFTER and out[-1][-1:] == " ":
                out[-1] = out[-1].rstrip(" ")  # "warga [RT {rt}] :" without its RT: "warga:"
            dropped = False
            out.append(text)
        return "".join(out).rstrip(" ") if dropped else "".join(out)

    return render_one


def _phrase_text(alternatives: list[list[tuple[str, str | None]]], contact: Any) -> str:
    """The first alternative whose fields all have data, rendered; "" when none has."""
    for alt in alternatives:
        bits = []
        for lit, column in alt:
            if column is None:
                bits.append(lit)
                continue
            value = field_text(contact, column)
            if not value:
                break
            bits.append(value)
        else:
            return "".join(bits)
    return ""


def render(template: Template | str, contact: Any, fallbacks: Mapping[str, str] | None = None) -> str:
    """The text ``contact`` receives."""
    return renderer(template, fallbacks)(contact)


# -- segments, fast --------------------------------------------------------------

_GSM_ALL = frozenset(gsm7.DEFAULT_ALPHABET.replace("\x1b", "")) | frozenset(gsm7.EXTENSION_TABLE.values())
_GSM_EXT = tuple(gsm7.EXTENSION_TABLE.values())


def count_segments(text: str) -> tuple[Encoding, int]:
    """(encoding, segments) exactly as :func:`firmware.modem.segments.analyse` counts them.

    Arithmetic where it is exact (no escape characters / no surrogate pairs
    in a multipart text), :func:`split_text` otherwise: some 100,000 texts
    a second, so a preview can count every recipient's text.
    """
    if not text:
        return Encoding.GSM7, 0
    if _GSM_ALL.issuperset(text):
        escapes = sum(text.count(ch) for ch in _GSM_EXT)
        units = len(text) + escapes
        if units <= 160:
            return Encoding.GSM7, 1
        if not escapes:
            return Encoding.GSM7, -(-units // 153)
        return Encoding.GSM7, len(split_text(text, Encoding.GSM7))
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units <= 70:
        return Encoding.UCS2, 1
    if units == len(text):
        return Encoding.UCS2, -(-units // 67)
    return Encoding.UCS2, len(split_text(text, Encoding.UCS2))


# -- operator filter warnings ------------------------------------------------------

_LINK = re.compile(
    r"(?:https?://\S+|www\.\S+|\b(?:bit\.ly|s\.id|tinyurl\.com|t\.co|wa\.me|goo\.gl|linktr\.ee)/\S*"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|id|net|org|info|xyz|ly|me|co|io|link|site|online)\b(?:/\S*)?)",
    re.IGNORECASE)
# A run of digits with the separators people put in amounts, dates and numbers.
_DIGITS = re.compile(r"\d(?:[\d.,/:\-]*\d)?")
_TIME = re.compile(r"^(?:[01]?\d|2[0-3])[.:][0-5]\d$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
#: Words Indonesian operators' filters (and scam SMS) are known for.  The
#: first group is from operators' guidance on OTP/fraud filtering; the
#: second from the "mama minta pulsa"/lottery scams they block.
FILTER_WORDS = ("kode", "pin", "password", "otp", "token", "verifikasi", "akun", "dana", "selamat", "nomor", "juta",
                "hadiah", "rekening", "transfer", "klik", "pulsa")


def _warning(code: str, message: str, pesan: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "pesan": pesan, **extra}


def filter_warnings(text: str) -> list[dict[str, Any]]:
    """What Indonesian operators' spam filters may catch in ``text``: links, long numbers, trigger words.

    Rules:

    - link: ``http(s)://``, ``www.``, shorteners (bit.ly, s.id ...) or a bare
      domain (``.com``, ``.id``, ``.go.id`` ...): often dropped outright;
    - digits: a number of 4 or more digits, separators included
      (``Rp 100.000``, ``12/03/2025``, ``0812...``) looks like an OTP or a
      scam; years and times (``2025``, ``08.00-10.00``, ``2024/2025``) are
      let through;
    - words: :data:`FILTER_WORDS` as whole words (also with -nya/-mu/-ku:
      "kodenya"), any case; "pinjam" is not "pin".
    """
    out: list[dict[str, Any]] = []
    links = [m.group(0).rstrip(".,;:!?)") for m in _LINK.finditer(text)]
    if links:
        out.append(_warning(
            "link", "Links are often blocked by operators; give the address in words or drop it.",
            "Tautan/link sering diblokir operator; tulis alamatnya dengan kata-kata atau hapus.",
            found=list(dict.fromkeys(links))))
    long_numbers = []
    for m in _DIGITS.finditer(text):
        token = m.group(0).strip()
        digits = sum(ch.isdigit() for ch in token)
        pieces = re.split(r"[-/]", token)
        if digits >= 4 and not all(_YEAR.match(p) or _TIME.match(p) for p in pieces):
            long_numbers.append(token)
    if long_numbers:
        out.append(_warning(
            "digits", "Long digit strings (amounts, dates, phone numbers) look like OTPs or scams to operator "
            "filters; write amounts in words (seratus ribu rupiah) and dates with the month name (12 Maret).",
            "Deretan angka panjang (nominal, tanggal, nomor telepon) mirip OTP/penipuan bagi filter operator; "
            "tulis nominal dengan huruf (seratus ribu rupiah) dan tanggal dengan nama bulan (12 Maret).",
            found=list(dict.fromkeys(long_numbers))))
    words = [w for w in FILTER_WORDS if re.search(rf"(?<![a-z0-9]){w}(?:nya|mu|ku)?(?![a-z0-9])", text, re.IGNORECASE)]
    if words:
        out.append(_warning(
            "words", "Words operators' filters look for (OTP, fraud, lottery scams); rephrase if you can.",
            "Kata yang dicari filter operator (OTP, penipuan, undian); ganti kata bila bisa.",
            found=words))
    return out


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
    return _warning("balance", f"the SIMs' known balance ({_rupiah(total)}) is less than the cost "
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


def _resolve_audience(store, audience: Audience | str | Mapping) -> tuple[int | None, Audience]:
    if isinstance(audience, Audience):
        return None, audience
    if isinstance(audience, Mapping):
        return None, Audience.from_dict(dict(audience))
    if isinstance(audience, str):
        return aud_mod.load_row(store, audience)
    raise AudienceError("audience: expected a saved name or a definition", "Audiens: nama tersimpan atau definisi.")


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
            send_at: float | None = None, expires_at: float | None = None, channel: str = routing.AUTO
            ) -> dict[str, Any]:
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
    """
    tpl = compile_template(text)
    fb = check_fallbacks(fallbacks)
    config, limits_from = sending_config(store, config)  # the window and limits the daemon uses
    snapshot = estimate.take_snapshot(store, config)
    _, aud = _resolve_audience(store, audience)
    counts = aud_mod.count(store, aud)
    render_one = renderer(tpl, fb)
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
                contact_ucs2.update(dict.fromkeys(ch for ch in rendered if ch not in _GSM_ALL))
    base = analyse(render_one({v: None for v in PLACEHOLDERS.values()}))
    cost_per = setting(store, "cost_per_segment", DEFAULT_COST_PER_SEGMENT)
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
        warnings.append(_warning(
            "fallback", f"{max(used.values())} recipient(s) have no data for {names}: their text says "
            f"\"{fb[next(iter(used))]}\" instead. Put the phrase in square brackets, e.g. {example}, so it is "
            "dropped when empty.",
            f"{max(used.values())} penerima tidak punya data {names}: teksnya memakai \"{fb[next(iter(used))]}\". "
            f"Apit frasanya dengan kurung siku, mis. {example}, agar dihapus bila kosong.",
            found=[f"{{{p}}}: {k}" for p, k in used.items()]))
    template_ucs2 = list(base.ucs2_chars)
    from_contacts = [ch for ch in contact_ucs2 if ch not in template_ucs2]
    if ucs2_recipients:
        warnings.append(_warning(
            "ucs2", f"{ucs2_recipients} text(s) need UCS-2 (70 characters a segment instead of 160)"
            + (f"; replace {', '.join(template_ucs2)} to stay in GSM-7" if template_ucs2 else "")
            + (f"; contact data brings {', '.join(from_contacts)}" if from_contacts else ""),
            f"{ucs2_recipients} pesan memakai UCS-2 (70 karakter per SMS, bukan 160)"
            + (f"; ganti {', '.join(template_ucs2)} agar tetap GSM-7" if template_ucs2 else "")
            + (f"; data kontak berisi {', '.join(from_contacts)}" if from_contacts else ""),
            found=template_ucs2 + from_contacts))
    if seg_max > 1:
        warnings.append(_warning(
            "segments", f"up to {seg_max} SMS per recipient; shorten the text to save cost and time",
            f"hingga {seg_max} SMS per penerima; persingkat teks untuk menghemat biaya dan waktu"))
    if n == 0:
        warnings.append(_warning("no_recipients", "the audience reaches nobody",
                                 "audiens tidak menjangkau siapa pun"))
    if not config.modems and route["channel"] != routing.SMPP:
        warnings.append(_warning("no_modems", "no modems configured or seen: the time cannot be estimated",
                                 "belum ada modem: waktu kirim tidak dapat diperkirakan"))
    if choice == routing.SMPP and not accounts:
        warnings.append(_warning("no_smpp", "no operator (SMPP) account: add one in Settings or choose another route",
                                 "belum ada akun operator (SMPP): tambahkan di Pengaturan atau pilih jalur lain"))
    if store.hold().active and not emergency:
        warnings.append(_warning("hold", "the global hold is on: only emergencies go out until it is lifted",
                                 "penahanan aktif: hanya pesan darurat yang dikirim sampai dicabut"))
    low_balance = balance_warning(store, total * cost_per) if route["channel"] != routing.SMPP else None
    if low_balance is not None:
        warnings.append(low_balance)
    finish = time_estimate.get("elapsed_minutes")
    if expires_at is not None and (finish is None and n or finish is not None and now + finish * 60 > expires_at):
        warnings.append(_warning(
            "expiry", "the campaign expires before all its messages can be sent at these limits",
            "kampanye kedaluwarsa sebelum semua pesan terkirim dengan batas kirim ini"))
    sample = _sample_row(store, aud, sample_contact) if sample_contact is not None else first
    examples = _examples(render_one, [("first", sample), ("longest", longest[1]), ("least_data", sparsest[1])])
    return {
        "audience": {"description": aud.describe(), "definition": aud.to_dict(), **counts},
        "recipients": n,
        "encoding": "ucs2" if ucs2_recipients else "gsm7",
        "ucs2_recipients": ucs2_recipients,
        "segments": {"per_message_max": seg_max, "per_message_min": seg_min or 0,
                     "per_message_avg": round(total / n, 2) if n else 0, "total": total},
        "gsm7_fix": {"ucs2_chars": template_ucs2, "replacements": base.replacements,
                     "suggested_text": _suggest(tpl.text, base.replacements) if base.replacements else None,
                     "ucs2_chars_from_contacts": from_contacts},
        "cost": {"per_segment_rupiah": cost_per, "total_rupiah": total * cost_per,
                 "setting": "cost_per_segment"},
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
    threshold, overflow = route_thresholds(store)
    kw = {"recipients": recipients, "emergency": emergency, "smpp_accounts": len(accounts), "threshold": threshold}
    minutes = (_rule_minutes(snapshot, routes, emergency=emergency, send_at=send_at)
               if routing.needs_modem_estimate(choice, **kw) else None)
    channel = routing.choose_channel(choice, modem_minutes=minutes, overflow_minutes=overflow, **kw)
    return {"choice": choice, "channel": channel, "threshold": threshold, "overflow_minutes": overflow,
            **routing.route_costs(parts, modem_price=modem_price, modem_time=time_estimate, accounts=accounts)}


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
    answer = estimate.for_new(replace(snapshot, hold=False), parts, messages, emergency=emergency, send_at=send_at,
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
    threshold, overflow = route_thresholds(store)
    kw = {"recipients": aud_mod.count(store, aud)["reachable"], "emergency": camp["priority"] >= EMERGENCY,
          "smpp_accounts": len(accounts), "threshold": threshold}
    minutes = None
    if routing.needs_modem_estimate(choice, **kw):
        snapshot = estimate.take_snapshot(store, sending_config(store, config)[0])
        now = store.clock()
        minutes = _rule_minutes(snapshot, _parts_by_route(store, aud, render_one), emergency=kw["emergency"],
                                send_at=camp["send_at"] if camp["send_at"] and camp["send_at"] > now else None)
    return routing.choose_channel(choice, modem_minutes=minutes, overflow_minutes=overflow, **kw)


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


def _person(actor: str) -> str:
    """``"cli:ani"`` / ``"web:ani"`` / ``"ani"`` -> ``"ani"``: the person behind an actor string."""
    return str(actor).split(":", 1)[-1].strip().lower()


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


def template_text(store, name: str) -> tuple[int, str]:
    """(id, text) of the template ``name`` (the shipped ones are installed on first use)."""
    templates_builtin.install(store)
    row = store.conn.execute("SELECT id, text FROM templates WHERE name = ?", (name,)).fetchone()
    if row is None:
        names = [r[0] for r in store.conn.execute("SELECT name FROM templates ORDER BY name")]
        raise NotFound(f"no template {name!r} (templates: {', '.join(names)})",
                       f"Tidak ada template {name!r} (tersedia: {', '.join(names)}).")
    return row["id"], row["text"]


def list_templates(store) -> list[dict[str, Any]]:
    templates_builtin.install(store)
    out = []
    for r in store.conn.execute("SELECT * FROM templates ORDER BY category, name"):
        tpl_blanks = unfilled(r["text"])
        out.append({"id": r["id"], "name": r["name"], "category": r["category"], "builtin": bool(r["builtin"]),
                    "text": r["text"], "blanks": tpl_blanks})
    return out


def create(store, name: str, text: str | None, audience_or_name: Audience | str | Mapping, *,
           fallbacks: Mapping[str, str] | None = None, emergency: bool = False, send_at: Any = None,
           expires_at: Any = None, actor: str, template: str | None = None, fills: Mapping[str, str] | None = None,
           tz: timezone | None = None, via: str | None = None, channel: str | None = None) -> int:
    """A new campaign in state ``draft``; return its id.

    ``text`` or ``template`` (a template name; its ``[[blanks]]`` filled from
    ``fills``).  The audience's definition is copied into the campaign.
    ``channel``: ``modem`` (the box's SIMs only), ``smpp`` (the operator route only), or None/``auto``
    (decided when it is queued, by :func:`firmware.campaigns.routing.choose_channel`).
    Raises CampaignError/TemplateError/AudienceError naming what is wrong.
    """
    name = aud_mod.check_name(name, "campaign")
    channel = check_channel(channel)
    template_id = None
    if template is not None:
        if text is not None:
            raise CampaignError("give a text or a template, not both", "Pilih teks atau template, bukan keduanya.")
        template_id, text = template_text(store, template)
    if text is None:
        raise CampaignError("a text or a template is needed", "Perlu teks atau template.")
    if fills:
        text = fill_blanks(text, fills)
    tpl = compile_template(text)
    fb_given = {str(k).strip().strip("{}").strip().lower(): v for k, v in (fallbacks or {}).items()}
    check_fallbacks(fb_given)
    audience_id, aud = _resolve_audience(store, audience_or_name)
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
    definition = aud.to_json()
    with store.tx() as c:
        campaign_id = c.execute(
            "INSERT INTO campaigns (name, text, state, priority, audience, send_at, expires_at, created_by, created_at,"
            " updated_at, audience_id, template_id, fallbacks, channel) VALUES (?,?,'draft',?,?,?,?,?,?,?,?,?,?,?)",
            (name, tpl.text, EMERGENCY if emergency else 0, definition, send_ts, expires_ts, actor, now, now,
             audience_id, template_id, json.dumps(fb_given, ensure_ascii=False, sort_keys=True), channel)).lastrowid
        store._audit(c, actor, "campaign_create", {
            "campaign": campaign_id, "name": name, "audience": aud.to_dict(), "emergency": emergency,
            "template": template, "reachable": counts["reachable"], "send_at": send_ts, "expires_at": expires_ts,
            "channel": channel or "auto",
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


def get(store, campaign_id: int) -> dict[str, Any]:
    """The campaign row as a dict (``audience``/``fallbacks`` decoded); NotFound if there is none."""
    row = store.conn.execute("SELECT * FROM campaigns WHERE id = ?", (_int_id(campaign_id),)).fetchone()
    if row is None:
        raise NotFound(f"no campaign {campaign_id}", f"Tidak ada kampanye {campaign_id}.")
    out = dict(row)
    out["audience"] = json.loads(row["audience"]) if row["audience"] else None
    out["fallbacks"] = json.loads(row["fallbacks"] or "{}")
    out["emergency"] = row["priority"] >= EMERGENCY
    return out


def _int_id(campaign_id: Any) -> int:
    try:
        return int(campaign_id)
    except (TypeError, ValueError):
        raise NotFound(f"no campaign {campaign_id!r}", f"Tidak ada kampanye {campaign_id!r}.") from None


def preview_campaign(store, config: Config | None, campaign_id: int, *, sample_contact: Any = None) -> dict[str, Any]:
    """:func:`preview` of a saved campaign, with its id, name and state."""
    camp = get(store, campaign_id)
    out = preview(store, config, camp["text"], Audience.from_dict(camp["audience"]), camp["fallbacks"],
                  sample_contact=sample_contact, emergency=camp["emergency"], send_at=camp["send_at"],
                  expires_at=camp["expires_at"], channel=routing.choice_of(camp.get("channel")))
    return {"id": camp["id"], "name": camp["name"], "state": camp["state"], "created_by": camp["created_by"],
            "approval_needed": out["recipients"] > approval_threshold(store), **out}


def approval_threshold(store) -> int:
    return int(setting(store, "approval_threshold", DEFAULT_APPROVAL_THRESHOLD))


def submit(store, campaign_id: int, actor: str, *, via: str | None = None,
           config: Config | None = None) -> dict[str, Any]:
    """Send a draft on: queued now when small, else ``awaiting_approval``.  ``config``: its operator
    accounts count for the route rule (the page's and the daemon's; without it, the accounts added on the page)."""
    camp = get(store, campaign_id)
    if camp["state"] != "draft":
        raise NotAllowed(f"campaign {camp['id']} is {camp['state']}, not a draft",
                         f"Kampanye {camp['id']} berstatus {camp['state']}, bukan draf.")
    reachable = aud_mod.count(store, Audience.from_dict(camp["audience"]))["reachable"]
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
    admin, and not the person who created the campaign.  ``via``: the actor
    that ran the command (e.g. ``cli:root``), recorded in the audit log.
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
    return _queue(store, camp, username, "campaign_approve", approved_by=username,
                  expect_state="awaiting_approval", via=via, config=config)


def _queue(store, camp: dict[str, Any], actor: str, action: str, *, approved_by: str | None, expect_state: str,
           via: str | None = None, config: Config | None = None) -> dict[str, Any]:
    """Render and insert every recipient's message in ONE transaction, on the route :func:`queue_channel`
    decides; the campaign becomes ``running``."""
    now = store.clock()
    if camp["expires_at"] is not None and camp["expires_at"] <= now:
        raise NotAllowed(f"campaign {camp['id']} expired before it was queued; create it again",
                         f"Kampanye {camp['id']} sudah kedaluwarsa sebelum dikirim; buat ulang.")
    aud = Audience.from_dict(camp["audience"])
    render_one = renderer(camp["text"], camp["fallbacks"])
    priority = camp["priority"]
    report = camp["report"]
    not_before = camp["send_at"] or 0.0
    expires_at = camp["expires_at"]
    created_by = camp["created_by"]
    campaign_id = camp["id"]
    counts = {"queued": 0, "suppressed": 0}
    channel = queue_channel(store, config, camp, aud, render_one)

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
                yield (campaign_id, number, text, priority, report, operator_of(number), "queued",
                       not_before, expires_at, now, created_by, None, None, count_segments(text)[1], channel)

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
        detail = {"campaign": campaign_id, "queued": counts["queued"], "suppressed": counts["suppressed"],
                  "emergency": priority >= EMERGENCY, "channel": channel}
        if via and via != actor:
            detail["via"] = via
        store._audit(c, actor, action, detail, now)
    return {"id": campaign_id, "state": "running", **counts, "approved_by": approved_by,
            "send_at": camp["send_at"], "expires_at": expires_at, "channel": channel}


def cancel(store, campaign_id: int, actor: str) -> dict[str, Any]:
    """Cancel a campaign that has not finished: queued and paused messages become ``cancelled``."""
    camp = get(store, campaign_id)
    if camp["state"] in ("cancelled", "done"):
        raise NotAllowed(f"campaign {camp['id']} is already {camp['state']}",
                         f"Kampanye {camp['id']} sudah berstatus {camp['state']}.")
    n = store.cancel_campaign(camp["id"], actor)
    return {"id": camp["id"], "state": "cancelled", "messages_cancelled": n}


def list_campaigns(store) -> list[dict[str, Any]]:
    """Every campaign, newest first, with its messages counted by state."""
    per = store.all_campaign_counts()
    out = []
    for r in store.conn.execute("SELECT * FROM campaigns ORDER BY id DESC"):
        try:
            description = Audience.from_dict(json.loads(r["audience"])).describe() if r["audience"] else None
        except (ValueError, AudienceError):
            description = None
        out.append({"id": r["id"], "name": r["name"], "state": r["state"], "emergency": r["priority"] >= EMERGENCY,
                    "audience": description, "recipients": r["recipients"], "created_by": r["created_by"],
                    "created_at": r["created_at"], "approved_by": r["approved_by"], "approved_at": r["approved_at"],
                    "send_at": r["send_at"], "expires_at": r["expires_at"], "messages": per.get(r["id"], {})})
    return out


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
