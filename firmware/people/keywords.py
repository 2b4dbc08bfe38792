"""What residents may text the box besides ``BERHENTI``: consent, a number change, a subscription, help.

Keywords (each list configurable: ``Config.consent_keywords`` ..., the Settings page overrides them):

- ``YA`` / ``SETUJU``: consent to receive information (recorded with basis, source ``sms``, time, the SMS
  and the campaign message it answered); from the new number of a pending ``GANTI`` it confirms the change.
- ``GANTI 0812...``: a known contact asks to move to a new number; the new number gets a confirmation
  SMS and must answer ``YA`` (double opt-in) before the contact moves; the old number's history stays.
- ``DAFTAR <desa/kelurahan> [RT/RW] [nama]``: a resident joins their wilayah's list (consented by
  construction); an unknown or ambiguous name gets a reply listing valid names.
- ``INFO`` / ``BANTUAN``: the office's contact and the keyword list.

Reading is tolerant of how people type on a phone: case, spaces and punctuation do not matter
(``"ya."``, ``" Ya "``, ``"SETUJU!"``, ``"Daftar: Kel. Sukamaju RT 03/RW 05, Budi"``). A longer message that
merely starts with ``Ya`` ("Ya pak, nanti saya ...") is a conversation, left in the inbox for a person.

This module decides; :mod:`firmware.people.keyword_store` holds the SQL. :func:`handle` acts on one whole
incoming SMS in ONE commit (its effect, its automatic replies, their audit entries). Every automatic reply
goes through the queue (so the per-SIM limits and the send window apply), is one GSM-7 part, is never sent
to a number that opted out, and is rate-limited per number (``keyword_replies_per_hour``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from firmware.modem.segments import analyse
from firmware.office.config import Config
from firmware.people import keyword_store as ks
from firmware.people.audience import strip_place_prefix
from firmware.people.numbers import InvalidNumber, national, normalise
from firmware.people.privacy import mask_number
from firmware.queue.store import Store

log = logging.getLogger(__name__)

#: Who the automatic actions are recorded as (``inbox.handled_by``, ``audit_log.actor``, ``created_by``).
ACTOR = "daemon"
#: Longest name accepted by DAFTAR (the rest of a long message is not a name).
MAX_NAME = 60
#: Most words a consent or INFO message may have ("ya setuju", "info dong") to count as the keyword.
_SHORT = 3

_WORD = re.compile(r"[0-9A-Za-zÀ-ɏ]+")
_GLUED = re.compile(r"([A-Za-z]+)(\+?\d[\d\-]{6,})")  # "GANTI08120000002"
_UNIT = re.compile(r"(?i)(?P<kind>RT|RW)\W{0,3}(?P<n>\d{1,3})\b|(?P<rt>\d{1,3})\s*/\s*(?P<rw>\d{1,3})\b")
_PLACE_WORDS = {"KEL", "KELURAHAN", "DESA", "DS"}


# -- parsing (pure) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A desa/kelurahan residents can join: its name as the office's list spells it, and its kecamatan."""

    desa: str
    kecamatan: str | None = None


@dataclass(frozen=True)
class Consent:
    keyword: str


@dataclass(frozen=True)
class Change:
    keyword: str
    new_number: str | None  # E.164, None when what followed GANTI is not a mobile number


@dataclass(frozen=True)
class Subscribe:
    keyword: str
    places: tuple[Place, ...]  # one: found; several: ambiguous; none: unknown (or nothing given)
    query: str  # what the resident wrote as the place
    rt: str | None = None
    rw: str | None = None
    name: str | None = None
    exact: bool = True  # False: ``places`` are names that merely start like what was written


@dataclass(frozen=True)
class Info:
    keyword: str


Command = Consent | Change | Subscribe | Info


def words(text: str) -> list[str]:
    """The message's words in upper case, punctuation and spacing dropped."""
    return [w.upper() for w in _WORD.findall(_GLUED.sub(r"\1 \2", text or ""))]


