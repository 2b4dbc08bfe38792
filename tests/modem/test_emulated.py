"""The emulated SIMCom modem, byte for byte, against V.250 / 27.007 / 27.005.

Sans-I/O: bytes go into :class:`EmulatedModem`, exact bytes are expected out,
time is a fake clock moved by the test.  Nothing here depends on Siaran's
driver; the expected bytes come from the standards and the SIMCom manuals.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.errors import ConfigError
from firmware.modem import pdu
from firmware.modem.emulator.modem import EmulatedModem, EmulatorConfig

NETWORK_TIME = datetime(2026, 11, 26, 10, 0, 0, tzinfo=timezone.utc)  # 17:00 WIB
WIB = timezone(timedelta(hours=7))
RECIPIENT = "+6281200000001"
OTHER = "+6281299990000"
SENDER = "+6281200000077"

SIM800_BOOT = b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n"
SIM7600_BOOT = b"\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Rig:
    """A modem, its clock and what it reported as sent."""

    def __init__(self, *, boot: bool = True, seed: int = 1, **config):
        config.setdefault("network_time", NETWORK_TIME)
        self.clock = FakeClock()
        self.sent: list[dict] = []
        self.modem = EmulatedModem(
            EmulatorConfig(**config), clock=self.clock, rng=random.Random(seed), on_sent=self.sent.append
        )
        self.boot_output = b""
        if boot:
            self.modem.power_on()
            self.boot_output = self.run(1.0)

    def run(self, seconds: float) -> bytes:
        """Advance the clock ``seconds``, polling at every deadline on the way."""
        end = self.clock.now + seconds
        out = self.modem.poll()
        while True:
            deadline = self.modem.next_deadline()
            if deadline is None or deadline > end:
                break
            self.clock.now = max(self.clock.now, deadline)
            out += self.modem.poll()
        self.clock.now = end
        return out + self.modem.poll()

    def at(self, line: str | bytes) -> bytes:
        """Send one command line (CR added) and return the immediate output."""
        data = line.encode("latin-1") if isinstance(line, str) else line
        return self.modem.receive(data + b"\r")

    def quiet(self) -> Rig:
        """Echo off, numeric CMS/CME errors, PDU mode, reports routed as +CDS."""
        assert self.at("ATE0;+CMEE=1;+CMGF=0;+CNMI=2,1,0,1,0").endswith(b"\r\nOK\r\n")
        return self

    def send_pdu(self, part: pdu.SubmitPart, *, wait: float = 0.0) -> bytes:
        """AT+CMGS=<n>, expect the prompt, type the PDU and Ctrl-Z."""
        assert self.at(f"AT+CMGS={part.tpdu_length}") == b"\r\n> "
        return self.modem.receive(part.pdu.encode() + b"\x1a") + self.run(wait)


def submit(text: str = "Halo warga", number: str = RECIPIENT, **kwargs) -> pdu.SubmitPart:
    parts = pdu.encode_submit(number, text, **kwargs)
    assert len(parts) == 1
    return parts[0]


def info_lines(output: bytes) -> list[str]:
    return [line for line in output.decode("latin-1").split("\r\n") if line]


# --- boot ---------------------------------------------------------------------------


def test_sim800_boot_sequence_with_fixed_baud():
    assert Rig(model="sim800").boot_output == SIM800_BOOT


def test_sim800_autobaud_prints_no_rdy():
    assert Rig(model="sim800", fixed_baud=False).boot_output == SIM800_BOOT.replace(b"\r\nRDY\r\n", b"")


def test_sim7600_boot_sequence():
    assert Rig(model="sim7600").boot_output == SIM7600_BOOT


def test_input_before_boot_is_lost_and_sms_waits_for_sms_ready():
    rig = Rig(boot=False, boot_delay=0.1)
    rig.modem.power_on()
    assert rig.at("AT") == b""  # UART not up yet
    out = rig.run(0.35)  # RDY, +CFUN: 1 and +CPIN: READY; no SMS Ready yet
    assert out.endswith(b"+CPIN: READY\r\n")
    assert rig.at("ATE0") == b"ATE0\r\r\nOK\r\n"
    assert rig.at("AT+CMGF=0") == b"\r\nERROR\r\n"  # SIM800 field behaviour
    assert rig.run(0.3) == b"\r\nCall Ready\r\n\r\nSMS Ready\r\n"
    assert rig.at("AT+CMGF=0") == b"\r\nOK\r\n"


def test_sim7600_sms_before_sms_done_is_cms_302():
    rig = Rig(boot=False, model="sim7600", boot_delay=0.1)
    rig.modem.power_on()
    rig.run(0.35)
    assert rig.at("ATE0;+CMEE=1") == b"ATE0;+CMEE=1\r\r\nOK\r\n"
    assert rig.at("AT+CMGF=0") == b"\r\n+CMS ERROR: 302\r\n"


# --- V.250 command line -------------------------------------------------------------


def test_echo_is_on_after_power_on_until_ate0():
    rig = Rig()
    assert rig.at("AT") == b"AT\r\r\nOK\r\n"
    assert rig.at("ATE0") == b"ATE0\r\r\nOK\r\n"  # echoed as received, before E0 applies
    assert rig.at("AT") == b"\r\nOK\r\n"
    assert rig.at("ATE1") == b"\r\nOK\r\n"
    assert rig.at("at") == b"at\r\r\nOK\r\n"


def test_lf_after_cr_is_echoed_but_ignored_even_in_a_later_chunk():
    rig = Rig()
    assert rig.modem.receive(b"AT\r\n") == b"AT\r\n\r\nOK\r\n"
    assert rig.modem.receive(b"AT\r") == b"AT\r\r\nOK\r\n"
    assert rig.modem.receive(b"\n") == b"\n"


def test_byte_by_byte_input_gives_the_same_bytes():
    whole = Rig().at("AT+CSQ;+CREG?")
    rig = Rig()
    out = b"".join(rig.modem.receive(bytes([b])) for b in b"AT+CSQ;+CREG?\r")
    assert out == whole == b"AT+CSQ;+CREG?\r\r\n+CSQ: 20,0\r\n\r\n+CREG: 0,1\r\n\r\nOK\r\n"


_PART = pdu.encode_submit(RECIPIENT, "Halo warga")[0]
CONVERSATION = (
    b"AT\rATE0\rAT+CMEE=2;+CMGF=0;+CNMI=2,1,0,1,0\r"
    + f"AT+CMGS={_PART.tpdu_length}\r{_PART.pdu}\x1a".encode()
    + b"AT+CSQ\rAT+NOSUCH\rAT+CMGR=1\r"
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(CONVERSATION)), max_size=15))
def test_any_chunking_of_the_input_gives_the_same_bytes(cuts):
    """Like h11's tr(): whole, byte by byte or cut anywhere, the modem answers alike."""
    whole = Rig().modem.receive(CONVERSATION)
    rig = Rig()
    bounds = [0, *sorted(cuts), len(CONVERSATION)]
    out = b"".join(rig.modem.receive(CONVERSATION[a:b]) for a, b in zip(bounds, bounds[1:]))
    assert out == whole
    assert whole.endswith(b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n\r\nERROR\r\n\r\nOK\r\n")
    assert b"\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n" in whole


def test_lines_without_at_prefix_get_no_answer():
    rig = Rig().quiet()
    assert rig.at("hello") == b""
    assert rig.at("") == b""
    assert rig.at("\xffAT") == b"\r\nOK\r\n"  # noise before the prefix is ignored


def test_concatenated_extended_and_basic_commands():
    rig = Rig().quiet()
    assert rig.at("AT+CMGF=0;+CNMI=2,1,0,1,0") == b"\r\nOK\r\n"
    assert rig.at("AT+CMGF?;+CNMI?") == b"\r\n+CMGF: 0\r\n\r\n+CNMI: 2,1,0,1,0\r\n\r\nOK\r\n"
    assert rig.at("ATE1V1") == b"\r\nOK\r\n"
    assert rig.at("at + cmgf ?") == b"at + cmgf ?\r\r\n+CMGF: 0\r\n\r\nOK\r\n"


def test_an_error_stops_the_rest_of_the_line():
    rig = Rig().quiet()
    assert rig.at("AT+CMGF=1;+NOSUCH;+CMGF=0") == b"\r\nERROR\r\n"
    assert rig.at("AT+CMGF?") == b"\r\n+CMGF: 1\r\n\r\nOK\r\n"


@pytest.mark.parametrize(
    ("cmee", "cms_result", "cme_result"),
    [
        (0, b"\r\nERROR\r\n", b"\r\nERROR\r\n"),
        (1, b"\r\n+CMS ERROR: 321\r\n", b"\r\n+CME ERROR: 3\r\n"),
        (2, b"\r\n+CMS ERROR: invalid memory index\r\n", b"\r\n+CME ERROR: operation not allowed\r\n"),
    ],
)
def test_cmee_modes(cmee, cms_result, cme_result):
    rig = Rig()
    rig.at(f"ATE0;+CMEE={cmee}")
    assert rig.at("AT+CMGR=99") == cms_result
    assert rig.at('AT+CPIN="1234"') == cme_result  # SIM already unlocked
    assert rig.at("AT+NOSUCH") == b"\r\nERROR\r\n"  # unknown command: plain ERROR always
    assert rig.at("AT+CMGF=7") == b"\r\nERROR\r\n"  # invalid parameter: plain ERROR (27.007 §9.1)
    assert rig.at("AT+CMEE?") == f"\r\n+CMEE: {cmee}\r\n\r\nOK\r\n".encode()


def test_numeric_and_quiet_result_codes():
    rig = Rig().quiet()
    assert rig.at("ATV0") == b"0\r"
    assert rig.at("AT+CSQ") == b"+CSQ: 20,0\r\n0\r"
    assert rig.at("AT+NOSUCH") == b"4\r"
    assert rig.at("ATV1Q1") == b""
    assert rig.at("AT+CSQ") == b"\r\n+CSQ: 20,0\r\n"
    assert rig.at("ATQ0") == b"\r\nOK\r\n"


def test_a_slash_repeats_the_last_line():
    rig = Rig().quiet()
    rig.at("AT+CSQ")
    assert rig.modem.receive(b"A/") == b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n"


def test_backspace_edits_the_line():
    rig = Rig().quiet()
    assert rig.modem.receive(b"AT+CSX\x08Q\r") == b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n"


# --- identification, network, clock ---------------------------------------------------


@pytest.mark.parametrize(
    ("model", "command", "expected"),
    [
        ("sim800", "AT+CGMM", "SIMCOM_SIM800L"),
        ("sim800", "AT+CGMI", "SIMCOM_Ltd"),
        ("sim800", "ATI", "SIM800 R14.18"),
        ("sim800", "AT+CGSN", "860000000000001"),
        ("sim800", "AT+CIMI", "510100000000001"),
        ("sim800", "AT+CCID", "89621000000000000001"),
        ("sim800", "AT+CBC", "+CBC: 0,80,4000"),
        ("sim7600", "AT+CGMM", "SIMCOM_SIM7600E-H"),
        ("sim7600", "AT+CICCID", "+ICCID: 89621000000000000001"),
        ("sim7600", "AT+CEREG?", "+CEREG: 0,1"),
        ("sim7600", "AT+COPS?", '+COPS: 0,0,"TELKOMSEL",7'),
        ("sim800", "AT+COPS?", '+COPS: 0,0,"TELKOMSEL"'),
        ("sim800", "AT+CSCA?", '+CSCA: "+6281100000",145'),
        ("sim800", "AT+CPMS?", '+CPMS: "SM",0,30,"SM",0,30,"SM",0,30'),
        ("sim800", "AT+CSCS?", '+CSCS: "IRA"'),
        ("sim800", "AT+CSMP?", "+CSMP: 17,167,0,0"),
        ("sim800", "AT+CNMI?", "+CNMI: 2,1,0,0,0"),
        ("sim800", "AT+CFUN?", "+CFUN: 1"),
        ("sim800", "AT+CPIN?", "+CPIN: READY"),
    ],
)
def test_information_responses(model, command, expected):
    rig = Rig(model=model)
    rig.at("ATE0")
    assert rig.at(command) == f"\r\n{expected}\r\n\r\nOK\r\n".encode()


@pytest.mark.parametrize(("model", "command"), [("sim800", "AT+CEREG?"), ("sim800", "AT+CICCID"), ("sim7600", "AT+CCID")])
def test_commands_the_model_does_not_have(model, command):
    assert Rig(model=model).quiet().at(command) == b"\r\nERROR\r\n"


def test_sim7600_ati_is_multiline():
    out = Rig(model="sim7600").quiet().at("ATI")
    assert out.startswith(b"\r\nManufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E-H\r\n")
    assert out.endswith(b"IMEI: 860000000000001\r\n+GCAP: +CGSM\r\n\r\nOK\r\n")


def test_cops_numeric_format():
    rig = Rig().quiet()
    assert rig.at("AT+COPS=3,2") == b"\r\nOK\r\n"
    assert rig.at("AT+COPS?") == b'\r\n+COPS: 0,2,"51010"\r\n\r\nOK\r\n'


def test_cclk_shows_network_time_in_quarter_hours_and_can_be_set():
    rig = Rig().quiet()
    assert rig.at("AT+CCLK?") == b'\r\n+CCLK: "26/11/26,17:00:01+28"\r\n\r\nOK\r\n'
    assert rig.at('AT+CCLK="27/01/02,03:04:05+28"') == b"\r\nOK\r\n"
    rig.run(10)
    assert rig.at("AT+CCLK?") == b'\r\n+CCLK: "27/01/02,03:04:15+28"\r\n\r\nOK\r\n'
    assert rig.at('AT+CCLK="27/13/02,03:04:05+28"') == b"\r\nERROR\r\n"


def test_csca_follows_the_te_character_set():
    rig = Rig().quiet()
    rig.at('AT+CSCS="UCS2"')
    expected = "+6281100000".encode("utf-16-be").hex().upper()
    assert rig.at("AT+CSCA?") == f'\r\n+CSCA: "{expected}",145\r\n\r\nOK\r\n'.encode()


def test_creg_urcs_follow_cfun():
    rig = Rig().quiet()
    assert rig.at("AT+CREG=1") == b"\r\nOK\r\n"
    assert rig.at("AT+CFUN=0") == b"\r\nOK\r\n\r\n+CREG: 0\r\n"
    assert rig.at("AT+CREG?;+CSQ") == b"\r\n+CREG: 1,0\r\n\r\n+CSQ: 99,99\r\n\r\nOK\r\n"
    assert rig.at("AT+CFUN=1") == b"\r\nOK\r\n\r\n+CREG: 1\r\n"


# --- SIM PIN --------------------------------------------------------------------------


def test_sim_pin_locks_sms_until_the_pin_is_entered():
    rig = Rig(sim_pin="1234")
    assert rig.boot_output == b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n"
    rig.at("ATE0;+CMEE=1")
    assert rig.at("AT+CPIN?") == b"\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    assert rig.at("AT+CMGF=0") == b"\r\n+CMS ERROR: 311\r\n"
    assert rig.at("AT+CIMI") == b"\r\n+CME ERROR: 11\r\n"
    assert rig.at("AT+CREG?") == b"\r\n+CREG: 0,0\r\n\r\nOK\r\n"
    assert rig.at('AT+CPIN="0000"') == b"\r\n+CME ERROR: 16\r\n"
    assert rig.at('AT+CPIN="1234"') == b"\r\nOK\r\n\r\n+CPIN: READY\r\n"
    assert rig.run(1) == b"\r\nCall Ready\r\n\r\nSMS Ready\r\n"
    assert rig.at("AT+CMGF=0") == b"\r\nOK\r\n"


def test_three_wrong_pins_block_the_sim():
    rig = Rig(sim_pin="1234")
    rig.at("ATE0;+CMEE=1")
    for _ in range(3):
        assert rig.at('AT+CPIN="9999"') == b"\r\n+CME ERROR: 16\r\n"
    assert rig.at("AT+CPIN?") == b"\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"


# --- sending ---------------------------------------------------------------------------


def test_cmgs_pdu_mode_prompt_result_and_record():
    rig = Rig(name="modem-a").quiet()
    part = submit("Halo warga", report=True)
    assert rig.at(f"AT+CMGS={part.tpdu_length}") == b"\r\n> "
    assert rig.modem.receive(part.pdu.encode() + b"\x1a") == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    assert rig.sent == [
        {
            "number": RECIPIENT,
            "text": "Halo warga",
            "encoding": "gsm7",
            "concat": None,
            "report_requested": True,
            "message_ref": 0,
            "time": "2026-11-26T10:00:01Z",
            "model": "sim800",
            "emulator": "modem-a",
        }
    ]


def test_pdu_is_echoed_with_echo_on():
    rig = Rig()
    part = submit()
    assert rig.at(f"AT+CMGS={part.tpdu_length}") == f"AT+CMGS={part.tpdu_length}\r\r\n> ".encode()
    out = rig.modem.receive(part.pdu.encode() + b"\x1a")
    assert out == part.pdu.encode() + b"\r\n+CMGS: 0\r\n\r\nOK\r\n"


def test_modem_assigns_message_reference_and_wraps_at_256():
    rig = Rig(initial_mr=254).quiet()
    results = [rig.send_pdu(submit(message_ref=77)) for _ in range(3)]
    assert results == [b"\r\n+CMGS: 254\r\n\r\nOK\r\n", b"\r\n+CMGS: 255\r\n\r\nOK\r\n", b"\r\n+CMGS: 0\r\n\r\nOK\r\n"]
    assert [r["message_ref"] for r in rig.sent] == [254, 255, 0]


def test_multipart_submit_records_concat_per_part():
    rig = Rig().quiet()
    parts = pdu.encode_submit(RECIPIENT, "Pengumuman " * 20, concat_ref=42)
    assert len(parts) == 2
    for part in parts:
        assert rig.send_pdu(part).startswith(b"\r\n+CMGS: ")
    assert [r["concat"] for r in rig.sent] == [{"ref": 42, "total": 2, "seq": 1}, {"ref": 42, "total": 2, "seq": 2}]
    assert "".join(r["text"] for r in rig.sent) == "Pengumuman " * 20


def test_ucs2_submit_is_recorded_as_ucs2():
    rig = Rig().quiet()
    rig.send_pdu(submit("Rapat RT • besok"))
    assert rig.sent[0]["encoding"] == "ucs2"
    assert rig.sent[0]["text"] == "Rapat RT • besok"


def test_escape_aborts_the_send_with_ok():
    rig = Rig().quiet()
    part = submit()
    rig.at(f"AT+CMGS={part.tpdu_length}")
    assert rig.modem.receive(part.pdu[:10].encode() + b"\x1b") == b"\r\nOK\r\n"
    assert rig.sent == []
    assert rig.at("AT") == b"\r\nOK\r\n"


@pytest.mark.parametrize(
    ("length_delta", "typed"),
    [
        (1, None),  # AT+CMGS length one more than the TPDU
        (-1, None),
        (0, "0011ZZ"),  # not hex
        (0, "001"),  # odd number of digits
        (0, ""),  # nothing at all
    ],
)
def test_bad_pdu_is_cms_304(length_delta, typed):
    rig = Rig().quiet()
    part = submit()
    rig.at(f"AT+CMGS={part.tpdu_length + length_delta}")
    data = part.pdu if typed is None else typed
    assert rig.modem.receive(data.encode() + b"\x1a") == b"\r\n+CMS ERROR: 304\r\n"
    assert rig.sent == []


def test_a_deliver_pdu_is_not_a_submit():
    rig = Rig().quiet()
    deliver = pdu.encode_deliver(SENDER, "hai", timestamp=NETWORK_TIME)[0]
    rig.at(f"AT+CMGS={pdu.tpdu_length(deliver)}")
    assert rig.modem.receive(deliver.encode() + b"\x1a") == b"\r\n+CMS ERROR: 304\r\n"


def test_cmgs_length_out_of_range_is_refused_without_prompt():
    rig = Rig().quiet()
    assert rig.at("AT+CMGS=200") == b"\r\n+CMS ERROR: 304\r\n"
    assert rig.at("AT+CMGS=0") == b"\r\n+CMS ERROR: 304\r\n"


def test_empty_smsc_field_needs_csca():
    rig = Rig(smsc="").quiet()  # a SIM without an SMSC address stored
    assert rig.at("AT+CSCA?") == b'\r\n+CSCA: "",145\r\n\r\nOK\r\n'
    assert rig.at('AT+CSCA=""') == b"\r\nERROR\r\n"  # an empty string is not an address
    part = submit()
    rig.at(f"AT+CMGS={part.tpdu_length}")
    assert rig.modem.receive(part.pdu.encode() + b"\x1a") == b"\r\n+CMS ERROR: 330\r\n"


def test_send_latency_delays_the_result_and_holds_further_input():
    rig = Rig(send_latency=2.0).quiet()
    part = submit()
    rig.at(f"AT+CMGS={part.tpdu_length}")
    assert rig.modem.receive(part.pdu.encode() + b"\x1a") == b""
    assert rig.at("AT+CSQ") == b""  # typed while the modem is busy: buffered
    assert rig.run(1.9) == b""
    assert rig.sent == []
    assert rig.run(0.2) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CSQ: 20,0\r\n\r\nOK\r\n"
    assert len(rig.sent) == 1


def test_slow_prompt_and_data_typed_before_it():
    rig = Rig(prompt_delay=0.5).quiet()
    part = submit()
    assert rig.at(f"AT+CMGS={part.tpdu_length}") == b""
    assert rig.modem.receive(part.pdu.encode() + b"\x1a") == b""
    assert rig.run(0.6) == b"\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n"


def test_urcs_wait_for_the_send_or_come_before_the_prompt():
    for before_prompt, expected in [
        (False, b'\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: "SM",1\r\n'),
        (True, b'\r\n+CMTI: "SM",1\r\n\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n'),
    ]:
        rig = Rig(prompt_delay=0.5, urc_before_prompt=before_prompt).quiet()
        part = submit()
        rig.at(f"AT+CMGS={part.tpdu_length}")
        rig.modem.inject_incoming(SENDER, "Balas")
        rig.modem.receive(part.pdu.encode() + b"\x1a")
        assert rig.run(1) == expected


# --- delivery reports -------------------------------------------------------------------


def test_status_report_arrives_after_report_delay_and_decodes():
    rig = Rig(report_delay=5.0).quiet()
    rig.send_pdu(submit(report=True))
    assert rig.run(4.9) == b""
    out = rig.run(0.2)
    header, body = info_lines(out)
    report = pdu.decode(body)
    assert header == f"+CDS: {pdu.tpdu_length(body)}"
    assert isinstance(report, pdu.StatusReport)
    assert (report.message_ref, report.recipient.number, report.status) == (0, RECIPIENT, 0)
    assert report.discharge_time - report.sc_timestamp == timedelta(seconds=5)
    assert report.sc_timestamp == datetime(2026, 11, 26, 17, 0, 1, tzinfo=WIB)


def test_report_status_per_number_with_national_format_equivalence():
    rig = Rig(report_status_numbers={"081299990000": 0x46}).quiet()
    rig.send_pdu(submit(number=OTHER, report=True))
    rig.send_pdu(submit(number=RECIPIENT, report=True))
    reports = [pdu.decode(line) for line in info_lines(rig.run(2)) if not line.startswith("+CDS")]
    assert {(r.recipient.number, r.status) for r in reports} == {(OTHER, 0x46), (RECIPIENT, 0)}


def test_no_report_without_srr_or_without_cnmi_ds():
    rig = Rig().quiet()
    rig.send_pdu(submit(report=False))
    assert rig.run(2) == b""
    rig.at("AT+CNMI=2,1,0,0,0")
    rig.send_pdu(submit(report=True))
    assert rig.run(2) == b""
    assert rig.modem.dropped_reports == 1


def test_text_mode_status_report():
    rig = Rig().quiet()
    rig.send_pdu(submit(report=True))
    rig.at("AT+CMGF=1")
    assert rig.run(2) == (
        b'\r\n+CDS: 6,0,"+6281200000001",145,"26/11/26,17:00:01+28","26/11/26,17:00:02+28",0\r\n'
    )


def test_stored_status_reports_cdsi_in_the_sr_storage():
    """CNMI <ds>=2 (SIM7600): the report is stored in "SR" and indicated as +CDSI; it is read and
    deleted there after AT+CPMS="SR" (<mem1>), never as a slot of "SM" (the 321 others meet)."""
    rig = Rig(model="sim7600", report_delay=1.0)
    assert rig.at("ATE0;+CMEE=1;+CMGF=0;+CNMI=2,1,0,2,0").endswith(b"\r\nOK\r\n")
    rig.send_pdu(submit(report=True))
    assert rig.run(1.1) == b'\r\n+CDSI: "SR",1\r\n'
    assert rig.at("AT+CMGR=1") == b"\r\nOK\r\n"  # the SIM's slot 1 is empty
    assert rig.at('AT+CPMS="SR"') == b"\r\n+CPMS: 1,30,0,30,0,30\r\n\r\nOK\r\n"
    header, body = info_lines(rig.at("AT+CMGR=1"))[:2]
    report = pdu.decode(body)
    assert header == f"+CMGR: 0,,{pdu.tpdu_length(body)}"
    assert isinstance(report, pdu.StatusReport) and (report.message_ref, report.recipient.number) == (0, RECIPIENT)
    rig.at("AT+CMGF=1")
    assert info_lines(rig.at('AT+CMGL="ALL"')) == [
        '+CMGL: 1,"REC READ",6,0,"+6281200000001",145,"26/11/26,17:00:01+28","26/11/26,17:00:02+28",0', "OK"]
    assert rig.at("AT+CMGD=1") == b"\r\nOK\r\n"
    assert rig.at('AT+CPMS?') == b'\r\n+CPMS: "SR",0,30,"SM",0,30,"SM",0,30\r\n\r\nOK\r\n'
    assert rig.at('AT+CPMS="SM","SR"') == b"\r\n+CMS ERROR: 302\r\n"  # "SR" is for reading only


def test_a_modem_that_only_stores_reports_refuses_ds_1():
    rig = Rig(model="sim7600", cds_direct=False)
    assert rig.at("ATE0;+CMEE=1").endswith(b"OK\r\n")
    assert info_lines(rig.at("AT+CNMI=?")) == ["+CNMI: (0-3),(0-3),(0,2),(0,2),(0,1)", "OK"]
    assert rig.at("AT+CNMI=2,1,0,1,0") == b"\r\nERROR\r\n"  # a value outside the test range, as any other
    assert rig.at("AT+CNMI=2,1,0,2,0") == b"\r\nOK\r\n"
    assert info_lines(Rig(model="sim800").at("AT+CNMI=?"))[-2] == "+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)"
    with pytest.raises(ConfigError, match="stores status reports"):
        EmulatorConfig(model="sim800", cds_direct=False)


def test_a_modem_that_cannot_buffer_indications_takes_only_cnmi_mode_0_and_1():
    rig = Rig(model="sim7600", cnmi_buffering=False)
    assert rig.at("ATE0;+CMEE=1").endswith(b"OK\r\n")
    assert info_lines(rig.at("AT+CNMI=?"))[0] == "+CNMI: (0-1),(0-3),(0,2),(0,1,2),(0,1)"
    assert info_lines(rig.at("AT+CNMI?"))[0] == "+CNMI: 1,1,0,0,0"  # its factory setting
    assert rig.at("AT+CNMI=2,1,0,1,0") == b"\r\nERROR\r\n"
    assert rig.at("AT+CNMI=1,1,0,2,0") == b"\r\nOK\r\n"
    rig.at("AT&F")
    rig.at("ATE0")  # &F turned the echo back on
    assert info_lines(rig.at("AT+CNMI?"))[0] == "+CNMI: 1,1,0,0,0"


def test_stored_report_on_a_modem_without_a_report_storage_goes_to_the_receive_storage():
    rig = Rig(model="sim7600")
    rig.modem._model = dataclasses.replace(rig.modem._model, report_store=None)
    rig.at("ATE0;+CMEE=1;+CMGF=0;+CNMI=2,1,0,2,0")
    rig.send_pdu(submit(report=True))
    assert rig.run(2) == b'\r\n+CDSI: "SM",1\r\n'
    assert isinstance(pdu.decode(info_lines(rig.at("AT+CMGR=1"))[1]), pdu.StatusReport)


# --- text mode sending ---------------------------------------------------------------


def test_text_mode_send():
    rig = Rig().quiet()
    rig.at("AT+CMGF=1")
    assert rig.at(f'AT+CMGS="{RECIPIENT}"') == b"\r\n> "
    assert rig.modem.receive(b"Rapat jam 9\x1a") == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    assert rig.sent[0]["text"] == "Rapat jam 9"
    assert rig.sent[0]["number"] == RECIPIENT
    assert rig.sent[0]["report_requested"] is False


def test_text_mode_cr_gives_a_new_prompt_and_srr_comes_from_csmp():
    rig = Rig().quiet()
    rig.at("AT+CMGF=1;+CSMP=49,167,0,0")
    rig.at(f'AT+CMGS="{RECIPIENT}"')
    assert rig.modem.receive(b"baris 1\r") == b"\r\n> "
    assert rig.modem.receive(b"baris 2\x1a").startswith(b"\r\n+CMGS: ")
    assert rig.sent[0]["text"] == "baris 1\rbaris 2"
    assert rig.sent[0]["report_requested"] is True


def test_text_mode_ucs2_and_too_long():
    rig = Rig().quiet()
    rig.at('AT+CMGF=1;+CSCS="UCS2";+CSMP=17,167,0,8')
    number_hex = RECIPIENT.encode("utf-16-be").hex().upper()
    rig.at(f'AT+CMGS="{number_hex}"')
    text = "Salam • sejahtera"
    assert rig.modem.receive(text.encode("utf-16-be").hex().encode() + b"\x1a").startswith(b"\r\n+CMGS: ")
    assert (rig.sent[0]["text"], rig.sent[0]["encoding"]) == (text, "ucs2")
    rig.at('AT+CSCS="GSM";+CSMP=17,167,0,0')
    rig.at(f'AT+CMGS="{RECIPIENT}"')
    assert rig.modem.receive(b"x" * 161 + b"\x1a") == b"\r\n+CMS ERROR: 305\r\n"


# --- receiving ----------------------------------------------------------------------------


def test_incoming_sms_cmti_cmgr_cmgl_cmgd():
    rig = Rig().quiet()
    rig.modem.inject_incoming(SENDER, "STOP")
    assert rig.run(0) == b'\r\n+CMTI: "SM",1\r\n'
    out = rig.at("AT+CMGR=1")
    header, body, ok = info_lines(out)
    assert header == f'+CMGR: 0,"",{pdu.tpdu_length(body)}' and ok == "OK"
    message = pdu.decode(body)
    assert isinstance(message, pdu.Deliver)
    assert (message.sender.number, message.text) == (SENDER, "STOP")
    assert message.timestamp == datetime(2026, 11, 26, 17, 0, 1, tzinfo=WIB)
    assert rig.at("AT+CMGL=0") == b"\r\nOK\r\n"  # no longer unread
    assert rig.at("AT+CMGL=4") == f'\r\n+CMGL: 1,1,"",{pdu.tpdu_length(body)}\r\n{body}\r\n\r\nOK\r\n'.encode()
    assert rig.at("AT+CMGD=1") == b"\r\nOK\r\n"
    assert rig.at("AT+CMGR=1") == b"\r\nOK\r\n"  # empty location
    assert rig.at("AT+CMGR=31") == b"\r\n+CMS ERROR: 321\r\n"


def test_cmgr_mode_1_keeps_the_message_unread():
    rig = Rig().quiet()
    rig.modem.inject_incoming(SENDER, "STOP")
    rig.run(0)
    assert rig.at("AT+CMGR=1,1").startswith(b"\r\n+CMGR: 0,")
    assert rig.at("AT+CMGR=1").startswith(b"\r\n+CMGR: 0,")
    assert rig.at("AT+CMGR=1").startswith(b"\r\n+CMGR: 1,")


def test_sim7600_prints_an_empty_alpha():
    rig = Rig(model="sim7600").quiet()
    rig.modem.inject_incoming(SENDER, "STOP")
    rig.run(0)
    assert rig.at("AT+CMGR=1").startswith(b"\r\n+CMGR: 0,,")


def test_long_incoming_sms_is_stored_as_concatenated_parts():
    rig = Rig().quiet()
    text = "Terima kasih atas informasinya. " * 8
    rig.modem.inject_incoming(SENDER, text)
    assert rig.run(0) == b'\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    parts = [pdu.decode(info_lines(rig.at(f"AT+CMGR={i}"))[1]) for i in (1, 2)]
    assert [(p.concat.seq, p.concat.total) for p in parts] == [(1, 2), (2, 2)]
    assert parts[0].concat.ref == parts[1].concat.ref
    assert "".join(p.text for p in parts) == text


def test_cnmi_mt_2_routes_sms_directly():
    rig = Rig().quiet()
    rig.at("AT+CNMI=2,2,0,1,0")
    rig.modem.inject_incoming(SENDER, "Halo")
    header, body = info_lines(rig.run(0))
    assert header == f'+CMT: "",{pdu.tpdu_length(body)}'
    assert pdu.decode(body).text == "Halo"
    assert rig.modem.stored() == {}


def test_cnmi_mode_0_buffers_until_mode_2():
    rig = Rig().quiet()
    rig.at("AT+CNMI=0,1,0,0,0")
    rig.modem.inject_incoming(SENDER, "Halo")
    assert rig.run(1) == b""
    assert rig.at("AT+CNMI=2,1,0,0,0") == b'\r\nOK\r\n\r\n+CMTI: "SM",1\r\n'


def test_full_storage_drops_incoming_silently():
    rig = Rig(sm_capacity=2).quiet()
    for n in range(3):
        rig.modem.inject_incoming(SENDER, f"pesan {n}")
    assert rig.run(0) == b'\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    assert rig.modem.dropped_incoming == 1
    assert rig.at("AT+CPMS?") == b'\r\n+CPMS: "SM",2,2,"SM",2,2,"SM",2,2\r\n\r\nOK\r\n'
    assert rig.at("AT+CMGD=1,4;+CPMS?") == b'\r\n+CPMS: "SM",0,2,"SM",0,2,"SM",0,2\r\n\r\nOK\r\n'


def test_text_mode_read_and_list():
    rig = Rig().quiet()
    rig.modem.inject_incoming(SENDER, "STOP")
    rig.run(0)
    rig.at("AT+CMGF=1")
    assert rig.at("AT+CMGR=1") == (
        b'\r\n+CMGR: "REC UNREAD","+6281200000077","","26/11/26,17:00:01+28"\r\nSTOP\r\n\r\nOK\r\n'
    )
    assert rig.at('AT+CMGL="ALL"') == (
        b'\r\n+CMGL: 1,"REC READ","+6281200000077","","26/11/26,17:00:01+28"\r\nSTOP\r\n\r\nOK\r\n'
    )
    assert rig.at("AT+CMGDA=\"DEL ALL\"") == b"\r\nOK\r\n"
    assert rig.modem.stored() == {}


def test_cmgw_writes_to_storage_until_full():
    rig = Rig(sm_capacity=2).quiet()
    part = submit("Draf pengumuman")
    for expected in (b"\r\n+CMGW: 1\r\n\r\nOK\r\n", b"\r\n+CMGW: 2\r\n\r\nOK\r\n", b"\r\n+CMS ERROR: 322\r\n"):
        assert rig.at(f"AT+CMGW={part.tpdu_length}") == b"\r\n> "
        assert rig.modem.receive(part.pdu.encode() + b"\x1a") == expected
    assert rig.at("AT+CMGR=1") == f'\r\n+CMGR: 2,"",{part.tpdu_length}\r\n{part.pdu}\r\n\r\nOK\r\n'.encode()
    assert rig.sent == []  # written, not sent


def test_text_mode_cmgw_and_listing_of_unsent_messages():
    rig = Rig().quiet()
    rig.at("AT+CMGF=1")
    rig.at(f'AT+CMGW="{RECIPIENT}"')
    assert rig.modem.receive(b"Draf\x1a") == b"\r\n+CMGW: 1\r\n\r\nOK\r\n"
    assert rig.at('AT+CMGL="STO UNSENT"') == b'\r\n+CMGL: 1,"STO UNSENT","+6281200000001","",\r\nDraf\r\n\r\nOK\r\n'
    assert rig.at("AT+CMGR=1") == b'\r\n+CMGR: "STO UNSENT","+6281200000001",""\r\nDraf\r\n\r\nOK\r\n'


def test_incoming_while_powered_off_arrives_after_boot():
    rig = Rig()
    rig.modem.power_off()
    rig.modem.inject_incoming(SENDER, "Halo")
    assert rig.run(1) == b""
    rig.modem.power_on()
    assert rig.run(1) == SIM800_BOOT + b'\r\n+CMTI: "SM",1\r\n'


# --- USSD -----------------------------------------------------------------------------------


def test_ussd_gsm_reply_after_ok():
    rig = Rig(ussd_delay=0.5).quiet()
    assert rig.at('AT+CUSD=1,"*888#",15') == b"\r\nOK\r\n"
    assert rig.run(0.4) == b""
    assert rig.run(0.2) == b'\r\n+CUSD: 0,"Sisa pulsa Anda Rp 25.000. Aktif s/d 31-12-2026.",15\r\n'


def test_ussd_reply_in_hex_charset():
    rig = Rig().quiet()
    rig.at('AT+CSCS="HEX"')
    assert rig.at('AT+CUSD=1,"2A38383823",15') == b"\r\nOK\r\n"  # "*888#" in HEX
    expected = "Sisa pulsa Anda Rp 25.000. Aktif s/d 31-12-2026.".encode("ascii").hex().upper()
    assert rig.run(1) == f'\r\n+CUSD: 0,"{expected}",15\r\n'.encode()


def test_ussd_ucs2_reply():
    rig = Rig().quiet()
    rig.at('AT+CUSD=1,"*123#"')
    (line,) = info_lines(rig.run(1))
    assert line.startswith('+CUSD: 0,"') and line.endswith('",72')
    assert bytes.fromhex(line.split('"')[1]).decode("utf-16-be") == "Kuota Anda: 1,5 GB • berlaku s/d 31-12-2026"


def test_unknown_ussd_code():
    rig = Rig().quiet()
    rig.at('AT+CUSD=1,"*999#"')
    assert rig.run(1) == b"\r\n+CUSD: 4\r\n"


# --- power ----------------------------------------------------------------------------------


def test_cfun_reset_reboots_to_power_on_defaults_keeping_messages():
    rig = Rig().quiet()
    rig.modem.inject_incoming(SENDER, "Halo")
    rig.run(0)
    assert rig.at("AT+CMGF=1;+CFUN=1,1") == b'\r\nOK\r\n'
    assert rig.run(1) == SIM800_BOOT
    assert rig.at("AT+CMGF?;+CMEE?") == b"AT+CMGF?;+CMEE?\r\r\n+CMGF: 0\r\n\r\n+CMEE: 0\r\n\r\nOK\r\n"
    assert set(rig.modem.stored()) == {1}


def test_cpowd_powers_down_until_power_on():
    rig = Rig().quiet()
    assert rig.at("AT+CPOWD=1") == b"\r\nNORMAL POWER DOWN\r\n"
    assert rig.at("AT") == b""
    assert rig.run(5) == b""
    rig.modem.power_on()
    assert rig.run(1) == SIM800_BOOT


def test_at_and_w_keeps_echo_off_across_reboot():
    rig = Rig().quiet()
    assert rig.at("AT&W") == b"\r\nOK\r\n"
    rig.modem.power_on()
    rig.run(1)
    assert rig.at("AT") == b"\r\nOK\r\n"
    assert rig.at("AT&F;&W") == b"\r\nOK\r\n"  # factory profile (echo on) saved again
    rig.modem.power_on()
    rig.run(1)
    assert rig.at("AT") == b"AT\r\r\nOK\r\n"


# --- fault knobs ------------------------------------------------------------------------------


def test_cms_error_numbers_match_national_and_international_forms():
    rig = Rig(cms_error_numbers={"081299990000": 21}).quiet()
    assert rig.send_pdu(submit(number=OTHER)) == b"\r\n+CMS ERROR: 21\r\n"
    assert rig.send_pdu(submit(number="081299990000")) == b"\r\n+CMS ERROR: 21\r\n"
    assert rig.send_pdu(submit(number=RECIPIENT)) == b"\r\n+CMGS: 2\r\n\r\nOK\r\n"  # MRs were used up
    assert [r["number"] for r in rig.sent] == [RECIPIENT]


def test_cms_error_rate():
    rig = Rig(cms_error_rate=1.0, cms_error_code=42).quiet()
    assert rig.send_pdu(submit()) == b"\r\n+CMS ERROR: 42\r\n"
    rig.at("AT+CMEE=0")
    assert rig.send_pdu(submit()) == b"\r\nERROR\r\n"
    assert rig.sent == []


def test_hang_after_n_sends_until_reboot():
    rig = Rig(hang_after=2).quiet()
    assert rig.send_pdu(submit()).startswith(b"\r\n+CMGS: 0")
    assert rig.send_pdu(submit()).startswith(b"\r\n+CMGS: 1")
    assert rig.at("AT") == b""
    rig.modem.inject_incoming(SENDER, "Halo")
    assert rig.run(10) == b""
    assert rig.modem.hung
    rig.modem.power_on()
    assert rig.run(1) == SIM800_BOOT + b'\r\n+CMTI: "SM",1\r\n'
    assert rig.at("AT") == b"AT\r\r\nOK\r\n"


def test_network_loss_after_n_sends():
    rig = Rig(network_loss_after=1).quiet()
    rig.at("AT+CREG=1")
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CREG: 2\r\n"
    assert rig.at("AT+CREG?;+COPS?;+CSQ") == b"\r\n+CREG: 1,2\r\n\r\n+COPS: 0\r\n\r\n+CSQ: 99,99\r\n\r\nOK\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMS ERROR: 331\r\n"
    assert len(rig.sent) == 1


def test_network_drop_for_a_while_then_registered_again_with_urcs():
    """27.007 §7.2: with <n>=1 a +CREG/+CGREG URC each time <stat> changes; 331 while searching."""
    rig = Rig().quiet()
    rig.at("AT+CREG=1;+CGREG=1")
    rig.modem.drop_network(2.0)
    assert rig.run(0.1) == b"\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n"
    assert rig.at("AT+CREG?") == b"\r\n+CREG: 1,2\r\n\r\nOK\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMS ERROR: 331\r\n"
    assert rig.run(1.0) == b""  # one URC per change, not one per second
    assert rig.run(1.0) == b"\r\n+CREG: 1\r\n\r\n+CGREG: 1\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    assert [stat for _, stat in rig.modem.registration_log][-2:] == [2, 1]


def test_sim7600_reports_lte_registration_with_location_when_asked():
    rig = Rig(model="sim7600").quiet()
    rig.at("AT+CEREG=2")
    rig.modem.drop_network(1.0, after=0.5)
    assert rig.run(0.6) == b"\r\n+CEREG: 2\r\n"
    assert rig.run(1.0) == b'\r\n+CEREG: 1,"2F1A","0A2C1B01",7\r\n'


def test_network_drop_outlasts_a_modem_restart():
    """The cell is gone, not the modem: rebooting does not bring the network back early."""
    rig = Rig().quiet()
    rig.modem.drop_network(5.0)
    rig.modem.power_on()
    rig.run(1.0)
    rig.quiet()
    assert rig.at("AT+CREG?") == b"\r\n+CREG: 0,2\r\n\r\nOK\r\n"
    rig.run(4.0)
    assert rig.at("AT+CREG?") == b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"


def test_network_gone_before_the_submit_is_acknowledged_is_a_network_timeout():
    rig = Rig(send_latency=0.5).quiet()
    part = submit()
    assert rig.at(f"AT+CMGS={part.tpdu_length}") == b"\r\n> "
    assert rig.modem.receive(part.pdu.encode() + b"\x1a") == b""
    rig.modem.drop_network(1.0)
    assert rig.run(0.6) == b"\r\n+CMS ERROR: 332\r\n"
    assert rig.sent == []


def test_network_loss_for_a_while_after_n_sends():
    rig = Rig(network_loss_after=1, network_loss_for=3.0).quiet()
    rig.at("AT+CREG=1")
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CREG: 2\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMS ERROR: 331\r\n"
    assert rig.run(3.0) == b"\r\n+CREG: 1\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"  # once per boot, not after every send
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 2\r\n\r\nOK\r\n"


def test_registration_follows_sms_ready_after_the_configured_delay():
    rig = Rig(registration_delay=2.0, boot=False)
    rig.modem.power_on()
    assert rig.run(1.0) == SIM800_BOOT
    rig.quiet()
    assert rig.at("AT+CREG=1;+CREG?") == b"\r\n+CREG: 1,2\r\n\r\nOK\r\n"
    assert rig.send_pdu(submit()) == b"\r\n+CMS ERROR: 331\r\n"
    assert rig.run(0.9) == b""
    assert rig.run(0.2) == b"\r\n+CREG: 1\r\n"  # 2 s after SMS Ready (at 0.05 s)


def test_reboot_after_n_sends_browns_out_on_the_next_send():
    rig = Rig(reboot_after=1, seed=3).quiet()
    rig.at("AT+CMGF=0")
    assert rig.send_pdu(submit()) == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    part = submit()
    rig.at(f"AT+CMGS={part.tpdu_length}")
    noise = rig.modem.receive(part.pdu.encode() + b"\x1a")
    assert noise and b"OK" not in noise and b"+CMGS" not in noise
    assert rig.run(1) == SIM800_BOOT
    assert len(rig.sent) == 1
    assert rig.at("AT") == b"AT\r\r\nOK\r\n"  # echo back on after the reboot


def test_garbage_between_responses_never_inside_them():
    rig = Rig(garbage_rate=1.0).quiet()
    out = rig.at("AT+CSQ")
    assert out.endswith(b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n")
    assert len(out) > len(b"\r\n+CSQ: 20,0\r\n\r\nOK\r\n")


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", [{"model": "sim900"}, {"cms_error_rate": 1.5}, {"send_latency": -1}, {"initial_mr": 256},
            {"network_loss_for": -1}, {"network_loss_for": float("nan")}, {"registration_delay": -0.5}]
)
def test_invalid_config_is_refused(bad):
    with pytest.raises(ConfigError):
        EmulatorConfig(**bad)
