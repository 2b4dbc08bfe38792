"""Issue 10, plain Bahasa: how the page words registrations, numbers and actors in both languages."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest


@pytest.mark.parametrize("raw, id_text, en_text", [
    ("cs=home,ps=home", "terhubung ke jaringan operator", "connected to the operator's network"),
    ("cs=searching,eps=roaming", "terhubung lewat jaringan operator lain (roaming)",
     "connected through another operator (roaming)"),
    ("cs=searching", "sedang mencari sinyal", "searching for a signal"),
    ("cs=denied", "ditolak jaringan: periksa SIM (masih aktif? sudah registrasi?)",
     "refused by the network: check the SIM (still active? registered?)"),
    ("cs=stat_42", "tidak diketahui", "unknown"),
    ("", "-", "-"),
])
def test_a_modems_registration_reads_in_words(raw, id_text, en_text):
    """Issue 10: "cs=home,ps=home" explained in words (the best domain counts: SMS needs only one)."""
    from web.render import Formats, Lang

    assert Formats(Lang("id")).registration(raw) == id_text
    assert Formats(Lang("en")).registration(raw) == en_text


def test_numbers_and_actors_read_in_the_pages_language():
    """Issue 10: English mode groups 2,774 (Bahasa 2.774); actors are names, machines in words."""
    from web.render import Formats, Lang

    id_, en = Formats(Lang("id")), Formats(Lang("en"))
    assert (id_.num(2774), en.num(2774), id_.num(1234567), en.num(1234567)) == ("2.774", "2,774", "1.234.567",
                                                                                 "1,234,567")
    assert (id_.rupiah(12500), en.rupiah(12500), en.num(None)) == ("Rp 12.500", "Rp 12,500", "-")
    assert [id_.actor(a) for a in ("web:staf", "cli:ani", "api:BPBD EWS", "daemon", "panel", "web:-", None)] == [
        "staf", "ani (di kotak Siaran)", "sistem “BPBD EWS” (token API)", "Siaran (otomatis)",
        "tombol di kotak Siaran", "seseorang yang belum masuk", "-"]
    assert en.actor("daemon") == "Siaran (automatic)" and en.actor("web:staf") == "staf"


GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
PAGES = ("/", "/contacts", "/import", "/audiences", "/compose", "/campaigns", "/approvals", "/inbox", "/warga", "/modems",
         "/settings", "/users", "/account", "/audit", "/audit/verify", "/tokens")


def never_on_a_page() -> list[str]:
    """The phrases listed under "Never on a page" in docs/glossary.md."""
    text = GLOSSARY.read_text(encoding="utf-8").split("## Never on a page", 1)[1]
    return re.findall(r"^- `([^`]+)`", text, re.M)


def visible_text(page: str) -> str:
    """What a reader sees without opening anything: no tags, no tooltips, no "Rincian" record, no scripts."""
    page = re.sub(r"<details>.*?</details>|<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_page_shows_a_phrase_the_glossary_retired(web, admin):
    """Issue 10: every page in both languages, with a hold on, a modem, an import and audit entries to show."""
    from firmware.people import audience
    from firmware.campaigns import campaign as campaigns
    from firmware.people import contacts as contacts_mod
    from firmware.people.importer import from_records
    from firmware.queue.store import Store

    phrases = never_on_a_page()
    assert "Jenis huruf" in phrases and "cs=home" in phrases and len(phrases) >= 8
    with Store.in_state_dir(web.config.state_dir) as s:
        s.upsert_modem("sim800", port="/dev/ttyS0", state="ready", registration="cs=home,ps=home")
        rows = [{"nama": f"Warga {i}", "no_hp": f"0812-0000-{7100 + i:04d}"} for i in range(3)]
        contacts_mod.commit_import(s, contacts_mod.plan_import(s, from_records(rows)), source="cli",
                                   file_name="warga.csv", file_hash=None, actor="cli:demo")
        s.set_hold(True, reason="Pilkada", by="web:admin")
        audience.save(s, "semua", audience.Audience(everyone=True), "web:admin")
        campaign = campaigns.create(s, "Rapat warga", "Rapat warga besok jam 19.00, {nama}.", "semua",
                                    actor="web:admin")
        campaigns.submit(s, campaign, "web:admin")
    for lang in ("id", "en"):
        admin.get(f"/lang/{lang}")
        for path in (*PAGES, f"/campaigns/{campaign}"):
            r = admin.get(path)
            assert r.status == 200, path
            seen = visible_text(r.text)
            assert not [p for p in phrases if p in seen], (lang, path, [p for p in phrases if p in seen])
            assert not ISO_TIME.search(seen), (lang, path, ISO_TIME.search(seen).group(0))  # one date format
        admin.get("/compose")
        r = admin.post("/compose/preview", {"audience": "semua", "text": "Rapat besok, {nama}."})
        assert r.status == 200 and "Perkiraan waktu kirim" in r.text or "Estimated sending time" in r.text
        assert not ISO_TIME.search(visible_text(r.text)), ISO_TIME.search(visible_text(r.text)).group(0)
    admin.get("/lang/id")


def test_one_date_format_for_unix_and_iso_times():
    """Issue 10: ``05-12-2026 15:04 WIB`` everywhere, also for an estimate's ISO ``finish_at``."""
    from datetime import datetime, timezone

    from web.render import Formats, Lang

    fmt = Formats(Lang("id"))
    ts = datetime(2026, 12, 5, 8, 4, tzinfo=timezone.utc).timestamp()
    assert fmt.time(ts) == fmt.time("2026-12-05T15:04+07:00") == "05-12-2026 15:04 WIB"
    assert Formats(Lang("en"), 8.0).time("2026-12-05T15:04+07:00") == "05-12-2026 16:04 WITA"
    assert (fmt.time(None), fmt.time("")) == ("-", "-")


