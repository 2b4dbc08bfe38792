"""A real waitress server for the LAN page and a small HTTP client that keeps cookies.

Tests talk HTTP over a real socket to the same server ``siaran web`` runs,
so headers, cookies, size limits and redirects are the real ones.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from firmware.office.config import with_defaults
from web.server import build_server, stop

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "rahasia-admin-123"
PASSWORD = "rahasia-kantor-123"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies_set: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def csrf(self) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', self.text)
        assert m, f"no CSRF field on the page (status {self.status})"
        return m.group(1)


class Client:
    """An HTTP client with a cookie jar; ``post`` takes the CSRF token from the last page by default."""

    def __init__(self, port: int, host: str = "127.0.0.1", source: str | None = None):
        self.host, self.port = host, port
        self.source = source  # another loopback address (127.0.0.2) acts as another computer on the LAN
        self.cookies: dict[str, str] = {}
        self.last: Reply | None = None
        self.csrf_token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                follow: bool = True) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                          source_address=(self.source, 0) if self.source else None)
        hdrs = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        set_cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        for c in set_cookies:
            name, _, rest = c.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in c or "Max-Age=-1" in c or value in ('""', ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        reply = Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, set_cookies)
        conn.close()
        if follow and reply.status in (301, 302, 303) and reply.location:
            loc = urllib.parse.urlsplit(reply.location)
            return self.get(loc.path + (f"?{loc.query}" if loc.query else ""))
        if "text/html" in reply.headers.get("content-type", ""):
            m = re.search(r'name="csrf" value="([^"]+)"', reply.text)
            if m:
                self.csrf_token = m.group(1)
        self.last = reply
        return reply

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | list | None = None, *, csrf: bool | str = True, follow: bool = True,
             headers: dict | None = None) -> Reply:
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf is True:
            items.append(("csrf", self.csrf_token))
        elif isinstance(csrf, str):
            items.append(("csrf", csrf))
        body = urllib.parse.urlencode(items).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 **(headers or {})}, follow=follow)

    def upload(self, path: str, fields: dict, files: dict[str, tuple[str, bytes]], *, csrf: bool = True,
               follow: bool = True) -> Reply:
        boundary = uuid.uuid4().hex
        parts = []
        items = dict(fields)
        if csrf:
            items["csrf"] = self.csrf_token
        for k, v in items.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (fname, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{fname}"\r\n'
                         f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                            follow=follow)

    def login(self, username: str, password: str) -> Reply:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


class WebServer:
    """The page served by waitress on a free port in a background thread."""

    def __init__(self, state_dir, *, clock=None, config=None, **overrides):
        self.config = config or with_defaults(str(state_dir), [], **overrides)
        kw = {"clock": clock} if clock else {}
        self.server = build_server(self.config, "127.0.0.1", 0, **kw)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.closing = False
        self.thread = threading.Thread(target=self._run, name="web", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self.closing:  # closing the sockets under the select loop ends it this way
                raise

    def client(self, source: str | None = None) -> Client:
        return Client(self.port, source=source)

    def close(self) -> None:
        self.closing = True
        stop(self.server)
        self.thread.join(5)


def end_process(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM ``proc``, SIGKILL it if it is still there after ``grace`` seconds; reap it either way."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebProcess:
    """``siaran web`` on the state folder, in its own process (its memory is its own); log beside the folder."""

    def __init__(self, state_dir: Path) -> None:
        self.port = free_port()
        self.log = open(Path(state_dir).parent / "web.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "firmware.cli", "web", "--state-dir", str(state_dir),
                                      "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=ROOT, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"siaran web exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("siaran web did not answer within 60 s") from None
                time.sleep(0.1)

    def status_kb(self, key: str) -> int:
        """``key`` (``VmRSS``, ``VmHWM`` ...) of the process from /proc, in kB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def close(self) -> None:
        end_process(self.proc)
        self.log.close()


def login_memory(logins: int, clients: int) -> dict[str, float]:
    """VmRSS (MB) of a fresh ``siaran web`` at start, after the setup and after ``logins`` logins."""
    with tempfile.TemporaryDirectory(prefix="siaran-webmem-") as tmp:
        state = Path(tmp) / "state"
        web = WebProcess(state)
        try:
            mb = {"start": web.status_kb("VmRSS") / 1024}
            admin = Client(web.port)
            admin.get("/setup")
            admin.post("/setup", {"username": "admin", "password": ADMIN_PASSWORD, "password2": ADMIN_PASSWORD})
            mb["after_setup"] = web.status_kb("VmRSS") / 1024

            def login(_: int) -> int:
                reply = Client(web.port).login("admin", ADMIN_PASSWORD)
                if 'action="/logout"' not in reply.text:
                    raise RuntimeError(f"login failed (status {reply.status})")
                return reply.status

            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(login, range(logins)))
            mb["after_logins"] = web.status_kb("VmRSS") / 1024
            mb["peak"] = web.status_kb("VmHWM") / 1024
        finally:
            web.close()
    return {k: round(v, 1) for k, v in mb.items()}


def first_admin(server: WebServer, username: str = "admin", password: str = ADMIN_PASSWORD) -> Client:
    """Run the first-run setup; returns the admin's logged-in client."""
    c = server.client()
    c.get("/setup")
    r = c.post("/setup", {"username": username, "password": password, "password2": password})
    assert r.status == 200, r.text[:500]
    return c


def add_user(admin: Client, username: str, role: str, password: str = PASSWORD) -> None:
    admin.get("/users")
    r = admin.post("/users", {"username": username, "role": role, "password": password})
    assert r.status == 200, r.text[:500]


def user_client(server: WebServer, role: str, username: str | None = None) -> Client:
    """A new account with ``role`` (made directly in the store) and its logged-in client."""
    from firmware.office import users
    from firmware.queue.store import Store

    username = username or role + "1"
    with Store.in_state_dir(server.config.state_dir) as s:
        users.add_user(s, username, role, PASSWORD, actor="test")
    c = server.client()
    assert c.login(username, PASSWORD).status == 200
    c.get("/")
    return c
