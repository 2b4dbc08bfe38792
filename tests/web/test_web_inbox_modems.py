"""The Inbox and Modems pages over real HTTP; the balance request answered by a worker on an emulated modem."""

from __future__ import annotations

import re
import threading

from webtools import PASSWORD, add_user

from emutools import wait_until

from firmware.office.config import with_defaults
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator
from firmware.queue.store import Store, db_path
from firmware.queue.modem_worker import ModemWorker

STOP_ROW = '<td class="msg">STOP</td>'
XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def open_store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def as_user(web, admin, username: str, role: str):
    add_user(admin, username, role)
    c = web.client()
    assert c.login(username, PASSWORD).status == 200
    return c




# -- inbox -------------------------------------------------------------------------------------------------


def test_inbox_lists_newest_first_escapes_and_masks_for_viewers(web, admin):
    with open_store(web) as s:
        now = s.clock()
        s.conn.execute("INSERT INTO contacts (number, name, created_at, updated_at) VALUES (?,?,?,?)",
                       ("+6281200000001", "Bu Siti <b>RT 03</b>", now, now))
        s.save_incoming("modem0", "+6281200000001", XSS, sc_timestamp="t1")
        s.save_incoming("modem0", "+6281200000002", "Jalan tertutup longsor", sc_timestamp="t2")
    r = admin.get("/inbox")
    assert r.status == 200
    assert "<script>alert" not in r.text and "onerror=alert(1)>" not in r.text
    assert "&lt;script&gt;alert(&#039;x&#039;)&lt;/script&gt;" in r.text
    assert "Bu Siti &lt;b&gt;RT 03&lt;/b&gt;" in r.text  # the contact's name, escaped too
    assert "081200000001" in r.text and "081200000002" in r.text  # national format for operator+
    assert r.text.index("Jalan tertutup longsor") < r.text.index("&lt;script&gt;")  # newest first
    viewer = as_user(web, admin, "pemantau", "viewer")
    r = viewer.get("/inbox")
    assert r.status == 200 and "0812****0001" in r.text
    assert "081200000001" not in r.text and "+6281200000001" not in r.text
    assert "Tandai ditangani" not in r.text  # viewers read only


def test_inbox_mark_handled_filters_and_roles(web, admin):
    with open_store(web) as s:
        reply = s.save_incoming("modem0", "+6281200000003", "Terima kasih infonya", sc_timestamp="a")
        optout = s.save_incoming("modem0", "+6281200000004", "STOP", sc_timestamp="b", kind="optout")
        s.add_optout("+6281200000004", source="sms", keyword="STOP")
    viewer = as_user(web, admin, "pemantau", "viewer")
    viewer.get("/inbox")
    assert viewer.post(f"/inbox/{reply}/handled", {"handled": "1"}).status == 403
    operator = as_user(web, admin, "operator1", "operator")
    r = operator.get("/inbox?kind=optout")
    assert STOP_ROW in r.text and "Terima kasih" not in r.text
    assert "berhenti langganan sejak" in r.text  # the number is now suppressed
    r = operator.post(f"/inbox/{reply}/handled", {"handled": "1", "next": "/inbox?handled=0"})
    assert r.status == 200 and "Ditandai sudah ditangani" in r.text
    assert "Terima kasih" not in r.text and STOP_ROW in r.text  # back on the filtered list: only unhandled
    r = operator.get("/inbox?handled=1")
    assert "Terima kasih" in r.text and STOP_ROW not in r.text
    # The bulk form, and undo.
    operator.get("/inbox")
    operator.post("/inbox/handled", [("id", str(optout)), ("id", "999999")])
    operator.get("/inbox")
    operator.post(f"/inbox/{reply}/handled", {"handled": "0"})
    with open_store(web) as s:
        assert dict(s.conn.execute("SELECT id, handled FROM inbox").fetchall()) == {reply: 0, optout: 1}
        actions = [(a, d) for a, d in s.conn.execute("SELECT actor, action FROM audit_log WHERE action LIKE 'inbox%'")]
        assert actions == [("web:operator1", "inbox_handled")] * 2 + [("web:operator1", "inbox_unhandled")]
        details = " ".join(r[0] for r in s.conn.execute("SELECT detail FROM audit_log"))
        assert "81200000003" not in details and "81200000004" not in details
    assert operator.post("/inbox/999999/handled", {"handled": "1"}).status == 404


