"""End to end in real headless Chromium (issue 14 §2, several dinas on one box).

The first-run admin makes two units on the Units page (Diskominfo; Damkar with a signature and a monthly
quota) and four accounts on the Users page, each in a unit. Diskominfo's operator sends a campaign that
needs approval; Damkar's operator neither sees it in the list nor opens it by its address; Damkar's preview
counts the unit's signature (it pushes the text into a second SMS) and shows the quota left; Diskominfo's
approver does not get Damkar's campaign to approve, Damkar's approver does; the admin downloads the monthly
report per unit as CSV. Contacts go into the store directly (fake numbers 0812-0000-4xxx).
"""

from __future__ import annotations

import csv
import io

from browser import Page
from test_web_e2e import browser, first_run, login, logout  # noqa: F401 (browser: a fixture)

from firmware.people import audience
from firmware.people.audience import Audience
from firmware.queue.store import Store
from test_web_campaigns import add_people

PW = {"dina": "dina-rahasia-123", "dodi": "dodi-rahasia-123", "fajar": "fajar-rahasia-123",
      "feri": "feri-rahasia-123"}


def add_unit(p: Page, name: str, signature: str = "", quota: str = "") -> None:
    form = "form[action='/units']"
    p.open("/units")
    p.type(f"{form} input[name=name]", name)
    if signature:
        p.type(f"{form} input[name=signature]", signature)
    if quota:
        p.type(f"{form} input[name=monthly_quota]", quota)
    p.css(f"{form} button.primary").click()
    p.wait_for(lambda: p.all(f"tr[data-unit='{name}']"), 10, f"unit {name} listed")


def add_user(p: Page, username: str, role: str, unit: str) -> None:
    form = "form[action='/users']"
    p.open("/users")
    p.type(f"{form} input[name=username]", username)
    p.choose(f"{form} select[name=role]", value=role)
    p.choose(f"{form} select[name=unit]", text=unit)
    p.type(f"{form} input[name=password]", PW[username])
    p.css(f"{form} button.primary").click()
    p.wait_for(lambda: p.all(f"tr[data-user='{username}']"), 10, f"user {username} listed")


def compose(p: Page, name: str, text: str) -> None:
    p.open("/compose")
    p.choose("select#audience", value="sukajadi")
    p.type("textarea#text", text)
    p.wait_for(lambda: p.all("#preview [data-preview=ok]"), 15, "the live preview")
    p.type("#compose input[name=name]", name)


def test_two_units_share_the_box(web, browser):
    p = Page(browser, web.url)
    first_run(p)
    with Store.in_state_dir(web.config.state_dir) as s:
        add_people(s, 12, start=400)
        audience.save(s, "sukajadi", Audience.build(desa="Sukajadi"), "test")
        s.set_setting("approval_threshold", 5, by="test")

    # -- the admin: two units, four accounts ----------------------------------------------------------------
    add_unit(p, "Diskominfo")
    add_unit(p, "Damkar", signature="-Damkar Kota Bandung", quota="500")
    add_user(p, "dina", "operator", "Diskominfo")
    add_user(p, "dodi", "approver", "Diskominfo")
    add_user(p, "fajar", "operator", "Damkar")
    add_user(p, "feri", "approver", "Damkar")
    logout(p)

    # -- Diskominfo's operator sends a campaign; it waits for approval -------------------------------------
    login(p, "dina", PW["dina"])
    compose(p, "Info vaksin Kominfo", "Vaksinasi gratis Sabtu pagi di balai RW, {nama}.")
    p.css("#compose button[value=send]").click()
    p.wait_text("persetujuan")
    with Store.in_state_dir(web.config.state_dir) as s:
        kominfo = s.conn.execute("SELECT id FROM campaigns WHERE name = 'Info vaksin Kominfo'").fetchone()[0]
    logout(p)

    # -- Damkar's operator: not in the list, not by its address ---------------------------------------------
    login(p, "fajar", PW["fajar"])
    p.open("/campaigns")
    assert "Info vaksin Kominfo" not in p.text
    p.open(f"/campaigns/{kominfo}")
    assert "Halaman tidak ditemukan" in p.text and "Info vaksin Kominfo" not in p.text
    p.open(f"/campaigns/{kominfo}/report.csv")
    assert not list(browser.downloads.glob("*.csv"))

    # -- Damkar's preview counts its signature and shows the quota ------------------------------------------
    text = "Latihan evakuasi kebakaran Sabtu pukul 08.00 di lapangan RW 01. Bawa masker dan ikuti arahan petugas. " \
           "Mohon sampaikan kepada warga di lingkungan Bapak/Ibu."  # 155 characters: one SMS without signature
    assert len(text) == 155
    compose(p, "Latihan evakuasi", text)
    preview = p.css("#preview")
    p.wait_for(lambda: "-Damkar Kota Bandung" in preview.text, 10, "the signature in the preview")
    assert p.css("#preview [data-preview=ok]").get_attribute("data-segments") == "24"  # 12 recipients x 2 SMS
    assert p.css("#preview [data-quota-left]").get_attribute("data-quota-left") == "500"
    p.css("#compose button[value=send]").click()
    p.wait_text("persetujuan")
    with Store.in_state_dir(web.config.state_dir) as s:
        damkar = s.conn.execute("SELECT id FROM campaigns WHERE name = 'Latihan evakuasi'").fetchone()[0]
    p.open("/campaigns")
    assert "Latihan evakuasi" in p.text and "Info vaksin Kominfo" not in p.text
    logout(p)

    # -- approval within the unit ---------------------------------------------------------------------------
    login(p, "dodi", PW["dodi"])
    p.open("/approvals")
    p.wait_text("Info vaksin Kominfo")
    assert "Latihan evakuasi" not in p.text
    logout(p)
    login(p, "feri", PW["feri"])
    p.open("/approvals")
    p.wait_text("Latihan evakuasi")
    assert "Info vaksin Kominfo" not in p.text
    p.css(f"form[action='/approvals/{damkar}/approve'] button").click()
    p.accept_confirm()
    p.wait_text("Disetujui")
    with Store.in_state_dir(web.config.state_dir) as s:
        row = s.conn.execute("SELECT state, approved_by FROM campaigns WHERE id = ?", (damkar,)).fetchone()
        assert tuple(row) == ("running", "feri")
        texts = {r[0] for r in s.conn.execute("SELECT text FROM messages WHERE campaign_id = ?", (damkar,))}
        assert texts == {text + " -Damkar Kota Bandung"}
    logout(p)

    # -- the admin: the monthly report per unit as CSV ------------------------------------------------------
    login(p, "admin", "admin-rahasia-123")
    p.open("/units/report")
    p.wait_for(lambda: p.all("tr[data-unit='Damkar']"), 10, "the report table")
    p.click("#unit-report-csv")
    report = p.wait_for(lambda: [f for f in browser.downloads.glob("laporan-unit-*.csv")], 20, "the CSV")[0]
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")}
    assert set(rows) == {"Kantor", "Diskominfo", "Damkar"}
    assert (rows["Damkar"]["pesan"], rows["Damkar"]["kuota"], rows["Damkar"]["kuota_terpakai"]) == ("12", "500", "24")
    assert rows["Diskominfo"]["pesan"] == "0"  # still awaiting approval: nothing queued
