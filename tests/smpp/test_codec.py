"""The sans-I/O SMPP 3.4 codec (firmware.smpp.pdu): bytes in, PDUs out, and back, with no sockets.

Golden vectors written from the specification's field layout, round trips over generated PDUs
(hypothesis), the framer fed whole and byte by byte, malformed input that must raise PduError and
nothing else, receipts in both forms, and the long-text parts (never a split escape pair or emoji).
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.errors import PduError
from firmware.modem import gsm7
from firmware.smpp import pdu as P


def test_bind_transceiver_golden_bytes():
    bind = P.Bind(P.Command.BIND_TRANSCEIVER, 1, system_id="pemkab", password="rahasia", system_type="",
                  addr_ton=0, addr_npi=0)
    body = b"pemkab\0rahasia\0\0\x34\x00\x00\0"
    assert P.encode(bind) == struct.pack(">IIII", 16 + len(body), 0x09, 0, 1) + body
    assert "rahasia" not in repr(bind)


def test_submit_sm_golden_bytes():
    sm = P.SubmitSm(P.Command.SUBMIT_SM, 7, source_addr_ton=5, source_addr="PEMKAB", dest_addr_ton=1,
                    dest_addr_npi=1, destination_addr="6281200000001", registered_delivery=1,
                    short_message=bytes(gsm7.encode_septets("Halo")))
    body = (b"\0" + b"\x05\x00PEMKAB\0" + b"\x01\x016281200000001\0" + b"\x00\x00\x00" + b"\0\0"
            + b"\x01\x00\x00\x00\x04" + bytes(gsm7.encode_septets("Halo")))
    assert P.encode(sm) == struct.pack(">IIII", 16 + len(body), 4, 0, 7) + body
    assert P.decode(P.encode(sm)) == sm


def test_error_submit_sm_resp_has_no_body_and_decodes():
    resp = P.SubmitSmResp(P.Command.SUBMIT_SM_RESP, 9, P.Status.ESME_RTHROTTLED)
    wire = P.encode(resp)
    assert len(wire) == 16
    assert P.decode(wire) == resp
    assert P.status_name(0x58) == "ESME_RTHROTTLED" and P.status_name(0xC2) == "0x000000C2"


cstr = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10)
octet = st.integers(0, 255)
tlvs = st.lists(st.tuples(st.integers(0x0200, 0x0500), st.binary(max_size=20)), max_size=3).map(tuple)


@st.composite
def short_messages(draw, cls):
    return cls(cls is P.SubmitSm and P.Command.SUBMIT_SM or P.Command.DELIVER_SM, draw(st.integers(1, 0x7FFFFFFF)),
               service_type=draw(cstr.map(lambda s: s[:5])), source_addr_ton=draw(octet), source_addr_npi=draw(octet),
               source_addr=draw(cstr), dest_addr_ton=draw(octet), dest_addr_npi=draw(octet),
               destination_addr=draw(cstr), esm_class=draw(octet), protocol_id=draw(octet),
               priority_flag=draw(octet), validity_period=draw(st.sampled_from(["", P.validity_period(1440)])),
               registered_delivery=draw(octet), data_coding=draw(octet), short_message=draw(st.binary(max_size=254)),
               tlvs=draw(tlvs))


@given(st.one_of(short_messages(P.SubmitSm), short_messages(P.DeliverSm)))
@settings(max_examples=200, deadline=None)
def test_short_message_round_trip(pdu):
    assert P.decode(P.encode(pdu)) == pdu


@given(st.builds(P.SubmitSmResp, st.just(P.Command.SUBMIT_SM_RESP), st.integers(0, 2**32 - 1),
                 st.just(0), st.just(b""), st.text(alphabet="0123456789abcdef-", max_size=64)))
def test_submit_sm_resp_round_trip(resp):
    assert P.decode(P.encode(resp)) == resp


@given(st.binary(max_size=300))
@settings(max_examples=500, deadline=None)
def test_garbage_raises_only_pdu_error(data):
    frame = struct.pack(">I", 4 + len(data)) + data
    for candidate in (frame, data):
        try:
            P.decode(candidate)
        except PduError:
            pass


@given(st.integers(0, 0xFFFFFFFF), st.binary(min_size=12, max_size=200))
@settings(max_examples=300, deadline=None)
def test_typed_command_with_garbage_body(command_pick, body):
    command = [0x04, 0x05, 0x09, 0x80000004, 0x80000009][command_pick % 5]
    frame = struct.pack(">IIII", 16 + len(body), command, 0, 1) + body
    try:
        P.decode(frame)
    except PduError:
        pass


def test_framer_whole_and_byte_by_byte():
    pdus = [P.Pdu(P.Command.ENQUIRE_LINK, 1), P.SubmitSmResp(P.Command.SUBMIT_SM_RESP, 2, 0, message_id="abc"),
            P.DeliverSm(P.Command.DELIVER_SM, 3, source_addr="6281200000001", short_message=b"hi")]
    stream = b"".join(P.encode(p) for p in pdus)
    assert [P.decode(f) for f in P.Framer().feed(stream)] == pdus
    framer = P.Framer()
    got = []
    for i in range(len(stream)):
        got += framer.feed(stream[i:i + 1])
    assert [P.decode(f) for f in got] == pdus


def test_framer_refuses_impossible_lengths():
    with pytest.raises(PduError):
        P.Framer().feed(struct.pack(">I", 3) + b"xxxx")
    with pytest.raises(PduError):
        P.Framer(max_pdu=1000).feed(struct.pack(">I", 100_000))


def _receipt(text: str, tlvs=()) -> P.DeliverSm:
    return P.DeliverSm(P.Command.DELIVER_SM, 5, esm_class=0x04, short_message=text.encode(), tlvs=tuple(tlvs))


def test_receipt_from_text():
    r = P.receipt_of(_receipt("id:1f2e3d4c sub:001 dlvrd:001 submit date:2612051200 done date:2612051201 "
                              "stat:DELIVRD err:000 text:Halo warga"))
    assert (r.message_id, r.stat, r.err, r.final, r.delivered) == ("1f2e3d4c", "DELIVRD", "000", True, True)


def test_receipt_tlvs_win_over_text():
    r = P.receipt_of(_receipt("id:123 stat:DELIVRD err:000", [(P.Tag.RECEIPTED_MESSAGE_ID, b"7b\0"),
                                                              (P.Tag.MESSAGE_STATE, b"\x05")]))
    assert (r.message_id, r.stat) == ("7b", "UNDELIV")


@pytest.mark.parametrize("word, stat", [("DELIVRD", "DELIVRD"), ("delivrd", "DELIVRD"), ("DELIVERED", "DELIVRD"),
                                        ("Undeliverable", "UNDELIV"), ("REJECTED", "REJECTD"), ("expired", "EXPIRED"),
                                        ("ACCEPTD", "ACCEPTD"), ("?", "UNKNOWN"), ("DELIVERX", "UNKNOWN")])
def test_receipt_stat_words(word, stat):
    r = P.receipt_of(_receipt(f"id:9 sub:001 dlvrd:001 submit date:2612051200 done date:2612051201 stat:{word} err:0"))
    assert r.stat == stat


def test_receipt_id_forms_exact_first():
    assert P.receipt_id_forms("1715004")[0] == "1715004"
    assert "1a2b3c" in P.receipt_id_forms("1715004") and "1A2B3C" in P.receipt_id_forms("1715004")
    assert "1715004" in P.receipt_id_forms("1a2b3c")
    assert "42" in P.receipt_id_forms("0000000042")
    uuid = "5c2f3bd4-5b9b-4e3c-9d4b-2e0a8f1f0f0a"  # Jasmin's ids: only the case may differ
    assert set(P.receipt_id_forms(uuid)) == {uuid, uuid.upper()}


def test_mo_message_is_not_a_receipt_and_reads_its_text():
    mo = P.DeliverSm(P.Command.DELIVER_SM, 6, source_addr="6281200000001", data_coding=8,
                     short_message="BERHENTI 🙏".encode("utf-16-be"))
    assert P.receipt_of(mo) is None
    assert mo.text() == "BERHENTI 🙏"


def test_mo_concatenated_part_via_udh_and_sar():
    udh = P.DeliverSm(P.Command.DELIVER_SM, 1, esm_class=0x40, short_message=bytes((5, 0, 3, 9, 2, 1)) + b"ab")
    concat, data = udh.user_data()
    assert (concat.ref, concat.total, concat.seq, data) == (9, 2, 1, b"ab")
    sar = P.DeliverSm(P.Command.DELIVER_SM, 1, short_message=b"cd", tlvs=(
        (P.Tag.SAR_MSG_REF_NUM, b"\x00\x09"), (P.Tag.SAR_TOTAL_SEGMENTS, b"\x02"), (P.Tag.SAR_SEGMENT_SEQNUM, b"\x02")))
    concat, data = sar.user_data()
    assert (concat.ref, concat.total, concat.seq, data) == (9, 2, 2, b"cd")


def test_message_payload_is_the_text_when_present():
    mo = P.DeliverSm(P.Command.DELIVER_SM, 1, tlvs=((P.Tag.MESSAGE_PAYLOAD, bytes(gsm7.encode_septets("x" * 300))),))
    assert mo.text() == "x" * 300


def test_160_gsm7_characters_are_one_part_of_unpacked_septets():
    [part] = P.text_parts("a" * 160, concat_ref=1)
    assert len(part.short_message) == 160 and part.esm_class == 0


def test_short_text_is_one_part_without_udh():
    [part] = P.text_parts("Halo warga RT 05", concat_ref=1)
    assert (part.esm_class, part.data_coding, part.total) == (0, 0, 1)
    assert gsm7.decode_septets(part.short_message) == "Halo warga RT 05"


def test_long_gsm7_never_splits_an_escape_pair():
    text = "a" * 152 + "€" + "b" * 10  # the euro sign's escape pair would straddle septet 153
    parts = P.text_parts(text, concat_ref=0x21)
    assert [p.short_message[:6] for p in parts] == [bytes((5, 0, 3, 0x21, 2, 1)), bytes((5, 0, 3, 0x21, 2, 2))]
    assert all(p.esm_class == 0x40 and p.data_coding == 0 for p in parts)
    assert "".join(gsm7.decode_septets(p.short_message[6:]) for p in parts) == text
    assert len(parts[0].short_message) - 6 == 152


def test_long_ucs2_never_splits_an_emoji():
    text = "x" * 66 + "🙏" + "y" * 10
    parts = P.text_parts(text, concat_ref=3)
    assert all(p.data_coding == 8 for p in parts)
    decoded = [p.short_message[6:].decode("utf-16-be") for p in parts]  # strict: a split surrogate raises
    assert "".join(decoded) == text


@given(st.text(max_size=600).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)))
@settings(max_examples=200, deadline=None)
def test_parts_rejoin_to_the_text(text):
    try:
        parts = P.text_parts(text, concat_ref=5)
    except PduError:
        return  # more than 255 parts
    assert all(len(p.short_message) <= (160 if p.data_coding == 0 else 140) for p in parts)
    joined = "".join(P.decode_text(p.short_message[6:] if p.total > 1 else p.short_message, p.data_coding)
                     for p in parts)
    assert joined == text


def test_validity_period_relative():
    assert P.validity_period(1440) == "000001000000000R"
    assert P.validity_period(90) == "000000013000000R"