def test_inbox_paginates(web, admin):
    with open_store(web) as s:
        for i in range(55):
            s.save_incoming("modem0", "+6281200000005", f"pesan nomor {i:03d}", sc_timestamp=str(i))
    r = admin.get("/inbox")
    assert "pesan nomor 054" in r.text and "pesan nomor 004" not in r.text and "halaman 1/2" in r.text
    r = admin.get("/inbox?page=2")
    assert "pesan nomor 004" in r.text and "pesan nomor 054" not in r.text


def test_inbox_records_who_handled_it_and_when(web, admin):
    with open_store(web) as s:
        sms = s.save_incoming("modem0", "+6281200000005", "Jalan sudah bersih", sc_timestamp="h")
    operator = as_user(web, admin, "ani", "operator")
    operator.get("/inbox")
    r = operator.post(f"/inbox/{sms}/handled", {"handled": "1"})
    assert "oleh ani" in r.text  # the list says who
    with open_store(web) as s:
        row = s.conn.execute("SELECT handled, handled_by, handled_at FROM inbox WHERE id = ?", (sms,)).fetchone()
        assert (row["handled"], row["handled_by"]) == (1, "web:ani") and abs(row["handled_at"] - s.clock()) < 60
    operator.post(f"/inbox/{sms}/handled", {"handled": "0"})
    with open_store(web) as s:
        row = s.conn.execute("SELECT handled, handled_by, handled_at FROM inbox WHERE id = ?", (sms,)).fetchone()
        assert tuple(row) == (0, None, None)


def test_reply_from_the_inbox_is_queued_audited_and_marks_handled(web, admin):
    with open_store(web) as s:
        sms = s.save_incoming("modem0", "+6281200000006", "Kapan posyandu buka?", sc_timestamp="q")
        stopped = s.save_incoming("modem0", "+6281200000007", "STOP", sc_timestamp="s", kind="optout")
        s.add_optout("081200000007", source="sms", keyword="STOP")  # stored in another written form
        short = s.save_incoming("modem0", "3636", "Sisa pulsa Anda Rp 5.000", sc_timestamp="p")
    viewer = as_user(web, admin, "pemantau", "viewer")
    r = viewer.get(f"/inbox/{sms}")
    assert r.status == 200 and "0812****0006" in r.text and "reply-form" not in r.text
    assert viewer.post(f"/inbox/{sms}/reply", {"text": "x"}).status == 403
    operator = as_user(web, admin, "ani", "operator")
    r = operator.get(f"/inbox/{sms}")
    assert 'id="reply-form"' in r.text and "081200000006" in r.text
    assert operator.post(f"/inbox/{sms}/reply", {"text": "  "}).status == 400  # empty: nothing queued
    operator.get(f"/inbox/{sms}")
    r = operator.post(f"/inbox/{sms}/reply", {"text": "Posyandu buka Sabtu pukul 08.00 di balai RW 03."})
    assert r.status == 200 and "Balasan masuk antrean" in r.text and "/inbox/" in r.text
    assert "sudah ditangani" in r.text and "oleh ani" in r.text and "Posyandu buka Sabtu" in r.text
    with open_store(web) as s:
        msg = s.conn.execute("SELECT * FROM messages").fetchone()
        assert (msg["number"], msg["state"], msg["campaign_id"], msg["created_by"]) == \
            ("+6281200000006", "queued", None, "web:ani")
        assert 0 < msg["priority"] < 100  # before blasts, never an emergency
        row = s.conn.execute("SELECT handled, handled_by, reply_id FROM inbox WHERE id = ?", (sms,)).fetchone()
        assert tuple(row) == (1, "web:ani", msg["id"])
        audit = s.conn.execute("SELECT actor, detail FROM audit_log WHERE action = 'inbox_reply'").fetchall()
        assert [a["actor"] for a in audit] == ["web:ani"] and f'"message": {msg["id"]}' in audit[0]["detail"]
        assert "81200000006" not in audit[0]["detail"]  # ids only, never the number
    assert "dibalas" in operator.get("/inbox").text
    # Opted out (in any written form): said plainly, no form, and a forged post queues nothing.
    r = operator.get(f"/inbox/{stopped}")
    assert "berhenti langganan" in r.text and 'id="reply-form"' not in r.text
    r = operator.post(f"/inbox/{stopped}/reply", {"text": "Maaf"})
    assert r.status == 400 and "berhenti langganan" in r.text
    # A short code cannot be answered.
    r = operator.post(f"/inbox/{short}/reply", {"text": "Terima kasih"})
    assert r.status == 400 and "bukan nomor HP" in r.text
    assert operator.post("/inbox/999999/reply", {"text": "x"}).status == 404
    with open_store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
        assert s.conn.execute("SELECT handled FROM inbox WHERE id = ?", (short,)).fetchone()[0] == 0


