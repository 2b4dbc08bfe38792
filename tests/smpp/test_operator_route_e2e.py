"""End to end in real headless Chromium: a Blitar-style campaign through the operator route (SMPP) and Jasmin.

Everything is real: Debian's chromium (Selenium + chromium-driver) on the page served by waitress, the daemon
(no modems: the operator route only) with the SMPP worker it starts for the account an admin adds on the
Settings page, Jasmin 0.11.0 with its Redis and RabbitMQ, and the test operator network behind it sending
receipts back. One SQLite file between the page and the daemon.

The job, at 200 residents of Desa Sumberagung instead of a regency's 100,000 (bench/ has the full size):
the admin adds the operator account (its password never shown again), imports the list, composes the notice
on the "Operator (SMPP)" route (the preview prices it at the account's Rp 275 per part), a second person
approves it; the admin holds sending mid-blast (it stops, a resident's BERHENTI arrives meanwhile through
the operator), lifts the hold (it resumes); every message is delivered except to the residents who opted
out (three before, one during), and the report counts the receipts and downloads as CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
import time

import pytest
from browser import Page
from test_web_e2e import (ADMIN_PW, CAMAT_PW, add_user, browser, commit_import, first_run,  # noqa: F401 (fixture)
                          hold_off, hold_on, login, logout, upload_list)
from webtools import WebServer

from firmware.office.config import with_defaults
from firmware.people import demo_data
from firmware.queue.daemon import Daemon
from firmware.queue.store import Store

RESIDENTS = 200
PRICE = 275
NOTICE = "Yth. {nama}, vaksinasi Covid-19 di Balai Desa Sumberagung Sabtu pukul 08.00. Bawa KTP dan KK. -Pemdes"
OPTED_OUT_BEFORE = ("081300002005", "081300002050", "081300002150")


@pytest.fixture
def appliance(tmp_path):
    """The page and the daemon on one state folder, no modems, sending all day."""
    state = tmp_path / "state"
    cfg = dataclasses.replace(with_defaults(str(state), []), window_start="00:00", window_end="24:00")
    web = WebServer(state, config=cfg)
    daemon = Daemon(cfg)
    thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
    thread.start()
    yield web
    daemon.stop()
    thread.join(30)
    web.close()


def digits(number: str) -> str:
    """A number as the operator network records a destination: international digits, no '+'."""
    n = "".join(ch for ch in number if ch.isdigit())
    return "62" + n[1:] if n.startswith("0") else n


def add_operator_account(p: Page, jasmin) -> None:
    """The admin fills in Settings → Akun operator (SMPP) as the provider's letter says."""
    p.open("/settings")
    p.click("a[href='/settings/smpp']")
    p.wait_text("Akun operator (SMPP)")
    form = "#smpp-form"
    for name, value in (("name", "pemkab"), ("host", jasmin.host), ("port", str(jasmin.smpp_port)),
                        ("system_id", jasmin.system_id), ("password", jasmin.password),
                        ("source_addr", "PEMKAB-BLTR"), ("rate", "10"), ("window", "10"),
                        ("price_per_part", str(PRICE))):
        p.type(f"{form} input[name={name}]", value)
    p.css(f"{form} button.primary").click()
    p.wait_text("Akun operator pemkab ditambahkan")


