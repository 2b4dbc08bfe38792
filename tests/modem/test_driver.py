"""The driver against the emulated modem, through a real pseudo-terminal and pyserial.

Nothing here mocks the serial port: each test starts a :class:`PtyEmulator`
and opens its slave end with the real :class:`~firmware.modem.channel.AtChannel`.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from firmware.errors import CmsError, ModemRebooted, ModemTimeout, ModemUnavailable, SimNotReady
from firmware.modem import at, errorclass, pdu
from firmware.modem.driver import Modem, PartialSend, is_registered, urc_to_event
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator

NUMBER = "+6281200000001"
OTHER = "+6281299990002"
LONG_TEXT = (
    "Peringatan dini BPBD: hujan lebat diperkirakan turun malam ini. Warga RW 01 sampai RW 05 di lereng utara "
    "diminta waspada longsor, siapkan tas siaga, dan segera mengungsi ke balai desa bila tanah retak atau air "
    "sumur tiba-tiba keruh. Info lebih lanjut hubungi posko kecamatan."
)


@pytest.fixture
def emulator(tmp_path):
    """Factory: start an emulator with the given config knobs; stopped after the test."""
    started: list[PtyEmulator] = []

    def start(seed: int | None = None, **knobs) -> PtyEmulator:
        emu = PtyEmulator(EmulatorConfig(**knobs), log_path=tmp_path / f"emu{len(started)}.jsonl", seed=seed)
        emu.start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture
def modem_on(emulator):
    """Factory: an initialised driver on a fresh emulator."""
    opened: list[Modem] = []

    def make(send_timeout: float = 5.0, pin: str | None = None, **knobs) -> tuple[Modem, PtyEmulator]:
        emu = emulator(**knobs)
        modem = Modem.open(emu.port, command_gap=0.0, send_timeout=send_timeout, prompt_timeout=send_timeout, pin=pin)
        opened.append(modem)
        modem.initialise(ready_timeout=10)
        return modem, emu

    yield make
    for modem in opened:
        modem.close()


def _next_event(modem: Modem, kind: str, timeout: float = 5.0):
    """The first event of ``kind`` the modem reports within ``timeout`` s (others are passed over), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = modem.next_event(timeout=0.5)
        if event is not None and event.kind == kind:
            return event
    return None


