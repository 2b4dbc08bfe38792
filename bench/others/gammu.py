"""gammu-smsd (Debian ``gammu`` + ``gammu-smsd``, tested with 1.42.0) against the emulator.

Backend: ``Service = files``.  Throughput does not depend on the backend here
(see *Limits*), and FILES needs no database package or schema: the queue is one
file per message in the outbox, which is also the fastest way to inject in bulk
(``gammu-smsd-inject`` starts a process and parses the config per message).
The SQL backend with SQLite would need the extra ``libdbd-sqlite3`` package
and the same one-message-per-main-loop drain.

Queueing: one file per message, written to ``tmp/`` and renamed into the
outbox (so the daemon never reads half a file), named
``OUTB_<number>_<serial>.txt`` -- "OUT<priority>_<recipient>_<serial>.<ext>"
of gammu-smsd-files(7), priority A the highest (``queue(urgent=True)``);
``.txt`` is a text SMS, the content is the text (``OutboxFormat = standard``),
sent in order of file name.

Config (``smsdrc``), tuned for throughput:

* ``[gammu] connection = at115200`` -- the generic AT driver (a pty ignores
  the rate); gammu identifies the SIM800/SIM7600 as an unknown AT model, fine;
* ``LoopSleep = 0`` -- no sleep at the end of each main-loop turn.  The main
  loop sends at most ONE message per turn, so the default ``LoopSleep = 1``
  costs up to a second per message (0.74/s measured instead of 1.4/s).  The
  price: with an empty outbox the loop spins (a CPU core) -- with
  ``CommTimeout = 0`` as well;
* ``CommTimeout = 0`` -- rescan the outbox at once after finding it empty
  (default 30 s: a message queued while idle would wait up to 30 s);
* ``SendTimeout = 10 + 2*latency`` s -- how long to wait for ``+CMGS`` (default 30);
* ``CheckSecurity = 0``, ``CheckBattery = 0``, ``CheckSignal = 0``,
  ``CheckNetwork = 0`` -- no ``AT+CPIN?``/``AT+CBC``/``AT+CSQ``/``AT+CREG?``
  around each send (``SMSD_PhoneStatus`` runs before every message);
* ``StatusFrequency = 0``, ``ResetFrequency = 0``, ``HardResetFrequency = 0`` --
  no periodic status refresh or preventive resets;
* ``DeliveryReport = no`` (no TP-SRR, no ``+CDS`` traffic);
* ``Receive = False`` -- send only (no ``AT+CPMS``/``AT+CMGL`` polling of the inbox);
* ``TransmitFormat = auto`` (GSM-7 when the text allows, as here),
  ``OutboxFormat = standard``;
* ``DebugLevel = 255`` -- logs every AT frame, so the harness can list the
  commands the emulator answered ERROR; it costs nothing measurable at 1.4/s.

Started in the foreground: ``gammu-smsd --config smsdrc --pid smsd.pid
--suicide S`` (no ``--daemon``; ``--suicide`` is a safety net should the harness
die).  SIGTERM stops it gracefully (it sends ``AT+CUSD=0``, ``AT+CMMS=0``).

Limits: ``ATGEN_SendSMS`` in libgammu (``libgammu/phone/at/at-sms.c``) sleeps
a fixed ``usleep(100000)`` after the ``> `` prompt, ``usleep(500000)`` after
writing the PDU, before Ctrl-Z, and ``usleep(100000)`` after it: 0.7 s per part
that no configuration removes, so gammu-smsd tops out at ~1.4 parts/s with a
zero-latency modem (0.712 s/part measured).  The modem's own send latency
overlaps the last 0.1 s sleep, so in general ~1/(0.6 + max(0.1, latency)):
still 1.41/s at 0.1 s latency.
Then ``SMSD_SendSMS`` polls the port every 10 ms for ``+CMGS``, and the main
loop takes the next message.  Start-up takes ~5 s: until it knows the model,
libgammu writes commands a byte at a time (1 ms apart) and sleeps 400 ms after
each probe (``AT``, ``ATE1``, ``AT+MODE=2``, ``AT+CMEE=1``, ``AT+CSCS`` ...).

The emulator answers ``ERROR`` to five of gammu's probes -- ``AT+MODE=2``
(Motorola), ``AT+CPROT=?`` (OBEX), ``AT+SYNCML=?``, ``AT$TSSPCSW=?`` (Siemens),
``AT+CHUP=?``; gammu takes each as "not supported" and carries on (the
first four are not SIMCom commands; ``AT+CHUP`` only decides how gammu would
hang up a call).  No SMS command is refused.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

from bench.others._common import (
    EmulatorLog,
    blast,
    command_key,
    drive,
    prepare_run,
    result,
    summarise_errors,
    version_of,
    with_settings,
)

DAEMON = "gammu-smsd"
#: Seconds per part that libgammu sleeps in ATGEN_SendSMS (100 + 500 + 100 ms).
FIXED_SLEEP_PER_PART = 0.7

CONFIG = """\
# gammu-smsd config written by bench/others/gammu.py: tuned for throughput, see its docstring.
[gammu]
device = {port}
connection = at115200

