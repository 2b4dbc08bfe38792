"""Turning data into the page: templates, the two languages, and how times, money and states read.

Templates are Bottle SimpleTemplates in ``web/views`` (``{{x}}`` escapes; raw
``{{!x}}`` is used only for markup this module builds). Text is written in
both languages where it is used, ``t("Kontak", "Contacts")``: Bahasa
Indonesia is the default, English a switch in the header.
"""

from __future__ import annotations

import html
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import bottle

from firmware.errors import group_digits
from firmware.people.numbers import national
from firmware.people.privacy import mask_number

VIEWS = str(Path(__file__).parent / "views")
# NOTE: Bottle caches compiled templates under (id(lookup), name): the lookup list must be this one
# object, or every render compiles the template again and the cache grows without end.
LOOKUP = [VIEWS]

STATE_LABELS = {
    # messages
    "queued": ("antre", "queued"), "paused": ("dijeda", "paused"), "sending": ("sedang dikirim", "sending"),
    "sent": ("terkirim", "sent"), "delivered": ("diterima", "delivered"), "failed": ("gagal", "failed"),
    "unknown": ("tidak pasti", "unknown"), "cancelled": ("dibatalkan", "cancelled"),
    "expired": ("kedaluwarsa", "expired"), "suppressed": ("berhenti langganan", "opted out"),
    # campaigns
    "draft": ("draf", "draft"), "awaiting_approval": ("menunggu persetujuan", "awaiting approval"),
    "approved": ("disetujui", "approved"), "running": ("berjalan", "running"), "done": ("selesai", "done"),
    # modems
    "starting": ("memulai", "starting"), "ready": ("siap", "ready"), "parked": ("istirahat", "parked"),
    "recovering": ("memulihkan", "recovering"), "absent": ("tidak ada", "absent"), "dead": ("mati", "dead"),
    "stopped": ("berhenti", "stopped"), "disk_full": ("disk penuh", "disk full"),
    "storage_error": ("penyimpanan bermasalah", "storage error"), "failed": ("gagal", "failed"),
}
#: What a modem state means for the office, in both languages: the daemon's own reason (``state_reason``) is
#: technical English (an exception's text) and is shown beside this, marked as such, never as the Bahasa text.
STATE_HINTS = {
    "absent": ("Port modem tidak ada atau tidak bisa dibuka: periksa kabel USB/serial dan daya modem.",
               "The modem's port is missing or cannot be opened: check the USB/serial cable and the modem's power."),
    "recovering": ("Modem tidak menjawab dengan benar; Siaran sedang memulihkannya (sinkron ulang, reset).",
                   "The modem does not answer properly; Siaran is recovering it (resync, reset)."),
    "dead": ("Modem tetap tidak menjawab setelah sinkron ulang, reset dan dimatikan-hidupkan: periksa daya, "
             "kabel dan SIM.", "The modem still does not answer after resync, reset and power-cycle: check power, "
             "cable and SIM."),
    "parked": ("Modem diistirahatkan sementara karena gangguan dari jaringan atau SIM; dicoba lagi otomatis.",
               "The modem rests for a while after a network or SIM error; it is tried again automatically."),
    "disk_full": ("Disk penuh: pengiriman berhenti sampai ada ruang lagi (hapus file lama atau ganti kartu SD); "
                  "lanjut sendiri, tidak ada pesan yang hilang.",
                  "Disk full: sending waits until there is room again (remove old files or replace the SD card); "
                  "it resumes by itself, no message is lost."),
    "storage_error": ("Data tidak bisa disimpan (gangguan penyimpanan); pengiriman menunggu dan dicoba lagi otomatis.",
                      "The database cannot be written (storage error); sending waits and is retried automatically."),
    "failed": ("Pekerja modem ini berhenti setelah gagal berulang kali; layanan Siaran dimulai ulang oleh sistem.",
               "This modem's worker stopped after failing repeatedly; the system restarts the Siaran service."),
}
#: The front-panel lamps as the box labels them (web/static/panel-card.html) and what each pattern shows now.
LAMP_NAMES = {"power": ("DAYA", "POWER"), "network": ("JARINGAN", "NETWORK"), "sending": ("KIRIM", "SENDING"),
              "attention": ("PERHATIAN", "ATTENTION")}
LAMP_PATTERNS = {"on": ("menyala", "steady"), "off": ("mati", "off"), "slow": ("kedip lambat", "slow blink"),
                 "fast": ("kedip cepat", "fast blink"), "double": ("kedip ganda", "double blink")}
