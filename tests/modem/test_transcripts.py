"""What real SIM800-family and SIM7600 modems printed, replayed against Siaran.

Each file in ``tests/transcripts/`` is a published capture (source in its
header).  Part 1 feeds every transcript through :class:`AtSession` whole and in
1-, 2- and 7-byte chunks and checks each command ends in exactly the response
the file implies, URCs come out as URCs and nothing as garbage.  Part 2 serves
transcripts on a real pseudo-terminal (:class:`tests.replay_modem.ReplayModem`,
strict: recorded bytes for recorded commands, ``ERROR`` for anything else) and
drives :class:`Modem` through them, asserting what it parses.  Commands the
driver sent that a recording does not cover are listed in the assertions.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from firmware.errors import CmsError, ModemError, ModemRebooted
from firmware.modem import at, pdu
from firmware.modem.at import Command, Garbage
from firmware.modem.driver import Modem, parse_cusd
from replay_modem import TRANSCRIPTS, ReplayModem, Transcript, all_transcripts, load

TRANSCRIPT_LIST = all_transcripts()

# The driver's choices (firmware/modem/driver.py), mirrored so the session is configured as in production.
_BARE = {
    "AT+CGMI": "+CGMI:", "AT+CGMM": "+CGMM:", "AT+CGMR": "+CGMR:", "AT+CGSN": "+CGSN:", "AT+CIMI": "+CIMI:",
    "AT+CCID": "+CCID:", "AT+CICCID": "+ICCID:", "AT+GMR": "+GMR:", "AT+GSN": "+GSN:", "AT+GMI": "+GMI:",
    "AT+GMM": "+GMM:", "ATI": "",
}


def command_for(text: str) -> Command:
    """The :class:`Command` the driver would build for ``text``."""
    up = text.upper()
    if up in _BARE:
        prefix = _BARE[up]
        return Command(text, prefixes=(prefix,) if prefix else (), bare=True)
    if up.startswith("AT+CMGS="):
        return Command(text, prefixes=("+CMGS:",), prompt=True, timeout=60)
    if up.startswith("AT+CUSD"):
        return Command(text)  # Modem.ussd(): the answer is a URC
    m = re.match(r"AT\+([A-Z]+)", up)
    return Command(text, prefixes=(f"+{m.group(1)}:",) if m else ())


def _feed(session: at.AtSession, data: bytes, chunk: int | None) -> list:
    if chunk is None:
        return session.feed(data)
    events = []
    for i in range(0, len(data), chunk):
        events += session.feed(data[i:i + chunk])
    return events


def replay_session(transcript: Transcript, chunk: int | None) -> list[list]:
    """Feed the transcript to a fresh session; events grouped like Transcript.expected_events()."""
    session = at.AtSession()
    groups = [_feed(session, b"".join(i.data for i in transcript.preamble), chunk)]
    for block in transcript.blocks:
        session.start(command_for(block.command), now=0.0)
        first, rest = block.reply()
        events = _feed(session, first, chunk)
        if block.prompt:
            assert at.Prompt() in events, f"{block.command}: no prompt"
            session.send_data(block.body, now=0.0)
        events += _feed(session, rest, chunk)
        groups.append(events)
    return groups


# -- part 1: AtSession ------------------------------------------------------------


def test_every_transcript_names_its_source():
    assert {t.path.parent.name for t in TRANSCRIPT_LIST} == {"sim800", "sim7600"}
    for t in TRANSCRIPT_LIST:
        assert t.meta["source"].strip() and t.meta["device"].strip(), t.name
        assert t.blocks or t.preamble, t.name


@pytest.mark.parametrize("chunk", [None, 1, 2, 7], ids=["whole", "1", "2", "7"])
@pytest.mark.parametrize("transcript", TRANSCRIPT_LIST, ids=lambda t: t.name)
def test_session_classifies_real_output(transcript, chunk):
    got = replay_session(transcript, chunk)
    want = transcript.expected_events()
    labels = ["(power-on)"] + [b.command for b in transcript.blocks]
    for label, g, w in zip(labels, got, want):
        assert not [e for e in g if isinstance(e, Garbage)], f"{label}: garbage {g}"
        assert g == w, f"{transcript.name}: {label}"
    assert len(got) == len(want)


def test_incomplete_block_leaves_the_command_pending():
    t = load(TRANSCRIPTS / "sim800/espidf3697_sim800_hexdump.txt")
    session = at.AtSession()
    for block in t.blocks:
        session.start(command_for(block.command), now=0.0)
        for chunk in block.before:  # the dump's own read() chunks
            session.feed(chunk.data)
    assert session.pending is not None and session.pending.text == "AT+CGMM"


def test_verbose_cms_text_maps_to_its_number():
    t = load(TRANSCRIPTS / "sim7600/arduino_forum_sim7600ah_cms_unknown_error.txt")
    (response,) = [e for e in replay_session(t, None)[1] if isinstance(e, at.Response)]
    error = response.error()
    assert isinstance(error, CmsError) and error.code == 500 and error.text == "Unknown error"


def test_manual_cmgs_example_gives_the_message_reference():
    t = load(TRANSCRIPTS / "sim7600/manual_v1_12_examples.txt")
    groups = replay_session(t, 1)
    index = [b.command for b in t.blocks].index('AT+CMGS="13000000001"') + 1
    (response,) = [e for e in groups[index] if isinstance(e, at.Response)]
    assert response.ok and response.info("+CMGS:") == ["46"]


def test_real_cusd_urcs_decode():
    stm32 = load(TRANSCRIPTS / "sim800/stm32_sim800l_boot_init_ussd.txt")
    (urc,) = [e for e in replay_session(stm32, 7)[-1] if isinstance(e, at.Urc)]
    reply = parse_cusd(urc.value)  # +CUSD: 0, "0032...", 72  (spaces after commas, DCS 72 = UCS-2)
    assert (reply.status, reply.text, reply.dcs) == (0, "200.00 \u0440.", 72)
    tinygsm = load(TRANSCRIPTS / "sim800/tinygsm140_sim800_cusd_terminated.txt")
    (urc,) = [e for e in replay_session(tinygsm, 2)[-1] if isinstance(e, at.Urc)]
    assert parse_cusd(urc.value) == type(reply)(2, "", None)


def test_sim800l_accepts_the_drivers_first_cnmi_choice():
    """AT+CNMI=2,1,0,2 (python-gsmmodem's default) is outside SIM800L's ranges; the driver starts with 2,1,0,1,0."""
    t = load(TRANSCRIPTS / "sim800/gsmmodem60_sim800l_cnmi_ranges.txt")
    (response,) = [e for e in replay_session(t, None)[1] if isinstance(e, at.Response)]
    ranges = re.findall(r"\(([^)]*)\)", response.info("+CNMI:")[0])

    def allowed(spec: str) -> set[int]:
        out: set[int] = set()
        for part in spec.split(","):
            lo, _, hi = part.partition("-")
            out |= set(range(int(lo), int(hi or lo) + 1))
        return out

    fits = lambda values: all(v in allowed(r) for v, r in zip(values, ranges))  # noqa: E731
    assert fits((2, 1, 0, 1, 0)) and not fits((2, 1, 0, 2, 0))


# -- part 2: the driver over a pseudo-terminal --------------------------------------


@pytest.fixture
def replay():
    """Factory: serve a transcript on a pty and open a Modem on it; both closed after the test."""
    started: list[tuple[ReplayModem, Modem]] = []

    def start(name: str, **kwargs) -> tuple[Modem, ReplayModem]:
        fake = ReplayModem(load(TRANSCRIPTS / name)).start()
        kwargs.setdefault("sleep", lambda s: None)
        modem = Modem.open(fake.port, command_gap=0.0, send_timeout=3.0, prompt_timeout=3.0, **kwargs)
        started.append((fake, modem))
        return modem, fake

    yield start
    for fake, modem in started:
        modem.close()
        fake.stop()


def _events(modem: Modem, count: int) -> list:
    out = []
    for _ in range(count):
        event = modem.next_event(timeout=3.0)
        assert event is not None, f"only {out} arrived"
        out.append(event)
    return out


def test_sim7600gh_identify_status_and_idle_cmti(replay):
    modem, fake = replay("sim7600/m2msupport_tester_sim7600gh_session.txt")
    ident = modem.identify()
    assert (ident.manufacturer, ident.model, ident.revision, ident.family) == (
        "SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", "LE20B03SIM7600M22", "sim7600")
    assert (ident.imei, ident.imsi, ident.iccid) == ("860000000000001", "655000000000001", "")
    status = modem.status()
    assert status.registration == {"cs": "home", "ps": "home"} and status.registered
    assert (status.sim, status.operator, status.operator_code) == ("READY", "Cell C  Cell C", "")
    assert (status.signal.rssi, status.signal.ber, status.signal.dbm) == (16, 99, -81)
    assert status.smsc == "+27800000001"
    modem.signal(), modem.signal()  # the recording's 2nd and 3rd AT+CSQ; +CMTI follows the 3rd
    (event,) = _events(modem, 1)
    assert (event.kind, event.mem, event.index) == ("sms_stored", "SM", 2)
    # What the driver asked that this SIM7600G-H recording has no answer for (answered ERROR):
    assert fake.unrecorded == ["AT+CICCID", "AT+CCID", "AT+CEREG?", "AT+COPS=3,2"]


def test_sim7600_unset_clock_is_not_reported_as_2080(replay):
    """A never-set SIM7600 clock (+CCLK: "80/01/06,...") is 1980, not 2080, and not network time."""
    modem, _ = replay("sim7600/m2msupport_tester_sim7600gh_session.txt")
    assert modem.network_time() is None


def test_sim7600_boot_urcs_then_echoed_at(replay):
    modem, fake = replay("sim7600/lilygo_t_sim7600x_boot.txt")
    fake.power_on()
    kinds = [(e.kind, e.line) for e in _events(modem, 4)]
    assert kinds == [("boot", "RDY"), ("sim", "+CPIN: READY"), ("sms_ready", "SMS DONE"), ("other", "PB DONE")]
    modem.sync(timeout=2.0)
    assert fake.received == ["AT"] and fake.unrecorded == []


def test_sim7600_manual_iccid_and_smsc(replay):
    modem, fake = replay("sim7600/manual_v1_12_examples.txt")
    assert modem.identify().iccid == "89000000000000A00001"  # generic family: AT+CCID first, then AT+CICCID
    assert modem.smsc() == "+8613000000000"  # '"+8613000000000", 145' with the space before the type
    assert "AT+CCID" in fake.unrecorded and "AT+CICCID" not in fake.unrecorded


def test_sim800l_boot_urcs_signal_registration_clock(replay):
    modem, fake = replay("sim800/stm32_sim800l_boot_init_ussd.txt")
    fake.power_on()
    kinds = [(e.kind, e.line) for e in _events(modem, 5)]
    assert kinds == [("boot", "RDY"), ("boot", "+CFUN: 1"), ("sim", "+CPIN: READY"),
                     ("other", "Call Ready"), ("sms_ready", "SMS Ready")]
    modem.sync(timeout=2.0)
    modem.command("ATE0")
    signal = modem.signal()
    assert (signal.rssi, signal.ber, signal.dbm, signal.bars) == (15, 0, -83, 3)
    assert modem.registration() == {"cs": "searching"}  # the first of the two recorded +CREG? answers
    assert modem.network_time() == datetime(2021, 11, 17, 16, 17, 48, tzinfo=timezone(timedelta(minutes=30)))
    assert fake.unrecorded == ["AT+CGREG?", "AT+CEREG?"]


def test_sim800c_echo_before_ate0_and_bare_manufacturer(replay):
    modem, fake = replay("sim800/gsmmodem64_sim800c_init_echo.txt")
    modem.sync(timeout=2.0)
    modem.command("ATE0")  # answered with the echo "ATE0\r" before OK
    assert modem.sim_state() == "READY"
    ident = modem.identify()
    assert (ident.manufacturer, ident.model, ident.family) == ("SIMCOM_Ltd", "", "generic")
    assert fake.unrecorded == ["AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CIMI", "AT+CCID", "AT+CICCID"]


def test_sim800_exact_read_chunks_sync_and_ate0(replay):
    modem, fake = replay("sim800/espidf3697_sim800_hexdump.txt")
    modem.sync(timeout=2.0)
    modem.command("ATE0")
    assert fake.received == ["AT", "ATE0"]


def test_echoing_simcom_cmti_then_read_pdu(replay):
    modem, fake = replay("sim800/gsmmodem56_simcom2g_cmti_cmgr_echo.txt")
    assert modem.sim_state() == "READY"  # echo "AT+CPIN?\r" precedes the answer although ATE0 said OK
    (event,) = _events(modem, 1)
    assert (event.kind, event.mem, event.index) == ("sms_stored", "SM", 13)
    stored = modem.read(13)
    assert stored is not None and stored.error is None and stored.status == 0
    assert isinstance(stored.decoded, pdu.Deliver)
    assert (stored.decoded.text, stored.decoded.sender.number) == ("vanila", "+972500000001")
    assert stored.decoded.timestamp == datetime(2015, 9, 7, 15, 25, 19, tzinfo=timezone(timedelta(hours=3)))
    assert fake.unrecorded == []


def test_reboot_while_command_pending_is_reported_at_once(replay):
    modem, fake = replay("sim800/tinygsm318_sim808_reboot_during_command.txt")
    assert modem.sim_state() == "NOT READY"  # the recording's first AT+CPIN?: ERROR
    started = time.monotonic()
    with pytest.raises(ModemRebooted):
        modem.sim_state()  # RDY, +CFUN: 1, +CPIN: SIM PIN instead of an answer
    assert time.monotonic() - started < 2.0  # not the 10 s command timeout
    assert modem.sim_state() == "SIM PIN"  # the next AT+CPIN? is answered again
    kinds = [(e.kind, e.line) for e in _events(modem, 3)]
    assert kinds == [("boot", "RDY"), ("boot", "+CFUN: 1"), ("sim", "+CPIN: SIM PIN")]


def test_soft_reset_survives_the_reboot_it_requested(replay):
    """SIM808 answers OK to AT+CFUN=1,1 and keeps answering before it reboots: soft_reset waits for the boot."""
    modem, fake = replay("sim800/tinygsm318_sim808_reboot_during_command.txt")
    try:
        modem.soft_reset(ready_timeout=2.0)
    except ModemRebooted as exc:
        pytest.fail(f"soft_reset() raised {exc!r}; host sent {fake.received}")
    except ModemError:
        pass  # anything else (e.g. SimNotReady: the SIM wants a PIN) is the recording's own outcome
