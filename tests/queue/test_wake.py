"""A commit wakes the daemon through a datagram beside the database (firmware.queue.wake), not a poll."""

from __future__ import annotations

import threading

from firmware.queue import wake
from firmware.queue.store import Store


def _subscribed(db_file) -> threading.Event:
    event = threading.Event()
    assert wake.subscribe(db_file, event)
    return event


def test_a_commit_that_changes_something_wakes_a_subscriber(tmp_path):
    db = tmp_path / "siaran.db"
    with Store(db) as store:
        event = _subscribed(db)
        try:
            store.enqueue(["+6281200000001"], "Uji coba")
            assert event.wait(2), "the enqueue did not wake the subscriber"
            event.clear()
            store.set_hold(True, reason="uji", by="tes")
            assert event.wait(2)
        finally:
            wake.unsubscribe(db, event)
    assert not (tmp_path / ("siaran.db" + wake.SUFFIX)).exists(), "the socket goes with its last subscriber"


def test_a_commit_that_changes_nothing_or_the_daemons_own_does_not(tmp_path):
    db = tmp_path / "siaran.db"
    with Store(db) as store, Store(db, wakes_daemon=False) as own:
        event = _subscribed(db)
        try:
            with store.tx() as c:  # a look under the write lock: nothing changed
                c.execute("SELECT COUNT(*) FROM messages").fetchone()
            own.enqueue(["+6281200000002"], "Uji coba")
            assert not event.wait(0.3)
        finally:
            wake.unsubscribe(db, event)


def test_a_folder_too_long_for_a_socket_address_works_through_proc(tmp_path):
    deep = tmp_path / ("sangat-panjang-" * 8) / "siaran"
    deep.mkdir(parents=True)
    db = deep / "siaran.db"
    assert len(str(db) + wake.SUFFIX) > 108
    with Store(db) as store:
        event = _subscribed(db)
        try:
            store.enqueue(["+6281200000003"], "Uji coba")
            assert event.wait(2)
        finally:
            wake.unsubscribe(db, event)


def test_poking_with_no_daemon_is_harmless(tmp_path):
    wake.poke(tmp_path / "siaran.db")  # no socket: nothing happens, nothing raises
    with Store(tmp_path / "siaran.db") as store:
        assert store.enqueue(["+6281200000004"], "Uji coba") == (1, 0)  # committed all the same


def test_a_stale_socket_file_is_replaced(tmp_path):
    db = tmp_path / "siaran.db"
    (tmp_path / ("siaran.db" + wake.SUFFIX)).write_text("")  # left by a daemon that was killed
    event = _subscribed(db)
    try:
        wake.poke(db)
        assert event.wait(2)
    finally:
        wake.unsubscribe(db, event)
