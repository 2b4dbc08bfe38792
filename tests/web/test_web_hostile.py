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

from firmware.queue.store import Store

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
    "\u202e\u200b\u200dRTL\ufeff",  # right-to-left override, zero-width characters
    "9" * 400,  # an int no column can hold
    "NaN",
    "-1e999",
]
HOSTILE_PARAMS = ["1", "999999999", "abc", "-1", "..%2f..%2fetc%2fpasswd", "%3Cscript%3E", "1%20OR%201%3D1",
                  "%00", "9" * 30, "-" + "9" * 30, "9223372036854775808", "%D9%A1%D9%A2", "%ED%A0%80"]
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

    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    app = server.server.siaran_app
    for r in app.routes:
        role = getattr(r.callback, "siaran_role", None)
        scopes = getattr(r.callback, "siaran_scopes", None)
        if r.rule not in PUBLIC and r.rule not in ("/logout",):
            assert role or scopes, f"{r.method} {r.rule} has no @context.require / token scope"
        who = role or (("token: " + ", ".join(scopes)) if scopes else "public")
        assert f"| {r.method} | `{r.rule}` | {who} |" in doc, f"docs/web.md does not list {r.method} {r.rule} ({who})"


# -- the HTTP API: every route and every field of the OpenAPI document -------------------------------------

#: Hostile JSON values, written as raw JSON text (so lone surrogates, NaN and Infinity literals can be sent).
HOSTILE_JSON = [
    '"\\ud800"', '"ok \\udfff then \\ud800"', '"a\\u0000b"', '"\\u202e\\u200b\\u200d\\ufeff"', '""', '" "',
    '"' + "x" * 100_000 + '"', 'NaN', 'Infinity', '-Infinity', '1e999', '-1', '0', '1.5', str(2**70),
    'true', 'null', '[]', '{}', '[["\\ud800"]]', '{"a": {"b": [1, {"c": "\\ud800"}]}}', '{"\\ud800": "x"}',
    '["\\ud800", 1, null]', '"<script>alert(1)</script>"', '"081200000001"',
]


def _api_token(server: WebServer) -> str:
    from firmware.office import tokens

    with Store.in_state_dir(server.config.state_dir) as s:
        s.set_setting("api_rate_per_minute", 1_000_000, by="test")  # hundreds of calls in a few seconds
        return tokens.create(s, "fuzz", ["send", "campaign", "read", "emergency"], "test")[1]


