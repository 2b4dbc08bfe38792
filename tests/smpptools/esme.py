"""BareEsme: a plain smpplib client, the baseline that Siaran's SMPP route is measured and checked against.

It does the least an application must add to smpplib (see shared/reference/smpp-and-jasmin.md): one lock
around every PDU write (smpplib's reader thread writes too), error responses routed to the application
instead of ending ``listen()``, a window of outstanding submit_sm bounded by a semaphore and matched by
sequence number. Receipts (deliver_sm with esm_class 0x04) and mobile-originated messages are collected
from the reader thread; nothing is retried or reconnected: faults are what the tests look at.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import smpplib.client
import smpplib.consts
import smpplib.exceptions

from .fields import encode_short_message, field_text


@dataclass
class SubmitResult:
    """What a submit_sm got back: its command_status and, when accepted, the gateway's message_id."""

    status: int
    message_id: str
    destination_addr: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0


@dataclass
class SeenReceipt:
    """A delivery receipt as the ESME received it."""

    message_id: str  # receipted_message_id TLV, else the text's id:
    stat: str  # the text's stat: (DELIVRD, UNDELIV, ...)
    message_state: int | None  # the message_state TLV
    text: str
    at: float


@dataclass
class SeenMo:
    """A mobile-originated message (deliver_sm that is not a receipt)."""

    source_addr: str
    destination_addr: str
    short_message: bytes
    data_coding: int
    at: float


def parse_receipt_text(text: str) -> tuple[str, str]:
    """(id, stat) from an SMPP 3.4 Appendix B receipt text (``id:... stat:DELIVRD ...``)."""
    mid = re.search(r"\bid:(\S+)", text)
    stat = re.search(r"\bstat:(\w+)", text)
    return (mid.group(1) if mid else "", stat.group(1) if stat else "")