def parse(text: str, config: Config, places: list[Place] | tuple[Place, ...] = ()) -> Command | None:
    """The keyword command ``text`` is, or None (an ordinary reply for a person to read).

    ``places``: the desa/kelurahan a DAFTAR may name (:func:`keyword_store.places`).
    """
    ws = words(text)
    if not ws:
        return None
    first = ws[0]
    consent = {k.upper() for k in config.consent_keywords}
    if len(ws) <= _SHORT and all(w in consent for w in ws):
        return Consent(first)
    if first in {k.upper() for k in config.info_keywords} and len(ws) <= 2:
        return Info(first)
    if first in {k.upper() for k in config.change_keywords}:
        digits = re.sub(r"[^\d+]", "", _GLUED.sub(r"\1 \2", text).split(None, 1)[1] if len(ws) > 1 else "")
        try:
            return Change(first, normalise(digits) if digits else None)
        except InvalidNumber:
            return Change(first, None)
    if first in {k.upper() for k in config.subscribe_keywords}:
        return _parse_subscribe(first, text, places)
    return None


def _parse_subscribe(keyword: str, text: str, places: list[Place] | tuple[Place, ...]) -> Subscribe:
    """``DAFTAR Kel. Sukamaju [Coblong] RT 03/RW 05 Budi``: the place (longest known name), its kecamatan
    when the name is in several, RT/RW in any usual writing, and the rest as the name."""
    spans = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)][1:]  # after the keyword
    while spans and spans[0][0].upper() in _PLACE_WORDS:
        spans = spans[1:]
    if not spans:
        return Subscribe(keyword, (), "")
    by_name: dict[str, list[Place]] = {}
    for p in places:
        by_name.setdefault(" ".join(words(strip_place_prefix(p.desa))), []).append(p)
    found: list[Place] = []
    used = 0
    for n in range(min(4, len(spans)), 0, -1):
        key = " ".join(w.upper() for w, _, _ in spans[:n])
        if key in by_name:
            found, used = by_name[key], n
            break
    query = " ".join(w for w, _, _ in spans[:used or 1])
    if not found:
        stem = spans[0][0].upper()
        near = [p for k, ps in by_name.items() for p in ps if len(stem) >= 3 and k.startswith(stem)]
        return Subscribe(keyword, tuple(near), query, exact=False)
    if len(found) > 1 and used < len(spans):  # the same name in several kecamatan: "DAFTAR Sukamaju Coblong"
        kec = spans[used][0].upper()
        chosen = [p for p in found if p.kecamatan and " ".join(words(p.kecamatan)).startswith(kec)]
        if len(chosen) == 1:
            found, used = chosen, used + 1
    rest = text[spans[used][1]:] if used < len(spans) else ""
    rt = rw = None
    while True:
        rest = rest.lstrip(" \t\r\n/,.:;-")
        m = _UNIT.match(rest)
        if not m:
            break
        if m.group("kind"):
            if m.group("kind").upper() == "RT":
                rt = m.group("n").zfill(2)
            else:
                rw = m.group("n").zfill(2)
        else:
            rt, rw = m.group("rt").zfill(2), m.group("rw").zfill(2)
        rest = rest[m.end():]
    name = " ".join(_WORD.findall(rest))[:MAX_NAME].strip() or None
    return Subscribe(keyword, tuple(found), query, rt, rw, name)


# -- reply texts (Bahasa Indonesia, one GSM-7 part) ---------------------------------------------------


def one_part(text: str) -> bool:
    """Whether ``text`` goes as one plain (GSM-7) SMS part."""
    info = analyse(text)
    return info.encoding.value == "gsm7" and info.segments == 1


def _fit(head: str, items: list[str], tail: str = "") -> str:
    """``head`` + as many ``items`` (comma-separated) as keep one GSM-7 part, ``dll`` when some are left out."""
    for n in range(len(items), 0, -1):
        more = ", dll" if n < len(items) else ""
        text = f"{head}{', '.join(items[:n])}{more}.{tail}"
        if one_part(text):
            return text
    return head.rstrip(": ") + "." + tail


def keyword_list(config: Config) -> str:
    """``YA=setuju terima info, DAFTAR kelurahan RT/RW nama=daftar ...``: what the INFO reply lists."""
    stop = "BERHENTI" if "BERHENTI" in config.optout_keywords else config.optout_keywords[0]
    return (f"{config.consent_keywords[0]}=setuju terima info; "
            f"{config.subscribe_keywords[0]} kelurahan RT/RW nama=daftar; "
            f"{config.change_keywords[0]} 08xx=ganti nomor; {stop}=berhenti")


