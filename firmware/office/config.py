"""The daemon's configuration: one TOML file, parsed once into frozen dataclasses.

An unknown key or a bad value stops start-up with a message naming the key
(a typo must not silently fall back to a default on an unattended box).
See ``config/siaran.toml`` for every key with its default and meaning.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from firmware.errors import ConfigError

DEFAULT_STATE_DIR = "/var/lib/siaran"


@dataclass(frozen=True)
class ModemConfig:
    """One modem: where it is and how hard it may be driven."""

    name: str
    port: str
    model: str | None = None  # "sim800", "sim7600" or None to detect
    baud: int = 115200
    pin: str | None = None
    per_minute: int = 20
    per_hour: int = 300  # below XL's 360/h spam threshold
    per_day: int = 3000
    route: str | None = None  # operator this SIM serves ("telkomsel"); None: detect from +COPS
    ussd_balance: str | None = None  # e.g. "*888#"
    command_gap: float = 0.02
    send_timeout: float = 60.0
    # GPIO (BCM numbers) for power control; a HAT preset fills what is left out.
    hat: str | None = None  # "waveshare-sim7600x", "waveshare-sim868", "waveshare-sim800c" or None (no GPIO)
    pwrkey_pin: int | None = None
    reset_pin: int | None = None
    status_pin: int | None = None


#: The bind modes an SMPP account may use: one transceiver session, or a transmitter and a receiver.
SMPP_BINDS = ("transceiver", "transmitter+receiver")


@dataclass(frozen=True)
class SmppAccount:
    """One operator (or aggregator) account reached over SMPP 3.4: the route beside the box's SIMs.

    ``source_ton``/``source_npi`` left out (None) follow ``source_addr``: a sender name ("SMS masking",
    ``PEMKAB-BLTR``) is TON 5 (alphanumeric) NPI 0, a number is TON 1 (international) NPI 1 (E.164).
    The password is never shown: ``repr`` hides it and nothing logs it.
    """

    name: str
    host: str
    system_id: str
    password: str = field(repr=False)
    port: int = 2775  # the usual SMPP port; providers often use another
    source_addr: str = ""
    system_type: str = ""
    bind: str = "transceiver"  # or "transmitter+receiver"
    source_ton: int | None = None
    source_npi: int | None = None
    rate: float = 50.0  # submit_sm per second the provider allows (token bucket)
    window: int = 10  # submit_sm awaiting their response at once
    enquire_link: float = 30.0  # seconds of silence before a keep-alive
    tls: bool = False  # a TLS socket (a stunnel-style front), verified against the system's CAs
    #: With ``tls``: the certificate(s) to trust instead of the system's CAs, as PEM text or the path of a PEM
    #: file: the provider's own CA, or its server's self-signed certificate.
    tls_ca: str = ""
    validity_minutes: int = 1440  # how long the operator keeps trying a phone that is off
    registered_delivery: bool = True  # ask for delivery receipts
    price_per_part: float = 0.0  # Rupiah per SMS part on this route (the preview's cost)

    @property
    def ton(self) -> int:
        """The source address TON actually used (5 alphanumeric, 1 international)."""
        if self.source_ton is not None:
            return self.source_ton
        return 1 if _is_number_addr(self.source_addr) else 5

    @property
    def npi(self) -> int:
        """The source address NPI actually used (0 unknown for a name, 1 E.164 for a number)."""
        if self.source_npi is not None:
            return self.source_npi
        return 1 if _is_number_addr(self.source_addr) else 0

    @property
    def source(self) -> str:
        """``source_addr`` as sent: a number without its ``+`` (TON international carries that)."""
        return self.source_addr.lstrip("+") if _is_number_addr(self.source_addr) else self.source_addr


#: A sender name for SMS masking as operators register them: 1 to 11 letters, digits, spaces and ``- . _ &``,
#: beginning with a letter or digit, with one letter at least (``PEMKAB-BLTR``, ``DINKES JTM``, ``BPBD.JATIM``).
_SENDER_NAME = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 .&_-]{0,10}")


def is_sender_name(text: str) -> bool:
    """Is ``text`` a sender name an operator can register (:data:`_SENDER_NAME`; no trailing space)?
    The one rule for the SMPP accounts' ``source_addr`` and the units' sender names."""
    return bool(_SENDER_NAME.fullmatch(text)) and not text.endswith(" ")


def tls_context(tls_ca: str = ""):
    """The TLS client context of an SMPP link: the system's CAs, or only ``tls_ca`` (PEM text or a PEM file's
    path). The server's name is always checked. Raises OSError (ssl.SSLError) for a CA it cannot read."""
    import ssl  # here: the configuration is read by every command, TLS by the operator route only

    if not tls_ca:
        return ssl.create_default_context()
    if tls_ca.lstrip().startswith("-----BEGIN"):
        return ssl.create_default_context(cadata=tls_ca)
    return ssl.create_default_context(cafile=tls_ca)


