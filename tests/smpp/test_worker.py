"""The SMPP worker (firmware.queue.smpp_worker) against the test operator network on a real socket.

The network (tests/smpptools/network.py, on smpplib's PDU classes: an independent SMPP implementation)
plays the operator's SMSC directly, without Jasmin, so these run in seconds; tests/smpp/test_jasmin.py
repeats the important ones through the real gateway. Real SQLite file, real worker thread, no mocks.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from firmware.office.config import Config, SmppAccount
from firmware.queue import smpp_worker
from firmware.queue.smpp_worker import SmppWorker
from firmware.queue.store import EMERGENCY, Store
from smpptools.network import OperatorNetwork

ALL_DAY = dict(window_start="00:00", window_end="24:00")


def nums(n: int, start: int = 1) -> list[str]:
    return [f"+62812{i:08d}" for i in range(start, start + n)]


@pytest.fixture
def opnet():
    net = OperatorNetwork(system_id="siaran", password="rahasia1").start()
    yield net
    errors = list(net.errors)
    net.stop()
    assert errors == [], f"the operator network itself failed: {errors!r}"


class Rig:
    """A store on a real file and SMPP workers on it, stopped (and joined) at the end."""

    def __init__(self, tmp_path, net: OperatorNetwork) -> None:
        self.db = str(tmp_path / "siaran.db")
        self.store = Store(self.db)
        self.net = net
        self.workers: list[tuple[SmppWorker, threading.Event]] = []

    def account(self, **kw) -> SmppAccount:
        base = dict(name="op", host=self.net.host, port=self.net.port, system_id="siaran", password="rahasia1",
                    source_addr="PEMKAB-BLTR", rate=500.0, window=10, enquire_link=5.0)
        return SmppAccount(**{**base, **kw})

    def start(self, account: SmppAccount | None = None, **config) -> SmppWorker:
        stop = threading.Event()
        w = SmppWorker(account or self.account(), Config(state_dir="unused", **{**ALL_DAY, **config}), self.db,
                       stop=stop)
        w.start()
        self.workers.append((w, stop))
        return w

    def stop(self, w: SmppWorker) -> None:
        for worker, stop in self.workers:
            if worker is w:
                stop.set()
                worker.join(10)
                assert not worker.is_alive()

    def close(self) -> None:
        for w, stop in self.workers:
            stop.set()
        for w, _ in self.workers:
            w.join(10)
        self.store.close()

    def wait(self, predicate, timeout: float = 20.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = predicate()
            if got:
                return got
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; queue {self.store.queue_counts()};"
                             f" links {self.store.smpp_links()}")

    def counts(self) -> dict[str, int]:
        return self.store.queue_counts()

    def final(self, n: int, timeout: float = 30.0) -> dict[str, int]:
        """Wait until ``n`` messages are final (delivered/failed/unknown), return the counts."""
        self.wait(lambda: sum(self.counts().get(s, 0) for s in ("delivered", "failed", "unknown")) >= n,
                  timeout, f"{n} final messages")
        return self.counts()


@pytest.fixture
def rig(tmp_path, opnet):
    r = Rig(tmp_path, opnet)
    yield r
    r.close()


def test_blast_with_long_and_unicode_texts_is_delivered_and_every_receipt_matched(rig, opnet):
    numbers = nums(30)
    rig.store.enqueue(numbers[:10], "Halo warga, posyandu besok pukul 08.00.")
    rig.store.enqueue(numbers[10:20], "Pemberitahuan panjang: " + "jalan ditutup {karena} banjir. " * 8)  # 2 parts
    rig.store.enqueue(numbers[20:], "Waspada longsor 🙏 " * 5)  # UCS-2, 2 parts
    w = rig.start()
    assert rig.final(30) == {"delivered": 30}
    parts = opnet.accepted()
    assert len(parts) == 10 + 20 + 20
    # sender, TON/NPI, UDH and data coding as the account and the texts say
    assert {(s.source_addr, s.source_addr_ton, s.source_addr_npi) for s in parts} == {("PEMKAB-BLTR", 5, 0)}
    assert {s.data_coding for s in parts if s.destination_addr.endswith(("21", "25"))} == {8}
    long_parts = [s for s in parts if s.esm_class & 0x40]
    assert len(long_parts) == 40 and all(s.short_message[:3] == b"\x05\x00\x03" for s in long_parts)
    assert all(s.destination_addr.startswith("62812") and s.registered_delivery == 1 for s in parts)
    stored = rig.store.conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT smsc_id) FROM message_parts WHERE modem = 'op' AND final = 1"
        " AND report_class = 'delivered'").fetchone()
    assert tuple(stored) == (50, 50)
    assert rig.store.unmatched_smpp_receipts() == 0
    rig.wait(lambda: rig.store.smpp_links() and rig.store.smpp_links()[0]["sent_total"] == 50, what="link row")
    assert rig.store.smpp_links()[0]["state"] == "bound"
    rig.stop(w)
    assert rig.store.smpp_links()[0]["state"] == "stopped"


def test_undeliverable_and_refused_destinations(rig, opnet):
    rig.store.conn.execute("INSERT INTO contacts (number, created_at, updated_at) VALUES ('+6281299990001', 0, 0)")
    opnet.undeliverable = ("6281299990",)
    rig.store.enqueue(["+6281299990001", "+6281200000001"], "Info")
    rig.start()
    counts = rig.final(2)
    assert counts == {"failed": 1, "delivered": 1}
    row = rig.store.conn.execute("SELECT state, error FROM messages WHERE number = '+6281299990001'").fetchone()
    assert row["state"] == "failed" and "permanent" in row["error"]
    assert rig.store.conn.execute("SELECT dead FROM contacts").fetchone()[0] == 1


def test_invalid_destination_fails_alone_with_a_plain_reason(rig, opnet):
    opnet.failure_rate, opnet.failure_status = 1.0, 0x0B
    rig.store.enqueue(nums(3), "Info")
    rig.start()
    rig.final(3)
    rows = rig.store.conn.execute("SELECT state, error_class, error_code, error FROM messages").fetchall()
    assert {(r["state"], r["error_class"], r["error_code"]) for r in rows} == {("failed", "bad_destination", 0x0B)}
    assert "nomor tujuan" in rows[0]["error"] and "ESME_RINVDSTADR" in rows[0]["error"]


def test_throttling_slows_down_and_loses_nothing(rig, opnet):
    opnet.throttle = 40.0
    rig.store.enqueue(nums(120), "Info")
    rig.start(rig.account(rate=1000.0, window=20))
    assert rig.final(120, timeout=40) == {"delivered": 120}
    refused = [s for s in opnet.submits if s.status == 0x58]
    assert refused, "the network never throttled: the test proves nothing"
    # a throttled attempt is not an attempt: nobody is near max_attempts
    assert rig.store.conn.execute("SELECT MAX(attempts) FROM messages").fetchone()[0] <= 3
    assert len(opnet.accepted()) == 120


def test_refused_bind_says_why_then_binds_when_allowed(rig, opnet, monkeypatch):
    monkeypatch.setattr(smpp_worker, "REFUSED_DELAYS", (0.5,))
    opnet.refuse_binds = True
    rig.store.enqueue(nums(2), "Info")
    rig.start()
    link = rig.wait(lambda: [r for r in rig.store.smpp_links() if r["state"] == "refused"], what="refused state")[0]
    assert "ESME_RBINDFAIL" in link["last_error"] and "Penyedia menolak" in link["last_error"]
    assert "rahasia1" not in link["last_error"]
    opnet.refuse_binds = False
    assert rig.final(2) == {"delivered": 2}


def test_wrong_password_is_reported(rig, opnet, monkeypatch):
    monkeypatch.setattr(smpp_worker, "REFUSED_DELAYS", (0.5,))
    rig.start(rig.account(password="salah"))
    link = rig.wait(lambda: [r for r in rig.store.smpp_links() if r["state"] == "refused"], what="refused")[0]
    assert "ESME_R" in link["last_error"] and "salah" not in link["last_error"]


def test_link_dropped_mid_blast_rebinds_resends_at_most_the_window_and_matches_every_receipt(rig, opnet,
                                                                                              monkeypatch):
    monkeypatch.setattr(smpp_worker, "REBIND_DELAYS", (0.2,))
    opnet.delay = 0.01
    opnet.receipt_delay = 0.3
    rig.store.enqueue(nums(200), "Info")
    rig.start(rig.account(rate=300.0, window=10))
    opnet.wait_submits(60)
    assert opnet.drop_link() >= 1
    counts = rig.final(200, timeout=60)
    assert counts.get("delivered", 0) + counts.get("unknown", 0) == 200
    assert len(opnet.binds) >= 2
    extra = len(opnet.accepted()) - 200
    assert 0 <= extra <= 25, f"{extra} re-sent: more than the in-doubt window (2.5 x window 10)"
    # every receipt that came was matched; the network re-sent those whose ack the drop lost
    assert rig.store.unmatched_smpp_receipts() <= extra
    in_doubt = rig.store.conn.execute("SELECT COUNT(*) FROM messages WHERE in_doubt > 0").fetchone()[0]
    assert in_doubt <= 25


def test_reply_and_optout_arrive_through_the_operator(rig, opnet):
    resident = "+6281200000077"
    rig.store.enqueue([resident], "Info", not_before=time.time() + 3600)  # waits: the opt-out suppresses it
    rig.start()
    opnet.wait_bound(1)
    assert opnet.inject_mo("6281200000077", "PEMKAB-BLTR", "Kapan posyandu?") == 0
    assert opnet.inject_mo("6281200000077", "PEMKAB-BLTR", "berhenti") == 0
    rig.wait(lambda: rig.store.is_opted_out(resident), what="opt-out")
    inbox = rig.store.conn.execute("SELECT modem, number, text, kind FROM inbox ORDER BY id").fetchall()
    assert [tuple(r) for r in inbox] == [("op", resident, "Kapan posyandu?", "reply"),
                                         ("op", resident, "berhenti", "optout")]
    assert rig.store.conn.execute("SELECT state FROM messages WHERE text = 'Info'").fetchone()[0] == "suppressed"
    # the confirmation goes out by the operator route too (channel: either)
    opnet.wait_for(lambda: any(s.destination_addr == "6281200000077" for s in opnet.accepted()), 10, "confirmation")


def test_hold_stops_the_route_but_an_emergency_goes(rig, opnet):
    rig.store.set_hold(True, reason="masa tenang", by="test")
    rig.store.enqueue(nums(3), "Kampanye")
    rig.start()
    opnet.wait_bound(1)
    rig.store.enqueue(["+6281200000099"], "Banjir! Mengungsi ke balai desa.", priority=EMERGENCY)
    opnet.wait_submits(1)
    time.sleep(1.5)
    assert [s.destination_addr for s in opnet.accepted()] == ["6281200000099"]
    rig.store.set_hold(False, reason=None, by="test")
    assert rig.final(4)["delivered"] == 4


def test_modem_only_messages_are_left_for_the_modems(rig, opnet):
    rig.store.enqueue(["+6281200000001"], "lewat modem", channel="modem")
    rig.store.enqueue(["+6281200000002"], "lewat operator", channel="smpp")
    rig.start()
    opnet.wait_submits(1)
    time.sleep(1.2)
    assert [s.destination_addr for s in opnet.accepted()] == ["6281200000002"]
    assert rig.store.conn.execute("SELECT state FROM messages WHERE channel = 'modem'").fetchone()[0] == "queued"


def test_transmitter_and_receiver_binds(rig, opnet):
    rig.store.enqueue(nums(5), "Info")
    rig.start(rig.account(bind="transmitter+receiver"))
    assert rig.final(5) == {"delivered": 5}
    commands = sorted({b.command for b in opnet.binds})
    assert commands == ["bind_receiver", "bind_transmitter"]
    assert {r.session for r in opnet.receipts} != {s.session for s in opnet.accepted()}


def test_enquire_link_keeps_an_idle_link_and_stop_unbinds(rig, opnet):
    w = rig.start(rig.account(enquire_link=5.0))
    opnet.wait_bound(1)
    time.sleep(6.5)
    assert opnet.bound_sessions() == 1 and len(opnet.binds) == 1
    rig.stop(w)
    opnet.wait_for(lambda: opnet.bound_sessions() == 0, 5, "unbind")


def test_receipts_outlive_the_session_that_sent(rig, opnet, monkeypatch):
    """A receipt whose session is gone comes on the next bind and still matches its part."""
    monkeypatch.setattr(smpp_worker, "REBIND_DELAYS", (0.3,))
    opnet.receipt_delay = 1.0
    rig.store.enqueue(nums(5), "Info")
    rig.start()
    opnet.wait_submits(5)
    rig.wait(lambda: rig.counts().get("sent") == 5, what="5 sent")
    opnet.drop_link()
    assert rig.final(5, timeout=20) == {"delivered": 5}
    assert len({r.session for r in opnet.receipts}) >= 1 and len(opnet.binds) >= 2


def test_daemon_runs_table_accounts_and_applies_edits(tmp_path, opnet, monkeypatch):
    """The daemon starts a worker for an account added on the Settings page (table), replaces it when an
    admin edits the account, stops it when the account goes, and counts it for the watchdog."""
    from firmware.queue import daemon as daemon_mod

    monkeypatch.setattr(daemon_mod, "ACCOUNTS_EVERY", 0.5)
    state = tmp_path / "state"
    cfg = Config(state_dir=str(state), **ALL_DAY)
    store = Store(state / "siaran.db")
    acc = SmppAccount(name="op", host=opnet.host, port=opnet.port, system_id="siaran", password="rahasia1",
                      source_addr="PEMKAB-BLTR")
    store.save_smpp_account(acc, by="admin")
    d = daemon_mod.Daemon(cfg)
    runner = threading.Thread(target=d.run, daemon=True)
    runner.start()
    try:
        opnet.wait_bound(1, timeout=20)
        first = d.smpp_workers["op"]
        assert d.workers_alive() and "op=" in d.status_line(store)
        store.enqueue(["+6281200000501"], "Info")
        opnet.wait_submits(1, timeout=10)
        store.save_smpp_account(SmppAccount(**{**acc.__dict__, "rate": 20.0}), by="admin")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and d.smpp_workers.get("op") in (first, None):
            time.sleep(0.1)
        assert d.smpp_workers["op"] is not first and d.smpp_workers["op"].account.rate == 20.0
        assert not first.is_alive()
        store.delete_smpp_account("op", by="admin")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "op" in d.smpp_workers:
            time.sleep(0.1)
        assert "op" not in d.smpp_workers
        assert store.smpp_links()[0]["state"] == "stopped"
    finally:
        d.stop()
        runner.join(20)
        store.close()


@pytest.mark.parametrize("kind", ["deliver_sm", "data_sm"])
def test_an_sms_right_behind_the_bind_answer_is_filed_not_dropped(tmp_path, kind):
    """An SMSC may write a waiting SMS (or receipt) in the same TCP segment as its bind_resp: the worker must
    file and answer it, not lose it in the bind wait (the SMSC would wait for an answer that never comes).

    A one-shot SMSC on a real socket writes bind_transceiver_resp and the SMS with ONE sendall; the SMS as
    deliver_sm, or as data_sm (§4.7: some SMSCs bring MO that way, the text in message_payload)."""
    from firmware.smpp import pdu as P

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    answers: list = []

    def smsc() -> None:
        conn, _ = server.accept()
        with conn:
            framer = P.Framer()
            conn.settimeout(10)
            bind = None
            while bind is None:
                frames = framer.feed(conn.recv(4096))
                bind = next((P.decode(f) for f in frames), None)
            if kind == "deliver_sm":
                mo = P.DeliverSm(P.Command.DELIVER_SM, sequence=1, source_addr_ton=1, source_addr_npi=1,
                                 source_addr="6281200000088", destination_addr="PEMKAB-BLTR", short_message=b"BERHENTI")
            else:
                mo = P.DataSm(P.Command.DATA_SM, sequence=1, source_addr_ton=1, source_addr_npi=1,
                              source_addr="6281200000088", destination_addr="PEMKAB-BLTR",
                              tlvs=((P.Tag.MESSAGE_PAYLOAD, b"BERHENTI"),))
            conn.sendall(P.encode(P.response_to(bind, system_id="SMSC")) + P.encode(mo))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not answers:
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    break
                if not data:
                    break
                answers.extend(p for p in map(P.decode, framer.feed(data))
                               if p.command == mo.command | 0x80000000)  # deliver_sm_resp / data_sm_resp

    thread = threading.Thread(target=smsc, daemon=True)
    thread.start()
    store = Store(str(tmp_path / "siaran.db"))
    stop = threading.Event()
    account = SmppAccount(name="op", host="127.0.0.1", port=port, system_id="siaran", password="rahasia1",
                          source_addr="PEMKAB-BLTR", rate=50.0, window=10, enquire_link=5.0)
    worker = SmppWorker(account, Config(state_dir="unused", **ALL_DAY), str(tmp_path / "siaran.db"), stop=stop)
    worker.start()
    try:
        thread.join(15)
        assert [(a.sequence, a.status) for a in answers] == [(1, 0)], "the SMS behind the bind_resp was not answered"
        assert store.is_opted_out("+6281200000088")
        assert [tuple(r) for r in store.conn.execute("SELECT number, kind FROM inbox")] == [
            ("+6281200000088", "optout")]
    finally:
        stop.set()
        worker.join(10)
        server.close()
        store.close()


def test_each_units_campaign_goes_out_under_its_units_sender_name(rig, opnet):
    """SMS masking per dinas on one operator account: a Damkar campaign goes out as DAMKAR-BLTR (its unit's
    sender name), a campaign of a unit without one and a one-off send as the account's PEMKAB-BLTR."""
    from firmware.campaigns import campaign as campaigns
    from firmware.office import units
    from firmware.people import audience
    from firmware.people.audience import Audience
    from test_audience import add_contacts

    store = rig.store
    units.add_unit(store, "Damkar", actor="test", sender_name="DAMKAR-BLTR")
    units.add_unit(store, "Dinkes", actor="test")
    add_contacts(store, [{"number": n, "name": "Pak", "desa": "Sukorejo"} for n in nums(3)])
    audience.save(store, "sukorejo", Audience.build(desa="Sukorejo"), "test")
    for unit in ("Damkar", "Dinkes"):
        cid = campaigns.create(store, f"Info {unit}", "Info {nama}", "sukorejo", actor="admin", unit=unit,
                               channel="smpp")
        campaigns.submit(store, cid, "admin", config=Config(state_dir="unused", smpp=(rig.account(),)))
    store.enqueue([nums(1, 50)[0]], "satu pesan", channel="smpp")
    rig.start()
    opnet.wait_for(lambda: len(opnet.accepted()) >= 7, 20, "7 accepted submit_sm")
    sources = {}
    for sm in opnet.accepted():
        sources.setdefault(sm.source_addr, []).append(sm.destination_addr)
    assert sorted((k, len(v)) for k, v in sources.items()) == [("DAMKAR-BLTR", 3), ("PEMKAB-BLTR", 4)]
    assert {(sm.source_addr_ton, sm.source_addr_npi) for sm in opnet.accepted()} == {(5, 0)}


