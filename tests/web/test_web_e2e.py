"""End to end in real headless Chromium: the Bandung job and the hold, on emulated modems and the real daemon.

Everything is real except the radio: Debian's chromium (Selenium + chromium-driver) on the page served by
waitress, the daemon with two emulated modems on pseudo-terminals, one SQLite file between them.

The Bandung job: the first-run admin creates an operator and an approver; the operator imports the RT/RW list
(an .xlsx with five bad rows), targets the two northern kelurahan, composes the landslide warning (63
recipients: above the approval threshold); the approver approves it; it drains on the modems until every
message is delivered; the report downloads as a CSV for Excel. Then the hold: on, the banner shows and a new
campaign waits; off, it goes out.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
import time
from pathlib import Path

import pytest
from browser import Page, chromium
from emutools import booted_emulator
from webtools import WebServer

from firmware.people import demo_data
from firmware.office.config import with_defaults
from firmware.queue.daemon import Daemon
from firmware.queue.store import Store

ADMIN_PW = "admin-rahasia-123"
STAF_PW = "staf-rahasia-123"
CAMAT_PW = "camat-rahasia-123"
LANDSLIDE = ("PERINGATAN LONGSOR untuk {nama}: hujan deras di lereng utara. Periksa retakan tanah di RT {rt}; "
             "bila ada, ungsikan warga ke balai kelurahan. -Kecamatan")




@pytest.fixture
def appliance(tmp_path):
    """Two emulated modems, the daemon and the page on one state folder."""
    state = tmp_path / "state"
    emus = [booted_emulator(tmp_path, model=m, name=m, send_latency=0.01, report_delay=0.2, seed=11,
                            log_name=f"{m}.jsonl") for m in ("sim800", "sim7600")]
    cfg = with_defaults(str(state), [f"{e.port}:{e.config.model}" for e in emus], unthrottled=True)
    cfg = dataclasses.replace(cfg, modems=tuple(dataclasses.replace(m, name=e.config.name, command_gap=0.0)
                                                for m, e in zip(cfg.modems, emus)))
    daemon = Daemon(cfg)
    thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
    thread.start()
    web = WebServer(state, config=cfg)
    yield web, emus
    web.close()
    daemon.stop()
    thread.join(20)
    for e in emus:
        e.stop()


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = chromium(downloads)
    d.downloads = downloads
    yield d
    d.quit()


def login(p: Page, username: str, password: str) -> None:
    p.open("/login")
    p.type("input[name=username]", username)
    p.type("input[name=password]", password)
    p.css("form[action='/login'] button").click()
    p.wait_for(lambda: "/login" not in p.d.current_url, 10, f"{username} logged in")


def logout(p: Page) -> None:
    p.wait_for(lambda: p.all("form[action='/logout'] button"), 20, "a page with its logout button")
    p.css("form[action='/logout'] button").click()
    p.wait_for(lambda: "/login" in p.d.current_url, 10, "logged out")


def first_run(p: Page, username: str = "admin", password: str = ADMIN_PW) -> None:
    """The first visit: the page asks for the admin account, then shows the dashboard."""
    p.open("/")
    p.wait_text("Buat akun admin pertama")
    p.type("input[name=username]", username)
    p.type("input[name=password]", password)
    p.type("input[name=password2]", password)
    p.css("form[action='/setup'] button").click()
    p.wait_text("Dasbor")


def add_user(p: Page, username: str, role: str, password: str) -> None:
    """An admin adds an account on the Users page."""
    form = "form[action='/users']"
    p.open("/users")
    p.type(f"{form} input[name=username]", username)
    p.choose(f"{form} select[name=role]", value=role)
    p.type(f"{form} input[name=password]", password)
    p.css(f"{form} button.primary").click()
    p.wait_text(username)


def upload_list(p: Page, path: Path) -> None:
    """Import wizard steps 1-2: upload the file and wait for the preview (not yet saved)."""
    p.open("/import")
    p.css("input[type=file][name=file]").send_keys(str(path))
    p.css("#import-form button.primary").click()
    p.wait_for(lambda: p.all("#import-commit"), 20, "the import preview")


def commit_import(p: Page) -> None:
    """Import wizard step 3: save, back on the contact list."""
    p.css("#import-commit button").click()
    p.wait_for(lambda: "/contacts" in p.d.current_url, 20, "back on the contact list")


def hold_on(p: Page, reason: str) -> None:
    """An admin holds all sending on the Settings page (with its confirmation) until the banner shows."""
    p.open("/settings")
    p.type("input[name=reason][required]", reason)
    p.css("input[name=reason][required]").submit()
    p.accept_confirm()
    p.wait_text("PENGIRIMAN DITAHAN")


def hold_off(p: Page) -> None:
    """An admin lifts the hold on the Settings page until the banner is gone."""
    p.open("/settings")
    p.css("form[action='/hold'] input[name=reason]:not([required])").submit()
    p.accept_confirm()
    p.wait_for(lambda: "PENGIRIMAN DITAHAN" not in p.text, 10, "the banner gone")


def save_audience(p: Page, name: str) -> None:
    p.type("#audience-form input[name=name]", name)
    p.css("#audience-form button.primary").click()
    p.wait_text(name)


def test_bandung_job_in_chromium(appliance, browser, tmp_path):
    web, emus = appliance
    p = Page(browser, web.url)
    xlsx = demo_data.write_bandung_xlsx(tmp_path / "Data RT RW Cidadap.xlsx")
    north = demo_data.bandung_north_count()

    # -- first run: the page asks for the admin account ------------------------------------------
    first_run(p)
    p.wait_for(lambda: len(p.all("[data-modem]")) == 2, 30, "both modems on the dashboard")

    # -- the admin adds an operator and an approver -----------------------------------------------
    add_user(p, "staf", "operator", STAF_PW)
    add_user(p, "camat", "approver", CAMAT_PW)
    logout(p)

    # -- the operator imports the list: five rows rejected, with reasons ---------------------------
    login(p, "staf", STAF_PW)
    upload_list(p, xlsx)
    page_text = p.text
    assert "bukan nomor HP" in page_text and "notasi ilmiah" in page_text  # reasons in Bahasa Indonesia
    assert "5" in page_text
    commit_import(p)
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == len(demo_data.bandung_rows())

    # -- an audience: the two northern kelurahan, with a live count -------------------------------
    p.open("/audiences")
    p.type("#audience-form input[name=desa]", ", ".join(demo_data.BANDUNG_NORTH))
    p.wait_for(lambda: str(north) in p.css("#audience-count").text, 10, "the live count")
    save_audience(p, "Lereng utara")

    # -- compose: live counter, then send; above the threshold it waits for approval ---------------
    p.open("/compose")
    p.choose("select#audience", value="Lereng utara")
    p.type("textarea#text", LANDSLIDE)
    p.wait_for(lambda: "GSM-7" in p.css("#preview").text and str(north) in p.css("#preview").text, 15,
               "the live preview")
    p.type("#compose input[name=name]", "Peringatan longsor utara")
    p.css("#compose button[value=send]").click()
    p.wait_text("persetujuan")
    with Store.in_state_dir(web.config.state_dir) as s:
        camp = s.conn.execute("SELECT id, state FROM campaigns").fetchone()
    assert camp["state"] == "awaiting_approval"
    logout(p)

    # -- the approver (a second person) approves ------------------------------------------------
    login(p, "camat", CAMAT_PW)
    p.open("/approvals")
    p.wait_text("Peringatan longsor utara")
    p.css(f"form[action='/approvals/{camp['id']}/approve'] button").click()
    p.accept_confirm()
    p.wait_text("Disetujui")  # the approval's answer is on screen: the POST is done

    # -- it drains on the emulated modems until every message is delivered ------------------------
    p.open(f"/campaigns/{camp['id']}")

    def delivered() -> bool:
        with Store.in_state_dir(web.config.state_dir) as s:
            return s.conn.execute("SELECT COUNT(*) FROM messages WHERE campaign_id = ? AND state = 'delivered'",
                                  (camp["id"],)).fetchone()[0] == north
    p.wait_for(delivered, 90, "every message delivered", every=0.5)
    p.wait_for(lambda: "100" in p.css("progress").get_attribute("value"), 15, "the live progress bar at 100%")
    with Store.in_state_dir(web.config.state_dir) as s:
        parts = s.conn.execute("SELECT COUNT(*) FROM message_parts p JOIN messages m ON m.id = p.message_id"
                               " WHERE m.campaign_id = ?", (camp["id"],)).fetchone()[0]
    assert parts >= north and sum(e.sent_count for e in emus) == parts  # every part went through a modem
    assert all(e.sent_count > 0 for e in emus)  # both modems shared the work

    # -- the report downloads as a CSV that Excel opens -------------------------------------------
    p.click(f"a[href='/campaigns/{camp['id']}/report.csv']")
    report = p.wait_for(lambda: [f for f in browser.downloads.glob("*.csv")], 20, "the downloaded report")[0]
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == north + 1 and sum("diterima" in r for r in rows[1:]) == north
    logout(p)

    # -- the hold: on (banner, nothing goes out), off (it goes out) -------------------------------
    login(p, "admin", ADMIN_PW)
    hold_on(p, "Masa tenang Pemilu")
    p.open("/")
    assert "Masa tenang Pemilu" in p.css("#hold-banner").text
    with Store.in_state_dir(web.config.state_dir) as s:
        s.enqueue(["+6281200001001"], "Undangan rapat RT", created_by="test")
    time.sleep(1.5)
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.queue_counts().get("queued") == 1  # held
    hold_off(p)

    def out() -> bool:
        with Store.in_state_dir(web.config.state_dir) as s:
            return not s.queue_counts().get("queued")
    p.wait_for(out, 30, "the held message sent after the hold is lifted", every=0.5)


def test_blitar_job_in_chromium(appliance, browser, tmp_path):
    """A Covid-19 notice to everyone on a Blitar list, from a ready template, with a second person approving."""
    web, emus = appliance
    p = Page(browser, web.url)
    csv_file = demo_data.write_blitar_csv(tmp_path / "warga sumberagung.csv")
    everyone = len(demo_data.blitar_rows())
    first_run(p)
    add_user(p, "camat", "approver", CAMAT_PW)
    upload_list(p, csv_file)
    commit_import(p)

    p.open("/audiences")
    p.click("#audience-form input[name=everyone]")
    p.wait_for(lambda: str(everyone) in p.css("#audience-count").text, 10, "the live count of everyone")
    save_audience(p, "Semua warga")

    p.open("/compose")
    p.choose("select#audience", value="Semua warga")
    p.click("details.templates summary")
    covid = next(li for li in p.all("ul.template-list li") if "covid" in li.text.lower())
    covid.find_element("css selector", "button[data-use-text]").click()
    p.wait_for(lambda: "Covid-19" in p.css("textarea#text").get_attribute("value"), 5, "the template in the box")
    p.wait_for(lambda: str(everyone) in p.css("#preview").text, 15, "the live preview")
    p.type("#compose input[name=name]", "Covid-19 3M Sumberagung")
    p.css("#compose button[value=send]").click()
    p.wait_text("persetujuan")
    logout(p)

    login(p, "camat", CAMAT_PW)
    p.open("/approvals")
    p.wait_text("Covid-19 3M Sumberagung")
    p.css("form[action^='/approvals/'][action$='/approve'] button").click()
    p.accept_confirm()
    p.wait_text("Disetujui")  # the approval's answer is on screen: the POST is done

    def delivered() -> bool:
        with Store.in_state_dir(web.config.state_dir) as s:
            return s.conn.execute("SELECT COUNT(*) FROM messages WHERE state = 'delivered'").fetchone()[0] == everyone
    p.wait_for(delivered, 90, "every resident's message delivered", every=0.5)
    with Store.in_state_dir(web.config.state_dir) as s:
        texts = [r[0] for r in s.conn.execute("SELECT text FROM messages LIMIT 3")]
    assert all("{nama}" not in t and "Sumberagung" in t for t in texts)  # placeholders filled per person


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(tmp_path, browser):
    """Over 20 MB the server can only drop the connection mid-body (a broken page): the form says so first."""
    web = WebServer(tmp_path / "state")
    try:
        p = Page(browser, web.url)
        first_run(p)
        big = tmp_path / "daftar-besar.csv"
        with big.open("wb") as f:
            f.truncate(21 * 1024 * 1024)
        p.open("/import")
        p.css("input[type=file][name=file]").send_keys(str(big))
        message = browser.execute_script("return document.querySelector('input[type=file]').validationMessage")
        assert "lebih dari 20 MB" in message
        p.css("#import-form button.primary").click()
        time.sleep(0.5)
        assert p.d.current_url.endswith("/import") and not p.all("#import-commit")
        assert not any((tmp_path / "state").rglob("*.upload"))  # nothing reached the box
        # A file within the limit is taken as before.
        small = tmp_path / "daftar.csv"
        small.write_text("Nama,No HP\nAni,081200007890\n")
        p.css("input[type=file][name=file]").send_keys(str(small))
        assert browser.execute_script("return document.querySelector('input[type=file]').validationMessage") == ""
    finally:
        web.close()