LAMP_MEANINGS = {
    ("power", "on"): ("siap bekerja", "ready"),
    ("power", "slow"): ("sedang mulai atau modem sedang dipulihkan", "starting, or a modem is being recovered"),
    ("power", "double"): ("flashdisk selesai, aman dicabut", "USB stick finished, safe to remove"),
    ("power", "off"): ("layanan berhenti", "service stopped"),
    ("network", "on"): ("semua modem terhubung ke operator", "every modem is on the network"),
    ("network", "slow"): ("sebagian modem mencari sinyal atau istirahat", "some modem is searching or resting"),
    ("network", "fast"): ("tidak ada modem yang terhubung", "no modem on the network"),
    ("sending", "on"): ("ada pesan menunggu (ditahan, di luar jam kirim, atau batas SIM)",
                        "messages wait (hold, outside sending hours, or SIM limits)"),
    ("sending", "fast"): ("pesan sedang dikirim", "messages are going out"),
    ("sending", "off"): ("tidak ada yang perlu dikirim", "nothing to send"),
    ("attention", "on"): ("pengiriman ditahan (kecuali darurat)", "sending is on hold (except emergencies)"),
    ("attention", "slow"): ("ada masalah, lihat keterangan di halaman ini", "a problem: see this page"),
    ("attention", "fast"): ("flashdisk sedang dibaca, JANGAN dicabut", "USB stick busy, do NOT pull it out"),
    ("attention", "off"): ("semua baik", "all well"),
}
#: A modem's network registration in words, best first: what a staffer needs is whether SMS can go out.
#: Keys are the driver's REG_STATES values (firmware/modem/driver.py); roaming and "SMS only" still send.
REGISTRATION_WORDS = (
    (("home", "home_sms_only", "home_csfb_not_preferred"),
     ("terhubung ke jaringan operator", "connected to the operator's network")),
    (("roaming", "roaming_sms_only", "roaming_csfb_not_preferred"),
     ("terhubung lewat jaringan operator lain (roaming)", "connected through another operator (roaming)")),
    (("searching",), ("sedang mencari sinyal", "searching for a signal")),
    (("emergency_only",), ("hanya bisa panggilan darurat: periksa SIM", "emergency calls only: check the SIM")),
    (("denied",), ("ditolak jaringan: periksa SIM (masih aktif? sudah registrasi?)",
                   "refused by the network: check the SIM (still active? registered?)")),
    (("not_registered",), ("tidak terhubung ke jaringan", "not connected to the network")),
)
#: Actors that are not a person, in words (Formats.actor).
ACTOR_WORDS = {
    "daemon": ("Siaran (otomatis)", "Siaran (automatic)"), "panel": ("tombol di kotak Siaran", "the box's button"),
    "usb": ("flashdisk USB", "USB stick"), "demo": ("demo", "demo"), "cli:demo": ("demo", "demo"),
    "web:setup": ("penyiapan pertama", "first set-up"), "web:-": ("seseorang yang belum masuk", "someone not logged in"),
    "cli:unknown": ("seseorang di kotak Siaran", "someone on the Siaran box"),
}
ROLE_LABELS = {"admin": ("admin", "admin"), "approver": ("penyetuju", "approver"),
               "operator": ("operator", "operator"), "viewer": ("pemantau", "viewer")}


class Lang:
    """The request's language: ``t(id, en)`` picks one."""

    def __init__(self, code: str):
        self.code = "en" if code == "en" else "id"

    def __call__(self, id_text: str, en_text: str | None = None) -> str:
        return en_text if self.code == "en" and en_text is not None else id_text


