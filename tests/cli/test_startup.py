"""``siaran`` starts fast: a command imports only what it runs (issue 11 §4; figures in bench/bench_startup.py).

Each check runs in a fresh interpreter and looks at ``sys.modules``: the test process itself has
imported everything already.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from firmware import cli

#: Heavy modules no command-line start pays for unless its command needs them.
NEVER_AT_START = ("gpiozero", "openpyxl", "bottle", "waitress", "firmware.queue.daemon")


def _modules_after(code: str) -> set[str]:
    """The module names loaded once ``code`` has run in a new interpreter."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_module():
    loaded = _modules_after("import firmware.cli")
    assert not [m for m in NEVER_AT_START if m in loaded]
    assert not [m for m in loaded if m.startswith("firmware.commands.") and m != "firmware.commands.output"]


def test_help_builds_no_command_module():
    loaded = _modules_after("import contextlib, io\nfrom firmware.cli import main\n"
                            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                            "    main(['--help'])")
    assert not [m for m in loaded if m.startswith("firmware.commands.") and m != "firmware.commands.output"]
    assert not [m for m in NEVER_AT_START if m in loaded]


def test_status_and_send_skip_sqlite_utils_and_heavy_modules(tmp_path):
    """``status`` on an up-to-date file reads it with plain sqlite3, and checks no number."""
    state = str(tmp_path)
    run = "from firmware.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
    first = _modules_after(run + f"    assert main(['send', '--state-dir', {state!r}, '--to', '0812-0000-0001',"
                                 " '--text', 'Uji coba']) == 0")
    assert "sqlite_utils" in first  # a new file: the migrations ran
    status = _modules_after(run + f"    assert main(['status', '--state-dir', {state!r}]) == 0")
    assert not [m for m in (*NEVER_AT_START, "sqlite_utils", "phonenumbers") if m in status]
    send = _modules_after(run + f"    assert main(['send', '--state-dir', {state!r}, '--to', '0812-0000-0002',"
                                " '--text', 'Uji coba']) == 0")
    assert not [m for m in (*NEVER_AT_START, "sqlite_utils") if m in send]
    assert "phonenumbers" in send  # the number is checked


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_the_command_table_is_what_the_modules_register():
    full = _subparsers(cli.build_parser())
    assert [a.dest for a in full._choices_actions] == [name for name, _, _ in cli.COMMANDS]
    assert [a.help for a in full._choices_actions] == [help_ for _, _, help_ in cli.COMMANDS]


@pytest.mark.parametrize("name", [name for name, _, _ in cli.COMMANDS])
def test_each_command_help_is_complete_when_built_alone(name):
    """``siaran X --help`` built lazily says what the full parser says, and ``siaran --help`` lists every command."""
    full = _subparsers(cli.build_parser()).choices[name]
    alone_parser = cli.build_parser(["-v", name, "--help"])
    alone = _subparsers(alone_parser).choices[name]
    assert alone.format_help() == full.format_help()
    assert alone_parser.format_help() == cli.build_parser().format_help()
