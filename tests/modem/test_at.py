"""The sans-I/O AT session: transcripts fed whole and byte by byte (h11's ``tr()`` idea).

Each case is what a SIM800 / SIM7600 printed on the wire for one command, with
URCs interleaved where real modems put them; the events must not depend on
how the bytes were chunked.
"""

from __future__ import annotations

import pytest

from firmware.errors import CmeError, CmsError, CommandError
from firmware.modem import at
from firmware.modem.at import Command, Final, Garbage, Prompt, Response, Stale, Timeout, Urc

CSQ = Command("AT+CSQ", prefixes=("+CSQ:",))
CGSN = Command("AT+CGSN", prefixes=("+CGSN:",), bare=True)
CMGL = Command("AT+CMGL=4", prefixes=("+CMGL:",), timeout=20)
CMGS = Command("AT+CMGS=23", prefixes=("+CMGS:",), prompt=True, timeout=60)
CUSD = Command('AT+CUSD=1,"*888#",15')
CPIN = Command("AT+CPIN?", prefixes=("+CPIN:",))

PDU_LINE = "07916282000000F0040C9162210000001000000062113271351428C834A8FE7EB3C3A079DA5E06"

CASES = [
    pytest.param(
        CSQ, b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n",
        [Response("AT+CSQ", ("+CSQ: 20,0",), Final("OK"))], id="csq"),
    pytest.param(
        CSQ, b"AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\n",
        [Response("AT+CSQ", ("+CSQ: 20,0",), Final("OK"))], id="csq-with-echo"),
    pytest.param(
        CSQ, b'\r\n+CMTI: "SM",3\r\n\r\n+CSQ: 20,0\r\n\r\nOK\r\n',
        [Urc('+CMTI: "SM",3'), Response("AT+CSQ", ("+CSQ: 20,0",), Final("OK"))], id="urc-before-answer"),
    pytest.param(
        CSQ, b'\r\n+CSQ: 20,0\r\n\r\n+CMTI: "SM",4\r\n\r\nOK\r\n',
        [Urc('+CMTI: "SM",4'), Response("AT+CSQ", ("+CSQ: 20,0",), Final("OK"))], id="urc-inside-answer"),
    pytest.param(
        CGSN, b"\r\n861234560000001\r\n\r\nSMS Ready\r\n\r\nOK\r\n",
        [Urc("SMS Ready"), Response("AT+CGSN", ("861234560000001",), Final("OK"))], id="bare-info-and-boot-urc"),
    pytest.param(
        CPIN, b"\r\n+CPIN: READY\r\n\r\nOK\r\n",
        [Response("AT+CPIN?", ("+CPIN: READY",), Final("OK"))], id="cpin-is-answer-not-urc"),
    pytest.param(
        CSQ, b"\r\n+CME ERROR: 10\r\n",
        [Response("AT+CSQ", (), Final("+CME ERROR: 10"))], id="cme-error"),
    pytest.param(
        CMGL, b"\r\n+CMGL: 1,1,,40\r\n" + PDU_LINE.encode() + b"\r\n\r\nOK\r\n",
        [Response("AT+CMGL=4", ("+CMGL: 1,1,,40", PDU_LINE), Final("OK"))], id="cmgl-pdu-line"),
    pytest.param(
        CUSD, b'\r\nOK\r\n\r\n+CUSD: 0,"Sisa pulsa Rp 5.000",15\r\n',
        [Response(CUSD.text, (), Final("OK")), Urc('+CUSD: 0,"Sisa pulsa Rp 5.000",15')], id="cusd-after-ok"),
    pytest.param(
        CUSD, b'\r\n+CUSD: 1,"Menu\r\n1. Cek pulsa\r\n2. Paket",15\r\n\r\nOK\r\n',
        [Urc('+CUSD: 1,"Menu\n1. Cek pulsa\n2. Paket",15'), Response(CUSD.text, (), Final("OK"))],
        id="cusd-multiline-menu"),
    pytest.param(
        CSQ, b"\r\n+CDS: 25\r\n" + PDU_LINE.encode() + b"\r\n\r\n+CSQ: 9,0\r\n\r\nOK\r\n",
        [Urc("+CDS: 25", PDU_LINE), Response("AT+CSQ", ("+CSQ: 9,0",), Final("OK"))], id="cds-with-body"),
    pytest.param(
        CSQ, b"\r\nUNDER-VOLTAGE WARNNING\r\n\r\n+CSQ: 31,0\r\n\r\nOK\r\n",
        [Urc("UNDER-VOLTAGE WARNNING"), Response("AT+CSQ", ("+CSQ: 31,0",), Final("OK"))], id="under-voltage"),
]


