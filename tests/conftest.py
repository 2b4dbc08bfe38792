"""Fixtures shared by the store-level tests: a real SQLite file and a clock the test moves."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Tests live in one folder per firmware package (tests/queue, tests/people, ...). The shared helpers sit here
# (emutools, webtools, browser...); a few tests also reuse another test module's fixtures (test_daemon's rig,
# test_web_e2e's appliance), so every test folder is importable by module name (names are unique).
_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE)] + sorted(str(d) for d in _HERE.iterdir() if d.is_dir() and any(d.glob("test_*.py")))

from firmware.queue.store import Store

from timetools import T0  # noqa: E402  (the tests' fixed "now")


@pytest.fixture
def clock():
    """A one-element list holding "now"; tests move time with ``clock[0] += seconds``."""
    return [T0]


@pytest.fixture
def store(tmp_path, clock):
    """A migrated store on a real file in ``tmp_path``, on the test's clock."""
    s = Store(tmp_path / "siaran.db", clock=lambda: clock[0])
    yield s
    s.close()


@pytest.fixture
def web(tmp_path):
    """The LAN page served by waitress on a free port, on a fresh state folder."""
    from webtools import WebServer

    server = WebServer(tmp_path / "state")
    yield server
    server.close()


@pytest.fixture
def admin(web):
    """A client logged in as the first admin (created through the first-run page)."""
    from webtools import first_admin

    return first_admin(web)
