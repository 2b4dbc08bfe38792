"""SMS PDU codec (firmware.modem.pdu) and the ``siaran pdu`` subcommand.

Golden vectors live in ``tests/vectors/pdu_vectors.json``; two independent
implementations (smspdudecoder, python-gsmmodem-new) cross-check encoder and
decoder; hypothesis checks round trips and that the decoder raises nothing
but PduError on garbage.
"""

from __future__ import annotations

import argparse
import io
import json
import string
from datetime import datetime, timedelta, timezone
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.commands import pdu as pdu_command
from firmware.errors import PduError
from firmware.modem import gsm7, pdu, pdu_fields
from firmware.modem.pdu import Encoding, ReportStatus
from firmware.modem.segments import analyse

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "pdu_vectors.json").read_text("utf-8"))
INDONESIAN = "Peringatan dini: potensi longsor di RW 03, Desa Sukamaju. Segera mengungsi!"
WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))
GSM7_CHARS = [ch for code, ch in enumerate(gsm7.DEFAULT_ALPHABET) if code != gsm7.ESC] + list(
    gsm7.EXTENSION_TABLE.values()
)
EXTENSION_CHARS = set(gsm7.EXTENSION_TABLE.values())


def _options(raw: dict) -> dict:
    options = dict(raw)
    if "validity_seconds" in options:
        options["validity"] = timedelta(seconds=options.pop("validity_seconds"))
    return options


def _all_vector_pdus() -> list[str]:
    out = [v["pdu"] for v in VECTORS["deliver"]] + [v["pdu"] for v in VECTORS["status_report"]]
    out += [part["pdu"] for v in VECTORS["submit"] for part in v["parts"]]
    return out


def _user_data_octets(raw: bytes) -> int:
    """Octets of TP-UD in an SMS-SUBMIT that starts with an empty SMSC field."""
    first, da_len = raw[1], raw[3]
    pos = 5 + (da_len + 1) // 2 + 2  # SMSC, FO, MR, DA length, TOA, DA, PID, DCS
    pos += 1 if first & 0x18 == 0x10 else 0  # relative TP-VP
    return len(raw) - (pos + 1)  # TP-UDL


# --- golden vectors -----------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["submit"], ids=lambda c: c["name"])
def test_submit_vectors_encode(case):
    parts = pdu.encode_submit(case["number"], case["text"], **_options(case["options"]))
    assert [(p.pdu, p.tpdu_length) for p in parts] == [(v["pdu"], v["tpdu_length"]) for v in case["parts"]]
    assert "".join(p.text for p in parts) == case["text"]


@pytest.mark.parametrize("case", VECTORS["submit"], ids=lambda c: c["name"])
def test_submit_vectors_decode(case):
    options = _options(case["options"])
    decoded = [pdu.decode(v["pdu"]) for v in case["parts"]]
    assert "".join(d.text for d in decoded) == case["text"]
    for index, d in enumerate(decoded, start=1):
        assert isinstance(d, pdu.Submit) and d.type == "submit"
        assert d.smsc is None
        assert d.recipient.number == case["number"]
        assert d.report_requested == options.get("report", False)
        assert d.reject_duplicates == options.get("reject_duplicates", False)
        assert d.message_ref == options.get("message_ref", 0)
        if "validity" in options:
            assert d.validity == options["validity"]
        else:
            assert d.validity is None
        if len(decoded) > 1:
            assert (d.concat.ref, d.concat.total, d.concat.seq) == (options["concat_ref"], len(decoded), index)
            assert d.concat.ref_bits == (16 if options.get("ref16") else 8)
        else:
            assert d.concat is None and d.udh == ()


@pytest.mark.parametrize("case", VECTORS["deliver"], ids=lambda c: c["name"])
def test_deliver_vectors_decode(case):
    d = pdu.decode(case["pdu"])
    assert isinstance(d, pdu.Deliver) and d.type == "deliver"
    assert (d.smsc.number if d.smsc else None) == case["smsc"]
    assert (d.sender.number, d.sender.ton, d.sender.npi) == (case["sender"], case["ton"], case["npi"])
    assert d.sender.is_alphanumeric == (case["ton"] == 5)
    assert d.text == case["text"]
    assert d.encoding.value == case["encoding"]
    assert d.timestamp == datetime.fromisoformat(case["timestamp"])
    assert d.timestamp.utcoffset() == datetime.fromisoformat(case["timestamp"]).utcoffset()
    assert d.more_messages == case["more_messages"]
    assert d.message_class == case["message_class"]
    if case["concat"] is None:
        assert d.concat is None
    else:
        assert [d.concat.ref, d.concat.total, d.concat.seq, d.concat.ref_bits] == case["concat"]
    if "data" in case:
        assert d.data.hex().upper() == case["data"]


@pytest.mark.parametrize("case", VECTORS["status_report"], ids=lambda c: hex(c["status"]))
def test_status_report_vectors(case):
    common = VECTORS["status_report_common"]
    r = pdu.decode(case["pdu"])
    assert isinstance(r, pdu.StatusReport) and r.type == "status_report"
    assert (r.smsc.number if r.smsc else None) == case["smsc"]
    assert r.message_ref == common["message_ref"]
    assert r.recipient.number == common["recipient"]
    assert r.sc_timestamp == datetime.fromisoformat(common["sc_timestamp"])
    assert r.discharge_time == datetime.fromisoformat(common["discharge_time"])
    assert r.status == case["status"]
    assert r.status_class.value == case["class"]
    assert r.description == case["description"]
    assert r.is_final == (case["class"] != "temporary")
    rebuilt = pdu.encode_status_report(
        common["message_ref"],
        common["recipient"],
        sc_timestamp=r.sc_timestamp,
        discharge_time=r.discharge_time,
        status=case["status"],
        smsc=case["smsc"],
    )
    assert rebuilt == case["pdu"]


