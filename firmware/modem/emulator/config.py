"""What an emulated modem is before it runs: its model (SIM800 or SIM7600) and its configuration.

:data:`MODELS` holds what differs between the two on the AT interface (:class:`ModelInfo`: identity,
storages, URC forms); :class:`EmulatorConfig` chooses a model, the SIM and network it sees and the fault
knobs that make it misbehave the way modems do in the field.  The modem itself is
:class:`firmware.modem.emulator.modem.EmulatedModem` (which re-exports :class:`EmulatorConfig`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from firmware.errors import ConfigError


#: Default USSD replies: code -> text (GSM 7-bit, dcs 15) or (text, dcs).
DEFAULT_USSD: dict[str, str | tuple[str, int]] = {
    "*888#": "Sisa pulsa Anda Rp 25.000. Aktif s/d 31-12-2026.",
    "*123#": ("Kuota Anda: 1,5 GB • berlaku s/d 31-12-2026", 72),
}


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulated modem looks and misbehaves.  Times are in seconds.

    Numbers in ``report_status_numbers`` and ``cms_error_numbers`` are
    compared by digits with ``0`` read as ``62`` (``0812...`` == ``+62812...``).
    """

    model: str = "sim800"  # "sim800" or "sim7600"
    name: str = ""  # shown in the sent log, to tell emulators apart
    send_latency: float = 0.0  # Ctrl-Z -> +CMGS
    report_delay: float = 1.0  # +CMGS -> +CDS (when TP-SRR was set)
    report_status: int = 0  # TP-ST of reports: 0 delivered, 0x46 expired ...
    report_status_numbers: Mapping[str, int] = field(default_factory=dict)
    prompt_delay: float = 0.0  # AT+CMGS=... -> "> "
    urc_before_prompt: bool = False  # flush queued URCs just before "> "
    cms_error_rate: float = 0.0  # chance that a send fails with cms_error_code
    cms_error_code: int = 500
    cms_error_numbers: Mapping[str, int] = field(default_factory=dict)  # number -> CMS code
    hang_after: int | None = None  # after N sends answer nothing until reboot
    network_loss_after: int | None = None  # after N sends deregister (+CMS ERROR: 331)
    network_loss_for: float | None = None  # how long that loss lasts (None: until the modem restarts)
    registration_delay: float = 0.0  # SMS ready at boot -> registered on the network
    reboot_after: int | None = None  # the send after N sends browns out the modem
    reboot_garbage: bool = True  # a brown-out reboot starts with line noise
    garbage_rate: float = 0.0  # chance of junk bytes before a response or URC
    sim_pin: str | None = None  # "1234": +CPIN: SIM PIN until AT+CPIN="1234"
    operator: str = "TELKOMSEL"
    operator_short: str = "TSEL"
    mccmnc: str = "51010"
    csq: tuple[int, int] = (20, 0)
    ussd_replies: Mapping[str, str | tuple[str, int]] = field(default_factory=lambda: dict(DEFAULT_USSD))
    ussd_delay: float = 0.2  # AT+CUSD OK -> +CUSD URC
    network_time: datetime | None = None  # network time at start (None: now)
    tz_quarters: int = 28  # network time zone in quarter hours (WIB +07:00)
    imei: str = "860000000000001"
    imsi: str = "510100000000001"
    iccid: str = "89621000000000000001"
    smsc: str = "+6281100000"
    sm_capacity: int = 30  # SIM storage "SM"
    me_capacity: int = 50  # modem storage "ME"
    fixed_baud: bool = True  # SIM800 prints RDY only with a fixed (AT&W-saved) baud rate
    boot_delay: float = 0.01  # time between boot URCs
    initial_mr: int = 0  # TP-MR of the first send (kept on the SIM across reboots)
    cds_direct: bool = True  # False: refuses AT+CNMI <ds>=1 (firmware that only stores reports, +CDSI)
    cnmi_buffering: bool = True  # False: refuses AT+CNMI <mode> 2/3 (indications dropped while busy, mode 1)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(f"emulator model must be one of {sorted(MODELS)}, not {self.model!r}")
        for name in ("cms_error_rate", "garbage_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1")
        for name in ("send_latency", "report_delay", "prompt_delay", "ussd_delay", "boot_delay"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        for name in ("hang_after", "network_loss_after", "reboot_after"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"{name} must not be negative")
        for name in ("network_loss_for", "registration_delay"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < math.inf:
                raise ConfigError(f"{name} must be a number of seconds, 0 or more")
        if not 0 <= self.initial_mr <= 255:
            raise ConfigError("initial_mr must be 0..255")
        if self.sm_capacity < 1 or self.me_capacity < 1:
            raise ConfigError("storage capacities must be at least 1")
        if not self.cds_direct and 2 not in MODELS[self.model].ds_values:
            raise ConfigError(f"cds_direct=False needs a model that stores status reports (<ds>=2); "
                              f"{self.model} has only <ds> {MODELS[self.model].ds_values}")


@dataclass(frozen=True)
class ModelInfo:
    """What differs between the SIM800 and SIM7600 on the AT interface."""

    manufacturer: str
    model: str
    revision: str  # the AT+CGMR line
    ati: tuple[str, ...]  # ATI lines ({imei} filled in)
    alpha: str  # the empty <alpha> of +CMGR/+CMGL/+CMT in PDU mode
    only: frozenset[str]  # commands only this model has
    boot_ready: str  # the URC after which SMS commands work
    ds_values: tuple[int, ...]  # the AT+CNMI <ds> it accepts (2: status reports stored, +CDSI)
    report_store: str | None  # the storage status reports go to with <ds>=2 (None: the receive storage)


MODELS = {
    "sim800": ModelInfo(
        manufacturer="SIMCOM_Ltd",
        model="SIMCOM_SIM800L",
        revision="Revision:1418B05SIM800L24",
        ati=("SIM800 R14.18",),
        alpha='""',
        only=frozenset({"+CCID", "+CPOWD", "+CMGDA", "+CLTS", "+CIURC"}),
        boot_ready="SMS Ready",
        ds_values=(0, 1),  # SIM800 Series AT Command Manual: <ds> 0, 1
        report_store=None,
    ),
    "sim7600": ModelInfo(
        manufacturer="SIMCOM INCORPORATED",
        model="SIMCOM_SIM7600E-H",
        revision="+CGMR: LE20B04SIM7600M22",
        ati=(
            "Manufacturer: SIMCOM INCORPORATED",
            "Model: SIMCOM_SIM7600E-H",
            "Revision: SIM7600M22_V2.0",
            "IMEI: {imei}",
            "+GCAP: +CGSM",
        ),
        alpha="",
        only=frozenset({"+CICCID", "+CEREG", "+CPOF", "+CTZU"}),
        boot_ready="SMS DONE",
        ds_values=(0, 1, 2),  # SIM7500/SIM7600 AT Command Manual: <ds> 0-2, reports stored in "SR"
        report_store="SR",
    ),
}
