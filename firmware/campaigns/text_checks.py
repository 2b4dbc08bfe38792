"""What the compose screen says about a text before it is sent: its segments, counted fast, and the
words and patterns Indonesian operators' spam filters are known to block.

Pure functions over the text (no store): :func:`count_segments` agrees with the encoder's
:func:`firmware.modem.pdu.split_text` (a test checks it) at a fraction of its cost, so a preview over
100,000 personalised texts stays quick; :func:`filter_warnings` lists links, number runs that look
like codes, and the filter words, each with a bilingual message.
"""

from __future__ import annotations

import re
from typing import Any

from firmware.modem import gsm7
from firmware.modem.pdu import Encoding, split_text


# -- segments, fast --------------------------------------------------------------

GSM_CHARS = frozenset(gsm7.DEFAULT_ALPHABET.replace("\x1b", "")) | frozenset(gsm7.EXTENSION_TABLE.values())
_GSM_EXT = tuple(gsm7.EXTENSION_TABLE.values())


def count_segments(text: str) -> tuple[Encoding, int]:
    """(encoding, segments) exactly as :func:`firmware.modem.segments.analyse` counts them.

    Arithmetic where it is exact (no escape characters / no surrogate pairs
    in a multipart text), :func:`split_text` otherwise: some 100,000 texts
    a second, so a preview can count every recipient's text.
    """
    if not text:
        return Encoding.GSM7, 0
    if GSM_CHARS.issuperset(text):
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


def warning(code: str, message: str, pesan: str, **extra: Any) -> dict[str, Any]:
    """One warning as the preview lists it: a ``code``, English ``message``, Bahasa Indonesia ``pesan``."""
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
        out.append(warning(
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
        out.append(warning(
            "digits", "Long digit strings (amounts, dates, phone numbers) look like OTPs or scams to operator "
            "filters; write amounts in words (seratus ribu rupiah) and dates with the month name (12 Maret).",
            "Deretan angka panjang (nominal, tanggal, nomor telepon) mirip OTP/penipuan bagi filter operator; "
            "tulis nominal dengan huruf (seratus ribu rupiah) dan tanggal dengan nama bulan (12 Maret).",
            found=list(dict.fromkeys(long_numbers))))
    words = [w for w in FILTER_WORDS if re.search(rf"(?<![a-z0-9]){w}(?:nya|mu|ku)?(?![a-z0-9])", text, re.IGNORECASE)]
    if words:
        out.append(warning(
            "words", "Words operators' filters look for (OTP, fraud, lottery scams); rephrase if you can.",
            "Kata yang dicari filter operator (OTP, penipuan, undian); ganti kata bila bisa.",
            found=words))
    return out