@pytest.mark.parametrize("case", VECTORS["timestamps"], ids=lambda c: c["octets"])
def test_published_timestamps(case):
    hex_pdu = "00040C818021000000100000" + case["octets"] + "00"
    d = pdu.decode(hex_pdu)
    expected = datetime.fromisoformat(case["iso"])
    assert d.timestamp == expected and d.timestamp.utcoffset() == expected.utcoffset()
    if expected.year >= 2000:  # our two-digit years: 69..99 -> 19xx
        assert pdu_fields.encode_timestamp(expected).hex().upper() == case["octets"]


@pytest.mark.parametrize("case", VECTORS["alphanumeric_addresses"], ids=lambda c: c["text"])
def test_published_alphanumeric_addresses(case):
    d = pdu.decode("0004" + case["field"] + "0000" + "52102030405063" + "00")
    assert d.sender.number == case["text"]
    assert d.sender.is_alphanumeric


def test_hand_deliver_vectors_are_what_encode_deliver_builds():
    by_name = {v["name"]: v["pdu"] for v in VECTORS["deliver"]}
    fake_smsc = "+6281100000"
    assert pdu.encode_deliver(
        "TELKOMSEL", "Sisa pulsa Rp5.000", timestamp=datetime(2024, 5, 17, 8, 30, tzinfo=WIB), smsc=fake_smsc
    ) == [by_name["alphanumeric sender, WIB +07"]]
    assert pdu.encode_deliver(
        "+6281299990000", "Terima kasih – sudah aman", timestamp=datetime(2024, 12, 31, 23, 59, 59, tzinfo=WITA)
    ) == [by_name["UCS-2 Indonesian reply with an en dash, WITA +08"]]
    assert pdu.encode_deliver(
        "081200000001", "STOP", timestamp=datetime(2025, 1, 2, 3, 4, 5, tzinfo=WIT), smsc=fake_smsc
    ) == [by_name["national sender 'STOP', WIT +09"]]
    minus3 = timezone(timedelta(hours=-3))
    assert pdu.encode_deliver("+6281299990000", "ok", timestamp=datetime(2025, 6, 30, 12, tzinfo=minus3)) == [
        by_name["negative time zone -03:00"]
    ]
    parts = pdu.encode_deliver("+6281299990000", "x" * 160 + "{}", timestamp=datetime(2025, 6, 30, 12, tzinfo=WIB))
    assert len(parts) == 2  # concat_ref None: reference 0 when more than one part is needed
    parts = pdu.encode_deliver(
        "+6281299990000", "x" * 160 + "{}", timestamp=datetime(2025, 6, 30, 12, tzinfo=WIB), concat_ref=7
    )
    assert parts[1] == by_name["concatenated GSM-7 part 2 of 2 with extension characters"]
    text = "Terima kasih – info banjir sudah diterima. " * 3
    stamp = datetime(2025, 2, 3, 4, 5, 6, tzinfo=WIB)
    parts = pdu.encode_deliver("+6281299990000", text, timestamp=stamp, concat_ref=0xBEEF, ref16=True)
    assert parts[0] == by_name["concatenated UCS-2 part 1 of 2, 16-bit reference BEEF"]
    assert pdu.encode_deliver("+6281299990000", "Aman 👍", timestamp=stamp) == [by_name["UCS-2 emoji DELIVER"]]
    assert pdu.encode_deliver("+6281299990000", "", data=b"\x01\x02\xff", timestamp=stamp) == [
        by_name["8-bit data"]
    ]


def test_decode_accepts_whitespace_and_lower_case():
    hex_pdu = VECTORS["deliver"][0]["pdu"]
    spaced = " ".join(hex_pdu[i : i + 8] for i in range(0, len(hex_pdu), 8)).lower() + "\r\n"
    assert pdu.decode(spaced) == pdu.decode(hex_pdu)


def test_decode_without_smsc_field():
    hex_pdu = VECTORS["submit"][0]["parts"][0]["pdu"]
    assert pdu.decode(hex_pdu[2:], smsc=False) == pdu.decode(hex_pdu)


def test_to_dict_is_json_ready():
    for hex_pdu in _all_vector_pdus():
        as_dict = pdu.decode(hex_pdu).to_dict()
        json.dumps(as_dict)
        assert as_dict["type"] in ("deliver", "submit", "status_report")
    d = pdu.decode(VECTORS["deliver"][5]["pdu"]).to_dict()
    assert d["concat"] == {"ref": 7, "total": 2, "seq": 2, "ref_bits": 8}
    assert d["udh"] == [{"iei": 0, "data": "070202"}]
    assert d["timestamp"] == "2025-06-30T12:00:00+07:00"
    assert d["encoding"] == "gsm7"
    r = pdu.decode(VECTORS["status_report"][3]["pdu"]).to_dict()
    assert (r["status_class"], r["description"], r["is_final"]) == ("permanent", "validity period expired", True)


def test_tpdu_length():
    for hex_pdu in _all_vector_pdus():
        raw = bytes.fromhex(hex_pdu)
        assert pdu.tpdu_length(hex_pdu) == len(raw) - 1 - raw[0]
    with pytest.raises(PduError):
        pdu.tpdu_length("07917283")


# --- cross-checks with independent implementations ------------------------------

try:
    from gsmmodem import pdu as gsmmodem_pdu
except ImportError:  # only the cross-checks need it; the rest of this file must still run
    gsmmodem_pdu = None


def _gsmmodem():
    """python-gsmmodem-new's pdu module, or skip the calling test."""
    if gsmmodem_pdu is None:
        pytest.skip("python-gsmmodem-new not installed")
    return gsmmodem_pdu


def _smspdudecoder():
    """smspdudecoder's field decoders (skips when its bitstring dependency is too new)."""
    try:
        from smspdudecoder import fields
    except ImportError as exc:  # smspdudecoder 2.2.0 needs bitstring < 5 (BitStream)
        pytest.skip(f"smspdudecoder unusable: {exc}")
    return fields


