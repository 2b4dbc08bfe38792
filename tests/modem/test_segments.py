"""The compose-screen calculator (firmware.modem.segments)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.errors import PduError
from firmware.modem import gsm7, pdu
from firmware.modem.pdu import Encoding
from firmware.modem.segments import REPLACEMENTS, analyse

INDONESIAN = "Peringatan dini: potensi longsor di RW 03, Desa Sukamaju. Segera mengungsi!"


def test_empty_text_is_zero_segments():
    info = analyse("")
    assert (info.encoding, info.characters, info.units, info.segments) == (Encoding.GSM7, 0, 0, 0)
    assert (info.per_segment, info.remaining) == (160, 160)
    assert info.suggested_text is None and info.replacements == {} and info.ucs2_chars == ()


def test_plain_indonesian_text():
    info = analyse(INDONESIAN)
    assert info.encoding is Encoding.GSM7
    assert (info.characters, info.units, info.segments, info.per_segment) == (75, 75, 1, 160)
    assert info.remaining == 85
    assert info.ucs2_chars == () and info.suggested_text is None and info.suggested_segments is None


@pytest.mark.parametrize(
    "text, units, segments, per_segment, remaining",
    [("a" * 160, 160, 1, 160, 0), ("a" * 161, 161, 2, 153, 145), ("€" * 80, 160, 1, 160, 0),
     ("€" * 81, 162, 2, 153, 153 - 10), ("a" * 306, 306, 2, 153, 0), ("a" * 307, 307, 3, 153, 152)],
)
def test_gsm7_counts(text, units, segments, per_segment, remaining):
    info = analyse(text)
    assert (info.units, info.segments, info.per_segment, info.remaining) == (units, segments, per_segment, remaining)


def test_escape_at_boundary_leaves_a_gap():
    # 152 'a' + '€' cannot fit 153 septets, so '€' opens part 2 and part 1 keeps one septet free.
    info = analyse("a" * 152 + "€" + "b" * 10)
    assert (info.units, info.segments, info.remaining) == (164, 2, 153 - 12)


@pytest.mark.parametrize(
    "text, units, segments, per_segment",
    [("á" * 70, 70, 1, 70), ("á" * 71, 71, 2, 67), ("😀" * 35, 70, 1, 70), ("😀" * 36, 72, 2, 67)],
)
def test_ucs2_counts(text, units, segments, per_segment):
    info = analyse(text)
    assert info.encoding is Encoding.UCS2
    assert (info.units, info.segments, info.per_segment) == (units, segments, per_segment)
    assert info.characters == len(text)


def test_ref16_capacities():
    assert analyse("a" * 161, ref16=True).per_segment == 152
    assert analyse("á" * 71, ref16=True).per_segment == 66
    assert analyse("a" * 456, ref16=True).segments == 3
    assert analyse("a" * 457, ref16=True).segments == 4


def test_typographic_text_gets_a_gsm7_suggestion():
    text = "Rapat “penting” – hari ini… jam 10\u00a0WIB, ‘aula’ desa"
    info = analyse(text)
    assert info.encoding is Encoding.UCS2
    assert info.ucs2_chars == ("“", "”", "–", "…", "\u00a0", "‘", "’")
    assert info.replacements == {"“": '"', "”": '"', "–": "-", "…": "...", "\u00a0": " ", "‘": "'", "’": "'"}
    assert info.suggested_text == "Rapat \"penting\" - hari ini... jam 10 WIB, 'aula' desa"
    assert info.suggested_segments == 1
    assert pdu.choose_encoding(info.suggested_text) is Encoding.GSM7


def test_no_suggestion_when_something_has_no_replacement():
    info = analyse("Aman 👍 – terima kasih")
    assert info.ucs2_chars == ("👍", "–")
    assert info.replacements == {"–": "-"}
    assert info.suggested_text is None and info.suggested_segments is None


def test_suggestion_can_save_segments():
    text = ("Harap “waspada” – banjir. " * 6).strip()
    info = analyse(text)
    assert info.segments == 3
    assert info.suggested_segments == 1


def test_cedilla_and_invisible_characters():
    info = analyse("Fran\u00e7ois\u200b\tok\ufeff")
    assert info.suggested_text == "FranÇois ok"


def test_replacement_table_maps_into_gsm7():
    for char, replacement in REPLACEMENTS.items():
        assert not gsm7.is_gsm7(char), char
        assert gsm7.is_gsm7(replacement), replacement


def test_to_dict_is_json_ready():
    as_dict = analyse("Siaga “banjir”").to_dict()
    assert json.loads(json.dumps(as_dict, ensure_ascii=False)) == {
        "encoding": "ucs2",
        "characters": 14,
        "units": 14,
        "segments": 1,
        "per_segment": 70,
        "remaining": 56,
        "ucs2_chars": ["“", "”"],
        "replacements": {"“": '"', "”": '"'},
        "suggested_text": 'Siaga "banjir"',
        "suggested_segments": 1,
    }


def test_too_long_and_lone_surrogate_are_pdu_errors():
    with pytest.raises(PduError):
        analyse("a" * (153 * 255 + 1))
    with pytest.raises(PduError):
        analyse("a\udc00")


TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list(gsm7.DEFAULT_ALPHABET.replace("\x1b", "")) + ["€", "{", "|"]), max_size=1200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=500),
    st.text(alphabet=st.sampled_from(list("abc €") + list(REPLACEMENTS)), max_size=800),
)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.booleans())
def test_counts_agree_with_the_encoder(text, ref16):
    info = analyse(text, ref16=ref16)
    parts = pdu.encode_submit("081200000001", text, ref16=ref16)
    assert info.segments == (len(parts) if text else 0)
    assert info.encoding is pdu.choose_encoding(text)
    assert info.units == pdu.count_units(text, info.encoding)
    assert 0 <= info.remaining <= info.per_segment
    if info.suggested_text is not None:
        suggested = pdu.encode_submit("081200000001", info.suggested_text, ref16=ref16)
        assert info.suggested_segments == (len(suggested) if info.suggested_text else 0)
