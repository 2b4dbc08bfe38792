"""A simulated office morning in real headless Chromium: the estimate the page shows holds against the daemon.

The daemon, its worker and the page run on one :class:`~firmware.box.clock.ScaledClock` (real time while they
start, then 900 times faster),
the modem is the emulator on a pseudo-terminal, the SQLite file is real.  The morning: the hold is on
(Pilkada) while a blast of 12 one-part messages at priority 50 and a campaign of 12 two-part invitations wait;
the SIM already sent 8 parts at 05:15; the limits are 3 parts a minute and 12 an hour; the window opens at
06:00.  The campaign page first says why nothing moves ("Ditahan: Pilkada"); once the hold is lifted it says
"Di luar jam kirim — mulai 06:00" and when it will be done.  That finish, made before anything moves, must be
within 10% of the finish the daemon reaches (about two and a half simulated hours later).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from datetime import datetime

import pytest
from browser import Page, chromium
from emutools import booted_emulator, wait_until
from test_audience import add_contacts
from test_web_e2e import first_run
from webtools import WebServer, first_admin

from firmware.campaigns import campaign as campaigns
from firmware.people.audience import Audience
from firmware.box.clock import ScaledClock
from firmware.office.config import Config, with_defaults
from firmware.queue.daemon import Daemon
from firmware.queue.store import Store

SCALE = 900.0
WIB = Config().tz
INVITATION = ("Yth. {nama}, undangan musyawarah warga tentang rencana perbaikan jalan lingkungan dan saluran air. "
              "Hadir Sabtu pukul sembilan pagi di balai warga RW setempat. Terima kasih atas perhatiannya.")


def _at(hhmm: str) -> float:
    h, m = map(int, hhmm.split(":"))
    return datetime(2027, 1, 15, h, m, tzinfo=WIB).timestamp()


@pytest.fixture
def office(tmp_path):
    """``office(per_day)``: the queue and the SIM as the morning starts, the daemon and the page on one scaled
    clock; returns (clock, store, web, campaign id). Everything stops at the end of the test."""
    started = []

    def start(per_day: int = 200):
        clock = ScaledClock(_at("05:40"), 1.0)  # real time while everything starts
        state = tmp_path / "state"
        emu = booted_emulator(tmp_path, name="sim800", report_delay=0.05)
        cfg = with_defaults(str(state), [f"{emu.port}:sim800"], unthrottled=False, jitter_min=0.0, jitter_max=0.0,
                            window_start="06:00", window_end="21:00", status_interval=7200.0)
        cfg = dataclasses.replace(cfg, modems=tuple(dataclasses.replace(
            m, name="sim800", command_gap=0.0, per_minute=3, per_hour=12, per_day=per_day) for m in cfg.modems))
        state.mkdir()
        store = Store.in_state_dir(state, clock=clock)
        # The SIM sent 8 parts at 05:15: they count against its hour until 06:15 (and its day until 05:15).
        store.enqueue(["+6281299990001"], "terkirim tadi pagi")
        with store.tx() as c:
            c.execute("UPDATE messages SET state = 'sent', sent_at = ? WHERE id = 1", (_at("05:15"),))
            c.executemany("INSERT INTO message_parts (message_id, seq, total, modem, sent_at)"
                          " VALUES (1, 1, 1, 'sim800', ?)", [(_at("05:15"),)] * 8)
        store.set_hold(True, reason="Pilkada", by="test")
        store.enqueue([f"+62812888{i:05d}" for i in range(12)], "Pemberitahuan pemadaman air besok pagi.",
                      priority=50)
        add_contacts(store, [{"number": f"+62812777{i:05d}", "name": f"Pak {i}", "desa": "Sukamaju", "rw": "01",
                              "rt": "02"} for i in range(12)])
        cid = campaigns.create(store, "Undangan musyawarah", INVITATION, Audience.build(desa="Sukamaju"),
                               actor="test")
        campaigns.submit(store, cid, "test")
        daemon = Daemon(cfg, clock=clock)
        thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
        thread.start()
        web = WebServer(state, config=cfg, clock=clock)
        started.append((web, daemon, thread, emu, store))
        return clock, store, web, cid

    yield start
    for web, daemon, thread, emu, store in started:
        web.close()
        daemon.stop()
        thread.join(20)
        emu.stop()
        store.close()


def _sent(store: Store, cid: int):
    """Waits until campaign ``cid`` is sent; then when its last part went."""
    def finished():
        counts = store.campaign_counts(cid)
        return not (counts.get("queued") or counts.get("sending"))
    return finished, lambda: store.conn.execute(
        "SELECT MAX(p.sent_at) FROM message_parts p JOIN messages m ON m.id = p.message_id WHERE m.campaign_id = ?",
        (cid,)).fetchone()[0]


@pytest.fixture
def browser(tmp_path):
    d = chromium(tmp_path)
    yield d
    d.quit()


def _eta(p: Page) -> tuple[str, int | None, str]:
    el = p.css("#live .eta") if p.all("#live .eta") else p.css(".eta")
    finish = el.get_attribute("data-finish")
    return el.get_attribute("data-eta"), int(finish) if finish else None, el.text


def test_the_estimate_made_before_the_window_opens_holds(office, browser):
    clock, store, web, cid = office()
    p = Page(browser, web.url)
    first_run(p)

    # -- held: the page says why, no countdown -------------------------------------------------------
    p.open(f"/campaigns/{cid}")
    reason, finish, text = _eta(p)
    assert (reason, finish) == ("hold", None) and "Ditahan: Pilkada" in text

    # -- the hold is lifted before 06:00: outside the window, and when it will be done ---------------
    clock.set_scale(SCALE)
    store.set_hold(False, reason=None, by="test")
    made_at = clock()
    assert made_at < _at("06:00"), "the daemon took too long to start"
    p.open(f"/campaigns/{cid}")
    reason, finish, text = _eta(p)
    assert reason == "window" and "Di luar jam kirim — mulai pukul 06:00" in text, text
    assert finish is not None
    # the dashboard gives the same figure (one estimate everywhere)
    p.open("/")
    assert p.css(f".campaign-progress[data-campaign='{cid}'] .eta").get_attribute("data-finish") == str(finish)

    # -- the daemon sends the morning -----------------------------------------------------------------
    finished, last_part = _sent(store, cid)
    wait_until(finished, (finish - made_at) * 2 / SCALE + 30, "the campaign to be sent")
    reached = last_part()
    sent_first = store.conn.execute("SELECT MIN(sent_at) FROM message_parts WHERE sent_at > ?",
                                    (_at("05:16"),)).fetchone()[0]
    assert sent_first >= _at("06:00"), "nothing may go before the window opens"
    span = finish - made_at
    print(f"estimate made {datetime.fromtimestamp(made_at, WIB):%H:%M}: done "
          f"{datetime.fromtimestamp(finish, WIB):%H:%M}; reached {datetime.fromtimestamp(reached, WIB):%H:%M:%S}")
    assert abs(reached - finish) <= 0.10 * span, (finish, reached, span)


def test_the_estimate_holds_over_the_night_when_the_daily_limit_is_reached(office):
    """20 parts a day over a sliding 24 hours: 12 go on the first morning (8 went at 05:15), 20 the next
    morning as the first day's leave the window, the last 4 on the third morning.  Outside the mornings'
    busy hour the clock runs 20,000 times faster than real time."""
    clock, store, web, cid = office(per_day=20)
    admin = first_admin(web)
    store.set_hold(False, reason=None, by="test")
    clock.set_scale(SCALE)
    made_at = clock()
    page = admin.get(f"/campaigns/{cid}").text
    finish = int(re.search(r'data-finish="(\d+)"', page).group(1))
    assert 'data-eta="window"' in page and finish > _at("06:00") + 86400, page[:2000]
    finished, last_part = _sent(store, cid)
    deadline = time.monotonic() + 120
    while not finished():
        assert time.monotonic() < deadline, " ".join(map(str, (f"not sent by {datetime.fromtimestamp(clock(), WIB)}", [
            datetime.fromtimestamp(r[0], WIB).strftime("%d %H:%M:%S")
            for r in store.conn.execute("SELECT sent_at FROM message_parts ORDER BY sent_at")], store.queue_counts(),
            [dict(r) for r in store.conn.execute("SELECT name, state, state_reason FROM modems")])))
        local = datetime.fromtimestamp(clock(), WIB)
        fast = not 5 * 60 + 50 <= local.hour * 60 + local.minute < 6 * 60 + 45
        if (clock.scale > SCALE) != fast:
            clock.set_scale(20_000.0 if fast else SCALE)
        time.sleep(0.005)
    reached = last_part()
    print(f"estimate made {datetime.fromtimestamp(made_at, WIB):%d %H:%M}: done "
          f"{datetime.fromtimestamp(finish, WIB):%d %H:%M}; reached {datetime.fromtimestamp(reached, WIB):%d %H:%M:%S}")
    day_one = store.conn.execute("SELECT COUNT(*) FROM message_parts WHERE sent_at BETWEEN ? AND ?",
                                 (_at("05:16"), _at("21:00"))).fetchone()[0]
    assert day_one == 12, "the first day: the day's 20 less the 8 sent before"
    assert abs(reached - finish) <= 0.10 * (finish - made_at), (finish, reached)