def _gsmmodem_view(hex_pdu: str) -> tuple[str, str, tuple | None]:
    d = _gsmmodem().decodeSmsPdu(hex_pdu)
    # It decodes UCS-2 one 16-bit unit at a time: rejoin surrogate pairs.
    text = d.get("text", "").encode("utf-16", "surrogatepass").decode("utf-16")
    concat = None
    for ie in d.get("udh") or []:
        if isinstance(ie, _gsmmodem().Concatenation):
            concat = (ie.reference, ie.parts, ie.number)
    return d["number"], text, concat


def _gsmmodem_can_decode(decoded) -> bool:
    """False for cases python-gsmmodem-new 0.13.0 demonstrably gets wrong."""
    if decoded.encoding is not Encoding.GSM7:
        return True
    text = decoded.text
    # Its table has '`' at 0x5F where TS 23.038 §6.2.1 has '§', and its
    # extension entry for form feed (0x0A) is keyed wrongly, so FF decodes to nothing.
    if "§" in text or "\x0c" in text:
        return False
    # It always skips one octet after a UDH as fill, but a 7-octet UDH
    # (16-bit reference) ends on a septet boundary and has no fill bits
    # (TS 23.040 §9.2.3.24): it would lose the first character.
    if decoded.udh and sum(2 + len(v) for _, v in decoded.udh) + 1 == 7:
        return False
    # Its unpackSeptets drops a final septet of value 0, i.e. a trailing '@'.
    return not text.endswith("@")


def _smspdudecoder_view(hex_pdu: str, kind: str) -> tuple[str, object, tuple | None]:
    fields = _smspdudecoder()
    decoder = fields.SMSSubmit if kind == "submit" else fields.SMSDeliver
    d = decoder.decode(StringIO(hex_pdu))
    address = d["recipient" if kind == "submit" else "sender"]
    number = ("+" if address["toa"]["ton"] == "international" else "") + address["number"]
    concat = None
    for element in (d["user_data"].get("header") or {}).get("elements", []):
        if element["iei"] in (0x00, 0x08):
            data = element["data"]
            concat = (data["reference"], data["parts_count"], data["part_number"])
    return number, d["user_data"]["data"], concat


def _smspdudecoder_text_matches(theirs, ours: str) -> bool:
    if theirs == ours:
        return True
    # smspdudecoder decodes every septet the octets hold and then cuts at
    # TP-UDL counted in *characters*; when escape pairs make the text shorter
    # than its septet count, the 7 spare zero bits at the end come out as '@'.
    # TS 23.040 §9.2.3.16: TP-UDL is the number of septets, spare bits are not text.
    return theirs == ours + "@" and any(ch in EXTENSION_CHARS for ch in ours)


CROSS_CASES = [
    pytest.param("+6281299990000", "Halo, ini pesan uji dari Siaran. Balas STOP untuk berhenti.", id="gsm7"),
    pytest.param("081200000001", "Biaya {Rp} [5] ~ ^ | \\ €100 @rumah_1 §2 ¿¡", id="extension"),
    pytest.param("+6281299990000", "Ganti halaman\x0cdi sini", id="form-feed"),
    pytest.param("+6281299990000", INDONESIAN, id="indonesian"),
    pytest.param("08990000001", "Warga yth, waspada – hujan deras “ekstrem” malam ini…", id="ucs2"),
    pytest.param("+6281299990000", "Aman 👍 terima kasih 🙏🏽 🇮🇩", id="emoji"),
    pytest.param("+6281299990000", (INDONESIAN + " ") * 9, id="indonesian-5-parts"),
    pytest.param("081200000001", "x" * 1520, id="gsm7-10-parts"),
    pytest.param("081200000001", ("€" * 10 + "abc") * 60, id="gsm7-escapes-many-parts"),
    pytest.param("+6281299990000", "á" * 660, id="ucs2-10-parts"),
    pytest.param("+6281299990000", "😀a" * 200, id="emoji-many-parts"),
    pytest.param("BPBD", "Tes pengirim alfanumerik", id="alphanumeric"),
]


@pytest.mark.parametrize("ref16", [False, True], ids=["ref8", "ref16"])
@pytest.mark.parametrize("number, text", CROSS_CASES)
def test_submit_parts_decode_alike_in_gsmmodem(number, text, ref16):
    parts = pdu.encode_submit(number, text, concat_ref=0x1A2 if ref16 else 0xA2, ref16=ref16)
    assert len(parts) <= 10
    for part in parts:
        ours = pdu.decode(part.pdu)
        concat = None if part.concat is None else (part.concat.ref, part.concat.total, part.concat.seq)
        assert (ours.recipient.number, ours.text) == (number, part.text)
        if _gsmmodem_can_decode(ours):
            assert _gsmmodem_view(part.pdu) == (number, part.text, concat)


@pytest.mark.parametrize("ref16", [False, True], ids=["ref8", "ref16"])
@pytest.mark.parametrize("number, text", CROSS_CASES)
def test_submit_parts_decode_alike_in_smspdudecoder(number, text, ref16):
    for part in pdu.encode_submit(number, text, concat_ref=0x1A2 if ref16 else 0xA2, ref16=ref16):
        concat = None if part.concat is None else (part.concat.ref, part.concat.total, part.concat.seq)
        number_t, text_t, concat_t = _smspdudecoder_view(part.pdu, "submit")
        assert number_t == number and concat_t == concat
        assert _smspdudecoder_text_matches(text_t, part.text)


def _delivers(number: str, text: str):
    stamp = datetime(2025, 8, 17, 10, 0, 0, tzinfo=WIB)
    for hex_pdu in pdu.encode_deliver(number, text, timestamp=stamp, smsc="+6281100000", concat_ref=0x55):
        ours = pdu.decode(hex_pdu)
        concat = None if ours.concat is None else (ours.concat.ref, ours.concat.total, ours.concat.seq)
        yield hex_pdu, ours, concat