def _feed_all(session: at.AtSession, data: bytes, chunk: int | None) -> list:
    events = []
    if chunk is None:
        events += session.feed(data)
    else:
        for i in range(0, len(data), chunk):
            events += session.feed(data[i:i + chunk])
    return events


@pytest.mark.parametrize("chunk", [None, 1, 2, 7])
@pytest.mark.parametrize("command,wire,expected", CASES)
def test_transcript(command, wire, expected, chunk):
    session = at.AtSession()
    assert session.start(command, now=0.0) == command.text.encode() + b"\r"
    assert _feed_all(session, wire, chunk) == expected
    assert session.state is at.State.IDLE or session.pending is None


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_cmgs_prompt_then_result(chunk):
    session = at.AtSession()
    session.start(CMGS, now=0.0)
    events = _feed_all(session, b'\r\n+CMTI: "SM",1\r\n\r\n> ', chunk)
    assert events == [Urc('+CMTI: "SM",1'), Prompt()]
    body = "0011000C916281000000010000AA0BC8329BFD06"
    assert session.send_data(body, now=1.0) == body.encode() + b"\x1a"
    # Echo of the PDU (with its Ctrl-Z), then the result.
    events = _feed_all(session, body.encode() + b"\x1a\r\n\r\n+CMGS: 17\r\n\r\nOK\r\n", chunk)
    assert events == [Response("AT+CMGS=23", ("+CMGS: 17",), Final("OK"))]


def test_cmgs_error_instead_of_prompt():
    session = at.AtSession()
    session.start(CMGS, now=0.0)
    events = session.feed(b"\r\n+CMS ERROR: 330\r\n")
    assert events == [Response("AT+CMGS=23", (), Final("+CMS ERROR: 330"))]
    err = events[0].error()
    assert isinstance(err, CmsError) and err.code == 330


def test_prompt_not_recognised_outside_prompt_state():
    session = at.AtSession()
    session.start(CSQ, now=0.0)
    assert session.feed(b"> ") == []
    events = session.feed(b"\r\n+CSQ: 1,0\r\n\r\nOK\r\n")
    assert not any(isinstance(e, Prompt) for e in events)
    assert events[-1] == Response("AT+CSQ", ("+CSQ: 1,0",), Final("OK"))


def test_timeout_then_stale_result():
    session = at.AtSession()
    session.start(CSQ, now=0.0)
    assert session.check_timeout(4.9) == []
    assert session.check_timeout(5.0) == [Timeout("AT+CSQ", "final")]
    assert session.pending is None
    # The modem answers late: stale, never paired with the next command.
    assert session.feed(b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n") == [Urc("+CSQ: 20,0"), Stale("OK")]


def test_prompt_timeout_reports_prompt():
    session = at.AtSession()
    session.start(CMGS, now=0.0)
    assert session.check_timeout(10.0) == [Timeout("AT+CMGS=23", "prompt")]


def test_late_cmgs_is_stale():
    session = at.AtSession()
    assert session.feed(b"\r\n+CMGS: 201\r\n\r\nOK\r\n") == [Stale("+CMGS: 201"), Stale("OK")]


def test_garbage_and_reboot_codes_while_idle():
    session = at.AtSession()
    events = session.feed(b"\x00\xff\xfe\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n")
    assert isinstance(events[0], Garbage)
    assert events[1:] == [Urc("RDY"), Urc("+CFUN: 1"), Urc("+CPIN: READY"), Urc("Call Ready")]


def test_line_buffer_is_bounded():
    session = at.AtSession()
    events = session.feed(b"A" * (at.MAX_LINE + 10))
    assert len(events) == 1 and isinstance(events[0], Garbage)
    assert session.feed(b"\r\nRING\r\n") == [Urc("RING")]


def test_start_while_busy_is_a_bug():
    session = at.AtSession()
    session.start(CSQ, now=0.0)
    with pytest.raises(RuntimeError):
        session.start(CSQ, now=0.0)


@pytest.mark.parametrize("final,cls,code,text", [
    ("+CMS ERROR: 500", CmsError, 500, ""),
    ("+CMS ERROR: SMSC address unknown", CmsError, 330, "SMSC address unknown"),
    ("+CME ERROR: SIM not inserted", CmeError, 10, "SIM not inserted"),
    ("+CME ERROR: 14", CmeError, 14, ""),
    ("ERROR", CommandError, None, ""),
])
def test_error_finals_keep_raw_code(final, cls, code, text):
    resp = Response("AT+X", (), Final(final))
    err = resp.error()
    assert type(err) is cls
    assert err.code == code
    assert err.text == text
