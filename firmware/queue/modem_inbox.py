"""What a modem worker hears from its modem: URCs, stored messages and delivery reports, filed.

:class:`ModemInbox` is a mixin of :class:`~firmware.queue.modem_worker.ModemWorker` (it uses the
worker's ``mc``, ``modem``, ``store``, ``config`` and ``_commit``).  Incoming SMS are handed to
:func:`firmware.queue.inbox.file_incoming`, which every receiving route shares; delivery reports are
batched in ``_reports`` and ride along with the worker's next commit.  A message read from the SIM
is stored first and deleted from the SIM second, so a crash in between stores nothing twice.
"""

from __future__ import annotations

import logging

from firmware.errors import CommandError
from firmware.modem import pdu
from firmware.modem.driver import ModemEvent
from firmware.people.numbers import canonical_sender
from firmware.people.privacy import mask_number
from firmware.queue.inbox import file_incoming
from firmware.queue.store import Report

log = logging.getLogger(__name__)


class ModemInbox:
    """Filing what the modem reports (mixed into the modem worker)."""

    def _handle_events(self) -> None:
        while self.modem is not None:
            event = self.modem.next_event(timeout=0)
            if event is None:
                break
            self._handle_event(event)

    def _flush_reports(self) -> None:
        """Apply batched delivery reports now (when there is no send to ride along with)."""
        if self._reports:
            reports, self._reports = self._reports, []
            for report, match in zip(reports, self.store.apply_reports(reports)):
                if match is None:
                    log.info("%s: status report MR %d for %s matches no open part", self.mc.name, report.mr,
                             mask_number(report.recipient))

    def _handle_event(self, event: ModemEvent) -> None:
        assert self.store is not None
        if event.kind in ("sms_stored", "status_report_stored") and event.index is not None:
            self._collect(event.index, event.mem)
        elif event.kind == "status_report":
            self._file_report(event)
        elif event.kind == "sms_direct" and event.message is not None:
            self._file_incoming(event.message, raw=event.pdu)
        elif event.kind == "boot":
            log.warning("%s: modem restarted (%s)", self.mc.name, event.line)
            self._needs_init = True
        elif event.kind == "registration" and event.registration:
            self._on_registration(event.registration)
        elif event.kind == "ring" and self.modem is not None:
            self.modem.hang_up()  # SIM800 manual: reject calls while sending messages
        elif event.kind in ("power_warning", "power_down"):
            log.warning("%s: %s", self.mc.name, event.line)
            self.store.upsert_modem(self.mc.name, state_reason=event.line)
        elif event.error:
            log.info("%s: unreadable %s: %s", self.mc.name, event.kind, event.error)

    def _file_report(self, event: ModemEvent) -> None:
        rep = event.report
        if rep is None:
            log.info("%s: unreadable status report: %s", self.mc.name, event.error)
            return
        recipient = canonical_sender(rep.recipient.number, rep.recipient.ton)
        self._reports.append(Report(self.mc.name, rep.message_ref, recipient, rep.status,
                                    rep.status_class.value, rep.is_final))

    def _collect_stored(self) -> None:
        """File every message left on the SIM, and status reports the modem stored (arrived while we were down)."""
        assert self.modem is not None
        for mem in dict.fromkeys((None, self.modem.report_memory)):
            try:
                with self.modem.reading_from(mem):
                    for stored in self.modem.list_messages(4):
                        self._file_stored(stored)
            except CommandError as exc:
                self._left_on_sim(mem, None, exc)

    def _collect(self, index: int, mem: str | None = None) -> None:
        """File the message or status report a ``+CMTI``/``+CDSI`` points at (in storage ``mem``)."""
        assert self.modem is not None
        try:
            with self.modem.reading_from(mem):
                stored = self.modem.read(index)
                if stored is not None:
                    self._file_stored(stored)
        except CommandError as exc:
            self._left_on_sim(mem, index, exc)

    def _left_on_sim(self, mem: str | None, index: int | None, exc: CommandError) -> None:
        """A storage the modem will not read or delete now: leave it (swept again at the next start),
        rather than treat a refused read as a dead modem and re-initialise in a loop."""
        log.warning("%s: could not read stored message(s) in %s%s: %s", self.mc.name, mem or "SM",
                    f" at {index}" if index is not None else "", exc)

    def _file_stored(self, stored) -> None:
        """Store first, delete from the SIM second: a crash in between stores nothing twice."""
        assert self.modem is not None and self.store is not None
        decoded = stored.decoded
        if decoded is None:
            self.store.save_incoming(self.mc.name, "", f"[PDU tidak terbaca: {stored.error}]",
                                     sc_timestamp=None, kind="junk", raw=stored.pdu)
        elif isinstance(decoded, pdu.Deliver):
            self._file_incoming(decoded, raw=stored.pdu)
        elif isinstance(decoded, pdu.StatusReport):
            self._file_report(ModemEvent("status_report", "", report=decoded))
            self._commit(claim=False)  # durable (after the outcome it reports on) before it leaves the SIM
        self.modem.delete(stored.index)

    def _file_incoming(self, msg: pdu.Deliver, raw: str | None) -> None:
        assert self.store is not None
        concat = (msg.concat.ref, msg.concat.total, msg.concat.seq) if msg.concat else None
        file_incoming(self.store, self.config, self.mc.name, msg.sender.number, msg.text,
                      sc_timestamp=msg.timestamp.isoformat(), concat=concat, raw=raw, ton=msg.sender.ton,
                      alphanumeric=msg.sender.is_alphanumeric)