@pytest.mark.parametrize("number, text", CROSS_CASES)
def test_deliver_decodes_alike_in_gsmmodem(number, text):
    for hex_pdu, ours, concat in _delivers(number, text):
        if _gsmmodem_can_decode(ours):
            assert _gsmmodem_view(hex_pdu) == (ours.sender.number, ours.text, concat)
            assert _gsmmodem().decodeSmsPdu(hex_pdu)["time"] == ours.timestamp


@pytest.mark.parametrize("number, text", CROSS_CASES)
def test_deliver_decodes_alike_in_smspdudecoder(number, text):
    for hex_pdu, ours, concat in _delivers(number, text):
        assert _smspdudecoder().SMSDeliver.decode(StringIO(hex_pdu))["scts"] == ours.timestamp
        number_t, text_t, concat_t = _smspdudecoder_view(hex_pdu, "deliver")
        assert (number_t, concat_t) == (ours.sender.number, concat)
        assert _smspdudecoder_text_matches(text_t, ours.text)


@pytest.mark.parametrize("case", VECTORS["deliver"], ids=lambda c: c["name"])
def test_deliver_vectors_agree_with_gsmmodem(case):
    ours = pdu.decode(case["pdu"])
    concat = None if ours.concat is None else (ours.concat.ref, ours.concat.total, ours.concat.seq)
    theirs = _gsmmodem().decodeSmsPdu(case["pdu"])
    assert theirs["smsc"] == (ours.smsc.number if ours.smsc else None)
    assert theirs["time"] == ours.timestamp
    if ours.encoding is Encoding.EIGHT_BIT:
        assert theirs["text"].encode("latin-1") == ours.data
    elif _gsmmodem_can_decode(ours):
        assert _gsmmodem_view(case["pdu"]) == (ours.sender.number, ours.text, concat)


@pytest.mark.parametrize("case", VECTORS["deliver"], ids=lambda c: c["name"])
def test_deliver_vectors_agree_with_smspdudecoder(case):
    ours = pdu.decode(case["pdu"])
    concat = None if ours.concat is None else (ours.concat.ref, ours.concat.total, ours.concat.seq)
    number_t, text_t, concat_t = _smspdudecoder_view(case["pdu"], "deliver")
    assert (number_t, concat_t) == (ours.sender.number, concat)
    if ours.encoding is Encoding.EIGHT_BIT:
        assert text_t == ours.data
    else:
        assert _smspdudecoder_text_matches(text_t, ours.text)
    if ours.timestamp.year >= 2000:  # smspdudecoder maps every two-digit year to 20xx
        assert _smspdudecoder().SMSDeliver.decode(StringIO(case["pdu"]))["scts"] == ours.timestamp


@pytest.mark.parametrize("case", VECTORS["status_report"], ids=lambda c: hex(c["status"]))
def test_status_reports_agree_with_gsmmodem(case):
    # smspdudecoder has no SMS-STATUS-REPORT decoder.
    ours = pdu.decode(case["pdu"])
    theirs = _gsmmodem().decodeSmsPdu(case["pdu"])
    assert theirs["type"] == "SMS-STATUS-REPORT"
    assert (theirs["reference"], theirs["number"], theirs["status"]) == (
        ours.message_ref,
        ours.recipient.number,
        ours.status,
    )
    assert (theirs["time"], theirs["discharge"]) == (ours.sc_timestamp, ours.discharge_time)


# --- properties -------------------------------------------------------------------

GSM_TEXT = st.text(alphabet=st.sampled_from(GSM7_CHARS), max_size=1500)
MIXED_TEXT = st.text(alphabet=st.sampled_from(GSM7_CHARS + ["😀", "👍", "–", "é", "“", "\U0001f1ee", "ç"]), max_size=1500)
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=700)
TEXTS = st.one_of(GSM_TEXT, MIXED_TEXT, ANY_TEXT)
NUMBERS = st.one_of(
    st.from_regex(r"\+[0-9]{1,20}", fullmatch=True),
    st.from_regex(r"[0-9]{1,20}", fullmatch=True),
    st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=1, max_size=11).filter(
        lambda s: any(ch.isalpha() for ch in s)
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NUMBERS, TEXTS, st.integers(0, 0xFFFF), st.booleans(), st.booleans())
def test_encode_decode_round_trip(number, text, ref, ref16, report):
    parts = pdu.encode_submit(number, text, concat_ref=ref, ref16=ref16, report=report)
    decoded = [pdu.decode(p.pdu) for p in parts]
    assert "".join(d.text for d in decoded) == text
    assert [d.text for d in decoded] == [p.text for p in parts]
    assert all(d.recipient.number == number for d in decoded)
    assert all(d.report_requested == report for d in decoded)
    assert len(parts) == (analyse(text, ref16=ref16).segments or 1)
    assert len(parts) == len(pdu.split_text(text, pdu.choose_encoding(text), ref16=ref16))
    for part in parts:
        raw = bytes.fromhex(part.pdu)
        assert part.pdu == part.pdu.upper() and raw[0] == 0
        assert part.tpdu_length == len(raw) - 1
        assert _user_data_octets(raw) <= 140
    if len(parts) > 1:
        mask = 0xFFFF if ref16 else 0xFF
        assert [(d.concat.ref, d.concat.total, d.concat.seq) for d in decoded] == [
            (ref & mask, len(parts), seq) for seq in range(1, len(parts) + 1)
        ]
    else:
        assert decoded[0].concat is None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=700), st.integers(0, 255))
