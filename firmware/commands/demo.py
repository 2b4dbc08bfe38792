"""``siaran demo``: the appliance on emulated modems, for a newcomer with no hardware.

It starts two emulated modems (a SIM800 and a SIM7600) on pseudo-terminals,
runs the real daemon on them and the LAN page (waitress) with a state folder
of its own, makes three accounts (admin, an operator and an approver, with
random passwords it prints), writes two example lists (the Bandung RT/RW heads
as .xlsx with bad rows, Blitar residents as .csv) and prints the page's
address.  Meanwhile it queues a landslide warning to twenty (fake) RT/RW heads
and one emergency, and lets a resident reply ``BERHENTI`` (opt-out) and another
reply with a question, so the dashboard and inbox have something to show.
Ctrl-C stops it; ``--once`` exits once those messages are out and the page
has answered a login.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from firmware.people import demo_data
from firmware.office import users
from firmware.commands.output import emit
from firmware.office.config import with_defaults
from firmware.queue.daemon import Daemon
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator
from firmware.people.numbers import operator_of
from firmware.people.privacy import mask_number
from firmware.queue.inbox import inbox_entries
from firmware.queue.store import EMERGENCY, Store

#: Obviously fake numbers (never a real resident's): 0812-0000-01xx.
RT_RW_HEADS = [f"+6281200000{100 + i}" for i in range(20)]
RESIDENT_OPTOUT = RT_RW_HEADS[3]
RESIDENT_QUESTION = "+6285700000002"
WARNING = ("PERINGATAN DINI BPBD: curah hujan tinggi, potensi longsor di RW 01-05 lereng utara. "
           "Siapkan tas siaga; bila tanah retak, segera mengungsi ke balai desa.")
EMERGENCY_TEXT = "DARURAT: longsor di RW 03. Warga RW 03 segera mengungsi ke balai desa sekarang."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo")
    p.add_argument("--once", action="store_true", help="exit once the demo messages are out")
    p.add_argument("--state-dir", help="state folder (default: a new temporary folder)")
    p.add_argument("--latency", type=float, default=0.5, help="seconds each emulated send takes (default 0.5)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address of the web page (default 127.0.0.1; 0.0.0.0 to open it to the LAN)")
    p.add_argument("--port", type=int, default=8080, help="port of the web page (default 8080; 0: any free port)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    state = Path(args.state_dir) if args.state_dir else Path(tempfile.mkdtemp(prefix="siaran-demo-"))
    with running(state, latency=args.latency, host=args.host, port=args.port) as demo:
        _print_welcome(demo.url, demo.accounts, demo.examples, state)
        seed_activity(demo)
        if args.once:
            summary = _summary(demo.store, demo.emulators)
            summary["web_login"] = _check_login(demo.url, "admin", demo.accounts["admin"])
            emit(summary)
            return 0 if summary["web_login"] else 1
        print(f"\nBuka / open {demo.url}  (Ctrl-C untuk berhenti / to stop)", flush=True)
        _stay_up()
        return 0


@dataclass
class Demo:
    """A running demo appliance: its store, the page's address, the accounts' passwords, the example files."""

    store: Store
    url: str
    accounts: dict[str, str]
    examples: dict[str, Path]
    emulators: list[PtyEmulator]


@contextmanager
def running(state: Path, *, latency: float = 0.5, host: str = "127.0.0.1", port: int = 8080) -> Iterator[Demo]:
    """Two emulated modems, the daemon and the page on ``state``, with the demo accounts; stopped on exit.

    Shared by ``siaran demo`` and the screenshot script (bench/screenshots.py), so both show the same appliance.
    """
    state.mkdir(parents=True, exist_ok=True)
    emulators = [
        PtyEmulator(EmulatorConfig(model="sim800", name="sim800", send_latency=latency, report_delay=2.0),
                    log_path=str(state / "sim800-sent.jsonl")),
        PtyEmulator(EmulatorConfig(model="sim7600", name="sim7600", send_latency=latency, report_delay=2.0,
                                   imei="860000000000002", iccid="89621000000000000002"),
                    log_path=str(state / "sim7600-sent.jsonl")),
    ]
    for emu in emulators:
        emu.start()
    config = with_defaults(str(state), [f"{e.port}:{e.config.model}" for e in emulators],
                           window_start="00:00", window_end="24:00", jitter_min=0.1, jitter_max=0.3)
    config = replace(config, modems=tuple(replace(m, name=e.config.model) for m, e in zip(config.modems, emulators)))
    daemon = Daemon(config)
    thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
    thread.start()
    store = Store.in_state_dir(state)
    web = None
    try:
        accounts = _accounts(store)
        examples = _examples(state)
        web, url = _start_web(config, host, port)
        _wait(lambda: len(store.modems()) == 2 and all(m["state"] == "ready" for m in store.modems()), 30)
        yield Demo(store, url, accounts, examples, emulators)
    finally:
        daemon.stop()
        thread.join(timeout=20)
        if web is not None:
            from web.server import stop

            stop(web)
        store.close()
        for emu in emulators:
            emu.stop()


def seed_activity(demo: Demo, timeout: float = 120) -> bool:
    """Queue the landslide warning and an emergency, let two residents reply; wait until all of it settled."""
    store, emulators = demo.store, demo.emulators
    store.enqueue(RT_RW_HEADS, WARNING, created_by="demo", route_of=operator_of)
    store.enqueue(RT_RW_HEADS[:2], EMERGENCY_TEXT, priority=EMERGENCY, created_by="demo", route_of=operator_of)
    # in national form (TON national), as many networks write a sender: it must still stop +62...
    emulators[0].inject_incoming("0" + RESIDENT_OPTOUT[3:], "BERHENTI", toa=0xA1)
    emulators[1].inject_incoming(RESIDENT_QUESTION, "Apakah RW 06 juga harus mengungsi?")
    return _wait(lambda: _settled(store), timeout)


#: The demo's accounts: (username, role, what they do).
ACCOUNTS = (("admin", "admin", "mengatur pengguna, modem, pengaturan / users, modems, settings"),
            ("staf", "operator", "impor daftar, tulis pesan / import lists, compose"),
            ("camat", "approver", "menyetujui kampanye besar / approves big campaigns"))


def _accounts(store: Store) -> dict[str, str]:
    """Create the demo's three accounts with fresh random passwords (there is no default password)."""
    out = {}
    for username, role, _ in ACCOUNTS:
        if users.get_user(store, username) is not None:
            password = users.new_password()
            users.set_password(store, username, password, actor="cli:demo")
        else:
            password = users.new_password()
            users.add_user(store, username, role, password, actor="cli:demo")
        out[username] = password
    return out


