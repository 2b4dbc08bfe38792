"""The compose-screen calculator: how many SMS a text costs, and how to make it cheaper.

Counts with :func:`firmware.modem.pdu.split_text` and
:func:`~firmware.modem.pdu.choose_encoding`, the same functions
:func:`~firmware.modem.pdu.encode_submit` uses, so the number shown to the
operator is the number of PDUs the modem will send (empty text excepted:
it shows 0 segments, "nothing to send", where the encoder would build one
empty message).

When characters outside GSM-7 force the whole message into UCS-2 (70 units
a segment instead of 160), :func:`analyse` lists them and, where a plain
GSM-7 look-alike exists, proposes a replacement.  It never applies one: the
operator decides, and the encoder never alters text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from firmware.modem import gsm7
from firmware.modem.pdu import Encoding, choose_encoding, count_units, segment_capacity, split_text

# Look-alikes for characters that force UCS-2; kept small and explicit.
# Typographic punctuation and odd spaces arrive when text is pasted from a
# word processor or a chat app; ZWSP and BOM are invisible.
REPLACEMENTS: dict[str, str] = {
    "\u2018": "'",  # ‘ left single quotation mark
    "\u2019": "'",  # ’ right single quotation mark
    "\u201a": "'",  # ‚ single low-9 quotation mark
    "\u201b": "'",  # ‛ single high-reversed-9 quotation mark
    "\u2032": "'",  # ′ prime
    "\u00b4": "'",  # ´ acute accent
    "`": "'",  # grave accent (not in GSM-7)
    "\u201c": '"',  # “ left double quotation mark
    "\u201d": '"',  # ” right double quotation mark
    "\u201e": '"',  # „ double low-9 quotation mark
    "\u201f": '"',  # ‟ double high-reversed-9 quotation mark
    "\u2033": '"',  # ″ double prime
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # ‑ non-breaking hyphen
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar
    "\u2022": "-",  # • bullet
    "\u2026": "...",  # … horizontal ellipsis
    "\u00a0": " ",  # no-break space
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2007": " ",  # figure space
    "\u2008": " ",  # punctuation space
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space
    "\t": " ",  # tab
    "\u200b": "",  # zero-width space
    "\ufeff": "",  # byte order mark / zero-width no-break space
    # TS 23.038 shows 0x09 as 'Ç'; many phones use it for 'ç'.
    "\u00e7": "\u00c7",  # ç
}


@dataclass(frozen=True)
class SegmentInfo:
    """What a text costs to send, and a cheaper GSM-7 version when there is one."""

    encoding: Encoding
    characters: int  # code points
    units: int  # septets (escapes count 2) for GSM-7, UTF-16 units for UCS-2
    segments: int  # 0 for empty text
    per_segment: int  # capacity of a segment at this segment count (160/153, 70/67)
    remaining: int  # units still free in the last segment
    ucs2_chars: tuple[str, ...]  # distinct characters forcing UCS-2, first appearance first
    replacements: dict[str, str]  # for each of those with a GSM-7 look-alike
    suggested_text: str | None  # text with replacements applied, if that makes it GSM-7
    suggested_segments: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the encoding as its value)."""
        out = asdict(self)
        out["encoding"] = self.encoding.value
        out["ucs2_chars"] = list(self.ucs2_chars)
        return out


def _forcing_chars(text: str) -> tuple[str, ...]:
    """Distinct characters outside GSM-7, in order of first appearance."""
    return tuple(dict.fromkeys(ch for ch in text if not gsm7.is_gsm7(ch)))


def _suggestion(text: str, forcing: tuple[str, ...]) -> tuple[dict[str, str], str | None]:
    """The applicable replacements, and the replaced text if it is then all GSM-7."""
    replacements = {ch: REPLACEMENTS[ch] for ch in forcing if ch in REPLACEMENTS}
    if not replacements or len(replacements) < len(forcing):
        return replacements, None
    return replacements, "".join(replacements.get(ch, ch) for ch in text)


def _segment_count(text: str, encoding: Encoding, ref16: bool) -> tuple[int, list[str]]:
    if not text:
        return 0, []
    parts = split_text(text, encoding, ref16=ref16)
    return len(parts), parts


def analyse(text: str, *, ref16: bool = False) -> SegmentInfo:
    """Count the segments ``text`` needs, as :func:`~firmware.modem.pdu.encode_submit` will.

    Raises:
        PduError: the text needs more than 255 parts, or holds a lone
            surrogate (which no encoding can send).
    """
    encoding = choose_encoding(text)
    segments, parts = _segment_count(text, encoding, ref16)
    per_segment = segment_capacity(encoding, concatenated=segments > 1, ref16=ref16)
    used_in_last = count_units(parts[-1], encoding) if parts else 0
    forcing = _forcing_chars(text) if encoding is Encoding.UCS2 else ()
    replacements, suggested = _suggestion(text, forcing)
    suggested_segments = None
    if suggested is not None:
        suggested_segments = _segment_count(suggested, Encoding.GSM7, ref16)[0]
    return SegmentInfo(
        encoding=encoding,
        characters=len(text),
        units=count_units(text, encoding),
        segments=segments,
        per_segment=per_segment,
        remaining=per_segment - used_in_last,
        ucs2_chars=forcing,
        replacements=replacements,
        suggested_text=suggested,
        suggested_segments=suggested_segments,
    )