def _api_call(server: WebServer, method: str, path: str, token: str, raw: bytes | None):
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request(method, path, body=raw, headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    what = f"{method} {path} {(raw or b'')[:80]!r}"
    assert resp.status < 500, f"{what}: {resp.status} {body[:300]!r}"
    assert resp.getheader("Content-Type", "").startswith("application/json"), what
    data = json.loads(body)
    if resp.status >= 400:
        assert data.get("error") and data.get("pesan"), f"{what}: no bilingual error {data}"
    return resp.status, data


def _request_fields(doc: dict, op: dict) -> list[str]:
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    return list(doc["components"]["schemas"][name]["properties"])


def test_every_api_field_with_hostile_json_never_gives_a_500(server):
    """Each operation of the OpenAPI document, each field of its request body (and an unknown one), each hostile
    value: a JSON error or success, never a 500 (lone surrogates used to reach SQLite and give one)."""
    from web.openapi import document

    token = _api_token(server)
    doc = document()
    app_rules = {r.rule for r in server.server.siaran_app.routes if r.rule.startswith("/api/")}
    posted = 0
    for path, item in doc["paths"].items():
        rule = re.sub(r"\{(\w+)\}", lambda m: f"<{m.group(1)}:int>", path)
        assert rule in app_rules, f"{path} in the OpenAPI document but not served"
        for method, op in item.items():
            if "requestBody" not in op:
                for value in (HOSTILE_PARAMS + ["9" * 30, "0"]) if "{" in path else ():
                    _api_call(server, method.upper(), re.sub(r"\{\w+\}", value, path), token, None)
                continue
            valid = next(iter(op["requestBody"]["content"]["application/json"]["examples"].values()))["value"]
            for field in _request_fields(doc, op) + ["unknown_field"]:
                for value in HOSTILE_JSON:
                    others = ", ".join(f"{json_dumps(k)}: {json_dumps(v)}" for k, v in valid.items() if k != field)
                    raw = "{" + others + (", " if others else "") + f'{json_dumps(field)}: {value}' + "}"
                    status, data = _api_call(server, "POST", path, token, raw.encode())
                    posted += 1
                    if value.startswith('"') and "\\ud" in value or "\\ud800" in value:
                        assert status == 400 and "surrogate" in data["error"], (field, value, data)
                        assert field in data["error"] or "unknown" in data["error"], (field, data)
    assert posted > 200
    # Whole bodies that are not an object, not JSON, not UTF-8, or huge.
    for raw in (b"", b"[]", b'"\\ud800"', b"NaN", b"\xff\xfe", b"{" * 100_000, b'{"to": ' + b"[" * 5000 + b"]" * 5000
                + b"}", b"\x00", b'{"a": 1}' * 3):
        for path in ("/api/v1/messages", "/api/v1/campaigns"):
            status, _ = _api_call(server, "POST", path, token, raw)
            assert status == 400, (path, raw[:40])


def json_dumps(value) -> str:
    import json

    return json.dumps(value)


def _multipart(c, path: str, parts: list[tuple[str, str | None, bytes]]):
    boundary = "siaranfuzz"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'.encode()
                    + (f"Content-Type: {ctype}\r\n".encode() if ctype else b"") + b"\r\n" + data + b"\r\n"
                    for name, ctype, data in parts) + f"--{boundary}--\r\n".encode()
    return c.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                     follow=False)


def test_form_text_that_is_not_utf8_is_refused_at_the_boundary_naming_the_field(server):
    """A form part in UTF-7 decodes to a lone surrogate, one with bad bytes does not decode at all: both used to
    give a 500 on every form page; a url-encoded field with bad bytes was silently read as empty."""
    c = admin_client(server)
    for method, rule in routes(server):
        if method != "POST" or rule.startswith("/api/") or rule in SESSION_CHANGING:
            continue
        path = fill(rule, "1")
        c.get("/")
        token = c.csrf_token.encode()
        for ctype, data in (("text/plain; charset=utf-7", b"+2AA-"), (None, b"\xff\xfe\xc0"),
                            ("text/plain; charset=utf-16-le", b"\x00\xd8")):
            r = _multipart(c, path, [("csrf", None, token), ("name", ctype, data)])
            assert r.status == 400, f"POST {path} {ctype} {data!r}: {r.status}"
            assert "UTF-8" in r.text, f"POST {path}: the page says what was wrong"
        r = c.request("POST", path, b"csrf=" + token + b"&name=%FF%FE%C0",
                      {"Content-Type": "application/x-www-form-urlencoded"}, follow=False)
        assert r.status == 400 and "“name”" in r.text, f"POST {path} url-encoded non-UTF-8: {r.status}"
    r = c.get("/contacts?q=%ED%A0%80", follow=False)  # UTF-8 bytes of a surrogate: not valid UTF-8
    assert r.status == 400 and "“q”" in r.text and "bukan teks UTF-8" in r.text
    with Store.in_state_dir(server.config.state_dir) as s:
        assert s.verify_audit() is None