class Formats:
    """Times in the office's zone (WIB by default), Rupiah, states and masked numbers."""

    def __init__(self, lang: Lang, utc_offset_hours: float = 7.0, clock=time.time):
        self.t = lang
        self.tz = timezone(timedelta(hours=utc_offset_hours))
        self.zone = {7.0: "WIB", 8.0: "WITA", 9.0: "WIT"}.get(float(utc_offset_hours), "")
        self.clock = clock

    def time(self, ts: float | str | None, *, seconds: bool = False) -> str:
        """The one date format of every page: ``05-12-2026 15:04 WIB`` (in the office's zone).

        ``ts`` is a Unix time or an ISO 8601 text with its offset (as the estimates give ``finish_at``).
        """
        if not ts:
            return "-"
        if isinstance(ts, str):
            try:
                ts = datetime.fromisoformat(ts).timestamp()
            except ValueError:
                return ts
        dt = datetime.fromtimestamp(ts, self.tz)
        return dt.strftime("%d-%m-%Y %H:%M" + (":%S" if seconds else "")) + (f" {self.zone}" if self.zone else "")

    def ago(self, ts: float | None) -> str:
        if not ts:
            return "-"
        s = max(0, int(self.clock() - ts))
        if s < 60:
            return self.t(f"{s} dtk lalu", f"{s} s ago")
        if s < 3600:
            return self.t(f"{s // 60} mnt lalu", f"{s // 60} min ago")
        if s < 86400:
            return self.t(f"{s // 3600} jam lalu", f"{s // 3600} h ago")
        return self.time(ts)

    def minutes(self, m: float | None) -> str:
        if m is None:
            return "-"
        m = int(round(m))
        if m < 60:
            return self.t(f"{m} menit", f"{m} min")
        h, m = divmod(m, 60)
        if h < 24:
            return self.t(f"{h} jam {m} menit", f"{h} h {m} min")
        d, h = divmod(h, 24)
        return self.t(f"{d} hari {h} jam", f"{d} d {h} h")

    def rupiah(self, amount: float | None) -> str:
        """``Rp 12.500`` (in English mode ``Rp 12,500``)."""
        return "-" if amount is None else "Rp " + group_digits(amount, self.t.code)

    def num(self, n: float | None) -> str:
        """A whole number grouped as the reader's language writes it: ``2.774`` in Bahasa, ``2,774`` in English."""
        return "-" if n is None else group_digits(n, self.t.code)

    def pct(self, value: float | None) -> str:
        """A share done: ``12,5%`` in Bahasa (a comma is the decimal sign), ``12.5%`` in English; ``40%`` when whole."""
        if value is None:
            return "-"
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
        return (text if self.t.code == "en" else text.replace(".", ",")) + "%"

    def actor(self, actor: str | None) -> str:
        """Who did something, as a name: ``web:staf`` -> ``staf``; the daemon, the panel, a token in words.

        The store keeps where an action came from (``web:``, ``cli:``, ``api:``) for the audit trail; a
        staffer reads the person ("Dibuat oleh staf"), and the machine actors as what they are.
        """
        actor = (actor or "").strip()
        if not actor:
            return "-"
        pair = ACTOR_WORDS.get(actor)
        if pair:
            return self.t(*pair)
        where, _, name = actor.partition(":")
        if not name:
            return actor
        if where == "api":
            return self.t(f"sistem “{name}” (token API)", f"system “{name}” (API token)")
        if where == "cli":
            return self.t(f"{name} (di kotak Siaran)", f"{name} (on the Siaran box)")
        return name

    def state(self, state: str | None) -> str:
        if not state:
            return "-"
        pair = STATE_LABELS.get(state)
        return self.t(*pair) if pair else state

    def lamp(self, led: str, pattern: str) -> str:
        """A panel lamp as the box names it, its pattern and what that shows: ``KIRIM: kedip cepat — pesan sedang dikirim``."""
        name = self.t(*LAMP_NAMES[led]) if led in LAMP_NAMES else led
        shown = self.t(*LAMP_PATTERNS[pattern]) if pattern in LAMP_PATTERNS else pattern
        meaning = LAMP_MEANINGS.get((led, pattern))
        return f"{name}: {shown}" + (f" — {self.t(*meaning)}" if meaning else "")

    def registration(self, text: str | None) -> str:
        """``cs=home,ps=searching`` (the modems row) in words: the best state of any domain, since SMS needs one."""
        states = [part.partition("=")[2].strip() for part in (text or "").split(",") if "=" in part]
        for names, pair in REGISTRATION_WORDS:
            if any(state in names for state in states):
                return self.t(*pair)
        return self.t("tidak diketahui", "unknown") if states or text else "-"

    def state_hint(self, state: str | None) -> str:
        """What a modem ``state`` means, in the reader's language ("" when it needs no explaining)."""
        pair = STATE_HINTS.get(state or "")
        return self.t(*pair) if pair else ""

    def role(self, role: str) -> str:
        pair = ROLE_LABELS.get(role)
        return self.t(*pair) if pair else role

    @staticmethod
    def masked(number: str | None) -> str:
        return mask_number(number) if number else "-"

    @staticmethod
    def national(number: str | None) -> str:
        """``+6281200007890`` as an office writes it: ``081200007890``."""
        return national(number) if number else "-"


def page(name: str, **values: Any) -> str:
    """Render ``views/<name>.tpl`` with the request's common values (user, language, CSRF, formats)."""
    common = bottle.request.environ.get("siaran.view", {})
    return bottle.template(name, template_lookup=LOOKUP, **{**common, **values})


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)
