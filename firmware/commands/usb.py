"""``siaran usb-import --device /dev/sda1 | --folder DIR``: the USB-stick drop (:mod:`firmware.box.usbdrop`).

``--device`` is what ``siaran-usb@.service`` runs (as root: it mounts the stick);
``--folder`` runs the same import on a folder (a stick mounted by hand, tests).
JSON on stdout; exit 0 when the list was imported, 1 when the drop failed
(the reason is in the report on the stick and in ``usb_state``), 2 on bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from firmware.box import usbdrop
from firmware.commands.common import add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.queue.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("usb-import")
    add_state_options(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--device", help="the stick's partition, e.g. /dev/sda1 (mounted, imported, unmounted)")
    g.add_argument("--folder", help="a folder holding the list (same import, no mounting)")
    p.set_defaults(func=cmd_usb_import)


def cmd_usb_import(args: argparse.Namespace) -> int:
    try:
        config = load_config(args)
        store = Store.in_state_dir(config.state_dir)
    except (ConfigError, OSError) as exc:
        return config_failed(exc)
    usbdrop.on_sigterm()
    with store:
        try:
            if args.device:
                result = usbdrop.run_device(store, config, args.device)
            else:
                folder = Path(args.folder)
                if not folder.is_dir():
                    return fail(f"not a folder: {args.folder}", f"bukan folder: {args.folder}", EXIT_BAD_INPUT)
                result = usbdrop.run_folder(store, config, folder)
        except usbdrop.Unplugged:
            emit({"state": "error", "error": "stopped (stick removed?)"})
            return EXIT_FAILED
    emit(result.as_dict())
    return 0 if result.state == "safe_to_remove" else EXIT_FAILED
