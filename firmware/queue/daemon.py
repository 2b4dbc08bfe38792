"""``siaran daemon``: open the store, settle what a crash left, run one worker per modem.

The main loop expires old messages, keeps ``systemctl status`` informed
(``STATUS=``), and pings the systemd watchdog only while every worker is
alive, so a hung worker leads to a restart (``WatchdogSec=`` in the unit).
A worker whose loop fails restarts itself with back-off (and waits out a full
disk); one that cannot makes the daemon exit 1, for systemd to restart it.
Outside systemd the notifications are no-ops.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

from firmware.queue import health
from firmware.box import panel as panel_mod
from firmware.box import power
from firmware.office.config import Config, SmppAccount
from firmware.errors import DatabaseCorrupt
from firmware.queue.store import Store, db_path, integrity_problems, storage_problem
from firmware.queue.modem_worker import LiveRoutes, ModemWorker
from firmware.queue.smpp_store import EARLY_RECEIPT_KEEP, operator_accounts
from firmware.queue.smpp_worker import SmppWorker

log = logging.getLogger(__name__)

#: A worker that has not beaten for this long is hung (longest single wait: AT+CMGS 60 s).
HUNG_AFTER = 120.0
#: Seconds a stopping daemon lets a send in progress finish before cutting the modem off.
STOP_GRACE = 2.0
#: Seconds between looks at the operator accounts added on the Settings page.
ACCOUNTS_EVERY = 5.0


def notify(message: str) -> None:
    """sd_notify(3) through systemd-python; silently nothing outside systemd."""
    try:
        from systemd import daemon as sd_daemon
    except ImportError:  # pragma: no cover — systemd-python is a dependency
        return
    try:
        sd_daemon.notify(message)
    except OSError as exc:
        log.debug("sd_notify failed: %s", exc)


class Daemon:
    """The running daemon; :meth:`run` blocks until :meth:`stop` or a signal."""

    def __init__(self, config: Config, *, power_cycle: Callable[[str], bool] | None = None,
                 hung_after: float = HUNG_AFTER, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock  # the workers' wall clock (send window, SIM limits, sent_at; a ScaledClock in simulated days)
        # GPIO power control when any [[modem]] has a hat/pwrkey_pin (None otherwise: the ladder stops at reset).
        self.power_cycle = power_cycle if power_cycle is not None else power.hooks_from_config(config)
        self.panel_loop: panel_mod.PanelLoop | None = None
        self.hung_after = hung_after
        self.stop_event = threading.Event()
        self.workers: list[ModemWorker] = []
        self.smpp_workers: dict[str, SmppWorker] = {}  # by account name
        self.db_file = str(db_path(config.state_dir))

    def stop(self, *_args) -> None:
        self.stop_event.set()
        for w in self.workers:
            w.wake.set()  # an idle worker waits on its own event

    def run(self) -> int:
        # Reader threads hand each modem reply to a worker thread; CPython's
        # default 5 ms GIL switch interval would add up to that to every hop.
        sys.setswitchinterval(0.0005)
        self._check_database()
        if self.config.unthrottled:
            log.warning("UNTHROTTLED: no per-SIM limits, jitter or send window (tests and benchmarks only)")
        store = Store(self.db_file, clock=self.clock, wakes_daemon=False)
        requeued, unknown = store.recover_in_flight(self.config.inflight_policy)
        if requeued or unknown:
            log.warning("after an unclean stop: %d message(s) queued again, %d marked unknown", requeued, unknown)
            store.audit("daemon", "recover_in_flight", {"requeued": requeued, "unknown": unknown})
        routes = LiveRoutes()
        self.workers = [
            ModemWorker(mc, self.config, self.db_file, stop=self.stop_event, live_routes=routes,
                        power_cycle=self.power_cycle, clock=self.clock)
            for mc in self.config.modems
        ]
        if isinstance(self.power_cycle, power.PowerHooks):
            for w in self.workers:  # "is it on?" = does AT answer (unless a STATUS pin is wired)
                self.power_cycle.set_probe(w.mc.name, power.at_probe(w))
        for w in self.workers:
            w.start()
        self._sync_smpp_workers(store)
        self.panel_loop = panel_mod.loop_from_config(self.config, self.db_file)
        if self.panel_loop is not None:
            self.panel_loop.start()
        self._wait_ready(timeout=90.0)
        notify("READY=1")
        log.info("daemon ready with %d modem(s)", len(self.workers))
        try:
            code = self._main_loop(store)
        finally:
            notify("STOPPING=1")
            self.stop_event.set()
            # A send in progress may finish (a few seconds); then blocking modem
            # conversations are cut so that systemctl stop stays quick.
            deadline = time.monotonic() + STOP_GRACE
            everyone = self.all_workers()
            for w in everyone:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in everyone:
                if w.is_alive():
                    w.abort()
            for w in everyone:
                w.join(timeout=10)
            if self.panel_loop is not None:
                self.panel_loop.stop()
            if isinstance(self.power_cycle, power.PowerHooks):
                self.power_cycle.close()
            store.close()
        return code

    def _check_database(self) -> None:
        """Refuse to start on a corrupt file (a quick integrity check), rather than trip over the bad page
        mid-blast and crash-loop under systemd; say so in the log, ``systemctl status`` and the page."""
        problems = integrity_problems(self.db_file)
        if not problems:
            health.clear(self.config.state_dir)
            return
        exc = corrupt_database(self.db_file, problems)
        log.critical("%s", exc.reason)
        health.write(self.config.state_dir, "database_corrupt", exc.reason, exc.pesan, RESTORE_HELP)
        notify("STATUS=database corrupt: not started (siaran restore)")
        raise exc

    def _wait_ready(self, timeout: float) -> None:
        """Until every worker has its modem up or knows it is not (absent, failing), or stop."""
        deadline = time.monotonic() + timeout
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            if all(w.ready.is_set() or not w.is_alive() for w in self.all_workers()):
                return
            self.stop_event.wait(0.05)

    def _main_loop(self, store: Store) -> int:
        """Housekeeping, STATUS and watchdog pings until stopped (0), or until a worker gave up (1:
        systemd restarts the daemon; ``Restart=on-failure``)."""
        next_expire = next_accounts = 0.0
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now >= next_expire:
                next_expire = now + 30.0
                self._postponable(self._housekeeping, store)
            if now >= next_accounts:
                next_accounts = now + ACCOUNTS_EVERY
                self._postponable(self._sync_smpp_workers, store)
            # Every second: the page shows a finished campaign as finished promptly (a cheap read when none is due).
            self._postponable(store.finish_campaigns)
            gave_up = [w for w in self.all_workers() if w.crashed is not None and not w.is_alive()]
            if gave_up:
                log.error("worker(s) %s could not be restarted: the daemon exits for systemd to restart it",
                          ", ".join(_label(w) for w in gave_up))
                return 1
            alive = self.workers_alive()
            if alive:
                notify("WATCHDOG=1")
            try:
                notify("STATUS=" + self.status_line(store))
            except sqlite3.Error as exc:
                notify(f"STATUS=database unreadable: {exc}")
            self.stop_event.wait(1.0)
        return 0

    def _housekeeping(self, store: Store) -> None:
        """Expire, purge, answer orphan requests (every 30 s)."""
        expired = store.expire_due()
        if expired:
            log.info("%d message(s) expired unsent", expired)
        store.purge_fragments(older_than=self.clock() - 7 * 86400)
        store.purge_smpp_receipts(older_than=self.clock() - EARLY_RECEIPT_KEEP)
        store.finish_orphan_requests([w.mc.name for w in self.workers],
                                     "no such modem in the daemon's configuration")

    @staticmethod
    def _postponable(task, *args) -> None:
        """Run a housekeeping task; a storage failure (a full disk) only postpones it: the workers show the
        state and resume by themselves."""
        try:
            task(*args)
        except sqlite3.OperationalError as exc:
            if storage_problem(exc) is None:
                raise
            log.warning("housekeeping postponed: %s", exc)

    def all_workers(self) -> list:
        """The modem workers and the operator accounts' workers."""
        return [*self.workers, *self.smpp_workers.values()]

    def accounts(self, store: Store) -> list[SmppAccount]:
        """The operator accounts to drive (:func:`~firmware.queue.smpp_store.operator_accounts`); a table
        account that is skipped is logged once."""
        try:
            accounts, problems = operator_accounts(self.config, store)
        except sqlite3.Error as exc:
            log.warning("operator accounts unreadable: %s", exc)
            return list(self.config.smpp)
        skipped = getattr(self, "_skipped_accounts", set())
        for problem in problems:
            if problem not in skipped:
                log.error("operator account skipped: %s", problem)
                skipped.add(problem)
        self._skipped_accounts = skipped
        return accounts

    def _sync_smpp_workers(self, store: Store) -> None:
        """Start a worker per operator account; one whose account changed or went is stopped (and
        restarted with the new settings): an admin's edit on the Settings page applies within seconds."""
        wanted = {a.name: a for a in self.accounts(store)}
        for name, worker in list(self.smpp_workers.items()):
            if wanted.get(name) != worker.account or (not worker.is_alive() and worker.crashed is None):
                worker.stop_event.set()
                worker.join(timeout=STOP_GRACE + 1)
                if worker.is_alive():
                    worker.abort()
                    worker.join(timeout=5)
                del self.smpp_workers[name]
                log.info("operator account %s: %s", name, "changed" if name in wanted else "removed")
        for name, account in wanted.items():
            if name not in self.smpp_workers and not self.stop_event.is_set():
                worker = SmppWorker(account, self.config, self.db_file, stop=_Linked(self.stop_event),
                                    clock=self.clock)
                self.smpp_workers[name] = worker
                worker.start()

    def workers_alive(self) -> bool:
        """True while every worker thread runs and has beaten recently (a change is logged once)."""
        now = time.monotonic()
        bad = {_label(w): ("dead" if not w.is_alive() else "hung") for w in self.all_workers()
               if not w.is_alive() or now - w.heartbeat > self.hung_after}
        reported = getattr(self, "_reported_bad", {})
        for name, how in bad.items():
            if reported.get(name) != how:
                log.error("worker %s is %s: the watchdog will restart the daemon", name, how)
        for name in set(reported) - set(bad):
            log.warning("worker %s is alive again", name)
        self._reported_bad = bad
        return not bad

    def status_line(self, store: Store) -> str:
        counts = store.queue_counts()
        modems = " ".join(f"{_label(w)}={w.state}" for w in self.all_workers())
        hold = " HOLD" if store.hold().active else ""
        return (f"queued={counts.get('queued', 0)} sending={counts.get('sending', 0)} sent={counts.get('sent', 0)}"
                f" delivered={counts.get('delivered', 0)} failed={counts.get('failed', 0)}{hold} {modems}")