def test_eight_bit_round_trip(data, ref):
    parts = pdu.encode_submit("081200000001", "", data=data, concat_ref=ref)
    decoded = [pdu.decode(p.pdu) for p in parts]
    assert b"".join(d.data for d in decoded) == data
    assert all(d.encoding is Encoding.EIGHT_BIT and d.text == "" for d in decoded)
    assert all(_user_data_octets(bytes.fromhex(p.pdu)) <= 140 for p in parts)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(st.from_regex(r"\+[0-9]{1,20}", fullmatch=True), st.sampled_from(["TELKOMSEL", "BPBD", "Info{1}"])),
    MIXED_TEXT,
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2068, 12, 31)),
    st.integers(-48, 56),
)
def test_deliver_round_trip(sender, text, moment, quarters):
    stamp = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=15 * quarters)))
    parts = [pdu.decode(h) for h in pdu.encode_deliver(sender, text, timestamp=stamp)]
    assert "".join(d.text for d in parts) == text
    assert all(d.sender.number == sender for d in parts)
    assert all(d.timestamp == stamp and d.timestamp.utcoffset() == stamp.utcoffset() for d in parts)


# --- fuzzing the decoder ----------------------------------------------------------


def _decode_only_pdu_error(hex_pdu: str) -> None:
    for smsc in (True, False):
        try:
            result = pdu.decode(hex_pdu, smsc=smsc)
        except PduError:
            continue
        json.dumps(result.to_dict())


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_octets(data):
    _decode_only_pdu_error(data.hex())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_random_strings(text):
    _decode_only_pdu_error(text)


@pytest.mark.parametrize("hex_pdu", _all_vector_pdus())
def test_every_truncation_and_single_octet_change(hex_pdu):
    raw = bytes.fromhex(hex_pdu)
    for end in range(len(raw)):
        with pytest.raises(PduError):
            pdu.decode(raw[:end].hex())
    for pos in range(len(raw)):
        for value in {0x00, 0x01, 0x7F, 0x80, 0xFF, raw[pos] ^ 0x01, raw[pos] ^ 0x40, (raw[pos] + 1) & 0xFF}:
            mutated = raw[:pos] + bytes([value]) + raw[pos + 1 :]
            _decode_only_pdu_error(mutated.hex())


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_all_vector_pdus()),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.one_of(st.none(), st.integers(0, 200)),
)
def test_fuzz_mutated_vectors(hex_pdu, changes, cut):
    raw = bytearray(bytes.fromhex(hex_pdu))
    for pos, value in changes:
        raw[pos % len(raw)] = value
    if cut is not None:
        raw = raw[: cut % (len(raw) + 1)]
    _decode_only_pdu_error(bytes(raw).hex())


# --- segmentation boundaries --------------------------------------------------------


def _round_trip(text, **kwargs):
    parts = pdu.encode_submit("081200000001", text, **kwargs)
    assert "".join(pdu.decode(p.pdu).text for p in parts) == text
    return [p.text for p in parts]


def test_gsm7_single_part_limits():
    assert _round_trip("a" * 160) == ["a" * 160]
    assert _round_trip("a" * 158 + "€") == ["a" * 158 + "€"]
    assert len(_round_trip("a" * 159 + "€")) == 2
    assert len(_round_trip("a" * 161)) == 2


def test_escape_pair_is_never_split():
    assert _round_trip("a" * 152 + "€" + "b" * 10) == ["a" * 152, "€" + "b" * 10]
    assert _round_trip("a" * 151 + "€" + "b" * 10, ref16=True) == ["a" * 151, "€" + "b" * 10]
    assert _round_trip("a" * 151 + "€" + "b" * 10) == ["a" * 151 + "€", "b" * 10]


def test_surrogate_pair_is_never_split():
    assert _round_trip("á" * 68 + "😀") == ["á" * 68 + "😀"]
    assert _round_trip("á" * 66 + "😀" + "á" * 5) == ["á" * 66, "😀" + "á" * 5]
    assert _round_trip("á" * 65 + "😀" + "á" * 5, ref16=True) == ["á" * 65, "😀" + "á" * 5]
    for part in pdu.encode_submit("081200000001", "😀" * 100):
        raw = bytes.fromhex(part.pdu)
        assert not 0xD800 <= int.from_bytes(raw[-2:], "big") <= 0xDBFF  # no dangling high surrogate


def test_part_limit():
    assert len(pdu.split_text("a" * 153 * 255, Encoding.GSM7)) == 255
    with pytest.raises(PduError, match="255"):
        pdu.split_text("a" * (153 * 255 + 1), Encoding.GSM7)
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "á" * (67 * 255 + 1))


def test_split_text_capacities():
    assert pdu.split_text("", Encoding.GSM7) == [""]
    assert [len(p) for p in pdu.split_text("a" * 400, Encoding.GSM7)] == [153, 153, 94]
    assert [len(p) for p in pdu.split_text("a" * 400, Encoding.GSM7, ref16=True)] == [152, 152, 96]
    assert [len(p) for p in pdu.split_text("a" * 200, Encoding.UCS2)] == [67, 67, 66]
    assert [len(p) for p in pdu.split_text("a" * 200, Encoding.UCS2, ref16=True)] == [66, 66, 66, 2]
    assert [len(p) for p in pdu.split_text("a" * 300, Encoding.EIGHT_BIT)] == [134, 134, 32]


def test_encoder_never_alters_text():
    text = "Rapat  RT\u00a005 “penting”\t\r\n"
    parts = pdu.encode_submit("081200000001", text)
    assert pdu.decode(parts[0].pdu).text == text
    assert pdu.choose_encoding(text) is Encoding.UCS2
    assert pdu.choose_encoding("Harga {Rp} €5") is Encoding.GSM7
    assert pdu.choose_encoding("") is Encoding.GSM7


def test_forced_encodings():
    parts = pdu.encode_submit("081200000001", "abc", encoding=Encoding.UCS2)
    assert pdu.decode(parts[0].pdu).encoding is Encoding.UCS2
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "á", encoding=Encoding.GSM7)
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "abc", encoding=Encoding.EIGHT_BIT)
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "abc", data=b"\x00")
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "", data=b"\x00", encoding=Encoding.UCS2)
    with pytest.raises(PduError, match="surrogate"):
        pdu.encode_submit("081200000001", "a\ud800b")