def tls_ca_problem(tls_ca: str) -> str | None:
    """Why ``tls_ca`` cannot be used (not PEM, no such file, no certificate in it), or None."""
    try:
        tls_context(tls_ca)
    except FileNotFoundError:
        return f"no such file {tls_ca[:100]!r} (give the PEM text or the path of a PEM file)"
    except (OSError, ValueError) as exc:
        return f"not a PEM certificate the box can use ({str(exc)[:100]})"
    return None


def _is_number_addr(addr: str) -> bool:
    return bool(re.fullmatch(r"\+?\d{3,15}", addr.strip()))


@dataclass(frozen=True)
class Config:
    """Everything the daemon reads at start."""

    state_dir: str = DEFAULT_STATE_DIR
    modems: tuple[ModemConfig, ...] = ()
    smpp: tuple[SmppAccount, ...] = ()  # operator accounts ([[smpp]] tables); the page can add more
    window_start: str = "06:00"  # local time; emergencies ignore the window
    window_end: str = "21:00"
    utc_offset_hours: float = 7.0  # WIB; WITA 8, WIT 9
    jitter_min: float = 0.5  # seconds of random pause between sends on one SIM
    jitter_max: float = 2.0
    inflight_policy: str = "resend"  # or "unknown"
    max_attempts: int = 6
    retry_base: float = 30.0  # seconds before the first retry after a transient error; doubles each time
    retry_max: float = 1800.0  # longest wait between retries
    report: bool = True  # request delivery reports
    validity: str = "1d"
    routing: bool = True  # prefer the SIM of the recipient's operator when there is one
    optout_keywords: tuple[str, ...] = ("STOP", "BERHENTI", "UNREG")
    # Bahasa Indonesia only (the resident wrote BERHENTI), GSM-7 and one SMS part: checked by validate()
    optout_confirmation: str = (
        "Baik, Anda tidak akan menerima SMS dari layanan ini lagi. "
        "Untuk berlangganan lagi, hubungi kantor desa/kelurahan Anda."
    )
    # Keywords residents may text besides the opt-out ones (firmware.people.keywords); the Settings page
    # overrides them (firmware.office.settings, key ``sms_keywords``).
    consent_keywords: tuple[str, ...] = ("YA", "SETUJU")
    change_keywords: tuple[str, ...] = ("GANTI",)
    subscribe_keywords: tuple[str, ...] = ("DAFTAR",)
    info_keywords: tuple[str, ...] = ("INFO", "BANTUAN")
    office_contact: str = ""  # said in the INFO reply ("Kel. Sukamaju 022-0000000")
    keyword_replies_per_hour: int = 3  # automatic replies per number and hour: a loop cannot burn the credit
    number_change_hours: float = 48.0  # an unconfirmed GANTI request expires after this
    unthrottled: bool = False  # tests and benchmarks only: no limits, jitter or window
    status_interval: float = 60.0  # seconds between modem status refreshes
    balance_interval: float = 6 * 3600.0
    admin_number: str | None = None  # the test button sends an SMS here
    web_host: str = "0.0.0.0"  # the LAN page listens here (all interfaces of the box)
    web_port: int = 8080
    usb_mode: str = "campaign"  # USB drop: "campaign" (draft awaiting approval) or "contacts" (import only)
    # Front panel (BCM pin numbers; leave out what is not fitted).
    led_power: int | None = None
    led_network: int | None = None
    led_sending: int | None = None
    led_attention: int | None = None
    button_hold: int | None = None
    button_shutdown: int | None = None
    button_test: int | None = None
    # USSD balance codes per operator (route name -> code); a modem's ussd_balance wins.
    # Telkomsel *888# and XL *123# are confirmed; add others for your SIMs.
    balance_codes: tuple[tuple[str, str], ...] = (("telkomsel", "*888#"), ("xl", "*123#"))

    def balance_code(self, modem: ModemConfig, route: str | None) -> str | None:
        """The USSD code to check ``modem``'s balance, or None when unknown."""
        return modem.ussd_balance or dict(self.balance_codes).get(route or "")

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    def window(self) -> tuple[int, int]:
        """The send window as minutes after local midnight (start, end)."""
        return _minutes(self.window_start, "window_start"), _minutes(self.window_end, "window_end")


