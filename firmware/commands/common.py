"""Options every store-using subcommand shares: ``--state-dir DIR`` or ``--config FILE``."""

from __future__ import annotations

import argparse
import getpass

from firmware.office import config as config_mod
from firmware.office.config import Config
from firmware.queue.store import Store


def add_state_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--config", help="daemon configuration file (TOML)")
    g.add_argument("--state-dir", help="folder holding siaran.db (default /var/lib/siaran)")


def load_config(args: argparse.Namespace, modem_specs: list[str] | None = None, **overrides) -> Config:
    """The configuration the options name (file, or defaults around --state-dir)."""
    if getattr(args, "config", None):
        cfg = config_mod.load(args.config)
        if overrides:
            from dataclasses import replace
            cfg = config_mod.validate(replace(cfg, **overrides))
        return cfg
    state_dir = getattr(args, "state_dir", None) or config_mod.DEFAULT_STATE_DIR
    return config_mod.with_defaults(state_dir, modem_specs or [], **overrides)


def open_store(args: argparse.Namespace) -> Store:
    return Store.in_state_dir(load_config(args).state_dir)


def actor() -> str:
    """Who runs a CLI action, for the audit log: the local system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