def test_empty_text_is_one_empty_message():
    (part,) = pdu.encode_submit("081200000001", "")
    assert part.pdu.endswith("0000") and pdu.decode(part.pdu).text == ""


def test_explicit_concat_ref_on_deliver_adds_udh_to_a_single_part():
    stamp = datetime(2025, 1, 1, tzinfo=WIB)
    (hex_pdu,) = pdu.encode_deliver("+6281299990000", "hi", timestamp=stamp, concat_ref=300)
    assert pdu.decode(hex_pdu).concat == pdu.Concat(300 & 0xFF, 1, 1, 8)
    (hex_pdu,) = pdu.encode_deliver("+6281299990000", "hi", timestamp=stamp)
    assert pdu.decode(hex_pdu).concat is None


# --- addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, toa",
    [("+6281299990000", 0x91), ("081200000001", 0x81), ("0899000000", 0x81), ("BPBD", 0xD0),
     ("TELKOMSEL", 0xD0), ("Info 112", 0xD0), ("1" * 20, 0x81), ("+" + "9" * 20, 0x91)],
)
def test_address_forms(number, toa):
    (part,) = pdu.encode_submit(number, "x")
    raw = bytes.fromhex(part.pdu)
    assert raw[4] == toa
    assert pdu.decode(part.pdu).recipient.number == number


@pytest.mark.parametrize(
    "number",
    ["", "+", "+62abc", "0812-0000-0001", "0812 0000 0001", "1" * 21, "+" + "1" * 21, "ABCDEFGHIJKL",
     "Dêsa", "++62812", "٠٨١٢"],
)
def test_invalid_addresses(number):
    with pytest.raises(PduError):
        pdu.encode_submit(number, "x")


def test_error_reasons_never_contain_the_number():
    with pytest.raises(PduError) as info:
        pdu.encode_submit("+6281299990000123456789", "x")
    assert "2812999900" not in str(info.value)


def test_message_reference_and_concat_reference_ranges():
    (part,) = pdu.encode_submit("081200000001", "x", message_ref=255)
    assert pdu.decode(part.pdu).message_ref == 255
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "x", message_ref=256)
    with pytest.raises(PduError):
        pdu.encode_submit("081200000001", "x" * 200, concat_ref=-1)


def test_smsc_field_on_encoders():
    stamp = datetime(2025, 1, 1, tzinfo=WIB)
    (hex_pdu,) = pdu.encode_deliver("BPBD", "x", timestamp=stamp, smsc="+6281100000")
    assert hex_pdu.startswith("069126180100000")
    assert pdu.decode(hex_pdu).smsc == pdu.Address("+6281100000", 1, 1)
    with pytest.raises(PduError):
        pdu.encode_deliver("BPBD", "x", timestamp=stamp, smsc="TELKOMSEL")


# --- timestamps, validity ----------------------------------------------------------------


def test_timestamp_encoding_errors():
    with pytest.raises(PduError, match="aware"):
        pdu.encode_deliver("BPBD", "x", timestamp=datetime(2025, 1, 1))
    with pytest.raises(PduError, match="quarter"):
        pdu.encode_deliver("BPBD", "x", timestamp=datetime(2025, 1, 1, tzinfo=timezone(timedelta(minutes=7))))
    with pytest.raises(PduError, match="year"):
        pdu.encode_deliver("BPBD", "x", timestamp=datetime(2070, 1, 1, tzinfo=WIB))


@pytest.mark.parametrize(
    "scts, reason",
    [("52310130405063", "invalid date"), ("52100030405063", "invalid date"), ("5A102030405063", "bad digit"),
     ("521020304050A3", "bad digit"), ("52102042405063", "invalid date")],
)
def test_invalid_timestamps(scts, reason):
    with pytest.raises(PduError, match=reason):
        pdu.decode("00040C818021000000100000" + scts + "00")


@pytest.mark.parametrize(
    "duration, vp",
    [(timedelta(0), 0), (timedelta(minutes=1), 0), (timedelta(minutes=5), 0), (timedelta(minutes=6), 1),
     (timedelta(minutes=30), 5), (timedelta(hours=12), 143), (timedelta(hours=12, minutes=1), 144),
     (timedelta(hours=24), 167), (timedelta(days=1, seconds=1), 168), (timedelta(days=4), 170),
     (timedelta(days=7), 173), (timedelta(days=30), 196), (timedelta(days=31), 197),
     (timedelta(weeks=5), 197), (timedelta(weeks=63), 255), (timedelta(weeks=100), 255)],
)
def test_relative_validity(duration, vp):
    assert pdu.relative_validity(duration) == vp


@settings(max_examples=200, deadline=None)
@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(weeks=63)))
def test_relative_validity_is_the_smallest_period_not_shorter(duration):
    vp = pdu.relative_validity(duration)
    assert pdu_fields._vp_duration(vp) >= duration
    assert vp == 0 or pdu_fields._vp_duration(vp - 1) < duration


def test_negative_validity():
    with pytest.raises(PduError):
        pdu.relative_validity(timedelta(seconds=-1))