def _minutes(text: str, key: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ConfigError(f"{key}: expected HH:MM, got {text!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


def _build(cls, data: dict[str, Any], where: str):
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(k for k, f in known.items() if f.default is MISSING and f.default_factory is MISSING
                     and k not in data)
    if missing:
        raise ConfigError(f"{where}: missing key(s) {', '.join(missing)}")
    out = {}
    for key, value in data.items():
        default = known[key].default
        if default is MISSING:
            default = ""  # required keys are strings (name, port)
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        if default is not None and not isinstance(default, tuple) and value is not None:
            expected = type(default)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"{where}.{key}: expected {expected.__name__}, got {value!r}")
        out[key] = value
    return cls(**out)


def parse_modem_spec(spec: str, index: int) -> ModemConfig:
    """``PORT[:MODEL]`` from the command line (``/dev/ttyUSB2:sim7600``)."""
    port, _, model = spec.partition(":") if not spec.startswith(("socket:", "spy:", "loop:")) else (spec, "", "")
    if model and model not in ("sim800", "sim7600"):
        raise ConfigError(f"--modem {spec}: model must be sim800 or sim7600")
    return ModemConfig(name=f"modem{index}", port=port, model=model or None)


def load(path: str | Path) -> Config:
    """Read and validate a TOML configuration file."""
    import tomllib  # here: a command run with --state-dir reads no file

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    modems_raw = data.pop("modem", [])
    if not isinstance(modems_raw, list):
        raise ConfigError(f"{path}: [[modem]] must be a list of tables")
    modems = tuple(_build(ModemConfig, m, f"modem[{i}]") for i, m in enumerate(modems_raw))
    smpp_raw = data.pop("smpp", [])
    if not isinstance(smpp_raw, list):
        raise ConfigError(f"{path}: [[smpp]] must be a list of tables")
    accounts = tuple(smpp_account(a, f"smpp[{i}]") for i, a in enumerate(smpp_raw))
    codes = data.pop("balance_codes", None)
    config = _build(Config, data, str(path))
    if codes is not None:
        if not isinstance(codes, dict) or not all(isinstance(v, str) for v in codes.values()):
            raise ConfigError(f"{path}: [balance_codes] must map operator names to USSD codes")
        config = replace(config, balance_codes=tuple(codes.items()))
    return validate(replace(config, modems=modems, smpp=accounts))


def validate(config: Config) -> Config:
    """Check values that types alone do not catch; return ``config``."""
    config.window()
    if config.usb_mode not in ("campaign", "contacts"):
        raise ConfigError("usb_mode: must be 'campaign' or 'contacts'")
    if not 1 <= config.web_port <= 65535:
        raise ConfigError("web_port: must be between 1 and 65535")
    if config.inflight_policy not in ("resend", "unknown"):
        raise ConfigError("inflight_policy: must be 'resend' or 'unknown'")
    if not 0 <= config.jitter_min <= config.jitter_max:
        raise ConfigError("jitter_min/jitter_max: need 0 <= jitter_min <= jitter_max")
    ussd = re.compile(r"[0-9*#+]{1,40}")  # what the driver accepts (Modem.ussd)
    for route, code in config.balance_codes:
        if not ussd.fullmatch(code):
            raise ConfigError(f"balance_codes.{route}: not a USSD code: {code!r} (e.g. \"*888#\")")
    for m in config.modems:
        if m.ussd_balance is not None and not ussd.fullmatch(m.ussd_balance):
            raise ConfigError(f"modem {m.name}: ussd_balance is not a USSD code: {m.ussd_balance!r}")
    _check_optout_confirmation(config.optout_confirmation)
    _check_keywords(config)
    names = [m.name for m in config.modems]
    if len(set(names)) != len(names):
        raise ConfigError("modem names must be unique")
    accounts = [a.name for a in config.smpp]
    if len(set(accounts)) != len(accounts):
        raise ConfigError("smpp account names must be unique")
    clash = sorted(set(accounts) & set(names))
    if clash:
        raise ConfigError(f"smpp account and modem share a name: {', '.join(clash)}")
    for account in config.smpp:
        check_smpp_account(account)
    for m in config.modems:
        if m.model not in (None, "sim800", "sim7600"):
            raise ConfigError(f"modem {m.name}: model must be sim800 or sim7600")
        if min(m.per_minute, m.per_hour, m.per_day) <= 0:
            raise ConfigError(f"modem {m.name}: limits must be positive")
    return config


def smpp_account(data: dict[str, Any], where: str = "smpp") -> SmppAccount:
    """An :class:`SmppAccount` from a ``[[smpp]]`` table (or a ``smpp_accounts`` row as a dict), checked.

    Integers are accepted where a number of seconds or messages per second is meant (``rate = 50``).
    """
    data = dict(data)
    for key in ("rate", "enquire_link", "price_per_part"):
        if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
            data[key] = float(data[key])
    for key in ("source_ton", "source_npi"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ConfigError(f"{where}.{key}: expected int, got {value!r}")
    plain = {k: v for k, v in data.items() if k not in ("source_ton", "source_npi")}
    account = _build(SmppAccount, plain, where)
    account = replace(account, source_ton=data.get("source_ton"), source_npi=data.get("source_npi"))
    return check_smpp_account(account, where)


def check_smpp_account(a: SmppAccount, where: str | None = None) -> SmppAccount:
    """Check what types alone do not catch (limits of SMPP 3.4 fields, sensible numbers); return ``a``.

    The messages name the account and the key, never the password's value."""
    where = where or f"smpp {a.name}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", a.name):
        raise ConfigError(f"{where}.name: 1-32 letters, digits, '.', '_' or '-', got {a.name!r}")
    if not a.host.strip():
        raise ConfigError(f"{where}.host: must not be empty")
    if not 1 <= a.port <= 65535:
        raise ConfigError(f"{where}.port: must be between 1 and 65535")
    if not 1 <= len(a.system_id) <= 15:
        raise ConfigError(f"{where}.system_id: 1 to 15 characters (SMPP 3.4)")
    if len(a.password) > 8:
        raise ConfigError(f"{where}.password: at most 8 characters (SMPP 3.4)")
    if len(a.system_type) > 12:
        raise ConfigError(f"{where}.system_type: at most 12 characters (SMPP 3.4)")
    if a.bind not in SMPP_BINDS:
        raise ConfigError(f"{where}.bind: must be one of {', '.join(SMPP_BINDS)}")
    if not a.source_addr.strip():
        raise ConfigError(f"{where}.source_addr: the sender name or number is needed (e.g. \"PEMKAB-BLTR\")")
    if _is_number_addr(a.source_addr):
        if len(a.source) > 20:
            raise ConfigError(f"{where}.source_addr: at most 20 digits")
    elif not is_sender_name(a.source_addr):
        raise ConfigError(f"{where}.source_addr: a sender name is 1 to 11 letters, digits, spaces or - . _ & with a "
                          f"letter at least, got {a.source_addr!r}")
    if a.tls_ca:
        if not a.tls:
            raise ConfigError(f"{where}.tls_ca: only with tls = true (the certificate to trust for the TLS link)")
        problem = tls_ca_problem(a.tls_ca)
        if problem:
            raise ConfigError(f"{where}.tls_ca: {problem}")
    for key in ("source_ton", "source_npi"):
        value = getattr(a, key)
        if value is not None and not 0 <= value <= 255:
            raise ConfigError(f"{where}.{key}: must be between 0 and 255")
    if not 0 < a.rate <= 10000:
        raise ConfigError(f"{where}.rate: messages per second, more than 0 and at most 10000")
    if not 1 <= a.window <= 1000:
        raise ConfigError(f"{where}.window: between 1 and 1000 outstanding submit_sm")
    if not 5 <= a.enquire_link <= 3600:
        raise ConfigError(f"{where}.enquire_link: between 5 and 3600 seconds")
    if not 1 <= a.validity_minutes <= 7 * 1440:
        raise ConfigError(f"{where}.validity_minutes: between 1 minute and 7 days (10080)")
    if a.price_per_part < 0:
        raise ConfigError(f"{where}.price_per_part: must not be negative")
    return a


def _check_optout_confirmation(text: str) -> None:
    """The reply to BERHENTI must go as one plain (GSM-7) SMS part: a resident who asked to stop gets one short
    message, not a two-part or UCS-2 one (which some phones show split, and which costs the office more)."""
    from firmware.modem.segments import analyse

    if not text.strip():
        raise ConfigError("optout_confirmation: must not be empty")
    info = analyse(text)
    if info.encoding.value != "gsm7" or info.segments != 1:
        hint = f" (characters outside GSM-7: {''.join(info.ucs2_chars)})" if info.ucs2_chars else ""
        raise ConfigError(f"optout_confirmation: must fit one GSM-7 SMS part (160 plain characters); this text "
                          f"needs {info.segments} {info.encoding.value} part(s){hint}")


def _check_keywords(config: Config) -> None:
    """Resident keywords: letters or digits, no keyword in two lists (a reply must mean one thing), the
    rate limit and the change expiry positive."""
    seen: dict[str, str] = {kw.upper(): "optout_keywords" for kw in config.optout_keywords}
    for key in ("consent_keywords", "change_keywords", "subscribe_keywords", "info_keywords"):
        words = getattr(config, key)
        if not words:
            raise ConfigError(f"{key}: needs at least one keyword")
        for kw in words:
            if not isinstance(kw, str) or not re.fullmatch(r"[A-Za-z0-9]{2,20}", kw):
                raise ConfigError(f"{key}: {kw!r} must be 2-20 letters or digits")
            if kw.upper() in seen and seen[kw.upper()] != key:
                raise ConfigError(f"{key}: {kw.upper()} is also in {seen[kw.upper()]}")
            seen[kw.upper()] = key
    if not 1 <= config.keyword_replies_per_hour <= 60:
        raise ConfigError("keyword_replies_per_hour: must be between 1 and 60")
    if not 1 <= config.number_change_hours <= 24 * 30:
        raise ConfigError("number_change_hours: must be between 1 and 720")
    if len(config.office_contact) > 60:
        raise ConfigError("office_contact: at most 60 characters (it goes into a one-part SMS)")


def with_defaults(state_dir: str, modem_specs: list[str], **overrides) -> Config:
    """The configuration of ``siaran daemon --state-dir DIR --modem PORT[:MODEL] ...``."""
    modems = tuple(parse_modem_spec(spec, i) for i, spec in enumerate(modem_specs))
    return validate(Config(state_dir=state_dir, modems=modems, **overrides))

