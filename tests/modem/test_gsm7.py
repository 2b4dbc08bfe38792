"""GSM 7-bit default alphabet, extension table and septet packing (firmware.modem.gsm7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.errors import PduError
from firmware.modem import gsm7

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "pdu_vectors.json").read_text("utf-8"))

ALL_GSM7_CHARS = [ch for code, ch in enumerate(gsm7.DEFAULT_ALPHABET) if code != gsm7.ESC] + list(
    gsm7.EXTENSION_TABLE.values()
)


@pytest.mark.parametrize(
    "code, char",
    [
        (0x00, "@"), (0x01, "£"), (0x02, "$"), (0x03, "¥"), (0x09, "Ç"), (0x0A, "\n"), (0x0D, "\r"),
        (0x10, "Δ"), (0x11, "_"), (0x1C, "Æ"), (0x1F, "É"), (0x20, " "), (0x24, "¤"), (0x40, "¡"),
        (0x41, "A"), (0x5B, "Ä"), (0x5F, "§"), (0x60, "¿"), (0x61, "a"), (0x7B, "ä"), (0x7F, "à"),
    ],
)
def test_default_table_positions(code, char):
    assert gsm7.DEFAULT_ALPHABET[code] == char
    assert gsm7.encode_septets(char) == [code]
    assert gsm7.decode_septets([code]) == char


@pytest.mark.parametrize(
    "code, char",
    [(0x0A, "\x0c"), (0x14, "^"), (0x28, "{"), (0x29, "}"), (0x2F, "\\"), (0x3C, "["),
     (0x3D, "~"), (0x3E, "]"), (0x40, "|"), (0x65, "€")],
)
def test_extension_table(code, char):
    assert gsm7.encode_septets(char) == [gsm7.ESC, code]
    assert gsm7.decode_septets([gsm7.ESC, code]) == char
    assert gsm7.septet_cost(char) == 2


def test_every_character_round_trips():
    text = "".join(ALL_GSM7_CHARS)
    assert gsm7.is_gsm7(text)
    assert gsm7.decode_septets(gsm7.encode_septets(text)) == text
    assert len(set(ALL_GSM7_CHARS)) == 127 + 10


@pytest.mark.parametrize("char", ["`", "ç", "á", "‘", "“", "–", "…", "\u00a0", "😀", "\t", "\x1b"])
def test_characters_outside_gsm7(char):
    assert not gsm7.is_gsm7("abc" + char)
    with pytest.raises(PduError):
        gsm7.septet_cost(char)
    with pytest.raises(PduError):
        gsm7.encode_septets("abc" + char)


def test_septet_cost():
    assert gsm7.septet_cost("a") == 1
    assert gsm7.septet_cost("@") == 1
    assert gsm7.septet_cost("€") == 2


def test_unknown_extension_code_shows_default_character():
    # TS 23.038 §6.2.1.1: a code the extension table lacks shows the default-table character.
    assert gsm7.decode_septets([gsm7.ESC, 0x41]) == "A"
    assert gsm7.decode_septets([gsm7.ESC, 0x0D]) == "\r"


def test_escape_oddities():
    # ESC ESC is reserved for another extension table: shown as a space.
    assert gsm7.decode_septets([0x41, gsm7.ESC, gsm7.ESC, 0x42]) == "A B"
    # A lone ESC at the end is dropped.
    assert gsm7.decode_septets([0x41, gsm7.ESC]) == "A"


def test_decode_rejects_values_above_127():
    with pytest.raises(PduError):
        gsm7.decode_septets([0x80])


@pytest.mark.parametrize("case", VECTORS["gsm7_packed"], ids=lambda c: c["text"])
def test_published_packing(case):
    septets = gsm7.encode_septets(case["text"])
    packed = gsm7.pack_septets(septets)
    assert packed.hex().upper() == case["hex"]
    assert gsm7.decode_septets(gsm7.unpack_septets(packed, len(septets))) == case["text"]


def test_pack_with_fill_bits():
    # One fill bit after a 6-octet UDH: 'P' (0x50) shifted left by one.
    assert gsm7.pack_septets([0x50], fill_bits=1) == bytes([0xA0])
    assert gsm7.pack_septets([0x7F], fill_bits=6) == bytes([0xC0, 0x1F])
    assert gsm7.unpack_septets(bytes([0xC0, 0x1F]), 1, fill_bits=6) == [0x7F]
    assert gsm7.pack_septets([]) == b""


def test_unpack_too_short_is_pdu_error():
    with pytest.raises(PduError):
        gsm7.unpack_septets(bytes.fromhex("E8329B"), 10)
    with pytest.raises(PduError):
        gsm7.unpack_septets(b"\x00", 1, fill_bits=2)


def test_unpack_ignores_trailing_octets():
    assert gsm7.unpack_septets(bytes.fromhex("E8329BFD4697D9EC37FFFF"), 10) == gsm7.encode_septets("hellohello")


@pytest.mark.parametrize("bad", [-1, 7])
def test_fill_bits_range(bad):
    with pytest.raises(PduError):
        gsm7.pack_septets([1], fill_bits=bad)
    with pytest.raises(PduError):
        gsm7.unpack_septets(b"\x00\x00", 1, fill_bits=bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 127), max_size=200), st.integers(0, 6))
def test_pack_unpack_round_trip(septets, fill):
    packed = gsm7.pack_septets(septets, fill)
    assert len(packed) == gsm7.packed_length(len(septets), fill)
    assert gsm7.unpack_septets(packed, len(septets), fill) == septets


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALL_GSM7_CHARS), max_size=300))
def test_text_round_trip(text):
    septets = gsm7.encode_septets(text)
    assert len(septets) == sum(gsm7.septet_cost(ch) for ch in text)
    assert gsm7.decode_septets(septets) == text
