"""The configuration file: the shipped example loads, mistakes name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.office import config
from firmware.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "siaran.toml"


def test_shipped_example_loads_with_the_defaults():
    cfg = config.load(EXAMPLE)
    assert cfg.modems[0].port == "/dev/serial0"
    defaults = config.Config()
    for key in ("window_start", "window_end", "inflight_policy", "max_attempts", "validity", "jitter_max"):
        assert getattr(cfg, key) == getattr(defaults, key), key


def test_every_setting_is_documented_in_the_example():
    text = EXAMPLE.read_text()
    for field in config.Config.__dataclass_fields__:
        if field == "balance_codes":
            assert "[balance_codes]" in text
        elif field == "smpp":
            assert "[[smpp]]" in text
        elif field not in ("modems", "unthrottled"):
            assert f"{field} =" in text, f"{field} missing from config/siaran.toml"  # commented-out counts
    for field in config.ModemConfig.__dataclass_fields__:
        assert f"{field} =" in text, f"modem.{field} missing from config/siaran.toml"
    for field in config.SmppAccount.__dataclass_fields__:
        assert f"{field} =" in text, f"smpp.{field} missing from config/siaran.toml"


@pytest.mark.parametrize("body,key", [
    ('windw_start = "06:00"\n', "windw_start"),
    ('window_start = "6 pagi"\n', "window_start"),
    ('max_attempts = "banyak"\n', "max_attempts"),
    ('inflight_policy = "maybe"\n', "inflight_policy"),
    ('[[modem]]\nname = "a"\nport = "/dev/x"\nmodel = "sim900"\n', "model"),
    ('[[modem]]\nname = "a"\nport = "/dev/x"\nbaudrate = 9600\n', "baudrate"),
    ('[[modem]]\nname = "a"\nport = "/dev/x"\n[[modem]]\nname = "a"\nport = "/dev/y"\n', "unique"),
    ("this is not toml", "TOML"),
])
def test_mistakes_name_the_key(tmp_path, body, key):
    path = tmp_path / "siaran.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert key in str(info.value)


def test_balance_codes_by_operator(tmp_path):
    cfg = config.load(EXAMPLE)
    assert cfg.balance_code(cfg.modems[0], "telkomsel") == "*888#"
    assert cfg.balance_code(cfg.modems[0], "smartfren") is None
    path = tmp_path / "s.toml"
    path.write_text('[balance_codes]\nsmartfren = "*999#"\n[[modem]]\nname = "a"\nport = "/dev/x"\nussd_balance = "*1#"\n')
    cfg = config.load(path)
    assert cfg.balance_code(cfg.modems[0], "smartfren") == "*1#"  # the modem's own code wins
    assert dict(cfg.balance_codes) == {"smartfren": "*999#"}


def test_command_line_modems():
    cfg = config.with_defaults("/tmp/x", ["/dev/ttyUSB2:sim7600", "socket://127.0.0.1:7000"])
    assert [(m.port, m.model) for m in cfg.modems] == [("/dev/ttyUSB2", "sim7600"), ("socket://127.0.0.1:7000", None)]
    with pytest.raises(ConfigError):
        config.with_defaults("/tmp/x", ["/dev/ttyUSB2:nokia"])


def test_a_malformed_ussd_code_is_refused_at_load(tmp_path):
    """A typo in a balance code must stop the daemon at start, not crash a worker hours later."""
    from firmware.office.config import ConfigError, load

    p = tmp_path / "bad.toml"
    p.write_text('[balance_codes]\ntelkomsel = "*888# ; AT+CFUN=0"\n')
    with pytest.raises(ConfigError, match="balance_codes.telkomsel"):
        load(p)
    p.write_text('[[modem]]\nname = "m0"\nport = "/dev/ttyS0"\nussd_balance = "cek pulsa"\n')
    with pytest.raises(ConfigError, match="ussd_balance"):
        load(p)


def test_optout_confirmation_is_bahasa_only_and_one_gsm7_part():
    """Issue 10: the reply to BERHENTI is Bahasa Indonesia only and goes as one plain SMS part."""
    from firmware.modem.pdu import Encoding
    from firmware.modem.segments import analyse

    for text in (config.Config(state_dir="/tmp/x").optout_confirmation,
                 config.load(Path(__file__).parents[2] / "config" / "siaran.toml").optout_confirmation):
        info = analyse(text)
        assert (info.encoding, info.segments) == (Encoding.GSM7, 1), text
        assert "You " not in text and "receive" not in text  # no English half
        assert "tidak akan menerima SMS" in text


@pytest.mark.parametrize("text, why", [
    ("Anda tidak akan menerima SMS lagi — terima kasih.", "outside GSM-7: —"),  # UCS-2: fewer characters, more cost
    ("Anda tidak akan menerima SMS dari layanan ini lagi. " * 4, "needs 2 gsm7 part"),
    ("   ", "must not be empty"),
])
def test_an_optout_confirmation_that_does_not_fit_one_sms_part_is_refused(tmp_path, text, why):
    path = tmp_path / "siaran.toml"
    path.write_text(f'state_dir = "{tmp_path}"\noptout_confirmation = "{text}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="optout_confirmation") as err:
        config.load(path)
    assert why in str(err.value)


SMPP_TABLE = '''
[[smpp]]
name = "op"
host = "smpp.example"
system_id = "pemkab"
password = "rahasia1"
source_addr = "PEMKAB-BLTR"
'''


def test_smpp_account_defaults_and_derived_ton_npi(tmp_path):
    path = tmp_path / "siaran.toml"
    path.write_text(SMPP_TABLE)
    [acc] = config.load(path).smpp
    assert (acc.port, acc.bind, acc.window, acc.tls, acc.registered_delivery) == (2775, "transceiver", 10, False, True)
    assert (acc.ton, acc.npi, acc.source) == (5, 0, "PEMKAB-BLTR")
    assert "rahasia1" not in repr(acc)
    path.write_text(SMPP_TABLE.replace('"PEMKAB-BLTR"', '"+6281200000009"') + "rate = 200\n")
    [acc] = config.load(path).smpp
    assert (acc.ton, acc.npi, acc.source, acc.rate) == (1, 1, "6281200000009", 200.0)


@pytest.mark.parametrize("extra,key", [
    ('bind = "both"\n', "bind"),
    ('window = 0\n', "window"),
    ('port = "2775"\n', "port"),
    ('pasword = "x"\n', "pasword"),
    ('source_ton = "5"\n', "source_ton"),
    ('tls = "yes"\n', "tls"),
])
def test_smpp_mistakes_name_the_key_and_never_the_password(tmp_path, extra, key):
    path = tmp_path / "siaran.toml"
    path.write_text(SMPP_TABLE + extra)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert key in str(err.value) and "rahasia1" not in str(err.value)


def test_smpp_long_sender_name_is_refused(tmp_path):
    path = tmp_path / "siaran.toml"
    path.write_text(SMPP_TABLE.replace('"PEMKAB-BLTR"', '"PEMKAB-BLITAR-KAB"'))
    with pytest.raises(config.ConfigError, match="11"):
        config.load(path)