@pytest.fixture
def tls_front(tmp_path, opnet):
    """A stunnel-style TLS front on loopback before the operator network, with a self-signed certificate for
    127.0.0.1 made by openssl: (port, the certificate's PEM text)."""
    import select
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    done = threading.Event()

    def pipe(client: socket.socket) -> None:
        try:
            tls = ctx.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()  # a client that does not trust the certificate ends the handshake
            return
        plain = socket.create_connection((opnet.host, opnet.port))
        with tls, plain:
            while not done.is_set():
                ready = [tls] if tls.pending() else select.select([tls, plain], [], [], 0.2)[0]
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (plain if src is tls else tls).sendall(data)

    def accept() -> None:
        while not done.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=pipe, args=(client,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    yield server.getsockname()[1], cert.read_text()
    done.set()
    acceptor.join(5)
    server.close()


def test_tls_front_with_the_providers_certificate(rig, opnet, tls_front):
    """TLS to a stunnel-style front whose certificate only ``tls_ca`` vouches for: a blast goes through and
    every receipt is matched; without ``tls_ca`` the system's CAs refuse it, the dashboard says why, and
    nothing is sent or lost."""
    port, pem = tls_front
    rig.store.enqueue(nums(20), "Info lewat TLS")
    untrusted = rig.start(rig.account(port=port, tls=True))
    rig.wait(lambda: (rig.store.smpp_links() or [{}])[0].get("last_error"), what="the refusal on the dashboard")
    assert "certificate" in rig.store.smpp_links()[0]["last_error"].lower()
    rig.stop(untrusted)
    assert opnet.accepted() == [] and rig.store.queue_counts().get("queued") == 20
    rig.start(rig.account(port=port, tls=True, tls_ca=pem))
    rig.wait(lambda: rig.store.queue_counts().get("delivered") == 20, what="20 delivered through TLS")
    assert len(opnet.accepted()) == 20