@pytest.mark.parametrize(
    "text, expected",
    [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("1d", timedelta(days=1)),
     ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2)), (" 1D ", timedelta(days=1))],
)
def test_parse_validity(text, expected):
    assert pdu.parse_validity(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1y", "-1d", "0d", "1.5h", "d", "12", "1d2h", "9999999w"])
def test_parse_validity_garbage(text):
    with pytest.raises(PduError):
        pdu.parse_validity(text)


# --- DCS, UDH and malformed PDUs ------------------------------------------------------------

DELIVER_HEAD = "00040C818021000000100000"  # SMSC 00, FO 04, OA 081200000001, PID 00
STAMP = "52102030405063"


def _deliver(dcs: int, user_data: str, first: str = "04") -> str:
    return "00" + first + "0C81802100000010" + "00" + f"{dcs:02X}" + STAMP + user_data


@pytest.mark.parametrize(
    "dcs, encoding, message_class",
    [(0x00, Encoding.GSM7, None), (0x04, Encoding.EIGHT_BIT, None), (0x08, Encoding.UCS2, None),
     (0x0C, Encoding.GSM7, None), (0x10, Encoding.GSM7, 0), (0x11, Encoding.GSM7, 1),
     (0x18, Encoding.UCS2, 0), (0x16, Encoding.EIGHT_BIT, 2), (0x48, Encoding.UCS2, None),
     (0x80, Encoding.GSM7, None), (0xB4, Encoding.GSM7, None), (0xC0, Encoding.GSM7, None),
     (0xD8, Encoding.GSM7, None), (0xE0, Encoding.UCS2, None), (0xF0, Encoding.GSM7, 0),
     (0xF1, Encoding.GSM7, 1), (0xF6, Encoding.EIGHT_BIT, 2)],
)
def test_dcs_groups(dcs, encoding, message_class):
    user_data = {Encoding.GSM7: "02EF35", Encoding.UCS2: "0400610062", Encoding.EIGHT_BIT: "02EF35"}[encoding]
    d = pdu.decode(_deliver(dcs, user_data))
    assert (d.encoding, d.message_class, d.dcs) == (encoding, message_class, dcs)
    assert d.text == {Encoding.GSM7: "ok", Encoding.UCS2: "ab", Encoding.EIGHT_BIT: ""}[encoding]


@pytest.mark.parametrize("dcs", [0x20, 0x24, 0x28, 0x30, 0x60])
def test_compressed_text_is_refused(dcs):
    with pytest.raises(PduError, match="compressed text not supported"):
        pdu.decode(_deliver(dcs, "02EF35"))


def test_udh_keeps_unknown_elements_and_finds_concat():
    d = pdu.decode(_deliver(0x08, "0D" + "08" + "240100" + "00032A0201" + "0041" + "0042", first="44"))
    assert d.udh == ((0x24, b"\x00"), (0x00, b"\x2a\x02\x01"))
    assert d.concat == pdu.Concat(0x2A, 2, 1, 8)
    assert d.text == "AB"


def test_repeated_concat_element_last_one_counts():
    d = pdu.decode(_deliver(0x08, "0F" + "0A" + "00032A0201" + "00032B0302" + "0041" + "0042", first="44"))
    assert d.concat == pdu.Concat(0x2B, 3, 2, 8)


@pytest.mark.parametrize("concat_ie", ["00032A0001", "00032A0200", "00032A0203", "000208FF", "080412340300"])
def test_invalid_concat_element_is_ignored(concat_ie):
    udh = bytes.fromhex(concat_ie)
    user_data = f"{len(udh) + 1 + 2:02X}" + f"{len(udh):02X}" + concat_ie + "0041"
    d = pdu.decode(_deliver(0x08, user_data, first="44"))
    assert d.concat is None
    assert d.udh[0][0] == udh[0]
    assert d.text == "A"


@pytest.mark.parametrize(
    "user_data, reason",
    [("040A000300", "bad UDH"), ("0605000503020100", "bad UDH"), ("03010041", "bad UDH"),
     ("00", "bad UDH"), ("02050003", "bad UDH")],
)
def test_bad_udh(user_data, reason):
    with pytest.raises(PduError, match=reason):
        pdu.decode(_deliver(0x08, user_data, first="44"))


def test_bad_udh_gsm7():
    # UDHL 6 needs 56 bits; TP-UDL 7 septets give only 49.
    with pytest.raises(PduError, match="bad UDH"):
        pdu.decode(_deliver(0x00, "07" + "06080412340201" + "00", first="44"))


def test_ucs2_lone_surrogate_and_odd_length():
    assert pdu.decode(_deliver(0x08, "04D83D0041")).text == "\ufffdA"
    assert pdu.decode_ucs2(bytes.fromhex("D83DDC4D")) == "👍"
    with pytest.raises(PduError, match="odd"):
        pdu.decode(_deliver(0x08, "03004100"))


@pytest.mark.parametrize(
    "hex_pdu, reason",
    [("", "empty"), ("   ", "empty"), ("0", "odd"), ("0G", "hexadecimal"), ("00", "truncated"),
     ("0003", "reserved message type"), ("0007", "reserved message type"),
     ("0004158180210000001000000000", "address length too big"),
     ("0C9126180100000000000000000004", "SMSC length too big"),
     (DELIVER_HEAD + STAMP + "0AE8329B", "shorter than TP-UDL"),
     (DELIVER_HEAD + STAMP, "truncated"), (DELIVER_HEAD + "521020", "truncated"),
     ("00040C8180F1000000100000" + STAMP + "00", "bad digit"),
     ("00062A0D91261892990900F052304001112182", "truncated")],
)
def test_malformed_pdus(hex_pdu, reason):
    with pytest.raises(PduError, match=reason):
        pdu.decode(hex_pdu)


def test_pdu_error_offsets_point_into_the_pdu():
    with pytest.raises(PduError) as info:
        pdu.decode(DELIVER_HEAD + STAMP + "0AE8329B")
    assert info.value.offset == len(bytes.fromhex(DELIVER_HEAD + STAMP)) + 1


def test_submit_validity_formats():
    base = "0C81802100000010" + "0000"
    relative = pdu.decode("00" + "11" + "00" + base + "A7" + "00")
    assert relative.validity == timedelta(hours=24)
    absolute = pdu.decode("00" + "19" + "00" + base + STAMP + "00")
    assert absolute.validity == datetime(2025, 1, 2, 3, 4, 5, tzinfo=WIT)
    enhanced = pdu.decode("00" + "09" + "00" + base + "02" + "3C" + "0000000000" + "00")
    assert enhanced.validity == timedelta(seconds=60)
    enhanced = pdu.decode("00" + "09" + "00" + base + "03" + "103020" + "000000" + "00")
    assert enhanced.validity == timedelta(hours=1, minutes=3, seconds=2)
    none = pdu.decode("00" + "01" + "00" + base + "00")
    assert none.validity is None


def test_status_report_with_trailing_parameters_is_accepted():
    hex_pdu = VECTORS["status_report"][1]["pdu"] + "00"  # TP-PI with nothing set
    assert pdu.decode(hex_pdu).status == 1


# --- TP-Status ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, status_class",
    [(0x00, ReportStatus.DELIVERED), (0x02, ReportStatus.DELIVERED), (0x1F, ReportStatus.DELIVERED),
     (0x20, ReportStatus.TEMPORARY), (0x3F, ReportStatus.TEMPORARY), (0x40, ReportStatus.PERMANENT),
     (0x5F, ReportStatus.PERMANENT), (0x60, ReportStatus.GAVE_UP), (0x7F, ReportStatus.GAVE_UP),
     (0x80, ReportStatus.PERMANENT), (0xFF, ReportStatus.PERMANENT)],
)
def test_classify_status(status, status_class):
    assert pdu.classify_status(status) is status_class