def test_blitar_campaign_through_the_operator_route_in_chromium(appliance, browser, jasmin, network, tmp_path):
    web = appliance
    p = Page(browser, web.url)
    state = web.config.state_dir

    def db() -> Store:
        return Store.in_state_dir(state)

    first_run(p)
    add_user(p, "camat", "approver", CAMAT_PW)

    # -- the operator account: added on the page, the password never shown again ------------------------
    add_operator_account(p, jasmin)
    assert jasmin.password not in browser.page_source
    p.click("a[href='/settings/smpp/pemkab']")
    p.wait_text("Ubah akun")
    assert jasmin.password not in browser.page_source
    assert p.css("#smpp-form input[name=password]").get_attribute("value") == ""
    with db() as s:
        assert jasmin.password not in "".join(r[0] for r in s.conn.execute("SELECT detail FROM audit_log"))

    # -- the dashboard: the account's card, connected -------------------------------------------------------
    p.open("/")
    p.wait_for(lambda: p.all("[data-smpp='pemkab'][data-state='bound']"), 40, "the account connected on the dashboard")

    # -- the residents' list; three asked earlier to get no messages -----------------------------------------
    upload_list(p, demo_data.write_blitar_csv(tmp_path / "warga sumberagung.csv", RESIDENTS))
    commit_import(p)
    with db() as s:
        for number in OPTED_OUT_BEFORE:
            s.add_optout(number, source="test")

    # -- compose on the operator route: the preview prices it at the account's own rate -------------------
    p.open("/compose")
    p.choose("select#audience", value="@semua")
    p.type("textarea#text", NOTICE)
    p.click("input[name=channel][value=smpp]")
    reachable = RESIDENTS - len(OPTED_OUT_BEFORE)
    p.wait_for(lambda: p.all("#preview [data-route-channel='smpp']") and str(reachable) in p.css("#preview").text,
               20, "the preview on the operator route")
    parts = int(p.css("#preview [data-segments]").get_attribute("data-segments"))
    assert parts == reachable  # one plain SMS part each
    assert float(p.css("#preview [data-smpp-cost]").get_attribute("data-smpp-cost")) == parts * PRICE
    assert "Rp 54.175" in p.css("#preview tr[data-route='smpp']").text  # 197 x Rp 275
    p.type("#compose input[name=name]", "Vaksinasi Sumberagung")
    p.css("#compose button[value=send]").click()
    p.wait_text("persetujuan")
    with db() as s:
        camp = s.conn.execute("SELECT id, state, channel FROM campaigns").fetchone()
    assert camp["state"] == "awaiting_approval" and camp["channel"] == "smpp"
    assert network.accepted() == []  # nothing goes before approval
    logout(p)

    # -- a second person approves; it goes out through Jasmin -------------------------------------------------
    login(p, "camat", CAMAT_PW)
    p.open("/approvals")
    p.wait_text("Vaksinasi Sumberagung")
    assert "Rp 54.175" in p.css(f"[data-route='smpp']").text  # the approver sees the operator's price
    p.css(f"form[action='/approvals/{camp['id']}/approve'] button").click()
    p.accept_confirm()
    p.wait_text("Disetujui")  # the approval's answer is on screen: the POST is done
    logout(p)
    network.wait_for(lambda: len(network.accepted()) >= 30, 60, "the blast under way")

    # -- the hold mid-blast: sending stops -----------------------------------------------------------------------
    login(p, "admin", ADMIN_PW)
    hold_on(p, "Masa tenang Pilkada")
    time.sleep(2.0)  # what was on the wire (at most the window) is answered
    held_at = len(network.accepted())
    assert held_at < reachable, "the blast finished before the hold: nothing was tested"
    time.sleep(3.0)
    assert len(network.accepted()) == held_at  # stopped
    with db() as s:
        waiting = [r[0] for r in s.conn.execute(
            "SELECT number FROM messages WHERE campaign_id = ? AND state = 'queued' ORDER BY id DESC", (camp["id"],))]
    assert waiting

    # -- meanwhile a resident replies BERHENTI through the operator ----------------------------------------------
    quitter = waiting[0]
    assert network.inject_mo(digits(quitter), "PEMKAB-BLTR", "BERHENTI") == 0
    with db() as s:
        p.wait_for(lambda: s.is_opted_out(quitter), 30, "the opt-out filed from the operator route")

    # -- lift the hold: sending resumes and finishes --------------------------------------------------------------
    hold_off(p)
    expected = reachable - 1

    def delivered() -> int:
        with db() as s:
            return s.conn.execute("SELECT COUNT(*) FROM messages WHERE campaign_id = ? AND state = 'delivered'",
                                  (camp["id"],)).fetchone()[0]
    p.wait_for(lambda: delivered() == expected, 120, "every message delivered (receipts matched)", every=0.5)

    # -- opted-out residents got nothing of the campaign; nobody got it twice ----------------------------------------
    sent_to = [s.destination_addr for s in network.accepted() if b"Sumberagung" in s.short_message]
    assert len(sent_to) == len(set(sent_to)) == expected
    assert not {digits(n) for n in (*OPTED_OUT_BEFORE, quitter)} & set(sent_to)
    with db() as s:
        states = dict(s.conn.execute("SELECT state, COUNT(*) FROM messages WHERE campaign_id = ? GROUP BY state",
                                     (camp["id"],)).fetchall())
        assert states == {"delivered": expected, "suppressed": 4}
        assert s.unmatched_smpp_receipts() == 0

    # -- the report: delivered counts from the receipts, and the CSV -------------------------------------------------
    p.open(f"/campaigns/{camp['id']}")
    p.wait_for(lambda: "100" in p.css("progress").get_attribute("value"), 30, "the campaign at 100%")
    p.click(f"a[href='/campaigns/{camp['id']}/report.csv']")
    report = p.wait_for(lambda: list(browser.downloads.glob("*.csv")), 20, "the downloaded report")[0]
    rows = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == RESIDENTS + 1
    assert sum("diterima" in r for r in rows[1:]) == expected
    assert sum("berhenti langganan" in r for r in rows[1:]) == 4
    p.open("/")
    assert p.all("[data-smpp='pemkab'][data-state='bound']")
