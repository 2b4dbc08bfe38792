"""The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1) and septet packing.

Pure functions only: characters <-> septet codes (with the single-shift
extension table reached through ESC, 0x1B) and septets <-> packed octets
(§6.1.2.1, least significant bit first, with optional leading fill bits for
text that follows a User Data Header).

National language shift tables (§6.2.1.2, UDH IEs 0x24/0x25) are not
supported: none exists for Indonesian or Malay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from firmware.errors import PduError

ESC = 0x1B

# Index = septet code.  0x1B (ESC) is a placeholder here: it never decodes
# to a character of its own and is never produced by encoding a character.
DEFAULT_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# The extension table (§6.2.1.1): code after ESC -> character.
EXTENSION_TABLE = {
    0x0A: "\x0c",  # form feed (page break)
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

_BASIC_CODE = {ch: code for code, ch in enumerate(DEFAULT_ALPHABET) if code != ESC}
_EXTENSION_CODE = {ch: code for code, ch in EXTENSION_TABLE.items()}

assert len(DEFAULT_ALPHABET) == 128
assert len(_BASIC_CODE) == 127


def is_gsm7(text: str) -> bool:
    """True if every character of ``text`` is in the default or extension table."""
    return all(ch in _BASIC_CODE or ch in _EXTENSION_CODE for ch in text)


def septet_cost(char: str) -> int:
    """Septets one character takes: 1 (default table) or 2 (ESC + extension code).

    Raises:
        PduError: ``char`` has no GSM-7 representation.
    """
    if char in _BASIC_CODE:
        return 1
    if char in _EXTENSION_CODE:
        return 2
    raise PduError(f"character not representable in GSM-7: {char!r}")


def encode_septets(text: str) -> list[int]:
    """Return the septet codes for ``text`` (extension characters become ESC, code).

    Raises:
        PduError: a character has no GSM-7 representation.
    """
    septets: list[int] = []
    for ch in text:
        code = _BASIC_CODE.get(ch)
        if code is not None:
            septets.append(code)
            continue
        code = _EXTENSION_CODE.get(ch)
        if code is None:
            raise PduError(f"character not representable in GSM-7: {ch!r}")
        septets.extend((ESC, code))
    return septets


def decode_septets(septets: Iterable[int]) -> str:
    """Return the text for a sequence of septet codes.

    Follows §6.2.1.1 for oddities: ESC followed by a code the extension table
    does not define shows the default-table character for that code; ESC ESC
    (reserved for a further extension table) shows a space; a lone ESC at
    the very end is dropped.

    Raises:
        PduError: a value is outside 0..127.
    """
    out: list[str] = []
    escaped = False
    for code in septets:
        if not 0 <= code <= 0x7F:
            raise PduError(f"septet out of range: {code}")
        if escaped:
            escaped = False
            if code == ESC:
                out.append(" ")
            else:
                out.append(EXTENSION_TABLE.get(code, DEFAULT_ALPHABET[code]))
        elif code == ESC:
            escaped = True
        else:
            out.append(DEFAULT_ALPHABET[code])
    return "".join(out)


def pack_septets(septets: Sequence[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB-first into octets, after ``fill_bits`` zero bits (0..6).

    The fill bits are what §9.2.3.24 of TS 23.040 puts between a User Data
    Header and GSM-7 text so that the text starts on a septet boundary.
    """
    if not 0 <= fill_bits <= 6:
        raise PduError(f"fill bits must be 0..6, not {fill_bits}")
    value = 0
    for index, code in enumerate(septets):
        value |= (code & 0x7F) << (fill_bits + 7 * index)
    total_bits = fill_bits + 7 * len(septets)
    return value.to_bytes((total_bits + 7) // 8, "little")


def packed_length(count: int, fill_bits: int = 0) -> int:
    """Octets that ``count`` septets take after ``fill_bits`` fill bits."""
    return (fill_bits + 7 * count + 7) // 8


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    """Unpack ``count`` septets from ``data``, skipping ``fill_bits`` leading bits.

    Octets after the last needed one are ignored.

    Raises:
        PduError: ``data`` is too short to hold ``count`` septets.
    """
    if not 0 <= fill_bits <= 6:
        raise PduError(f"fill bits must be 0..6, not {fill_bits}")
    if count < 0:
        raise PduError(f"negative septet count: {count}")
    needed = packed_length(count, fill_bits)
    if len(data) < needed:
        raise PduError(f"user data too short: {count} septets need {needed} octets, have {len(data)}")
    value = int.from_bytes(data[:needed], "little") >> fill_bits
    return [(value >> (7 * index)) & 0x7F for index in range(count)]