class BareEsme:
    """One SMPP session (transceiver by default) to ``host:port``; ``window`` submits in flight at most."""

    def __init__(self, host: str, port: int, system_id: str, password: str, *, bind: str = "transceiver",
                 window: int = 10, timeout: float = 10.0) -> None:
        self.host, self.port = host, port
        self.system_id, self.password = system_id, password
        self.bind_mode = bind
        self.window = window
        self.timeout = timeout
        self.client = smpplib.client.Client(host, port, timeout=timeout, allow_unknown_opt_params=True)
        self._write_lock = threading.Lock()
        raw_send = self.client.send_pdu

        def locked_send(pdu):
            with self._write_lock:
                return raw_send(pdu)

        self.client.send_pdu = locked_send
        self.client.set_message_sent_handler(self._on_submit_resp)
        self.client.set_message_received_handler(self._on_deliver)
        self.client.set_error_pdu_handler(lambda pdu: None)  # statuses are read where the PDU is handled
        self._slots = threading.Semaphore(window)
        self._cond = threading.Condition()
        self._outstanding: dict[int, str] = {}  # sequence -> destination
        self.results: dict[int, SubmitResult] = {}  # sequence -> result
        self.receipts: dict[str, SeenReceipt] = {}
        self.receipt_count = 0  # every receipt PDU, duplicates included
        self.mo: list[SeenMo] = []
        self.closed: BaseException | None = None
        self._reader: threading.Thread | None = None

    # -- session -------------------------------------------------------------------------------------

    def bind(self) -> "BareEsme":
        """Connect and bind; raises smpplib.exceptions.PDUError (status in ``args[1]``) when refused."""
        self.client.connect()
        try:
            getattr(self.client, f"bind_{self.bind_mode}")(system_id=self.system_id, password=self.password,
                                                             system_type="")
        except BaseException:
            self.client.disconnect()
            raise
        self._reader = threading.Thread(target=self._listen, name=f"esme-{self.system_id}", daemon=True)
        self._reader.start()
        return self

    def _listen(self) -> None:
        try:
            self.client.listen()
        except BaseException as e:  # the link ended: record it, wake every waiter
            with self._cond:
                self.closed = e
                self._cond.notify_all()

    def close(self) -> None:
        """Unbind when still bound, then close the socket."""
        if self.closed is None:
            try:
                with self._write_lock:
                    pdu = smpplib.smpp.make_pdu("unbind", client=self.client)
                    self.client._socket.sendall(pdu.generate())
                deadline = time.monotonic() + 2
                while self.closed is None and time.monotonic() < deadline:
                    time.sleep(0.02)
            except Exception:
                pass
        try:
            self.client.state = smpplib.consts.SMPP_CLIENT_STATE_OPEN
            self.client.disconnect()
        except Exception:
            pass
        if self._reader is not None:
            self._reader.join(5)

    def __enter__(self) -> "BareEsme":
        return self.bind()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------------------------

    def send(self, destination: str, text: str | bytes, *, source: str = "SIARAN", registered_delivery: int = 1,
             data_coding: int | None = None, **fields) -> int:
        """Send one submit_sm without waiting for its response (blocks while the window is full);
        returns its sequence number. Alphanumeric ``source`` goes as TON 5/NPI 0, digits as TON 1/NPI 1."""
        body, dc = encode_short_message(text)
        alpha = not source.isdigit()
        if not self._slots.acquire(timeout=self.timeout * 3):
            raise TimeoutError(f"window of {self.window} still full after {self.timeout * 3:.0f} s")
        if self.closed is not None:
            self._slots.release()
            raise ConnectionError(f"session closed: {self.closed!r}")
        pdu = smpplib.smpp.make_pdu(
            "submit_sm", client=self.client, source_addr=source, source_addr_ton=5 if alpha else 1,
            source_addr_npi=0 if alpha else 1, destination_addr=destination, dest_addr_ton=1, dest_addr_npi=1,
            short_message=body, data_coding=dc if data_coding is None else data_coding,
            registered_delivery=registered_delivery, **fields,
        )
        with self._cond:
            self._outstanding[pdu.sequence] = destination
        try:
            self.client.send_pdu(pdu)
        except BaseException:
            with self._cond:
                self._outstanding.pop(pdu.sequence, None)
            self._slots.release()
            raise
        return pdu.sequence

    def submit(self, destination: str, text: str | bytes, *, timeout: float | None = None, **kw) -> SubmitResult:
        """Send one submit_sm and wait for its response."""
        seq = self.send(destination, text, **kw)
        return self.wait_results([seq], timeout or self.timeout)[0]

    def submit_many(self, destinations, text: str | bytes, *, timeout: float = 120.0, **kw) -> list[SubmitResult]:
        """Send one message to each destination, ``window`` in flight; wait for every response."""
        seqs = [self.send(d, text, **kw) for d in destinations]
        return self.wait_results(seqs, timeout)

    def wait_results(self, seqs: list[int], timeout: float) -> list[SubmitResult]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not all(s in self.results for s in seqs):
                if self.closed is not None:
                    raise ConnectionError(f"session closed with {sum(s not in self.results for s in seqs)} "
                                          f"responses missing: {self.closed!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{sum(s not in self.results for s in seqs)} submit_sm responses missing "
                                       f"after {timeout:.0f} s")
                self._cond.wait(min(left, 0.2))
            return [self.results[s] for s in seqs]

    def _on_submit_resp(self, pdu, **_) -> None:
        with self._cond:
            dest = self._outstanding.pop(pdu.sequence, None)
            if dest is None:
                return
            mid = field_text(pdu.message_id) if pdu.status == 0 else ""
            self.results[pdu.sequence] = SubmitResult(pdu.status, mid, dest)
            self._cond.notify_all()
        self._slots.release()

    # -- receiving -----------------------------------------------------------------------------------

    def _on_deliver(self, pdu, **_) -> int:
        now = time.time()
        with self._cond:
            if (pdu.esm_class or 0) & 0x3C == 0x04:
                text = field_text(pdu.short_message)
                text_id, stat = parse_receipt_text(text)
                mid = field_text(pdu.receipted_message_id) or text_id
                self.receipts[mid] = SeenReceipt(mid, stat, pdu.message_state, text, now)
                self.receipt_count += 1
            else:
                self.mo.append(SeenMo(field_text(pdu.source_addr), field_text(pdu.destination_addr),
                                      bytes(pdu.short_message or b""), pdu.data_coding or 0, now))
            self._cond.notify_all()
        return 0

    def wait_receipts(self, message_ids, timeout: float = 30.0) -> dict[str, SeenReceipt]:
        """Wait until a receipt arrived for every id; returns them by id."""
        want = set(message_ids)
        deadline = time.monotonic() + timeout
        with self._cond:
            while not want <= self.receipts.keys():
                left = deadline - time.monotonic()
                if left <= 0 or self.closed is not None:
                    missing = len(want - self.receipts.keys())
                    raise TimeoutError(f"{missing} of {len(want)} receipts missing after {timeout:.0f} s"
                                       + (f" (session closed: {self.closed!r})" if self.closed else ""))
                self._cond.wait(min(left, 0.2))
            return {m: self.receipts[m] for m in want}

    def wait_mo(self, n: int = 1, timeout: float = 30.0) -> list[SeenMo]:
        """Wait until ``n`` mobile-originated messages arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.mo) < n:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed is not None:
                    raise TimeoutError(f"{len(self.mo)} of {n} MO messages after {timeout:.0f} s")
                self._cond.wait(min(left, 0.2))
            return list(self.mo)