def _label(worker) -> str:
    """A worker's name in the log and STATUS: its modem's or its operator account's."""
    return worker.mc.name if hasattr(worker, "mc") else worker.label


class _Linked(threading.Event):
    """A worker's own stop event that is also set when the daemon's is: one account's worker can be
    stopped (its account changed) without stopping the rest."""

    def __init__(self, parent: threading.Event) -> None:
        super().__init__()
        self._parent = parent

    def is_set(self) -> bool:
        return super().is_set() or self._parent.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            remaining = 0.2 if end is None else min(0.2, end - time.monotonic())
            if remaining <= 0:
                return False
            super().wait(remaining)
        return True


#: The way back from a corrupt database (docs/backup.md says more).
RESTORE_HELP = "siaran restore BACKUP.db  |  siaran restore --salvage (no backup: keep every readable row)"


def corrupt_database(path: str, problems: list[str]) -> DatabaseCorrupt:
    """The bilingual refusal for a file that fails the integrity check, with the way back."""
    first = problems[0][:200]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return DatabaseCorrupt(
        f"the database {path} is corrupt: {first}{more}. The daemon does not start on it. Stop the services and"
        f" restore the last backup (siaran restore BACKUP.db), or, without a backup, keep every row still"
        f" readable (siaran restore --salvage); see docs/backup.md",
        f"Basis data {path} rusak: {first}{more}. Layanan pengirim tidak dijalankan. Hentikan layanan, lalu"
        f" pulihkan cadangan terakhir (siaran restore CADANGAN.db), atau, tanpa cadangan, selamatkan semua baris"
        f" yang masih terbaca (siaran restore --salvage); lihat docs/backup.md")


def run(config: Config) -> int:
    """Run the daemon until SIGTERM/SIGINT."""
    daemon = Daemon(config)
    signal.signal(signal.SIGTERM, daemon.stop)
    signal.signal(signal.SIGINT, daemon.stop)
    return daemon.run()