def info_text(config: Config) -> str:
    """The INFO/BANTUAN reply: the keyword list and the office's contact, one part (the contact dropped if
    it does not fit: the list matters more)."""
    base = f"Balas {keyword_list(config)}."
    if config.office_contact:
        with_contact = f"{base} Info: {config.office_contact}"
        if one_part(with_contact):
            return with_contact
    return base


def _daftar_hint(config: Config) -> str:
    return f"Balas {config.subscribe_keywords[0]} kelurahan RT/RW nama, mis. {config.subscribe_keywords[0]} " \
           "Sukamaju 03/05 Budi"


def texts(config: Config) -> dict[str, str]:
    """The fixed automatic replies by outcome (the ones with a place or a number are built where used)."""
    ya = config.consent_keywords[0]
    return {
        "consent": "Terima kasih, persetujuan Anda menerima info lewat SMS ini sudah dicatat. "
                   "Balas BERHENTI bila tidak ingin lagi.",
        "unknown_sender": f"Nomor Anda belum terdaftar di layanan info ini. {_daftar_hint(config)}",
        "change_usage": f"Format: {config.change_keywords[0]} nomor baru, mis. {config.change_keywords[0]} "
                        "081200000000",
        "change_same": "Nomor baru sama dengan nomor ini. Tidak ada yang diubah.",
        "change_new_opted_out": "Nomor baru itu sudah berhenti langganan, jadi tidak bisa dipakai. "
                                "Hubungi kantor kelurahan.",
        "change_new_is_contact": "Nomor baru itu sudah terdaftar untuk orang lain. Hubungi kantor kelurahan.",
        "change_requested": f"Permintaan ganti nomor dicatat. Nomor baru harus membalas {ya} dalam "
                            f"{config.number_change_hours:g} jam.",
        "change_confirmed": "Terima kasih, nomor ini kini terdaftar menggantikan nomor lama. "
                            "Balas BERHENTI bila tidak ingin lagi.",
        "subscribe_usage": _daftar_hint(config),
        "subscribed_known": "Nomor Anda sudah terdaftar. Persetujuan Anda dicatat. Balas BERHENTI bila "
                            "tidak ingin lagi.",
    }


def change_confirmation_text(config: Config, old_number: str) -> str:
    """The SMS to the new number of a GANTI: who asked (masked) and what to answer."""
    return (f"Pemilik {mask_number(national(old_number))} minta info warga dikirim ke HP ini. "
            f"Balas {config.consent_keywords[0]} bila benar dan setuju. Abaikan bila tidak.")


def approved_notice_text() -> str:
    """The SMS to a new number the office moved a contact to (it did not answer YA itself)."""
    return "Nomor ini kini menerima info warga dari kantor kelurahan. Balas BERHENTI bila tidak ingin."


def subscribed_text(place: Place, rt: str | None, rw: str | None) -> str:
    unit = " ".join(x for x in (f"RT {rt}" if rt else "", f"RW {rw}" if rw else "") if x)
    text = f"Terima kasih, Anda terdaftar untuk info warga {place.desa}{' ' + unit if unit else ''}. " \
           "Balas BERHENTI bila tidak ingin lagi."
    return text if one_part(text) else "Terima kasih, Anda terdaftar untuk info warga. Balas BERHENTI bila " \
                                       "tidak ingin lagi."


def unknown_place_text(query: str, places: list[Place]) -> str:
    names = sorted({strip_place_prefix(p.desa) for p in places}, key=str.lower)
    shown = query[:25] if one_part(query[:25]) else "itu"
    if not names:  # no list with a kelurahan imported yet
        return f"Kelurahan {shown} tidak dikenal. Hubungi kantor kelurahan."
    return _fit(f"Kelurahan {shown} tidak dikenal. Pilihan: ", names)


def ambiguous_place_text(query: str, candidates: tuple[Place, ...]) -> str:
    names = sorted({strip_place_prefix(p.desa) for p in candidates}, key=str.lower)
    if len(names) > 1:
        return _fit("Maksud Anda: ", names, " Balas DAFTAR dengan nama lengkapnya.")
    kec = sorted({p.kecamatan or "?" for p in candidates}, key=str.lower)
    return _fit(f"{names[0]} ada di beberapa kecamatan: ", kec, f" Balas DAFTAR {names[0]} <kecamatan> RT/RW nama.")


# -- acting on it ------------------------------------------------------------------------------------