# -- modems ------------------------------------------------------------------------------------------------


def seed_modem(web) -> None:
    with open_store(web) as s:
        now = s.clock()
        s.upsert_modem("modem0", port="/dev/ttyUSB0", state="starting")
        for i in range(120, 0, -1):
            s.record_modem_status("modem0", {"signal_dbm": -70 - i % 20}, at=now - 60 * i, state="ready")
        s.record_modem_status("modem0", at=now - 30, state="parked")
        s.upsert_modem("modem0", port="/dev/ttyUSB0", model="sim800", state="parked",
                       state_reason="network_fault: +CMS ERROR: 331", operator="TELKOMSEL", operator_code="51010",
                       route="telkomsel", signal_dbm=-85, registration="cs=home", imei="860000000009876",
                       iccid="89621000000000004321", imsi="510100000000555", balance="Sisa pulsa Rp 25.000",
                       balance_at=now - 600, errors='{"transient": 3, "network_fault": 1}', last_seen=now - 30)


def test_modems_page_shows_fields_chart_and_no_inline_style(web, admin):
    seed_modem(web)
    viewer = as_user(web, admin, "pemantau", "viewer")
    r = viewer.get("/modems")
    assert r.status == 200
    text = r.text
    for needed in ("modem0", "istirahat", "+CMS ERROR: 331", "TELKOMSEL", "51010", "-85 dBm", "(3/5)",
                   "terhubung ke jaringan operator", "Sisa pulsa Rp 25.000", "…9876", "…4321", "transient: 3", "network_fault: 1",
                   "0 / 3.000"):
        assert needed in text, needed
    assert "860000000009876" not in text and "89621000000000004321" not in text and "510100000000555" not in text
    assert ">cs=home<" not in text  # the raw registration only as a tooltip, in words on the page
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    assert "<polyline" in svg and 'fill="#c62828"' in svg  # the line, and the not-ready mark
    assert "style=" not in text and "<script>" not in text  # the CSP forbids both inline
    assert "Cek pulsa sekarang" not in text and "Kirim SMS uji" not in text  # admin only
    r = admin.get("/modems")
    assert "Cek pulsa sekarang" in r.text and "Kirim SMS uji" in r.text


def test_a_modems_technical_reason_is_not_passed_off_as_bahasa(web, admin):
    """The daemon's reason is an exception's English text; it was shown as "Alasan: network_fault: ..." on the
    Bahasa page. The page now says what the state means in the reader's language and marks the detail."""
    seed_modem(web)
    for path in ("/modems", "/"):
        text = admin.get(path).text
        assert "Modem diistirahatkan sementara" in text, path
        assert "rincian teknis, dalam bahasa Inggris" in text and "+CMS ERROR: 331" in text, path
        assert "Alasan: network_fault" not in text, path
    admin.get("/lang/en")
    text = admin.get("/modems").text
    assert "The modem rests for a while" in text and "technical detail" in text


