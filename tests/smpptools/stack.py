"""A private Jasmin SMS gateway (with its own Redis and RabbitMQ) on loopback ports, for SMPP tests.

Jasmin is what an aggregator runs between an office's SMPP account and the operators, so Siaran's SMPP
route is tested against the real thing rather than a mock. ``JasminStack`` starts, from nothing:

* ``redis-server`` on a free loopback port (no persistence: Jasmin keeps its message-id mappings there),
* ``rabbitmq-server`` as a node of its own (unique node name, private epmd port, its own data, log and
  cookie folders under the stack's work folder; AMQP and distribution bound to 127.0.0.1),
* ``jasmind`` (Jasmin 0.11.0 from ``.venv-jasmin``, see ``scripts/jasmin-setup``) with a generated
  ``jasmin.cfg`` that puts every listener on 127.0.0.1 and a free port, with the DLR lookup and DLR
  thrower services inside the daemon,

then provisions it through jCli: a group and user for Siaran (system_id/password, throughput unlimited
or as asked), one or more SMPP client connectors to the downstream "operator network", an MT route to
them and an MO route back to Siaran's SMPP session (Jasmin's SMPP server hands deliver_sm to the user's
bound receivers). ``restart()`` stops and starts jasmind alone (Redis and RabbitMQ keep their state, as
when an aggregator restarts its gateway), for fault tests; ``stop()`` ends every process and removes
the work folder. Nothing is started before ``start()`` and nothing stays behind after ``stop()``.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JASMIN_VENV = Path(os.environ.get("SIARAN_JASMIN_VENV", REPO / ".venv-jasmin"))
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
LAUNCHER = Path(__file__).resolve().parent / "jasmind_nolock.py"


class StackError(RuntimeError):
    """The Jasmin stack could not be started or configured; the message says what and where the logs are."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``; fail early when ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{what or 'process'} exited with status {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise StackError(f"{what or 'nothing'} listening on 127.0.0.1:{port} after {timeout:.0f} s")


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the process that started it dies (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


@dataclass(frozen=True)
class Downstream:
    """Where Jasmin's SMPP client connectors bind: the operator network's SMSC."""

    host: str
    port: int
    system_id: str
    password: str


class JCli:
    """A line-oriented session on Jasmin's jCli console (telnet protocol, authentication off).

    jCli prints a banner ending ``Session ref: N`` (no prompt), then after each line its output and the
    prompt ``jcli : ``; inside ``user -a`` and the like the prompt is ``> ``. Telnet option negotiation
    (IAC sequences) is stripped from what is read.
    """

    def __init__(self, port: int, timeout: float = 15.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self._read_until_prompt(banner=True)

    def _read_until_prompt(self, banner: bool = False) -> str:
        buf = b""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise StackError(f"jCli closed the session; last output: {buf[-500:]!r}")
            buf += chunk
            clean = re.sub(rb"\xff[\xfb-\xfe].|\xff[\xf0-\xfa]", b"", buf)
            if clean.endswith((b"jcli : ", b"> ")) or (banner and re.search(rb"Session ref: \d+\s*\n", clean)):
                return clean.decode("utf-8", "replace")
        raise StackError(f"no jCli prompt after {self.timeout:.0f} s; got: {buf[-500:]!r}")

    def run(self, line: str) -> str:
        """Send one line, return what jCli printed up to its next prompt."""
        self.sock.sendall(line.encode() + b"\r\n")
        out = self._read_until_prompt()
        return out

    def close(self) -> None:
        try:
            self.sock.sendall(b"quit\r\n")
        except OSError:
            pass
        self.sock.close()


class JasminStack:
    """Redis + RabbitMQ + jasmind on free loopback ports, provisioned for one Siaran SMPP account.

    ``system_id``/``password`` is the account Siaran (or a bare ESME) binds with on ``smpp_port``;
    ``throughput`` (messages/s, None = unlimited) is Jasmin's per-user limit, above which it answers
    submit_sm with ESME_RTHROTTLED (0x58). ``connectors`` SMPP client connectors bind the downstream
    (several raise the receipt rate: Jasmin handles one downstream PDU at a time per connector).
    """

    def __init__(
        self,
        downstream: Downstream,
        *,
        workdir: Path | None = None,
        system_id: str = "siaran",
        password: str = "rahasia1",
        throughput: float | None = None,
        connectors: int = 1,
        connector_window: int = 10,
        log_level: str = "INFO",
    ) -> None:
        if len(password) > 8:
            raise ValueError("Jasmin user passwords are at most 8 characters")
        self.downstream = downstream
        self.system_id = system_id
        self.password = password
        self.throughput = throughput
        self.connectors = connectors
        self.connector_window = connector_window
        self.log_level = log_level
        self._own_workdir = workdir is None
        self.workdir: Path | None = Path(workdir) if workdir is not None else None  # made by start() when None
        self.host = "127.0.0.1"
        self.ports: dict[str, int] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self.node = f"siaran-{uuid.uuid4().hex[:10]}@localhost"
        self.users: dict[str, str] = {}

    # -- addresses -----------------------------------------------------------------------------------

    @property
    def smpp_port(self) -> int:
        """Jasmin's SMPP server port (where Siaran binds)."""
        return self.ports["smpp"]

    @property
    def connector_ids(self) -> list[str]:
        return [f"operator{i + 1}" for i in range(self.connectors)]

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> "JasminStack":
        """Start Redis, RabbitMQ and jasmind, provision them, and wait until a connector is bound."""
        self._check_installed()
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="siaran-jasmin-"))
        for name in ("redis", "amqp", "dist", "epmd", "smpp", "smpp_pb", "router", "cm", "http", "jcli"):
            self.ports[name] = free_port()
        try:
            self._start_redis()
            self._start_rabbitmq(timeout)
            self._write_config()
            self._start_jasmind(timeout)
            self.provision()
            self.wait_connectors_bound(timeout=30)
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self, *, hard: bool = False, down_for: float = 0.0, timeout: float = 60.0) -> None:
        """Stop jasmind (SIGTERM, or SIGKILL when ``hard``), stay down ``down_for`` s, start it and
        provision it again. Redis and RabbitMQ keep running, so receipt mappings and queued messages
        survive, as they do when an aggregator restarts its gateway."""
        self._stop_proc("jasmind", hard=hard)
        if down_for:
            time.sleep(down_for)
        self._start_jasmind(timeout)
        self.provision()
        self.wait_connectors_bound(timeout=30)

    def stop(self) -> None:
        """End every process of the stack and remove its work folder (when the stack made it)."""
        self._stop_proc("jasmind")
        self._stop_proc("rabbitmq")
        self._stop_proc("redis")
        if "epmd" in self.ports:
            subprocess.run(
                ["epmd", "-port", str(self.ports["epmd"]), "-kill"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False,
            )
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> "JasminStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- jCli ----------------------------------------------------------------------------------------

    def jcli(self, *lines: str) -> str:
        """Run jCli lines in one session; fail when jCli reports an error."""
        cli = JCli(self.ports["jcli"])
        out = []
        try:
            for line in lines:
                got = cli.run(line)
                out.append(got)
                if re.search(r"(Unknown|Error|error:|Cannot|Invalid|not found|incorrect)", got):
                    raise StackError(f"jCli refused {line!r}: {got.strip()}")
        finally:
            cli.close()
        return "".join(out)

    def provision(self) -> None:
        """Group, user, connectors, MT and MO routes, as Siaran's account at an aggregator."""
        self.jcli("group -a", "gid siaran", "ok")
        self.users = {}
        self.add_user(self.system_id, self.password, throughput=self.throughput)
        ds = self.downstream
        for cid in self.connector_ids:
            self.jcli(
                "smppccm -a", f"cid {cid}", f"host {ds.host}", f"port {ds.port}",
                f"username {ds.system_id}", f"password {ds.password}", "bind transceiver",
                "submit_throughput 0", f"con_fail_delay 1", "con_loss_delay 1", "con_fail_retry yes",
                "con_loss_retry yes", f"elink_interval 5", "ok",
            )
            self.jcli(f"smppccm -1 {cid}")
        if self.connectors == 1:
            self.jcli("mtrouter -a", "type DefaultRoute", f"connector smppc({self.connector_ids[0]})",
                      "rate 0.00", "ok")
        else:
            conns = ";".join(f"smppc({c})" for c in self.connector_ids)
            # jCli keeps filters per console session: the route that uses one is added in the same session.
            self.jcli("filter -a", "fid any", "type TransparentFilter", "ok",
                      "mtrouter -a", "type RandomRoundrobinMTRoute", "order 10", "filters any",
                      f"connectors {conns}", "rate 0.00", "ok")
            self.jcli("mtrouter -a", "type DefaultRoute", f"connector smppc({self.connector_ids[0]})",
                      "rate 0.00", "ok")

    def add_user(self, system_id: str, password: str, *, throughput: float | None = None) -> None:
        """Another SMPP account on this Jasmin (same group; MO for it reaches only its own binds when
        its own MO route exists, so only the first user gets the default MO route)."""
        quota = "none" if throughput is None else f"{throughput:g}"
        self.jcli(
            "user -a", f"username {system_id}", f"password {password}", "gid siaran", f"uid {system_id}",
            f"mt_messaging_cred quota smpps_throughput {quota}", "mt_messaging_cred quota http_throughput none",
            "ok",
        )
        if not self.users:
            self.jcli("morouter -a", "type DefaultRoute", f"connector smpps({system_id})", "ok")
        self.users[system_id] = password

    def set_throughput(self, throughput: float | None, system_id: str | None = None) -> None:
        """Change a user's smpps_throughput (messages/s; None = unlimited) while Jasmin runs."""
        quota = "none" if throughput is None else f"{throughput:g}"
        self.jcli(f"user -u {system_id or self.system_id}", f"mt_messaging_cred quota smpps_throughput {quota}",
                  "ok")
        if (system_id or self.system_id) == self.system_id:
            self.throughput = throughput

    def connector_states(self) -> dict[str, str]:
        """Each connector's session state as ``smppccm --list`` shows it (e.g. BOUND_TRX, NONE)."""
        out = self.jcli("smppccm --list")
        states = {}
        for line in out.splitlines():
            m = re.match(r"#(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", line.strip())
            if m and m.group(1) in self.connector_ids:
                states[m.group(1)] = m.group(3)
        return states

    def wait_connectors_bound(self, timeout: float = 30.0) -> None:
        """Wait until every connector's session with the downstream is bound."""
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = self.connector_states()
            if states and all(s.startswith("BOUND") for s in states.values()) and len(states) == self.connectors:
                return
            time.sleep(0.3)
        raise StackError(f"Jasmin's connectors to the operator network are not bound after {timeout:.0f} s: "
                         f"{states}\n{self.log_tail()}")

    # -- diagnostics ---------------------------------------------------------------------------------

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each part of the stack (every process of its
        process group: RabbitMQ's Erlang VM runs under a shell wrapper), for benchmarks."""
        tick = os.sysconf("SC_CLK_TCK")
        groups = {proc.pid: name for name, proc in self.procs.items() if proc.poll() is None}
        used = dict.fromkeys(self.procs, 0.0)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            name = groups.get(int(fields[2]))  # pgrp
            if name is not None:
                used[name] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        return used

    def log_tail(self, lines: int = 25) -> str:
        """The last lines of each process's log, for failure messages."""
        if self.workdir is None:
            return "(the stack was not started)"
        parts = []
        logs = [self.workdir / f"{name}.log" for name in ("redis", "rabbitmq", "jasmind")]
        for pattern in ("messages.log", "default-*.log"):
            logs += sorted((self.workdir / "root/var/log/jasmin").glob(pattern))
        for p in logs:
            parts.append(f"--- {p} ---\n{_tail(p, lines)}")
        return "\n".join(parts)

    # -- internals -----------------------------------------------------------------------------------

    def _check_installed(self) -> None:
        missing = [str(p) for p in (JASMIN_VENV / "bin/jasmind.py", RABBITMQ_SERVER) if not p.exists()]
        if shutil.which("redis-server") is None:
            missing.append("redis-server")
        if missing:
            raise StackError(
                "Jasmin belum terpasang / the Jasmin test stack is not installed (missing: "
                + ", ".join(missing) + "): run scripts/jasmin-setup (scripts/test does it)"
            )

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a part of the stack in its own process group (``stop`` ends the whole group), killed by
        the kernel should the test process die without stopping it (PR_SET_PDEATHSIG)."""
        log = open(self.workdir / f"{name}.log", "ab")
        try:
            proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=self.workdir, start_new_session=True, preexec_fn=_die_with_parent,
            )
        finally:
            log.close()
        self.procs[name] = proc
        return proc

    def _stop_proc(self, name: str, *, hard: bool = False, timeout: float = 20.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL if hard else signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # The process group may hold helpers (RabbitMQ's erl_child_setup, inet_gethost); end them too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _start_redis(self) -> None:
        data = self.workdir / "redis"
        data.mkdir(exist_ok=True)
        proc = self._spawn("redis", [
            "redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(data), "--daemonize", "no", "--protected-mode", "yes",
        ])
        try:
            wait_port(self.ports["redis"], 15, proc, "redis-server")
        except StackError as e:
            raise StackError(f"{e}\n{self.log_tail()}") from None

    def _start_rabbitmq(self, timeout: float) -> None:
        base = self.workdir / "rabbitmq"
        home = base / "home"
        for d in (base, home, base / "mnesia", base / "log"):
            d.mkdir(parents=True, exist_ok=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.ports['amqp']}\n"
            "loopback_users.guest = true\n"
            "vm_memory_high_watermark.absolute = 512MB\n"
            "disk_free_limit.absolute = 50MB\n"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.ports["amqp"]),
            "RABBITMQ_DIST_PORT": str(self.ports["dist"]),
            "ERL_EPMD_PORT": str(self.ports["epmd"]),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(base / "rabbit.pid"),
            "RABBITMQ_LOGS": "-",
            # Exec the Erlang VM in place of the wrapper shell, so the VM is the process started here.
            "RUNNING_UNDER_SYSTEMD": "true",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        (base / "rabbitmq-env.conf").write_text("")
        proc = self._spawn("rabbitmq", [str(RABBITMQ_SERVER)], env=env)
        try:
            wait_port(self.ports["amqp"], timeout, proc, "rabbitmq-server")
        except StackError as e:
            raise StackError(f"{e}\n{self.log_tail()}") from None

    def _write_config(self) -> None:
        p = self.ports
        spec = JASMIN_VENV / "etc/jasmin/resource/amqp0-9-1.xml"
        root = self.workdir / "root"
        (root / "etc/jasmin/store").mkdir(parents=True, exist_ok=True)
        (root / "var/log/jasmin").mkdir(parents=True, exist_ok=True)
        lvl = self.log_level
        retrial = ("{'ESME_RSYSERR': {'count': 2, 'delay': 1}, 'ESME_RTHROTTLED': {'count': 60, 'delay': 1}, "
                   "'ESME_RMSGQFUL': {'count': 20, 'delay': 1}, 'ESME_RINVSCHED': {'count': 2, 'delay': 1}}")
        cfg = f"""\
[smpp-server]
id = siaran-test
bind = 127.0.0.1
port = {p['smpp']}
log_level = {lvl}
dlr_expiry = 86400

[smpp-server-pb]
bind = 127.0.0.1
port = {p['smpp_pb']}

[client-management]
bind = 127.0.0.1
port = {p['cm']}
store_path = {root}/etc/jasmin/store

[router]
bind = 127.0.0.1
port = {p['router']}
store_path = {root}/etc/jasmin/store

[http-api]
bind = 127.0.0.1
port = {p['http']}

[jcli]
bind = 127.0.0.1
port = {p['jcli']}
authentication = False

[amqp-broker]
host = 127.0.0.1
port = {p['amqp']}
vhost = /
username = guest
password = guest
spec = {spec}
connection_loss_retry_delay = 1
connection_failure_retry_delay = 1

[redis-client]
host = 127.0.0.1
port = {p['redis']}
dbid = 0
poolsize = 10

[sm-listener]
submit_error_retrial = {retrial}
submit_max_age_smppc_not_ready = 1200
submit_retrial_delay_smppc_not_ready = 1
log_level = {lvl}

[dlr]
dlr_lookup_retry_delay = 1
dlr_lookup_max_retries = 5

[dlr-thrower]
retry_delay = 1
max_retries = 10
"""
        (self.workdir / "jasmin.cfg").write_text(cfg)

    def _start_jasmind(self, timeout: float) -> None:
        root = self.workdir / "root"
        env = dict(os.environ)
        for k in list(env):
            if k.startswith(("PYTHON", "VIRTUAL_ENV")):
                env.pop(k)
        env.update({"ROOT_PATH": str(root), "LOG_PATH": str(root / "var/log/jasmin"),
                    "CONFIG_PATH": str(root / "etc/jasmin")})
        py = JASMIN_VENV / "bin/python"
        proc = self._spawn("jasmind", [
            str(py), str(LAUNCHER), str(JASMIN_VENV / "bin/jasmind.py"), "--config", str(self.workdir / "jasmin.cfg"),
            "--enable-dlr-thrower", "--enable-dlr-lookup", "--disable-http-api",
        ], env=env)
        try:
            wait_port(self.ports["jcli"], timeout, proc, "jasmind")
            wait_port(self.ports["smpp"], 10, proc, "jasmind's SMPP server")
        except StackError as e:
            raise StackError(f"{e}\n{self.log_tail()}") from None
