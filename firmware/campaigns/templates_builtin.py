"""Ready Bahasa Indonesia templates Siaran ships, and their installation into ``templates``.

Placeholders ``{nama}``, ``{jabatan}``, ``{rt}``, ``{rw}``, ``{desa}``,
``{dusun}`` are filled per recipient (with a fallback when the contact's
field is empty, see :mod:`firmware.campaigns.campaign`).  Every wilayah placeholder
sits in an optional phrase (``[ di RW {rw}]``, ``[ RT {rt}/RW {rw}|RW {rw}|RT {rt}]``):
a contact without an RW gets no "di RW setempat", only what is known.  Blanks only the office can
know (a date, a place) are written ``[[tanggal]]``, ``[[tempat]]`` ...: they
must be filled (``--fill tanggal="Sabtu, 12 Juli"``) before a campaign can be
created, so a half-edited template is never sent.

The disaster warnings need no blanks (in an emergency nobody should have to
edit anything) and fit one SMS for usual names of role, RW and desa: a
single part arrives whole and goes out twice as fast.  Texts avoid what Indonesian operators' spam filters look at
(links, long numbers, words like "kode", "nomor", "selamat", "dana"): the
campaign preview warns about those, and a shipped template gets no warning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinTemplate:
    name: str
    category: str
    text: str


BUILTIN: tuple[BuiltinTemplate, ...] = (
    BuiltinTemplate(
        "peringatan-banjir", "bencana",
        "AWAS BANJIR[ di RW {rw} {desa}| di RW {rw}| di {desa}]! Yth. {jabatan}: air sungai naik. Matikan listrik, amankan surat "
        "penting, ajak warga mengungsi ke tempat tinggi. Darurat 112 -BPBD",
    ),
    BuiltinTemplate(
        "peringatan-longsor", "bencana",
        "AWAS LONGSOR[ di RW {rw} {desa}| di RW {rw}| di {desa}]! Yth. {jabatan}: hujan lebat, rawan longsor. Ajak warga jauhi "
        "lereng/tebing, mengungsi ke tempat aman. Darurat 112. -BPBD",
    ),
    BuiltinTemplate(
        "imunisasi", "kesehatan",
        "Yth. {nama}, warga[ RT {rt}/RW {rw}| RW {rw}| RT {rt}][ {desa}]: imunisasi anak gratis di Posyandu [[tempat]], "
        "[[tanggal]] pukul [[jam]]. Bawa buku KIA. Lindungi anak dari campak, polio dan difteri. -Puskesmas",
    ),
    BuiltinTemplate(
        "covid19-3m", "kesehatan",
        "Yth. {nama}[ ({jabatan})][ {desa}]: cegah Covid-19 dengan 3M: Memakai masker, Mencuci tangan pakai sabun, "
        "Menjaga jarak. Bila demam, batuk atau sesak, periksa ke Puskesmas. "
        "Mohon diteruskan ke warga[ RT {rt}/RW {rw}| RW {rw}| RT {rt}]. -Satgas",
    ),
    BuiltinTemplate(
        "pengingat-pbb", "pajak",
        "Yth. {nama}, warga[ RT {rt}/RW {rw}| RW {rw}| RT {rt}][ {desa}]: pengingat pembayaran PBB-P2 tahun [[tahun]], "
        "jatuh tempo [[tanggal]]. Bayar di [[tempat]] agar tidak kena denda. Terima kasih. -Bapenda",
    ),
    BuiltinTemplate(
        # A consent-request campaign (firmware.people.keywords): the answers YA/SETUJU are recorded as consent,
        # and the SMS Warga page lists who never answered.
        "minta-persetujuan", "persetujuan",
        "Yth. {nama}[ ({jabatan})]: Balas YA bila bersedia menerima informasi dari [[pengirim]] lewat SMS "
        "ini. Balas BERHENTI bila tidak bersedia.",
    ),
    BuiltinTemplate(
        "undangan-acara", "undangan",
        "Yth. {nama}[ ({jabatan})], dengan hormat kami mengundang Bapak/Ibu hadir pada [[acara]], "
        "[[tanggal]] pukul [[jam]] di [[tempat]]. Atas kehadirannya kami ucapkan terima kasih. -[[pengundang]]",
    ),
)


def install(store) -> dict[str, int]:
    """Put the shipped templates into ``templates``; idempotent.

    A missing one is added, a shipped one whose text changed in a new
    release is updated; a template an office made itself (``builtin = 0``)
    under the same name is left alone.  Returns ``{"installed": n, "updated": n}``.
    """
    now = store.clock()
    installed = updated = 0
    with store.tx() as c:
        for t in BUILTIN:
            row = c.execute("SELECT builtin, text, category FROM templates WHERE name = ?", (t.name,)).fetchone()
            if row is None:
                c.execute("INSERT INTO templates (name, category, text, builtin, created_at) VALUES (?,?,?,1,?)",
                          (t.name, t.category, t.text, now))
                installed += 1
            elif row["builtin"] and (row["text"] != t.text or row["category"] != t.category):
                c.execute("UPDATE templates SET text = ?, category = ? WHERE name = ?", (t.text, t.category, t.name))
                updated += 1
    return {"installed": installed, "updated": updated}