def test_status_descriptions():
    assert pdu.status_description(0x00) == "short message received by the SME"
    assert pdu.status_description(0x46) == "validity period expired"
    assert pdu.status_description(0x21) == "SME busy"
    assert pdu.status_description(0x61) == "SME busy (SC not trying any more)"
    assert pdu.status_description(0x03) == "reserved status (transaction completed)"
    assert pdu.status_description(0x10) == "SC-specific status (transaction completed)"
    assert pdu.status_description(0x30) == "SC-specific status (temporary error, SC still trying)"
    assert pdu.status_description(0x4A) == "reserved status (permanent error, SC not trying any more)"
    assert all(pdu.status_description(s) for s in range(256))
    with pytest.raises(PduError):
        pdu.status_description(256)


# --- the `siaran pdu` subcommand -----------------------------------------------------------------


def _run(argv, capsys, monkeypatch=None, stdin=None):
    parser = argparse.ArgumentParser(prog="siaran")
    sub = parser.add_subparsers(dest="command")
    pdu_command.register(sub)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, json.loads(capsys.readouterr().out)


def test_cli_encode(capsys):
    code, out = _run(
        ["pdu", "encode", "--to", "081200000001", "--text", "Tes", "--report", "--validity", "1d"], capsys
    )
    assert code == 0
    assert out == {
        "encoding": "gsm7",
        "segments": 1,
        "parts": [{"pdu": "0031000C818021000000100000A703D4F21C", "tpdu_length": 17}],
    }


def test_cli_encode_reads_stdin(capsys, monkeypatch):
    code, out = _run(["pdu", "encode", "--to", "081200000001", "--text", "-"], capsys, monkeypatch, "Tes\n")
    assert code == 0 and pdu.decode(out["parts"][0]["pdu"]).text == "Tes"


def test_cli_encode_multipart_ref16(capsys):
    code, out = _run(["pdu", "encode", "--to", "+6281299990000", "--text", "á" * 100, "--ref", "4660", "--ref16"], capsys)
    assert code == 0 and (out["encoding"], out["segments"]) == ("ucs2", 2)
    concat = pdu.decode(out["parts"][1]["pdu"]).concat
    assert concat == pdu.Concat(4660, 2, 2, 16)
    assert all(p["tpdu_length"] == len(p["pdu"]) // 2 - 1 for p in out["parts"])


@pytest.mark.parametrize(
    "argv, pesan",
    [(["--to", "0812-000", "--text", "x"], "Pesan tidak bisa dibuat: alamat tidak valid"),
     (["--to", "081200000001", "--text", "x", "--validity", "1y"], "Pesan tidak bisa dibuat: masa berlaku")],
)
def test_cli_encode_errors(capsys, argv, pesan):
    code, out = _run(["pdu", "encode", *argv], capsys)
    assert code == 2
    assert set(out) >= {"error", "pesan"} and out["pesan"].startswith(pesan)


def test_cli_decode_status_report(capsys):
    code, out = _run(["pdu", "decode", VECTORS["status_report"][3]["pdu"]], capsys)
    assert code == 0
    assert out["type"] == "status_report"
    assert (out["status"], out["status_class"], out["description"]) == (70, "permanent", "validity period expired")
    assert out["recipient"]["number"] == "+6281299990000"
    assert out["sc_timestamp"] == "2025-03-04T10:11:12+07:00"


def test_cli_decode_deliver_without_smsc(capsys):
    hex_pdu = VECTORS["deliver"][5]["pdu"][2:]
    code, out = _run(["pdu", "decode", hex_pdu, "--no-smsc"], capsys)
    assert code == 0
    assert (out["type"], out["text"], out["smsc"]) == ("deliver", "xxxxxxx{}", None)
    assert out["concat"] == {"ref": 7, "total": 2, "seq": 2, "ref_bits": 8}


def test_cli_decode_error(capsys):
    code, out = _run(["pdu", "decode", "0011000B91"], capsys)
    assert code == 2
    assert out["error"].startswith("PDU truncated")
    assert out["pesan"].startswith("PDU tidak valid: PDU terpotong")
    assert "offset" in out


def test_cli_segments(capsys):
    code, out = _run(["pdu", "segments", "--text", "Rapat “penting” – hari ini…"], capsys)
    assert code == 0
    assert (out["encoding"], out["segments"]) == ("ucs2", 1)
    assert out["suggested_text"] == 'Rapat "penting" - hari ini...'
    assert out["ucs2_chars"] == ["“", "”", "–", "…"]


def test_indonesian_translation_covers_common_reasons():
    assert pdu_command.indonesian("reserved message type") == "jenis pesan tidak dikenal (reserved)"
    assert pdu_command.indonesian("PDU truncated in TP-OA") == "PDU terpotong di TP-OA"
    assert pdu_command.indonesian("something new") == "something new"