def test_next_with_tab_or_newline_cannot_redirect_to_another_host(server):
    """Browsers and urljoin drop tab/CR/LF from URLs: ``/<TAB>/evil.example`` became ``//evil.example``.
    Every use of ``next`` (login form and its POST, language switch, inbox, settings) stays on this site."""
    hostile = ["/\t/evil.example/x", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "/.//evil.example",
               "/\\evil.example", "//evil.example", "https://evil.example/", "/%09/evil.example/..//x",
               "/ /evil.example", "/\x0b/evil.example", "javascript:alert(1)", "/\t/[evil", "http://[::1"]

    def same_site(location: str) -> bool:
        parts = urllib.parse.urlsplit(location)
        return parts.netloc == f"127.0.0.1:{server.port}" and not parts.path.startswith("//")

    anon = server.client()
    for target in hostile:
        q = urllib.parse.quote(target, safe="")
        r = anon.get(f"/lang/id?next={q}", follow=False)
        assert r.status in (302, 303) and same_site(r.location), (target, r.location)
        page = anon.get(f"/login?next={q}")
        hidden = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
        assert "evil" not in hidden or hidden.startswith("/%") or hidden.startswith("/evil"), (target, hidden)
        c = server.client()
        c.get("/login")
        r = c.post("/login", {"username": "admin", "password": ADMIN_PASSWORD, "next": target}, follow=False)
        assert r.status == 303 and same_site(r.location), (target, r.location)
    c = admin_client(server)
    c.get("/settings")
    r = c.post("/hold", {"action": "off", "next": "/\t/evil.example"}, follow=False)
    assert r.status == 303 and same_site(r.location), r.location
    # A good next still works, query kept and non-ASCII percent-encoded (a Location header is Latin-1).
    r = anon.get("/lang/en?next=" + urllib.parse.quote("/inbox?kind=reply&q=Désa"), follow=False)
    assert r.location.endswith("/inbox?kind=reply&q=D%C3%A9sa"), r.location


def test_non_ascii_secrets_and_non_utf8_headers_never_give_a_500(server):
    """hmac.compare_digest raised TypeError on a non-ASCII CSRF token, and bottle's get_header raised
    UnicodeDecodeError on a header that is not UTF-8 (X-CSRF-Token, Authorization): each was a 500."""
    c = admin_client(server)
    for method, rule in routes(server):
        if method != "POST" or rule.startswith("/api/") or rule in SESSION_CHANGING:
            continue
        path = fill(rule, "1")
        for given in ("é", "\u202e" + c.csrf_token, "ü" * 40):
            r = c.post(path, {"name": "x"}, csrf=given, follow=False)
            assert r.status == 403, f"POST {path} csrf={given!r}: {r.status}"
        r = c.request("POST", path, b"", {"X-CSRF-Token": "\u00e9\u00ff", "Content-Type": "text/plain"},
                      follow=False)
        assert r.status == 403, f"POST {path} with a non-UTF-8 X-CSRF-Token header: {r.status}"
    anon = server.client()
    anon.get("/login")
    anon.cookies["siaran_pre"] = "\u00e9" * 30
    assert anon.post("/login", {"username": "admin", "password": "x"}, csrf="\u00e9" * 30).status == 403
    anon.cookies["siaran_session"] = "abc.\u00e9\u00e9"
    assert anon.get("/", follow=False).status < 500
    for method, rule in routes(server):
        if rule.startswith("/api/"):
            r = anon.request(method, fill(rule, "1"), b"{}" if method == "POST" else None,
                             {"Authorization": "Bearer \u00e9\u00ff", "Content-Type": "application/json"})
            assert r.status < 500, f"{method} {rule} with a non-UTF-8 Authorization header: {r.status}"
            assert r.status < 400 or r.json()["pesan"], f"{method} {rule}"
    r = c.request("POST", "/audiences/count", b"csrf=" + c.csrf_token.encode(),
                  {"X-Requested-With": "f\u00e9tch", "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status < 500


def test_a_host_header_that_is_not_a_host_never_gives_a_500(server):
    """Every redirect joins its target onto the request's URL, built from the Host header: "[x" made urljoin
    raise "Invalid IPv6 URL", a 500 on the language switch, login, logout and every POST."""
    c = admin_client(server)
    for method, rule in routes(server):
        path = fill(rule, "1")
        for host in ("[evil", "a]b", "[::1"):
            body = b"csrf=" + c.csrf_token.encode() if method == "POST" else None
            r = c.request(method, path, body, {"Host": host, "Content-Type": "application/x-www-form-urlencoded"},
                          follow=False)
            assert r.status == 400, f"{method} {path} Host {host!r}: {r.status}"
            if rule.startswith("/api/"):
                assert r.json()["pesan"]
            else:
                assert "header Host" in r.text
