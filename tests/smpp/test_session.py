"""The sans-I/O ESME session (firmware.smpp.session): bytes and the time in, events and bytes out.

An in-memory SMSC built from the codec answers; no sockets, no sleeps: time is a number the test moves.
"""

from __future__ import annotations

import pytest

from firmware.smpp import pdu as P
from firmware.smpp.session import Bound, Closed, Incoming, Session, SessionError, State, SubmitResult, TimedOut


def peer(data: bytes) -> list[P.Pdu]:
    return [P.decode(f) for f in P.Framer().feed(data)]


def bound_session(window: int = 2) -> Session:
    s = Session(window=window, enquire_link=30.0, response_timeout=10.0)
    s.bind(P.Command.BIND_TRANSCEIVER, system_id="pemkab", password="rahasia", now=0.0)
    [bind] = peer(s.outgoing())
    assert isinstance(bind, P.Bind) and bind.password == "rahasia"
    events = s.receive(P.encode(P.response_to(bind, system_id="smsc")), now=0.1)
    assert events == [Bound(0, "smsc")] and s.state is State.BOUND
    return s


def sm(number: str = "6281200000001") -> P.SubmitSm:
    return P.SubmitSm(P.Command.SUBMIT_SM, destination_addr=number, short_message=b"hi")


def test_refused_bind_closes():
    s = Session()
    s.bind(P.Command.BIND_TRANSMITTER, system_id="x", password="bad", now=0.0)
    [bind] = peer(s.outgoing())
    events = s.receive(P.encode(P.response_to(bind, P.Status.ESME_RINVPASWD)), now=0.1)
    assert events[0] == Bound(P.Status.ESME_RINVPASWD)
    assert isinstance(events[1], Closed) and "ESME_RINVPASWD" in events[1].reason
    assert s.state is State.CLOSED


def test_window_is_enforced_and_results_carry_tags_in_any_order():
    s = bound_session(window=2)
    s.submit(sm(), tag="a", now=1.0)
    s.submit(sm(), tag="b", now=1.0)
    assert s.window_free == 0
    with pytest.raises(SessionError):
        s.submit(sm(), tag="c", now=1.0)
    a, b = peer(s.outgoing())
    assert a.sequence != b.sequence
    wire = P.encode(P.response_to(b, message_id="id-b")) + P.encode(P.response_to(a, P.Status.ESME_RTHROTTLED))
    # byte by byte: nothing until each PDU is whole
    events = []
    for i in range(len(wire)):
        events += s.receive(wire[i:i + 1], now=1.5)
    assert events == [SubmitResult("b", 0, "id-b"), SubmitResult("a", P.Status.ESME_RTHROTTLED, "")]
    assert s.window_free == 2


def test_generic_nack_answers_the_submit():
    s = bound_session()
    s.submit(sm(), tag=7, now=1.0)
    [req] = peer(s.outgoing())
    assert s.receive(P.encode(P.generic_nack(req.sequence, P.Status.ESME_RINVCMDLEN)), now=1.1) == [
        SubmitResult(7, P.Status.ESME_RINVCMDLEN, "")]


def test_response_timeout_puts_the_submit_in_doubt():
    s = bound_session()
    s.submit(sm(), tag="late", now=1.0)
    s.outgoing()
    assert s.tick(now=5.0) == []
    assert s.tick(now=11.5) == [TimedOut("late")]
    assert s.window_free == 2


def test_enquire_link_after_silence_and_dead_link_detection():
    s = bound_session()
    assert s.tick(now=20.0) == [] and s.outgoing() == b""
    assert s.tick(now=30.2) == []
    [enq] = peer(s.outgoing())
    assert enq.command == P.Command.ENQUIRE_LINK
    s.submit(sm(), tag="x", now=30.3)
    s.outgoing()
    events = s.tick(now=41.0)  # neither the enquiry nor the submit was answered
    assert TimedOut("x") in events and isinstance(events[-1], Closed) and "dead" in events[-1].reason


def test_answered_enquire_link_keeps_the_link():
    s = bound_session()
    s.tick(now=31.0)
    [enq] = peer(s.outgoing())
    s.receive(P.encode(P.response_to(enq)), now=31.1)
    assert s.tick(now=45.0) == [] and s.state is State.BOUND


