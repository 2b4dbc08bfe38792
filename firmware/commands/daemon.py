"""``siaran daemon``: run the sending daemon (see :mod:`firmware.queue.daemon`)."""

from __future__ import annotations

import argparse

from firmware.queue import daemon
from firmware.commands.common import add_state_options, load_config
from firmware.commands.output import EXIT_CORRUPT, config_failed, fail
from firmware.errors import ConfigError, DatabaseCorrupt


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("daemon")
    add_state_options(p)
    p.add_argument("--modem", action="append", default=[], metavar="PORT[:MODEL]",
                   help="a modem (repeatable), e.g. /dev/serial0:sim800; with --state-dir")
    p.add_argument("--unthrottled", action="store_true",
                   help="no per-SIM limits, jitter or send window (tests and benchmarks only)")
    p.set_defaults(func=cmd_daemon)


def cmd_daemon(args: argparse.Namespace) -> int:
    try:
        overrides = {"unthrottled": True} if args.unthrottled else {}
        if args.config and args.modem:
            raise ConfigError("--modem goes with --state-dir; put modems in the configuration file")
        cfg = load_config(args, args.modem, **overrides)
        if args.unthrottled:
            from dataclasses import replace
            cfg = replace(cfg, modems=tuple(replace(m, command_gap=0.0) for m in cfg.modems))
    except ConfigError as exc:
        return config_failed(exc)
    try:
        return daemon.run(cfg)
    except DatabaseCorrupt as exc:
        return fail(exc.reason, exc.pesan, EXIT_CORRUPT, fix=daemon.RESTORE_HELP)