def _log(emu: PtyEmulator) -> list[dict]:
    path = Path(emu.log_path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("model,family", [("sim800", "sim800"), ("sim7600", "sim7600")])
def test_initialise_and_identify(modem_on, model, family):
    modem, _ = modem_on(model=model)
    assert modem.identity is not None
    assert modem.identity.family == family
    assert modem.identity.imei.isdigit() and len(modem.identity.imei) == 15
    assert modem.identity.iccid
    status = modem.status()
    assert status.sim == "READY"
    assert status.registered
    assert status.operator
    assert status.signal.dbm is not None and -113 <= status.signal.dbm <= -51
    assert status.smsc
    if family == "sim7600":
        assert "eps" in status.registration
    else:
        assert "eps" not in status.registration


@pytest.mark.parametrize("model", ["sim800", "sim7600"])
def test_send_single_part_reaches_the_wire(modem_on, model):
    modem, emu = modem_on(model=model)
    result = modem.send(NUMBER, "Tes Siaran: pesan percobaan.")
    assert result.encoding == "gsm7"
    assert len(result.parts) == 1 and 0 <= result.parts[0].message_ref <= 255
    (entry,) = _log(emu)
    assert entry["text"] == "Tes Siaran: pesan percobaan."
    assert entry["number"].endswith("81200000001")
    assert entry["message_ref"] == result.parts[0].message_ref


def test_send_multipart_unicode_reports_every_reference(modem_on):
    modem, emu = modem_on()
    text = LONG_TEXT + " 🙏"
    result = modem.send(NUMBER, text)
    assert result.encoding == "ucs2"
    refs = result.message_refs
    assert len(refs) == len(pdu.split_text(text, pdu.Encoding.UCS2)) and len(set(refs)) == len(refs)
    entries = _log(emu)
    assert "".join(e["text"] for e in entries) == text
    assert [e["concat"]["seq"] for e in entries] == list(range(1, len(refs) + 1))


def test_message_reference_wraps_at_256(modem_on):
    modem, _ = modem_on()
    refs = [modem.send(NUMBER, f"n{i}").parts[0].message_ref for i in range(260)]
    assert all(0 <= r <= 255 for r in refs)
    assert refs[256] == refs[0]


def test_delivery_report_matches_reference(modem_on):
    modem, _ = modem_on(report_delay=0.05)
    result = modem.send(NUMBER, "Mohon konfirmasi.", report=True, validity=timedelta(days=1))
    event = _next_event(modem, "status_report")
    assert event is not None
    assert event.report.message_ref == result.parts[0].message_ref
    assert event.report.recipient.number.endswith("81200000001")
    assert event.report.status_class is pdu.ReportStatus.DELIVERED


def test_a_modem_that_only_stores_reports_gets_cnmi_ds_2_and_reports_read_from_sr(modem_on):
    """Firmware that refuses <ds>=1: the driver falls back to <ds>=2, learns the "SR" storage,
    and reads the report a +CDSI points at there (not in "SM": the 321 python-gsmmodem users met)."""
    modem, emu = modem_on(model="sim7600", cds_direct=False, report_delay=0.05)
    assert modem.report_memory == "SR"
    result = modem.send(NUMBER, "Mohon konfirmasi.", report=True)
    event = _next_event(modem, "status_report_stored")
    assert event is not None and (event.mem, event.index) == ("SR", 1)
    assert modem.read(event.index) is None  # "SM" slot 1: empty
    with modem.reading_from(event.mem):
        stored = modem.read(event.index)
        assert isinstance(stored.decoded, pdu.StatusReport)
        assert stored.decoded.message_ref == result.parts[0].message_ref
        modem.delete(event.index)
        assert modem.list_messages() == []
    assert emu.modem.stored("SR") == {} and modem.command("AT+CPMS?", ("+CPMS:",)).lines[0].startswith('+CPMS: "SM"')


def test_a_modem_with_cds_gets_ds_1_and_no_report_memory(modem_on):
    modem, _ = modem_on(model="sim7600")
    assert modem.report_memory is None and modem.indications == "buffered"
    assert modem.command("AT+CNMI?", ("+CNMI:",)).lines == ("+CNMI: 2,1,0,1,0",)


@pytest.mark.parametrize("model,setting,memory", [("sim7600", "1,1,0,2,0", "SR"), ("sim800", "1,1,0,1,0", None)])
def test_a_modem_that_cannot_buffer_indications_prefers_stored_reports(modem_on, model, setting, memory):
    """CNMI mode 1 drops indications while a command runs: a dropped +CDS is gone, a stored report is
    not (the worker's sweep finds it), so ds 2 goes first where the modem has it."""
    modem, _ = modem_on(model=model, cnmi_buffering=False)
    assert (modem.indications, modem.report_memory) == ("lossy", memory)
    assert modem.command("AT+CNMI?", ("+CNMI:",)).lines == (f"+CNMI: {setting}",)


def test_incoming_multipart_is_stored_read_and_deleted(modem_on):
    modem, emu = modem_on()
    emu.inject_incoming(OTHER, LONG_TEXT)
    indices = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(indices) < 2:
        event = modem.next_event(timeout=0.5)
        if event is not None and event.kind == "sms_stored":
            indices.append(event.index)
    assert len(indices) >= 2
    stored = modem.list_messages()
    parts = sorted((m.decoded for m in stored), key=lambda d: d.concat.seq)
    assert "".join(p.text for p in parts) == LONG_TEXT
    assert all(p.sender.number == OTHER for p in parts)
    first = modem.read(stored[0].index)
    assert first is not None and first.decoded == stored[0].decoded
    for m in stored:
        modem.delete(m.index)
    assert modem.list_messages() == []
    assert modem.read(stored[0].index) is None


def test_ussd_balance_gsm_and_ucs2(modem_on):
    modem, _ = modem_on()
    reply = modem.ussd("*888#", timeout=5)
    assert reply.status in (0, 1)
    assert "pulsa" in reply.text.lower()
    reply = modem.ussd("*123#", timeout=5)
    assert reply.status in (0, 1) and reply.text and not all(c in "0123456789ABCDEF" for c in reply.text)


def test_network_time(modem_on):
    modem, _ = modem_on()
    clock = modem.network_time()
    assert clock is not None and clock.utcoffset() == timedelta(hours=7)


def test_bad_number_is_classified_and_does_not_block_the_next(modem_on):
    modem, emu = modem_on(cms_error_numbers={"+6281299990009": 1})
    with pytest.raises(CmsError) as info:
        modem.send("+6281299990009", "x")
    assert info.value.code == 1
    assert errorclass.classify(info.value) is errorclass.ErrorClass.BAD_DESTINATION
    assert modem.send(NUMBER, "berikutnya").parts[0].message_ref is not None
    assert len(_log(emu)) == 1


def test_network_loss_is_a_network_fault(modem_on):
    modem, _ = modem_on(network_loss_after=1)
    modem.send(NUMBER, "satu")
    with pytest.raises(CmsError) as info:
        modem.send(NUMBER, "dua")
    assert errorclass.classify(info.value) is errorclass.ErrorClass.NETWORK_FAULT
    assert not modem.status().registered


@pytest.mark.parametrize("model", ["sim800", "sim7600"])
def test_initialise_asks_for_registration_urcs_and_reports_loss_and_return(modem_on, model):
    """27.007 §7.2 <n>=1: the driver hears the network go and come back, without polling."""
    modem, emu = modem_on(model=model)
    emu.drop_network(0.3)
    domains = ("cs", "ps") if model == "sim800" else ("cs", "ps", "eps")
    lost = [_next_event(modem, "registration").registration for _ in domains]
    assert lost == [{d: "searching"} for d in domains]
    back = [_next_event(modem, "registration").registration for _ in domains]
    assert back == [{d: "home"} for d in domains]
    assert modem.status().registered


@pytest.mark.parametrize("line, registration", [
    ("+CREG: 2", {"cs": "searching"}),
    ("+CREG: 1,\"2F1A\",\"5A2C\"", {"cs": "home"}),
    ("+CGREG: 5", {"ps": "roaming"}),
    ("+CEREG: 1,\"2F1A\",\"0A2C1B01\",7", {"eps": "home"}),
    ("+CEREG: 4", {"eps": "unknown"}),
    ("+CREG: 1,3", {"cs": "denied"}),  # a read answer's form (<n>,<stat>) arriving unasked
    ("+CREG: 0", {"cs": "not_registered"}),
])
def test_registration_urcs_say_which_domain_and_state(line, registration):
    event = urc_to_event(at.Urc(line))
    assert (event.kind, event.registration, event.error) == ("registration", registration, None)
    assert is_registered(registration) == (registration in ({"cs": "home"}, {"ps": "roaming"}, {"eps": "home"}))


def test_a_registration_urc_without_a_state_is_reported_not_guessed():
    event = urc_to_event(at.Urc("+CREG: "))
    assert event.kind == "registration" and event.registration is None and event.error


def test_hang_times_out_then_port_stays_usable_for_recovery(modem_on):
    modem, emu = modem_on(hang_after=1, send_timeout=1.0)
    modem.send(NUMBER, "satu")
    t0 = time.monotonic()
    with pytest.raises(ModemTimeout):
        modem.send(NUMBER, "dua")
    assert time.monotonic() - t0 < 10
    with pytest.raises((ModemTimeout, ModemUnavailable)):
        modem.sync(timeout=1.0)
    emu.reboot()  # what a power-cycle does
    modem.initialise(ready_timeout=10)
    assert modem.send(NUMBER, "tiga").parts[0].message_ref is not None


def test_reboot_mid_send_is_reported_at_once_and_recovered(modem_on):
    modem, emu = modem_on(reboot_after=1)
    modem.send(NUMBER, "satu")
    t0 = time.monotonic()
    with pytest.raises(ModemRebooted):
        modem.send(NUMBER, "dua")  # the modem browns out during this send
    assert time.monotonic() - t0 < 2, "a reboot must not wait for the send timeout"
    assert errorclass.classify(ModemRebooted("AT+CMGS=17", "RDY")) is errorclass.ErrorClass.MODEM_FAULT
    assert _next_event(modem, "boot") is not None
    modem.initialise(ready_timeout=10)
    assert modem.send(NUMBER, "dua").parts[0].message_ref is not None


def test_garbage_on_the_line_does_not_break_commands(modem_on):
    modem, emu = modem_on(garbage_rate=0.3, seed=7)
    for i in range(20):
        assert modem.send(NUMBER, f"pesan {i}").parts[0].message_ref is not None
    assert len(_log(emu)) == 20


def test_slow_prompt_and_latency(modem_on):
    modem, emu = modem_on(prompt_delay=0.3, send_latency=0.2)
    t0 = time.monotonic()
    modem.send(NUMBER, "lambat")
    assert 0.5 <= time.monotonic() - t0 < 5


def test_partial_send_reports_parts_that_went_out(modem_on):
    modem, emu = modem_on(network_loss_after=1)
    with pytest.raises(PartialSend) as info:
        modem.send(NUMBER, LONG_TEXT)
    assert len(info.value.sent) == 1 and info.value.total >= 2
    assert len(_log(emu)) == 1


def test_sim_pin(modem_on, emulator):
    modem, _ = modem_on(sim_pin="1234", pin="1234")
    assert modem.sim_state() == "READY"
    emu = emulator(sim_pin="1234")
    locked = Modem.open(emu.port, command_gap=0.0)
    try:
        with pytest.raises(SimNotReady) as info:
            locked.initialise(ready_timeout=3)
        assert info.value.state == "SIM PIN"
    finally:
        locked.close()


def test_two_modems_at_once(modem_on):
    a, emu_a = modem_on(model="sim800")
    b, emu_b = modem_on(model="sim7600")
    a.send(NUMBER, "dari A")
    b.send(NUMBER, "dari B")
    assert [e["text"] for e in _log(emu_a)] == ["dari A"]
    assert [e["text"] for e in _log(emu_b)] == ["dari B"]


def test_port_that_does_not_exist():
    with pytest.raises(ModemUnavailable):
        Modem.open("/dev/does-not-exist-siaran")


def test_urcs_interleaved_with_sends_are_all_delivered(modem_on):
    """Incoming SMS notifications arriving before prompts and between commands lose nothing."""
    modem, emu = modem_on(urc_before_prompt=True)
    for i in range(10):
        emu.inject_incoming(OTHER, f"BALASAN {i}")
        assert modem.send(NUMBER, f"kirim {i}").parts[0].message_ref is not None
    stored = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(stored) < 10:
        event = modem.next_event(timeout=0.3)
        if event is not None and event.kind == "sms_stored":
            stored.append(event.index)
    assert len(stored) == 10
    texts = sorted(m.decoded.text for m in modem.list_messages())
    assert texts == sorted(f"BALASAN {i}" for i in range(10))
    assert len(_log(emu)) == 10
