"""V.250 and 27.007 commands of the emulated modem (everything but SMS).

:class:`GeneralCommands` is a mixin of :class:`firmware.modem.emulator.modem.EmulatedModem`:
echo and result-code settings (``ATE``/``ATV``/``ATQ``/``ATZ``/``AT&F``/``AT&W``,
S-registers), identification (``+CGMI``, ``+CGMM``, ``+CGSN``, ``+CCID``...),
SIM and network (``+CPIN``, ``+CREG``, ``+COPS``, ``+CSQ``, ``+CFUN``,
``+CPOWD``), the clock (``+CCLK``) and USSD (``+CUSD``).  :class:`Settings` holds
what these and the SMS commands change and a reboot puts back.

Handlers take a :class:`~firmware.modem.emulator.lines.Command` and return the
information lines to print (or None); they raise
:class:`~firmware.modem.emulator.lines.AtError` to fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from firmware.modem.emulator.lines import Command, Params, cme, syntax_error
from firmware.modem.emulator.sms import CHARSETS, format_timestamp, lenient_te_decode, setting_handler

#: Power-on defaults of the +CSCLK/+CLTS/+CTZU/+CIURC style flags.
FLAG_DEFAULTS = {"+CSCLK": 0, "+CLTS": 0, "+CTZU": 0, "+CIURC": 1}
FLAG_RANGES = {"+CSCLK": range(3), "+CLTS": range(2), "+CTZU": range(2), "+CIURC": range(2)}

@dataclass
class Settings:
    """Everything a reboot or AT&F puts back to its power-on value."""

    echo: bool = True
    verbose: bool = True
    quiet: bool = False
    ipr: int = 0
    cmee: int = 0
    cmgf: int = 0
    cscs: str = "IRA"
    csmp: tuple[int, int, int, int] = (17, 167, 0, 0)
    csdh: int = 0
    csms: int = 0
    cmms: int = 0
    cnmi: tuple[int, int, int, int, int] = (2, 1, 0, 0, 0)
    cpms: tuple[str, str, str] = ("SM", "SM", "SM")
    csca: str = ""
    csca_toa: int = 145
    creg: dict[str, int] = field(default_factory=lambda: {"+CREG": 0, "+CGREG": 0, "+CEREG": 0})
    cops_format: int = 0
    cusd: int = 0
    flags: dict[str, int] = field(default_factory=lambda: dict(FLAG_DEFAULTS))
    s_regs: dict[int, int] = field(default_factory=lambda: {0: 0, 3: 13, 4: 10, 5: 8})


#: Settings AT&W stores and power-on/ATZ restores (V.250 profile: E, Q, V, baud).
PROFILE_FIELDS = ("echo", "verbose", "quiet", "ipr")


class GeneralCommands:
    """Non-SMS command handlers; mixed into ``EmulatedModem``."""

    # --- V.250 basic commands ---------------------------------------------------------

    def _digit(self, command: Command, valid: range) -> int:
        value = int(command.args) if command.args else 0
        if value not in valid:
            raise syntax_error()
        return value

    def _cmd_e(self, command: Command):
        self._s.echo = bool(self._digit(command, range(2)))

    def _cmd_v(self, command: Command):
        self._s.verbose = bool(self._digit(command, range(2)))

    def _cmd_q(self, command: Command):
        self._s.quiet = bool(self._digit(command, range(2)))

    def _cmd_z(self, command: Command):
        self._digit(command, range(1))
        for name in PROFILE_FIELDS:
            setattr(self._s, name, self._profile[name])

    def _cmd_and_f(self, command: Command):
        self._digit(command, range(1))
        fresh = Settings(ipr=self._s.ipr)
        fresh.csca = self._s.csca
        self._s = fresh
        self._fit_defaults()

    def _cmd_and_w(self, command: Command):
        self._digit(command, range(1))
        self._profile = {name: getattr(self._s, name) for name in PROFILE_FIELDS}

    def _cmd_accept_digit(self, command: Command):
        self._digit(command, range(5))

    def _cmd_i(self, command: Command):
        self._digit(command, range(1))
        return [line.format(imei=self.config.imei) for line in self._model.ati]

    def _cmd_s_register(self, command: Command):
        register = int(command.name[1:])
        if register > 12:
            raise syntax_error()
        if command.op == "read":
            return [f"{self._s.s_regs.get(register, 0):03d}"]
        value = int(command.args) if command.args else 0
        if value > 255:
            raise syntax_error()
        self._s.s_regs[register] = value
        return None

    # --- identification ---------------------------------------------------------------

    def _identity(self, command: Command, line: str):
        if command.op == "test":
            return None
        if command.op != "exec":
            raise syntax_error()
        return [line]

    def _cmd_cgmi(self, command: Command):
        return self._identity(command, self._model.manufacturer)

    def _cmd_cgmm(self, command: Command):
        return self._identity(command, self._model.model)

    def _cmd_cgmr(self, command: Command):
        return self._identity(command, self._model.revision)

    def _cmd_cgsn(self, command: Command):
        return self._identity(command, self.config.imei)

    def _cmd_gcap(self, command: Command):
        return self._identity(command, "+GCAP: +CGSM")

    def _cmd_cimi(self, command: Command):
        if command.op == "exec" and self._sim != "READY":
            raise cme(11 if self._sim == "SIM PIN" else 12)
        return self._identity(command, self.config.imsi)

    def _cmd_ccid(self, command: Command):
        prefix = "+ICCID: " if command.name == "+CICCID" else ""
        return self._identity(command, prefix + self.config.iccid)

    # --- equipment, SIM, network ------------------------------------------------------

    _cmd_cmee = setting_handler("+CMEE", "cmee", "(0-2)", range(3))

    def _cmd_cpin(self, command: Command):
        if command.op == "test":
            return None
        if command.op == "read":
            return [f"+CPIN: {self._sim}"]
        if command.op != "set":
            raise syntax_error()
        params = Params(command.args).at_most(2)
        code = params.str(0)
        if self._sim == "READY":
            raise cme(3)
        if self._sim == "SIM PUK":
            raise cme(12)  # PUK entry is not emulated
        if code != self.config.sim_pin:
            self._pin_attempts -= 1
            if self._pin_attempts == 0:
                self._sim = "SIM PUK"
            raise cme(16)
        self._sim = "READY"
        self._after_final.append(lambda: self._urc(["+CPIN: READY"]))
        self._after_final.append(self._sim_ready_sequence)
        return None

    def _cmd_creg(self, command: Command):
        name = command.name
        if command.op == "test":
            return [f"{name}: (0-2)"]
        if command.op == "read":
            n = self._s.creg[name]
            stat = self._reg_stat()
            return [f"{name}: {n},{stat}{self._location(name, n, stat)}"]
        if command.op == "set":
            self._s.creg[name] = Params(command.args).at_most(1).int(0, 0, valid=range(3))
            return None
        raise syntax_error()

    def _cmd_cops(self, command: Command):
        if command.op == "test":
            return [f'+COPS: (2,"{self._te(self.config.operator)}","{self._te(self.config.operator_short)}",'
                    f'"{self.config.mccmnc}"),,(0-4),(0-2)']  # fmt: skip
        if command.op == "read":
            if self._reg_stat() != 1:
                return ["+COPS: 0"]
            fmt = self._s.cops_format
            name = (self.config.operator, self.config.operator_short, self.config.mccmnc)[fmt]
            oper = self.config.mccmnc if fmt == 2 else self._te(name)
            act = ",7" if self.config.model == "sim7600" else ""
            return [f'+COPS: 0,{fmt},"{oper}"{act}']
        if command.op != "set":
            raise syntax_error()
        params = Params(command.args).at_most(4)
        mode = params.int(0, valid=range(5))
        fmt = params.int(1, self._s.cops_format, valid=range(3))
        if mode == 3:
            self._s.cops_format = fmt
        elif mode in (1, 4) and params.given(2):
            wanted = params.str(2)
            known = (self.config.operator, self.config.operator_short, self.config.mccmnc)
            if wanted not in known and mode == 1:
                raise cme(30)
        return None

    def _cmd_csq(self, command: Command):
        if command.op == "test":
            return ["+CSQ: (0-31,99),(0-7,99)"]
        if command.op != "exec":
            raise syntax_error()
        rssi, ber = self.config.csq if self._reg_stat() == 1 else (99, 99)
        return [f"+CSQ: {rssi},{ber}"]

    def _cmd_cscs(self, command: Command):
        if command.op == "test":
            return ["+CSCS: (" + ",".join(f'"{c}"' for c in CHARSETS) + ")"]
        if command.op == "read":
            return [f'+CSCS: "{self._s.cscs}"']
        if command.op != "set":
            raise syntax_error()
        charset = Params(command.args).at_most(1).str(0).upper()
        if charset not in CHARSETS:
            raise syntax_error()
        self._s.cscs = charset
        return None

    def _cmd_cfun(self, command: Command):
        if command.op == "test":
            return ["+CFUN: (0,1,4),(0,1)"]
        if command.op == "read":
            return [f"+CFUN: {self._cfun}"]
        if command.op != "set":
            raise syntax_error()
        params = Params(command.args).at_most(2)
        fun = params.int(0, valid=(0, 1, 4))
        reset = params.int(1, 0, valid=(0, 1))
        if reset:
            if fun != 1:
                raise syntax_error()
            self._after_final.append(self._restart)
            return None
        if fun != self._cfun:
            self._cfun = fun
            self._after_final.append(self._registration_changed)
        return None

    def _cmd_cpowd(self, command: Command):
        if command.op != "set":
            raise syntax_error()
        mode = Params(command.args).at_most(1).int(0, valid=(0, 1))
        if mode == 1:
            self._write(self._block(["NORMAL POWER DOWN"]))  # instead of OK
        self.power_off()  # mode 0 (urgent): no word at all
        return None

    def _cmd_cpof(self, command: Command):
        if command.op != "exec":
            raise syntax_error()
        self._after_final.append(self.power_off)
        return None

    def _cmd_flag(self, command: Command):
        name = command.name
        valid = FLAG_RANGES[name]
        if command.op == "test":
            return [f"{name}: ({valid.start}-{valid.stop - 1})"]
        if command.op == "read":
            return [f"{name}: {self._s.flags[name]}"]
        if command.op == "set":
            self._s.flags[name] = Params(command.args).at_most(1).int(0, valid=valid)
            return None
        raise syntax_error()

    def _cmd_ipr(self, command: Command):
        rates = (0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
        if command.op == "test":
            return ["+IPR: (" + ",".join(str(r) for r in rates) + ")"]
        if command.op == "read":
            return [f"+IPR: {self._s.ipr}"]
        if command.op == "set":
            self._s.ipr = Params(command.args).at_most(1).int(0, valid=rates)
            return None
        raise syntax_error()

    def _cmd_cbc(self, command: Command):
        if command.op == "test":
            return ["+CBC: (0-2),(1-100),(voltage)"] if self.config.model == "sim800" else None
        if command.op != "exec":
            raise syntax_error()
        return ["+CBC: 0,80,4000"] if self.config.model == "sim800" else ["+CBC: 4.000V"]

    # --- clock ------------------------------------------------------------------------------

    def _cmd_cclk(self, command: Command):
        if command.op == "test":
            return None
        if command.op == "read":
            return [f'+CCLK: "{format_timestamp(self._network_now() + self._cclk_offset)}"']
        if command.op != "set":
            raise syntax_error()
        wanted = _parse_cclk(Params(command.args).at_most(1).str(0))
        self._cclk_offset = wanted - self._network_now()
        return None

    # --- USSD -------------------------------------------------------------------------------

    def _cmd_cusd(self, command: Command):
        if command.op == "test":
            return ["+CUSD: (0-2)"]
        if command.op == "read":
            return [f"+CUSD: {self._s.cusd}"]
        if command.op != "set":
            raise syntax_error()
        params = Params(command.args).at_most(3)
        n = params.int(0, 0, valid=range(3))
        if n != 2:
            self._s.cusd = n
        if not params.given(1) or n == 2:
            return None
        code = lenient_te_decode(params.str(1), self._s.cscs)
        params.int(2, 15, valid=range(256))
        if self._sim != "READY":
            raise cme(11 if self._sim == "SIM PIN" else 12)
        if not self._network_ok():
            raise cme(30)
        generation = self._generation
        self._after(self.config.ussd_delay, lambda: self._ussd_reply(code, generation))
        return None

    def _ussd_reply(self, code: str, generation: int) -> None:
        if generation != self._generation or self._s.cusd != 1:
            return
        reply = self.config.ussd_replies.get(code)
        if reply is None:
            self._urc(["+CUSD: 4"])  # 27.007: operation not supported
            return
        text, dcs = (reply, 15) if isinstance(reply, str) else reply
        if dcs == 72:
            shown = text.encode("utf-16-be").hex().upper()
        else:
            shown = self._te(text)
        self._urc([f'+CUSD: 0,"{shown}",{dcs}'])


def _parse_cclk(text: str) -> datetime:
    """``yy/MM/dd,hh:mm:ss±zz`` -> aware datetime; plain ERROR when malformed."""
    try:
        stamp, sign, zone = text[:17], text[17], int(text[18:])
        if sign not in "+-" or len(text) != 20:
            raise ValueError(text)
        moment = datetime.strptime(stamp, "%y/%m/%d,%H:%M:%S")
    except (ValueError, IndexError):
        raise syntax_error() from None
    minutes = 15 * zone * (-1 if sign == "-" else 1)
    return moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