def test_test_send_queues_one_message_and_reports_it(web, admin):
    seed_modem(web)
    admin.get("/modems")
    r = admin.post("/modems/test", {"number": "0812-0000-0001", "text": "Tes dari kantor"})
    assert r.status == 200 and "SMS uji diantrekan ke 081200000001" in r.text
    with open_store(web) as s:
        rows = [dict(x) for x in s.conn.execute("SELECT * FROM messages")]
        assert len(rows) == 1
        msg = rows[0]
        assert (msg["number"], msg["text"], msg["state"], msg["priority"], msg["created_by"], msg["route"]) == (
            "+6281200000001", "Tes dari kantor", "queued", 50, "web:admin", "telkomsel")
        assert f"pesan #{msg['id']}" in r.text
        audit = s.conn.execute("SELECT actor, detail FROM audit_log WHERE action = 'test_sms'").fetchone()
        assert audit[0] == "web:admin" and "0001" in audit[1] and "81200000001" not in audit[1]
        s.add_optout("+6281200000002", source="web")
    # Empty text: the default test text; an opted-out number is not sent.
    r = admin.post("/modems/test", {"number": "081200000002", "text": ""})
    assert "berhenti langganan" in r.text
    r = admin.post("/modems/test", {"number": "12345", "text": "x"})
    assert r.status == 400 and "Nomor tujuan" in r.text and 'value="12345"' in r.text
    r = admin.post("/modems/test", {"number": "0812-ABCD-1234", "text": "x"})
    assert r.status == 400 and "Nomor tujuan: nomor berisi huruf" in r.text
    r = admin.post("/modems/test", {"number": "+60 12-345 6789", "text": "x"})
    assert r.status == 400 and "bukan nomor Indonesia" in r.text
    with open_store(web) as s:
        states = [x[0] for x in s.conn.execute("SELECT state FROM messages ORDER BY id")]
        assert states == ["queued", "suppressed"]
        assert s.conn.execute("SELECT text FROM messages WHERE id = 2").fetchone()[0].startswith("Tes Siaran")
    operator = as_user(web, admin, "operator1", "operator")
    operator.get("/modems")
    assert operator.post("/modems/test", {"number": "081200000001"}).status == 403


def test_balance_request_roles_unknown_modem_and_no_duplicates(web, admin):
    seed_modem(web)
    operator = as_user(web, admin, "operator1", "operator")
    operator.get("/modems")
    assert operator.post("/modems/modem0/balance").status == 403
    admin.get("/modems")
    assert admin.post("/modems/nope/balance").status == 404
    r = admin.post("/modems/modem0/balance")
    assert "Cek pulsa modem0 diminta" in r.text and "menunggu modem" in r.text
    r = admin.post("/modems/modem0/balance")
    assert "sudah diminta" in r.text
    with open_store(web) as s:
        rows = [dict(x) for x in s.conn.execute("SELECT * FROM modem_requests")]
        assert len(rows) == 1 and rows[0]["kind"] == "balance" and rows[0]["requested_by"] == "web:admin"
        assert rows[0]["done_at"] is None
        assert s.conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'modem_request'").fetchone()[0] == 1


def test_balance_request_fulfilled_by_the_worker(web, admin, tmp_path):
    """The page asks; the modem's worker (on an emulated SIM800 on a pseudo-terminal) answers at its next idle
    moment with the USSD reply, which becomes the modem's balance."""
    emu = PtyEmulator(EmulatorConfig(ussd_delay=0.05), seed=7).start()
    config = with_defaults(web.config.state_dir, [f"{emu.port}:sim800"], unthrottled=True)  # the page's folder
    stop = threading.Event()
    worker = ModemWorker(config.modems[0], config, str(db_path(web.config.state_dir)), stop=stop)
    worker.start()
    try:
        wait_until(lambda: worker.state == "ready", 15, "the modem to be ready")
        with open_store(web) as s:
            # The first status refresh also checks the balance; forget it so the request's answer is seen.
            wait_until(lambda: s.modems()[0].get("balance"), 10, "the first balance check")
            s.upsert_modem("modem0", balance=None, balance_at=None)
        admin.get("/modems")
        r = admin.post("/modems/modem0/balance")
        assert "Cek pulsa modem0 diminta" in r.text
        with open_store(web) as s:
            done = wait_until(lambda: s.conn.execute("SELECT * FROM modem_requests WHERE done_at IS NOT NULL")
                              .fetchone(), 15, "the worker to answer the request")
            assert "Rp 25.000" in done["result"]
            assert "Rp 25.000" in s.modems()[0]["balance"]
        r = admin.get("/modems")
        assert "Sisa pulsa Anda Rp 25.000" in r.text and "menunggu modem" not in r.text
    finally:
        stop.set()
        worker.join(10)
        emu.stop()
    assert worker.crashed is None
