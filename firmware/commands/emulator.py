"""``siaran emulator``: run an emulated SIM800/SIM7600 on a pseudo-terminal.

Prints one JSON line when the port is ready (``{"port": ..., "link": ...,
"model": ..., "log": ...}``), then runs until SIGINT or SIGTERM.  Point the
daemon or ``siaran modem`` at the printed port (or at ``--link``) to test
without hardware; ``--log`` records every SMS part the "network" accepted.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading

from firmware.commands.output import EXIT_BAD_INPUT, fail
from firmware.errors import ConfigError, PduError
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator

DESCRIPTION = "Run an emulated SIM800/SIM7600 modem on a pseudo-terminal until SIGINT/SIGTERM."

#: Seconds after start-up before --incoming messages reach the SIM.
INCOMING_DELAY = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``emulator`` to the ``siaran`` command's subparsers."""
    parser = subparsers.add_parser(
        "emulator",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    parser.set_defaults(func=handler)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options (shared by ``siaran emulator`` and :func:`_cli_main`)."""
    parser.add_argument("--model", choices=("sim800", "sim7600"), default="sim800")
    parser.add_argument("--name", default="", help="emulator name in the log (default: link or port)")
    parser.add_argument("--link", help="also create this symlink to the pty, e.g. /tmp/modem0")
    parser.add_argument("--log", help="append one JSON line per accepted SMS part to this file")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds from Ctrl-Z to +CMGS")
    parser.add_argument("--report-delay", type=float, default=1.0, help="seconds from +CMGS to +CDS")
    parser.add_argument("--report-status", type=int, default=0, help="TP-Status of delivery reports (0 = delivered)")
    parser.add_argument(
        "--incoming", action="append", default=[], metavar="NUMBER:TEXT",
        help=f"an SMS that arrives {INCOMING_DELAY:g} s after start (repeatable)",
    )  # fmt: skip
    parser.add_argument("--cms-error-rate", type=float, default=0.0, help="chance (0..1) that a send fails")
    parser.add_argument("--cms-error-code", type=int, default=500, help="+CMS ERROR code of those failures")
    parser.add_argument(
        "--fail-number", action="append", default=[], metavar="NUMBER[:CODE]",
        help="sends to this number fail with +CMS ERROR CODE (default: --cms-error-code)",
    )  # fmt: skip
    parser.add_argument("--hang-after", type=int, help="stop answering after N sends until rebooted")
    parser.add_argument("--network-loss-after", type=int, help="lose the network after N sends")
    parser.add_argument("--network-loss-for", type=float, metavar="S",
                        help="that loss lasts S seconds (default: until the modem restarts)")
    parser.add_argument(
        "--network-drop", action="append", default=[], metavar="AT:SECONDS",
        help="the network goes away AT seconds after start for SECONDS (repeatable)",
    )  # fmt: skip
    parser.add_argument("--registration-delay", type=float, default=0.0, metavar="S",
                        help="seconds from SMS ready to registered, after each boot")
    parser.add_argument("--reboot-after", type=int, help="brown out (reboot) on the send after N sends")
    parser.add_argument("--garbage-rate", type=float, default=0.0, help="chance (0..1) of line noise per response")
    parser.add_argument("--slow-prompt", type=float, default=0.0, metavar="S", help="seconds before the '> ' prompt")
    parser.add_argument("--pin", help="the SIM asks for this PIN")
    parser.add_argument("--stored-reports", action="store_true",
                        help="refuse AT+CNMI <ds>=1: status reports are stored, +CDSI (needs --model sim7600)")
    parser.add_argument("--seed", type=int, help="seed for the random faults")


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Build the emulator configuration from parsed options.

    Raises:
        ConfigError: an option value is invalid.
    """
    failing: dict[str, int] = {}
    for item in args.fail_number:
        number, _, code = item.partition(":")
        if not number or (code and not code.isdigit()):
            raise ConfigError(f"--fail-number wants NUMBER[:CODE], not {item!r}")
        failing[number] = int(code) if code else args.cms_error_code
    return EmulatorConfig(
        model=args.model,
        name=args.name,
        send_latency=args.latency,
        report_delay=args.report_delay,
        report_status=args.report_status,
        prompt_delay=args.slow_prompt,
        cms_error_rate=args.cms_error_rate,
        cms_error_code=args.cms_error_code,
        cms_error_numbers=failing,
        hang_after=args.hang_after,
        network_loss_after=args.network_loss_after,
        network_loss_for=args.network_loss_for,
        registration_delay=args.registration_delay,
        reboot_after=args.reboot_after,
        garbage_rate=args.garbage_rate,
        sim_pin=args.pin,
        cds_direct=not args.stored_reports,
    )


def _parse_incoming(items: list[str]) -> list[tuple[str, str]]:
    messages = []
    for item in items:
        number, sep, text = item.partition(":")
        if not sep or not number:
            raise ConfigError(f"--incoming wants NUMBER:TEXT, not {item!r}")
        messages.append((number, text))
    return messages


def _parse_drops(items: list[str]) -> list[tuple[float, float]]:
    """``["30:10"]`` -> ``[(30.0, 10.0)]`` (start after, seconds without network)."""
    drops = []
    for item in items:
        at, sep, seconds = item.partition(":")
        try:
            drop = (float(at), float(seconds))
        except ValueError:
            drop = None
        if not sep or drop is None or not all(math.isfinite(v) and v >= 0 for v in drop):
            raise ConfigError(f"--network-drop wants AT:SECONDS (two numbers of seconds, 0 or more), not {item!r}")
        drops.append(drop)
    return drops


def handler(args: argparse.Namespace) -> int:
    """Run the emulator until SIGINT/SIGTERM; 0 on a clean stop, 2 on bad options."""
    try:
        config = config_from_args(args)
        incoming = _parse_incoming(args.incoming)
        drops = _parse_drops(args.network_drop)
    except ConfigError as exc:
        return fail(str(exc), f"Pilihan emulator tidak valid: {exc}", EXIT_BAD_INPUT)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with PtyEmulator(config, link=args.link, log_path=args.log, seed=args.seed) as emulator:
            ready = {"port": emulator.port, "link": args.link, "model": config.model, "log": args.log}
            sys.stdout.write(json.dumps(ready) + "\n")
            sys.stdout.flush()
            for at, seconds in drops:
                emulator.drop_network(seconds, after=at)
            if incoming and not stop.wait(INCOMING_DELAY):
                for number, text in incoming:
                    try:
                        emulator.inject_incoming(number, text)
                    except PduError as exc:
                        print(json.dumps({"error": f"--incoming not sent: {exc}"}), file=sys.stderr, flush=True)
            while not stop.wait(0.5):  # short waits: signal handlers run promptly
                pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    return 0


def _cli_main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -c 'from firmware.commands.emulator import _cli_main; _cli_main()'``)."""
    parser = argparse.ArgumentParser(prog="siaran emulator", description=DESCRIPTION)
    add_arguments(parser)
    return handler(parser.parse_args(argv))