def test_the_approval_line_shows_only_when_it_applies(web, admin):
    """Issue 10: "more than N recipients: needs approval" only for a campaign that is above the threshold."""
    from firmware.people import audience
    from firmware.people import contacts as contacts_mod
    from firmware.people.importer import from_records
    from firmware.queue.store import Store

    with Store.in_state_dir(web.config.state_dir) as s:
        rows = [{"nama": f"Warga {i}", "no_hp": f"0812-0000-{7200 + i:04d}", "rw": "01" if i < 2 else "02"}
                for i in range(5)]
        contacts_mod.commit_import(s, contacts_mod.plan_import(s, from_records(rows)), source="cli",
                                   file_name="warga.csv", file_hash=None, actor="cli:demo")
        s.set_setting("approval_threshold", 3, by="web:admin")
        audience.save(s, "rw01", audience.Audience.build(rw="1"), "web:admin")
        audience.save(s, "semua", audience.Audience(everyone=True), "web:admin")
    line = "perlu persetujuan pengguna lain"
    assert line not in admin.get("/compose").text and "Lebih dari" not in admin.get("/compose").text
    r = admin.post("/compose/preview", {"audience": "rw01", "text": "Rapat RW 01 besok."})
    assert 'data-recipients="2"' in r.text and line not in r.text
    r = admin.post("/compose/preview", {"audience": "semua", "text": "Rapat warga besok."})
    assert 'data-recipients="5"' in r.text and f"Lebih dari 3 penerima: {line}" in r.text


def test_a_bahasa_error_groups_thousands_with_dots(tmp_path):
    """Issue 10: "lebih dari 65.536 karakter" in Bahasa (a comma is the decimal sign there), 65,536 in English."""
    from firmware.errors import group_digits
    from firmware.people.importer import MAX_LINE_CHARS, ImportFileError, read_rows

    assert (group_digits(65536), group_digits(65536, "en"), group_digits(999)) == ("65.536", "65,536", "999")
    path = tmp_path / "daftar.csv"
    path.write_text("nama;no_hp\n" + "x" * (MAX_LINE_CHARS + 10) + ";081200007890\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        with read_rows(path, path.name) as sheet:
            list(sheet.rows())
    assert "lebih dari 65.536 karakter" in err.value.pesan and "longer than 65,536 characters" in err.value.reason