[smsd]
Service = files
OutboxFormat = standard
TransmitFormat = auto
InboxPath = {dir}/inbox/
OutboxPath = {dir}/outbox/
SentSMSPath = {dir}/sent/
ErrorSMSPath = {dir}/error/
LogFile = {dir}/smsd.log
DebugLevel = 255
LoopSleep = 0
CommTimeout = 0
SendTimeout = {send_timeout}
CheckSecurity = 0
CheckBattery = 0
CheckSignal = 0
CheckNetwork = 0
StatusFrequency = 0
ResetFrequency = 0
HardResetFrequency = 0
DeliveryReport = no
Receive = False
"""

TUNING = {
    "Service": "files", "LoopSleep": 0, "CommTimeout": 0, "SendTimeout": "10+2*latency",
    "CheckSecurity": 0, "CheckBattery": 0, "CheckSignal": 0, "CheckNetwork": 0,
    "StatusFrequency": 0, "ResetFrequency": 0, "HardResetFrequency": 0,
    "DeliveryReport": "no", "Receive": False, "connection": "at115200",
}  # fmt: skip


def ceiling(latency: float) -> float:
    """Parts/s gammu-smsd cannot exceed: 0.6 s of sleeps, then max(0.1 s sleep, latency) to ``+CMGS``."""
    return 1 / (FIXED_SLEEP_PER_PART - 0.1 + max(0.1, latency))


def executable() -> str | None:
    """Path of gammu-smsd, or None when the package is not installed."""
    path = shutil.which(DAEMON) or f"/usr/bin/{DAEMON}"
    return path if os.access(path, os.X_OK) else None


def write_config(workdir: Path, port: str, *, latency: float = 0.0, settings: dict | None = None) -> Path:
    """Create the FILES-backend folders and ``smsdrc`` in ``workdir``; return the config path.

    ``settings``: values other than the tuned ones (``{"CheckNetwork": 1}``).
    """
    for sub in ("inbox", "outbox", "sent", "error", "tmp"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    config = workdir / "smsdrc"
    send_timeout = 10 + 2 * math.ceil(latency)
    config.write_text(with_settings(CONFIG.format(port=port, dir=workdir, send_timeout=send_timeout), settings))
    return config


def queue(workdir: Path, messages: list[tuple[str, str]], *, urgent: bool = False, first_serial: int = 1) -> None:
    """Queue text messages the FILES backend way: one ``OUTB_<number>_<serial>.txt`` each.

    ``urgent``: priority A (``OUTA_...``), sent before the B of a blast.
    """
    tmp, outbox = workdir / "tmp", workdir / "outbox"
    for serial, (number, text) in enumerate(messages, start=first_serial):
        name = f"OUT{'A' if urgent else 'B'}_{number}_{serial:05d}.txt"
        (tmp / name).write_text(text)
        os.rename(tmp / name, outbox / name)


def command(exe: str, config: Path, workdir: Path, timeout: float) -> list[str]:
    """gammu-smsd in the foreground; ``--suicide`` ends it should the harness die before ``timeout``."""
    return [exe, "--config", str(config), "--pid", str(workdir / "smsd.pid"), "--suicide", str(int(timeout + 60))]


def at_errors(log_path: Path) -> list[tuple[str, str]]:
    """``[(command, reply)]`` for every AT command answered ERROR, from a DebugLevel 255 log."""
    pairs, current = [], None
    line_re = re.compile(r'gammu: (\d+) "(.*)"\s*$')
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        m = line_re.search(line)
        if not m:
            continue
        index, text = int(m.group(1)), m.group(2)
        if index == 1:
            current = command_key(text)
        elif current and ("ERROR" in text):
            pairs.append((current, text))
            current = None
    return pairs


def run(port_or_link, workdir, n: int, *, latency: float | None = None, timeout: float | None = None,
        emulator_log=None) -> dict:
    """Blast ``n`` messages through gammu-smsd on ``port_or_link``; return the result record.

    ``port_or_link``: a pty path, a symlink to it or a running PtyEmulator.
    ``latency``: the emulator's send latency if known (timeouts, report only).
    """
    exe = executable()
    setup = prepare_run(DAEMON, n, exe, "gammu-smsd not installed: apt-get install -y gammu gammu-smsd",
                        port_or_link, workdir, latency, emulator_log)
    if isinstance(setup, dict):
        return setup
    port, log_path, latency, workdir = setup

    messages = blast(n)
    config = write_config(workdir, port, latency=latency)
    queue(workdir, messages)
    if timeout is None:
        timeout = 30 + n * (FIXED_SLEEP_PER_PART + 0.1 + latency) * 1.5
    stall = 30 + 3 * latency
    argv = command(exe, config, workdir, timeout)
    log = EmulatorLog(log_path)
    run_info = drive(argv, cwd=workdir, output=workdir / "stdout.txt", log=log,
                     wanted={number for number, _ in messages}, timeout=timeout, stall=stall, port=port,
                     drained=lambda: not any((workdir / "outbox").glob("OUT*")), grace=5 + 2 * latency)
    log.save(workdir / "emulator.jsonl")

    notes = []
    smsd_log = workdir / "smsd.log"
    errors = at_errors(smsd_log)
    if errors:
        notes.append("AT commands answered ERROR: " + summarise_errors(errors))
    try:
        text = smsd_log.read_text(errors="replace")
    except FileNotFoundError:
        text = ""
    failures = [line.split(": ", 1)[-1] for line in text.splitlines()
                if re.search(r"gammu-smsd\[\d+\]: (Error|Failed|Can't)", line)]
    if failures:
        notes.append(f"{len(failures)} error lines in smsd.log, first: {failures[0]}")
    left = len(list((workdir / "outbox").glob("OUT*")))
    if left:
        notes.append(f"{left} messages still in the outbox")
    if list((workdir / "error").glob("OUT*")):
        notes.append(f"{len(list((workdir / 'error').glob('OUT*')))} messages moved to the error folder")
    notes.append(f"libgammu sleeps {FIXED_SLEEP_PER_PART:.1f} s per part in ATGEN_SendSMS: "
                 f"ceiling {ceiling(latency):.2f}/s at {latency:g} s latency")
    return result(daemon=DAEMON, version=version_of([exe, "--version"]), messages=messages, run=run_info,
                  log=log, latency=latency, command=argv, workdir=workdir,
                  logs=[smsd_log, workdir / "stdout.txt", workdir / "emulator.jsonl"],
                  tuning=TUNING, notes=notes)
