"""The HTTP API (/api/v1) and its token page (/tokens), over the real waitress server.

Tokens are made on the /tokens page as the first admin (``tests/webtools.py``
client); API calls go through ``http.client`` like another system's would.
Contacts and audiences are put in the store directly.  Numbers are fake
(0812000000xx).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
from pathlib import Path

import pytest

from firmware.people import audience
from firmware.people import contacts
from firmware.people import importer
from firmware.office import users
from firmware.queue.store import Store, db_path
from web.openapi import document

from webtools import PASSWORD

TOKEN_RE = re.compile(r'id="new-token">(siaran_[A-Za-z0-9_-]{43})<')


# -- helpers -------------------------------------------------------------------------


def make_token(admin, name: str, *scopes: str) -> str:
    admin.get("/tokens")
    r = admin.post("/tokens", [("name", name), *(("scope", s) for s in scopes)])
    assert r.status == 200, r.text[:800]
    m = TOKEN_RE.search(r.text)
    assert m, r.text[:800]
    return m.group(1)


def call(web, method: str, path: str, token: str | None = None, body=None, *, raw: bytes | None = None,
         headers: dict | None = None):
    """(status, headers, parsed JSON or None) of one API call."""
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    h = {k.lower(): v for k, v in resp.getheaders()}
    parsed = json.loads(payload) if "application/json" in h.get("content-type", "") else None
    return resp.status, h, parsed


@pytest.fixture
def store(web):
    s = Store(db_path(web.config.state_dir), migrate=False)
    yield s
    s.close()


def audit_rows(store: Store, action: str) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,))]


def village(store: Store, count: int) -> None:
    """``count`` residents of RW 05 Sukajadi (0812000000xx), imported the way the page does it."""
    rows = [{"number": f"0812000000{i:02d}", "name": f"Warga {i}", "desa": "Sukajadi", "rw": "05", "rt": "01",
             "role": "Warga"} for i in range(1, count + 1)]
    plan = contacts.plan_import(store, importer.from_records(rows))
    contacts.commit_import(store, plan, source="cli", file_name=None, file_hash=None, actor="test")
    audience.save(store, "Wilayah Timur", audience.Audience.build(desa="Sukajadi", rw="05"), "test")


# -- tokens page -------------------------------------------------------------------------


def test_token_is_shown_once_stored_hashed_and_audited(web, admin, store):
    token = make_token(admin, "BPBD EWS", "send", "read")
    assert token.startswith("siaran_")
    row = dict(store.conn.execute("SELECT * FROM api_tokens").fetchone())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert json.loads(row["scopes"]) == ["send", "read"] and row["created_by"] == "web:admin"
    state = Path(web.config.state_dir)
    for f in state.glob("siaran.db*"):
        assert token.encode() not in f.read_bytes()
    page = admin.get("/tokens")
    assert "BPBD EWS" in page.text and token not in page.text and token[:20] not in page.text
    created = audit_rows(store, "api_token_create")
    assert created[-1]["actor"] == "web:admin" and json.loads(created[-1]["detail"])["name"] == "BPBD EWS"
    # a second active token with the same name is refused, with the form kept
    r = admin.post("/tokens", [("name", "bpbd ews"), ("scope", "read")])
    assert r.status == 400 and "Sudah ada token aktif" in r.text and "siaran_" not in r.text
    r = admin.post("/tokens", [("name", "Tanpa cakupan")])
    assert r.status == 400 and "minimal satu cakupan" in r.text
    for bad in ("<script>alert(1)</script>", "x" * 5000, "\x00", ""):
        r = admin.post("/tokens", [("name", bad), ("scope", "read"), ("scope", "root")])
        assert r.status == 400 and "<script>alert" not in r.text
    for token_id in ("99", "-1"):
        r = admin.post(f"/tokens/{token_id}/revoke")
        assert r.status == 200 and "Tidak ada token" in r.text
    assert admin.post(f"/tokens/{'9' * 40}/revoke").status == 404  # no SQLite id has 40 digits
    assert len(audit_rows(store, "api_token_create")) == 1 and not audit_rows(store, "api_token_revoke")


def test_tokens_page_needs_admin_and_csrf(web, admin, store):
    users.add_user(store, "ani", "operator", PASSWORD, actor="test")  # directly: the users page is not ours
    r = admin.post("/tokens", [("name", "X"), ("scope", "read")], csrf="wrong")
    assert r.status == 403
    ani = web.client()
    ani.login("ani", PASSWORD)
    assert ani.get("/tokens").status == 403
    assert ani.post("/tokens", [("name", "X"), ("scope", "read")]).status == 403
    anon = web.client()
    assert anon.get("/tokens", follow=False).status == 303


def test_missing_garbage_and_revoked_tokens_get_401(web, admin, store):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer garbage"},
                    {"Authorization": "Bearer siaran_" + "A" * 43}, {"Authorization": "Basic YWRtaW46eA=="}):
        status, h, body = call(web, "GET", "/api/v1/status", headers=headers)
        assert status == 401 and body["error"] and body["pesan"], headers
        assert h["www-authenticate"].startswith("Bearer") and h["cache-control"] == "no-store"
    token = make_token(admin, "BPBD EWS", "read")
    assert call(web, "GET", "/api/v1/status", token)[0] == 200
    token_id = store.conn.execute("SELECT id FROM api_tokens").fetchone()[0]
    assert store.conn.execute("SELECT last_used_at FROM api_tokens").fetchone()[0] is not None
    admin.get("/tokens")
    r = admin.post(f"/tokens/{token_id}/revoke")
    assert r.status == 200 and "dicabut" in r.text
    status, _, body = call(web, "GET", "/api/v1/status", token)
    assert status == 401 and body["pesan"] == "Token sudah dicabut."
    revoked = audit_rows(store, "api_token_revoke")
    assert revoked[-1]["actor"] == "web:admin" and json.loads(revoked[-1]["detail"]) == {
        "token": token_id, "name": "BPBD EWS"}
    # the name is free again once revoked
    make_token(admin, "BPBD EWS", "read")


def test_wrong_scope_gets_403(web, admin):
    reader = make_token(admin, "Dasbor Kecamatan", "read")
    sender = make_token(admin, "BPBD EWS", "send")
    status, _, body = call(web, "POST", "/api/v1/messages", reader, {"to": ["081200000001"], "text": "Tes"})
    assert status == 403 and "send" in body["pesan"]
    assert call(web, "POST", "/api/v1/campaigns", sender, {"name": "x", "audience": "y", "text": "z"})[0] == 403
    assert call(web, "GET", "/api/v1/status", sender)[0] == 403
    assert call(web, "GET", "/api/v1/messages/1", sender)[0] == 403


# -- messages -----------------------------------------------------------------------------


def test_numbers_with_letters_or_from_abroad_are_refused_with_the_reason(web, admin, store):
    token = make_token(admin, "BPBD EWS", "send", "read")
    status, _, body = call(web, "POST", "/api/v1/messages", token,
                           {"to": ["0812-ABCD-1234", "+65 9123 4567"], "text": "Siaga banjir."})
    assert status == 400 and body["pesan"], body
    assert [(i["to"], "huruf" in i["pesan"], "bukan nomor Indonesia" in i["pesan"]) for i in body["invalid"]] == [
        ("0812-ABCD-1234", True, False), ("+65 9123 4567", False, True)]
    assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0  # not +6281222231234
    status, _, body = call(web, "POST", "/api/v1/messages", token,
                           {"to": ["081200000001", "0812-ABCD-1234"], "text": "Siaga banjir."})
    assert status == 202 and body["queued"] == 1 and "huruf" in body["invalid"][0]["pesan"]
    assert [r[0] for r in store.conn.execute("SELECT number FROM messages")] == ["+6281200000001"]


def test_queue_messages_valid_invalid_and_opted_out(web, admin, store):
    token = make_token(admin, "BPBD EWS", "send", "read")
    store.add_optout("+6281200000003", source="test")
    sent = ["081200000001", "+62 812-0000-0002", "081200000003", "0812", "021555123", "6281200000001"]
    status, _, body = call(web, "POST", "/api/v1/messages", token,
                           {"to": sent, "text": "BPBD: Siaga banjir. Warga bantaran sungai bersiap mengungsi."})
    assert status == 202, body
    assert body["queued"] == 2 and body["suppressed"] == 1 and body["duplicates"] == 1
    assert [i["to"] for i in body["invalid"]] == ["0812", "021555123"]
    assert all(i["pesan"] and i["error"] for i in body["invalid"])
    assert [(m["to"], m["state"]) for m in body["messages"]] == [
        ("081200000001", "queued"), ("+62 812-0000-0002", "queued"), ("081200000003", "suppressed")]
    assert body["segments"] == 1 and body["encoding"] == "gsm7" and body["emergency"] is False
    rows = [dict(r) for r in store.conn.execute("SELECT * FROM messages ORDER BY id")]
    assert [r["id"] for r in rows] == [m["id"] for m in body["messages"]]
    assert {r["created_by"] for r in rows} == {"api:BPBD EWS"} and {r["priority"] for r in rows} == {0}
    assert rows[0]["route"] == "telkomsel" and rows[0]["number"] == "+6281200000001"

    status, _, msg = call(web, "GET", f"/api/v1/messages/{rows[0]['id']}", token)
    assert status == 200 and msg["state"] == "queued" and msg["attempts"] == 0
    assert msg["number"] == "+6281****0001" and msg["created_at"].endswith("+07:00")
    assert "6281200000001" not in json.dumps(msg)
    status, _, body = call(web, "GET", "/api/v1/messages/999999", token)
    assert status == 404 and body["pesan"]
    assert call(web, "GET", "/api/v1/messages/99999999999999999999999", token)[0] == 404

    sent_audit = audit_rows(store, "api_send")
    assert len(sent_audit) == 1 and sent_audit[0]["actor"] == "api:BPBD EWS"
    detail = json.loads(sent_audit[0]["detail"])
    assert detail["queued"] == 2 and detail["suppressed"] == 1 and detail["invalid"] == 2
    assert "08120000" not in sent_audit[0]["detail"] and "+628120000" not in sent_audit[0]["detail"]


def test_emergency_needs_its_scope(web, admin, store):
    plain = make_token(admin, "BPBD EWS", "send")
    urgent = make_token(admin, "BPBD Darurat", "send", "emergency")
    req = {"to": ["081200000001"], "text": "AWAS BANJIR: segera mengungsi.", "emergency": True}
    status, _, body = call(web, "POST", "/api/v1/messages", plain, req)
    assert status == 403 and "emergency" in body["pesan"]
    assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    status, _, body = call(web, "POST", "/api/v1/messages", urgent, {**req, "report": False})
    assert status == 202 and body["emergency"] is True
    row = store.conn.execute("SELECT priority, report FROM messages").fetchone()
    assert tuple(row) == (100, 0)
    # the hold is reported for a normal message
    store.set_hold(True, reason="uji", by="test")
    status, _, body = call(web, "POST", "/api/v1/messages", plain, {"to": ["081200000002"], "text": "Tes"})
    assert status == 202 and "hold" in [w["code"] for w in body["warnings"]]


# -- campaigns ------------------------------------------------------------------------------


def test_campaign_to_saved_audience_runs_or_waits_for_approval(web, admin, store):
    token = make_token(admin, "BPBD EWS", "campaign", "read")
    village(store, 3)
    store.add_optout("+6281200000003", source="test")
    req = {"name": "Peringatan banjir timur", "audience": "Wilayah Timur",
           "text": "Yth. {nama}, BPBD: SIAGA banjir di RW {rw}. Bersiap mengungsi."}
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, req)
    assert status == 201, body
    assert body["state"] == "running" and body["approval_needed"] is False
    assert body["queued"] == 2 and body["suppressed"] == 1 and body["pesan"]
    texts = [r[0] for r in store.conn.execute("SELECT text FROM messages WHERE campaign_id = ? ORDER BY id",
                                              (body["id"],))]
    assert texts[0] == "Yth. Warga 1, BPBD: SIAGA banjir di RW 05. Bersiap mengungsi."
    status, _, camp = call(web, "GET", f"/api/v1/campaigns/{body['id']}", token)
    assert status == 200 and camp["state"] == "running" and camp["progress"]["total"] == 3
    assert camp["progress"]["outstanding"] == 2 and camp["progress"]["counts"] == {"queued": 2, "suppressed": 1}
    assert "081200000" not in json.dumps(camp) and "+62812" not in json.dumps(camp)
    created = audit_rows(store, "campaign_create")
    assert created[-1]["actor"] == "api:BPBD EWS"
    assert audit_rows(store, "campaign_submit")[-1]["actor"] == "api:BPBD EWS"

    store.set_setting("approval_threshold", 1, by="test")
    status, _, body = call(web, "POST", "/api/v1/campaigns", token,
                           {**req, "audience": {"desa": "Sukajadi", "rw": "05"}})
    assert status == 201 and body["state"] == "awaiting_approval" and body["approval_needed"] is True
    assert "tidak dapat menyetujui" in body["pesan"] and body["threshold"] == 1
    assert call(web, "GET", f"/api/v1/campaigns/{body['id']}", token)[2]["state"] == "awaiting_approval"
    assert call(web, "GET", "/api/v1/campaigns/4242", token)[0] == 404

    status, _, st = call(web, "GET", "/api/v1/status", token)
    assert status == 200 and st["awaiting_approval"] == 1 and st["queue"]["queued"] == 2
    assert [c["name"] for c in st["campaigns"]] == ["Peringatan banjir timur"]


def test_campaign_route_choice_through_the_api(web, admin, store):
    """``channel`` chooses the route as on the compose page: modem, smpp (refused while there is no operator
    account, nothing left behind) or auto; anything else is a 400 naming the choices."""
    from firmware.office.config import SmppAccount

    token = make_token(admin, "BPBD EWS", "campaign", "read")
    village(store, 3)
    req = {"name": "Info", "audience": "Wilayah Timur", "text": "Info RW {rw}"}
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, {**req, "channel": "modem"})
    assert status == 201 and body["channel"] == "modem" and body["route"] == "modem", body
    assert call(web, "GET", f"/api/v1/campaigns/{body['id']}", token)[2]["channel"] == "modem"
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, {**req, "channel": "smpp"})
    assert status == 400 and "SMPP" in body["pesan"], body
    assert store.conn.execute("SELECT state FROM campaigns ORDER BY id DESC LIMIT 1").fetchone()[0] == "cancelled"
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, {**req, "channel": "pos"})
    assert status == 400, body
    store.save_smpp_account(SmppAccount(name="op", host="127.0.0.1", system_id="pemkab", password="rahasia1",
                                        source_addr="PEMKAB-BLTR"), by="test")
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, {**req, "channel": "smpp"})
    assert status == 201 and body["route"] == "smpp", body
    assert {r[0] for r in store.conn.execute("SELECT channel FROM messages WHERE campaign_id = ?",
                                             (body["id"],))} == {"smpp"}
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, req)
    # small, but this box has no modem configured: the automatic rule lets whichever route is free send it
    assert status == 201 and body["channel"] == "auto" and body["route"] is None, body


def test_emergency_campaign_needs_scope_and_library_errors_are_400(web, admin, store):
    token = make_token(admin, "BPBD EWS", "campaign")
    village(store, 2)
    req = {"name": "Banjir", "audience": "Wilayah Timur", "template": "peringatan-banjir", "emergency": True}
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, req)
    assert status == 403 and "emergency" in body["pesan"]
    for bad, word in (({**req, "emergency": False, "audience": "Tidak Ada"}, "Tidak ada audiens"),
                      ({**req, "emergency": False, "template": None, "text": "Halo {alamat}"}, "Isian tidak dikenal"),
                      ({**req, "emergency": False, "audience": {"kota": "X"}}, "tidak dikenal"),
                      ({**req, "emergency": False, "send_at": "kemarin"}, "format"),
                      ({**req, "emergency": False, "send_at": "2001-01-01T08:00"}, "sudah lewat")):
        status, h, body = call(web, "POST", "/api/v1/campaigns", token, bad)
        assert status == 400 and word in body["pesan"], (bad, body)
    assert store.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0


def test_status_hides_sim_identifiers(web, admin, store):
    token = make_token(admin, "Dasbor", "read")
    store.upsert_modem("modem1", port="/dev/ttyUSB0", state="ready", operator="TELKOMSEL", signal_dbm=-79,
                       imsi="510100000000001", iccid="8962100000000000001", imei="350000000000001")
    status, _, body = call(web, "GET", "/api/v1/status", token)
    assert status == 200
    assert body["modems"] == [{"name": "modem1", "state": "ready", "operator": "TELKOMSEL", "signal_bars": 4,
                               "signal_dbm": -79, "sent_today": 0, "per_day": body["modems"][0]["per_day"],
                               "last_seen": None}]
    text = json.dumps(body)
    assert "510100000000001" not in text and "8962100000000000001" not in text and "350000000000001" not in text
    assert body["hold"]["active"] is False


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    b"{", b"not json", b"[1, 2]", b'"text"', b"", b"\xff\xfe{}", b'{"to": NaN}', b"[" * 100_000,
    b'{"to": ["081200000001"], "text": "a", "emergency": 1e99999}', b'{"to": 1' + b"0" * 5000 + b"}",
])
def test_malformed_json_is_400_json(web, admin, raw):
    token = make_token(admin, "BPBD EWS", "send", "campaign")
    for path in ("/api/v1/messages", "/api/v1/campaigns"):
        status, h, body = call(web, "POST", path, token, raw=raw)
        assert status == 400, (raw[:40], status, body)
        assert body["error"] and body["pesan"] and "application/json" in h["content-type"]


def test_wrong_types_are_400_never_500(web, admin, store):
    token = make_token(admin, "BPBD EWS", "send", "campaign", "emergency")
    village(store, 2)
    ok_msg = {"to": ["081200000001"], "text": "Tes"}
    ok_camp = {"name": "Banjir", "audience": "Wilayah Timur", "text": "Tes {nama}"}
    bad_messages = [{**ok_msg, "to": "081200000001"}, {**ok_msg, "to": []}, {**ok_msg, "to": [81200000001]},
                    {**ok_msg, "to": [None]}, {**ok_msg, "to": ["081200000001"] * 1001}, {**ok_msg, "text": 5},
                    {**ok_msg, "text": ""}, {**ok_msg, "text": "x" * 5000}, {**ok_msg, "emergency": "yes"},
                    {**ok_msg, "report": 1}, {**ok_msg, "emergncy": True}, {"to": ["0812"], "text": "Tes"},
                    {"text": "Tes"}, {**ok_msg, "text": "\x00\x01"}]
    bad_campaigns = [{**ok_camp, "name": 5}, {**ok_camp, "name": None}, {**ok_camp, "audience": 5},
                     {**ok_camp, "audience": ["x"]}, {**ok_camp, "audience": {"rw": {"a": 1}}},
                     {**ok_camp, "audience": {"rw": "99999"}}, {**ok_camp, "text": ["x"]},
                     {**ok_camp, "fills": {"a": 1}}, {**ok_camp, "fills": "x"}, {**ok_camp, "fallbacks": {"x": "y"}},
                     {**ok_camp, "send_at": True}, {**ok_camp, "send_at": 1e300}, {**ok_camp, "send_at": [1]},
                     {**ok_camp, "expires_at": "2001-01-01"}, {**ok_camp, "template": "peringatan-banjir"},
                     {**ok_camp, "text": None}, {**ok_camp, "emergency": "true"}, {**ok_camp, "extra": 1},
                     {**ok_camp, "name": "x" * 500}, {**ok_camp, "audience": {}}]
    for path, cases in (("/api/v1/messages", bad_messages), ("/api/v1/campaigns", bad_campaigns)):
        for case in cases:
            status, h, body = call(web, "POST", path, token, case)
            assert status == 400, (path, str(case)[:120], status, body)
            assert body["error"] and body["pesan"] and "application/json" in h["content-type"]
    assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0


def test_oversized_body_and_unknown_routes_are_json(web, admin):
    token = make_token(admin, "BPBD EWS", "send", "read")
    big = json.dumps({"to": ["081200000001"], "text": "x" * (1024 * 1024)}).encode()
    status, h, body = call(web, "POST", "/api/v1/messages", token, raw=big)
    assert status == 413 and "1 MB" in body["pesan"]
    status, h, body = call(web, "GET", "/api/v1/nothing", token)
    assert status == 404 and body["pesan"] and "application/json" in h["content-type"]
    status, h, body = call(web, "DELETE", "/api/v1/messages/1", token)
    assert status == 405 and "application/json" in h["content-type"]
    status, h, body = call(web, "GET", "/api/v1/messages/abc", token)
    assert status == 404 and "application/json" in h["content-type"]


# -- rate limit -----------------------------------------------------------------------------------


def test_rate_limit_per_token(web, admin, store):
    token = make_token(admin, "BPBD EWS", "read")
    other = make_token(admin, "Dasbor", "read")
    statuses = [call(web, "GET", "/api/v1/status", token)[0] for _ in range(60)]
    assert statuses == [200] * 60
    status, h, body = call(web, "GET", "/api/v1/status", token)
    assert status == 429 and 1 <= int(h["retry-after"]) <= 60 and body["pesan"].startswith("Terlalu banyak")
    assert call(web, "GET", "/api/v1/status", other)[0] == 200  # per token
    store.set_setting("api_rate_per_minute", 1, by="test")
    assert call(web, "GET", "/api/v1/status", other)[0] == 429


# -- the OpenAPI document ------------------------------------------------------------------------


def _resolve(doc: dict, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_openapi_document_covers_every_route(web):
    status, h, doc = call(web, "GET", "/api/v1/openapi.json")
    assert status == 200 and doc == document()
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["components"]["securitySchemes"]["bearer"] == {**doc["components"]["securitySchemes"]["bearer"],
                                                              "type": "http", "scheme": "bearer"}
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"error", "pesan"}
    app = web.server.siaran_app  # the Bottle app itself (waitress wraps it)
    routes = {(r.method, re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", r.rule)) for r in app.routes
              if r.rule.startswith("/api/v1")}
    assert len(routes) >= 7
    for method, path in routes:
        assert path in doc["paths"] and method.lower() in doc["paths"][path], (method, path)
    for path, item in doc["paths"].items():
        assert any(p == path for _, p in routes), f"documented but not served: {path}"
        for op in item.values():
            assert "200" in op["responses"] or "201" in op["responses"] or "202" in op["responses"]
            if op.get("security") != []:
                assert {"401", "403", "429"} <= set(op["responses"])
    send = doc["paths"]["/api/v1/messages"]["post"]
    assert "emergency" in send["description"] and "emergency" in json.dumps(send["requestBody"])
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    for ref in refs:
        _resolve(doc, ref)
    numbers = set(re.findall(r"\+?62\d{9,}|08\d{9,}", json.dumps(doc)))
    assert numbers and all(re.fullmatch(r"(\+?62|0)812000000\d\d", n) for n in numbers), numbers

    status, h, _ = call(web, "GET", "/api/v1/docs")
    assert status == 200 and "text/html" in h["content-type"] and "script-src 'self'" in h["content-security-policy"]
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    conn.request("GET", "/api/v1/docs")
    html = conn.getresponse().read().decode()
    conn.close()
    assert "/api/v1/messages" in html and "<script>" not in html and "style=" not in html