def test_smsc_enquiry_and_unbind_are_answered_by_the_session():
    s = bound_session()
    s.submit(sm(), tag="open", now=1.0)
    s.outgoing()
    assert s.receive(P.encode(P.Pdu(P.Command.ENQUIRE_LINK, 99)), now=2.0) == []
    [resp] = peer(s.outgoing())
    assert (resp.command, resp.sequence) == (P.Command.ENQUIRE_LINK_RESP, 99)
    events = s.receive(P.encode(P.Pdu(P.Command.UNBIND, 100)), now=3.0)
    assert events[0] == TimedOut("open") and events[1] == Closed("the SMSC unbound", True)
    [resp] = peer(s.outgoing())
    assert resp.command == P.Command.UNBIND_RESP


def test_deliver_sm_waits_for_the_callers_ack():
    s = bound_session()
    mo = P.DeliverSm(P.Command.DELIVER_SM, 55, source_addr="6281200000002", short_message=b"BERHENTI")
    [event] = s.receive(P.encode(mo), now=1.0)
    assert isinstance(event, Incoming) and event.pdu == mo
    assert s.outgoing() == b""  # not acknowledged before it is stored
    s.ack(event.pdu)
    [resp] = peer(s.outgoing())
    assert (resp.command, resp.sequence, resp.status) == (P.Command.DELIVER_SM_RESP, 55, 0)


def test_data_sm_is_read_and_answered_like_deliver_sm_and_alerts_get_no_answer():
    s = bound_session()
    mo = P.DataSm(P.Command.DATA_SM, 56, source_addr="6281200000002", data_coding=8,
                  tlvs=((P.Tag.MESSAGE_PAYLOAD, "Kapan posyandu? 🙏".encode("utf-16-be")),))
    [event] = s.receive(P.encode(mo), now=1.0)
    assert isinstance(event, Incoming) and event.pdu == mo and event.pdu.text() == "Kapan posyandu? 🙏"
    s.ack(event.pdu)
    [resp] = peer(s.outgoing())
    assert (resp.command, resp.sequence, resp.status) == (P.Command.DATA_SM_RESP, 56, 0)
    receipt = P.DataSm(P.Command.DATA_SM, 57, esm_class=0x04, tlvs=(
        (P.Tag.RECEIPTED_MESSAGE_ID, b"abc\0"), (P.Tag.MESSAGE_STATE, b"\x02")))
    [event] = s.receive(P.encode(receipt), now=1.1)
    assert P.receipt_of(event.pdu) == P.Receipt("abc", "DELIVRD", None, "")
    alert = P.HEADER.pack(16 + 4 + 4, P.Command.ALERT_NOTIFICATION, 0, 58) + b"\x01\x01a\x00" + b"\x01\x01b\x00"
    assert s.receive(alert, now=1.2) == [] and s.outgoing() == b""


def test_unknown_command_gets_generic_nack_and_malformed_pdu_keeps_the_session():
    s = bound_session()
    s.receive(P.encode(P.Pdu(0x00000021, 5)), now=1.0)  # submit_multi: an ESME's command, not an SMSC's
    [nack] = peer(s.outgoing())
    assert (nack.command, nack.status) == (P.Command.GENERIC_NACK, P.Status.ESME_RINVCMDID)
    bad = P.HEADER.pack(20, P.Command.DELIVER_SM, 0, 6) + b"\x00abc"  # body cut short
    assert s.receive(bad, now=1.1) == []
    [nack] = peer(s.outgoing())
    assert nack.command == P.Command.GENERIC_NACK and s.state is State.BOUND


def test_eof_and_garbage_length_close_with_in_doubt_submits():
    s = bound_session()
    s.submit(sm(), tag=1, now=1.0)
    events = s.receive(b"", now=2.0)
    assert events[0] == TimedOut(1) and isinstance(events[1], Closed)
    s2 = bound_session()
    events = s2.receive(b"\x00\x00\x00\x02junk", now=1.0)
    assert isinstance(events[-1], Closed) and s2.state is State.CLOSED


def test_clean_unbind():
    s = bound_session()
    s.unbind(now=1.0)
    [unbind] = peer(s.outgoing())
    assert s.receive(P.encode(P.response_to(unbind)), now=1.1) == [Closed("unbound", True)]