def handle(store: Store, config: Config, number: str, text: str, inbox_id: int) -> str | None:
    """Act on the whole incoming SMS ``inbox_id`` from ``number`` (E.164) when it is a keyword command.

    Returns the outcome (``consent``, ``change_requested`` ... see :mod:`keyword_store`), or None when the
    SMS is no keyword (it stays in the inbox for a person). Called by :func:`~firmware.queue.inbox.file_incoming`
    after the opt-out check, never for an opt-out or an alphanumeric sender.
    """
    try:
        number = normalise(number)
    except InvalidNumber:
        return None  # a short code or a landline: nothing to answer
    first = words(text)[:1]
    subscribing = bool(first) and first[0] in {k.upper() for k in config.subscribe_keywords}
    places = ks.places(store) if subscribing else []  # read only for a DAFTAR: it scans the contacts
    command = parse(text, config, places)
    if command is None:
        return None
    replies = texts(config)
    limit = config.keyword_replies_per_hour
    with store.tx() as c:
        act = ks.Action(store, c, number=number, inbox_id=inbox_id, per_hour=limit, actor=ACTOR)
        ks.expire_changes(act)
        if ks.is_opted_out(act, number):
            # A keyword from a number that opted out changes nothing and gets no answer (re-subscribing goes
            # through the office, as the opt-out confirmation says); the SMS stays for a person to read.
            act.audit("keyword_ignored", {"keyword": command.keyword, "why": "opted_out"})
            outcome = "opted_out"
        else:
            outcome = _act(act, config, command, replies, places)
            act.mark_inbox(outcome)
    log.info("keyword %s from %s: %s", command.keyword, mask_number(number), outcome)
    return outcome


def _act(act: ks.Action, config: Config, command: Command, replies: dict[str, str], places: list[Place]) -> str:
    contact = ks.contact_by_number(act, act.number)
    if isinstance(command, Info):
        act.reply(info_text(config), keyword=command.keyword, outcome="info")
        return "info"
    if isinstance(command, Consent):
        change = ks.pending_change_to(act, act.number)
        if change is not None and ks.confirm_change(act, change, keyword=command.keyword):
            act.reply(replies["change_confirmed"], keyword=command.keyword, outcome="change_confirmed")
            return "change_confirmed"
        if contact is None:
            act.reply(replies["unknown_sender"], keyword=command.keyword, outcome="unknown_sender")
            return "unknown_sender"
        ks.record_consent(act, contact, keyword=command.keyword)
        act.reply(replies["consent"], keyword=command.keyword, outcome="consent")
        return "consent"
    if isinstance(command, Change):
        if contact is None:
            outcome, text = "unknown_sender", replies["unknown_sender"]
        elif command.new_number is None:
            outcome, text = "change_usage", replies["change_usage"]
        elif command.new_number == act.number:
            outcome, text = "change_same", replies["change_same"]
        else:
            outcome = ks.request_change(act, contact, command.new_number, hours=config.number_change_hours)
            text = replies[outcome]
            if outcome == "change_requested":
                act.reply(change_confirmation_text(config, act.number), keyword=command.keyword,
                          outcome="change_confirmation", to=command.new_number)
        act.reply(text, keyword=command.keyword, outcome=outcome)
        return outcome
    assert isinstance(command, Subscribe)
    if contact is not None:
        ks.record_consent(act, contact, keyword=command.keyword)
        act.reply(replies["subscribed_known"], keyword=command.keyword, outcome="subscribed_known")
        return "subscribed_known"
    if not command.query:
        act.reply(replies["subscribe_usage"], keyword=command.keyword, outcome="subscribe_usage")
        return "subscribe_usage"
    if not command.places:
        act.reply(unknown_place_text(command.query, places), keyword=command.keyword,
                  outcome="subscribe_unknown_place")
        return "subscribe_unknown_place"
    if len(command.places) > 1 or not command.exact:
        act.reply(ambiguous_place_text(command.query, command.places), keyword=command.keyword,
                  outcome="subscribe_ambiguous")
        return "subscribe_ambiguous"
    place = command.places[0]
    ks.subscribe(act, desa=place.desa, kecamatan=place.kecamatan, rt=command.rt, rw=command.rw,
                 name=command.name, keyword=command.keyword)
    act.reply(subscribed_text(place, command.rt, command.rw), keyword=command.keyword, outcome="subscribed")
    return "subscribed"