def _examples(state: Path) -> dict[str, Path]:
    folder = state / "contoh"
    folder.mkdir(exist_ok=True)
    return {"bandung": demo_data.write_bandung_xlsx(folder / "bandung-ketua-rt-rw.xlsx"),
            "blitar": demo_data.write_blitar_csv(folder / "blitar-warga.csv")}


def _start_web(config, host: str, port: int):
    """The LAN page in a thread of this process (waitress); falls back to a free port when ``port`` is taken."""
    from web.server import build_server

    try:
        server = build_server(config, host, port)
    except OSError:
        server = build_server(config, host, 0)
    threading.Thread(target=server.run, name="web", daemon=True).start()
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return server, f"http://{shown}:{server.effective_port}/"


def _print_welcome(url: str, accounts: dict[str, str], examples: dict[str, Path], state: Path) -> None:
    lines = [
        "",
        "Siaran berjalan dengan dua modem emulasi / Siaran is running on two emulated modems.",
        f"Halaman / page:  {url}",
        "",
        "Akun / accounts (kata sandi acak, hanya untuk demo ini / random passwords, this demo only):",
    ]
    for username, role, what in ACCOUNTS:
        lines.append(f"  {username:<6} {accounts[username]}   ({role}: {what})")
    lines += [
        "",
        "Contoh daftar / example lists:",
        f"  {examples['bandung']}",
        f"  {examples['blitar']}",
        "",
        "Coba / try:",
        "  1. Masuk sebagai 'staf' -> Kontak -> Impor -> pilih bandung-ketua-rt-rw.xlsx (5 baris ditolak, lihat alasannya)",
        "     Log in as 'staf' -> Contacts -> Import the Bandung list (5 rows are rejected, with reasons)",
        "  2. Audiens: kelurahan Ciumbuleuit, Hegarmanah (lereng utara) -> simpan; Tulis Pesan: template longsor -> kirim",
        "     Audiences: the two northern kelurahan -> save; Compose: the landslide template -> send",
        "  3. Masuk sebagai 'camat' -> Persetujuan -> setujui; lihat Kampanye sampai selesai, unduh laporan CSV",
        "     Log in as 'camat' -> Approvals -> approve; watch Campaigns finish, download the CSV report",
        "  4. Blitar: impor blitar-warga.csv, audiens 'semua kontak', template Covid-19",
        "     Blitar: import the Blitar list, audience 'everyone', the Covid-19 template",
        "",
        f"Folder data / state folder: {state}",
    ]
    print("\n".join(lines), flush=True)


def _check_login(url: str, username: str, password: str) -> bool:
    """Log in to the running page over HTTP as a browser would (the --once self-check)."""
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "login", timeout=10) as r:
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf": csrf}).encode()
    with opener.open(url + "login", data=body, timeout=10) as r:
        return r.status == 200 and "/logout" in r.read().decode()


def _wait(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return False


def _settled(store: Store) -> bool:
    """Everything sent, every requested delivery report in, both replies filed."""
    return store.unsettled_count() == 0 and len(inbox_entries(store)) >= 2


def _summary(store: Store, emulators: list[PtyEmulator]) -> dict:
    inbox = [{"from": mask_number(r["number"]), "text": r["text"], "kind": r["kind"]}
             for r in inbox_entries(store)]
    return {
        "queue": store.queue_counts(),
        "sent_by_modem": {e.config.name: e.sent_count for e in emulators},
        "inbox": inbox,
        "optouts": store.optout_count(),
        "modems": [{k: m[k] for k in ("name", "state", "operator", "signal_dbm", "sent_total")} for m in store.modems()],
    }


def _stay_up() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
