"""Hostile requests against EVERY route the app registers (found by introspection, so new pages are covered).

- without a session: a page sends the browser to the login page (or 401 for the API), never data, never a 500;
- a logged-in POST without the CSRF token: 403, and nothing changes;
- hostile path parameters and form fields (XSS, SQL-ish, traversal, NUL, huge, non-UTF-8): never a 500, and
  no script tag comes back unescaped.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from webtools import ADMIN_PASSWORD, WebServer, first_admin

from firmware.store import Store

XSS = "<script>alert('x')</script>"
HOSTILE_VALUES = [
    XSS,
    "\"><img src=x onerror=alert(1)>",
    "1' OR '1'='1",
    "1; DROP TABLE contacts; --",
    "../../../../etc/passwd",
    "%00\x00nul",
    "9" * 40,
    "-1",
    "x" * 5000,
    "=HYPERLINK(\"http://evil.example\")",
    "",
]
HOSTILE_PARAMS = ["1", "999999999", "abc", "-1", "..%2f..%2fetc%2fpasswd", "%3Cscript%3E", "1%20OR%201%3D1",
                  "%00"]
FIELD_NAMES = ["name", "nama", "text", "q", "number", "to", "username", "password", "password2", "reason",
               "audience", "audience_id", "template", "desa", "dusun", "rw", "rt", "role", "tag", "state",
               "page", "value", "key", "send_at", "expires_at", "emergency", "scopes", "kind", "token", "next",
               "cost_per_segment", "approval_threshold", "active", "id", "modem", "fallback_nama", "notes"]
PUBLIC = {"/login", "/setup", "/healthz", "/lang/<code>", "/static/<name:path>", "/api/v1/openapi.json",
          "/api/v1/docs"}
#: Routes whose success changes who is logged in: fuzzed, but the client logs in again afterwards.
SESSION_CHANGING = {"/logout"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = WebServer(tmp_path_factory.mktemp("hostile") / "state")
    first_admin(s)
    with Store.in_state_dir(s.config.state_dir) as store:
        store.enqueue(["+6281200000001"], "Uji", created_by="test")
        store.upsert_modem("sim800", port="/dev/ttyS0", state="ready")
    yield s
    s.close()


def routes(server: WebServer) -> list[tuple[str, str]]:
    app = server.server.siaran_app
    return sorted({(r.method, r.rule) for r in app.routes})


def fill(rule: str, value: str) -> str:
    return re.sub(r"<[^>]+>", value, rule)


def admin_client(server: WebServer):
    c = server.client()
    c.login("admin", ADMIN_PASSWORD)
    c.get("/")
    return c


def no_server_error(r, what: str) -> None:
    assert r.status < 500, f"{what}: {r.status}\n{r.text[:800]}"
    if "text/html" in r.headers.get("content-type", ""):
        assert "<script>alert" not in r.text, f"{what}: unescaped script came back"
        assert "onerror=alert" not in r.text.replace("onerror=alert(1)&gt;", ""), f"{what}: unescaped attribute"


def test_the_app_has_the_pages_the_issue_names(server):
    rules = {rule for _, rule in routes(server)}
    for needed in ("/", "/login", "/setup", "/logout", "/card"):
        assert needed in rules


def test_every_route_without_a_session_goes_to_login_or_401(server):
    anon = server.client()
    for method, rule in routes(server):
        if rule in PUBLIC:
            continue
        path = fill(rule, "1")
        r = anon.request(method, path, b"" if method == "POST" else None,
                         {"Content-Type": "application/x-www-form-urlencoded"}, follow=False)
        what = f"{method} {path}"
        no_server_error(r, what)
        if rule.startswith("/api/"):
            assert r.status in (401, 404, 405), what
        else:
            assert r.status in (303, 302, 403), what
            if r.status in (302, 303):
                assert "/login" in r.location, what
            assert "+62812" not in r.text and "081200000001" not in r.text, what


def test_every_post_without_csrf_is_refused(server):
    c = admin_client(server)
    with Store.in_state_dir(server.config.state_dir) as s:
        before = s.conn.execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone()
    for method, rule in routes(server):
        if method != "POST" or rule.startswith("/api/") or rule in ("/login", "/setup"):
            continue
        path = fill(rule, "1")
        data = {k: "1" for k in FIELD_NAMES}
        r = c.post(path, data, csrf=False, follow=False)
        assert r.status == 403, f"POST {path} without CSRF: {r.status}"
        r = c.post(path, data, csrf="forged-token", follow=False)
        assert r.status == 403, f"POST {path} with a forged CSRF token: {r.status}"
    with Store.in_state_dir(server.config.state_dir) as s:
        after = s.conn.execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone()
    assert after == before  # nothing happened, nothing was logged as done


def test_login_and_setup_forms_need_their_token_too(server):
    c = server.client()
    assert c.post("/login", {"username": "admin", "password": ADMIN_PASSWORD}, csrf=False).status == 403
    assert c.post("/setup", {"username": "x", "password": "y" * 12, "password2": "y" * 12}, csrf=False).status == 403


def test_hostile_path_parameters_never_give_a_500(server):
    c = admin_client(server)
    for method, rule in routes(server):
        if "<" not in rule or rule.startswith("/api/") or rule in SESSION_CHANGING:
            continue
        for value in HOSTILE_PARAMS:
            path = fill(rule, value)
            if method == "GET":
                r = c.get(path, follow=False)
            else:
                c.get("/")
                r = c.post(path, {}, follow=False)
            no_server_error(r, f"{method} {path}")
            if "/login" in r.location:
                c = admin_client(server)


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=range(len(HOSTILE_VALUES)))
def test_hostile_form_fields_never_give_a_500(server, value):
    c = admin_client(server)
    for method, rule in routes(server):
        if rule.startswith("/api/") or rule.startswith("/static/") or rule in ("/login", "/setup"):
            continue
        path = fill(rule, "1")
        if method == "GET":
            query = urllib.parse.urlencode({k: value for k in ("q", "page", "state", "kind", "desa", "role", "tag",
                                                              "actor", "action", "next")})
            r = c.get(f"{path}?{query}", follow=False)
        else:
            c.get("/")
            r = c.post(path, {k: value for k in FIELD_NAMES}, follow=False)
        no_server_error(r, f"{method} {path} with {value[:30]!r}")
        if rule in SESSION_CHANGING or "/login" in r.location:
            c = admin_client(server)


def test_non_utf8_and_malformed_bodies_never_give_a_500(server):
    c = admin_client(server)
    for method, rule in routes(server):
        if method != "POST" or rule.startswith("/api/") or rule in SESSION_CHANGING:
            continue
        path = fill(rule, "1")
        body = b"csrf=" + c.csrf_token.encode() + b"&name=%FF%FE%C0&text=\xff\xfe&q=%"
        r = c.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}, follow=False)
        no_server_error(r, f"POST {path} non-UTF-8")
        r = c.request("POST", path, b"--broken\r\nnot multipart",
                      {"Content-Type": "multipart/form-data; boundary=broken"}, follow=False)
        no_server_error(r, f"POST {path} malformed multipart")
        if "/login" in r.location:
            c = admin_client(server)


def test_every_route_declares_who_may_use_it_and_is_documented(server):
    """No handler forgets its role check; docs/web.md lists every route with the same role."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "web.md").read_text()
    app = server.server.siaran_app
    for r in app.routes:
        role = getattr(r.callback, "siaran_role", None)
        scopes = getattr(r.callback, "siaran_scopes", None)
        if r.rule not in PUBLIC and r.rule not in ("/logout",):
            assert role or scopes, f"{r.method} {r.rule} has no @context.require / token scope"
        who = role or (("token: " + ", ".join(scopes)) if scopes else "public")
        assert f"| {r.method} | `{r.rule}` | {who} |" in doc, f"docs/web.md does not list {r.method} {r.rule} ({who})"
