"""End to end in real headless Chromium, on the real daemon with two emulated modems: the page tells the truth live.

- A resident's SMS arrives on a modem; the operator answers it from the inbox; the answer goes through the
  queue and out on a modem's wire (the emulator decodes the PDU), and the inbox shows who handled it.
- Sending DARURAT stops at a confirmation step (recipients, a sample, "bypasses the hold and the send
  window"); only "Ya" sends, and it goes out although the hold is on.
- The campaign page, opened while the campaign waits, reaches "selesai" by itself: state, buttons and rows
  change in place, without a reload.
"""

from __future__ import annotations

from browser import Page
from test_web_e2e import appliance, browser, first_run  # noqa: F401  (shared fixtures: daemon, page, Chromium)

from firmware.people import audience
from firmware.people import contacts
from firmware.people import importer
from firmware.campaigns import campaign as camp_mod
from firmware.people.audience import Audience
from firmware.queue.store import Store


def _people(web, count: int, *, hold: str, desa: str = "Sukamaju") -> str:
    """``count`` contacts of one kelurahan (fake 0812-0000-7xxx numbers), a saved audience of them, and the hold
    on with reason ``hold``."""
    records = [{"number": f"08120000{7000 + i}", "name": f"Ketua RT {i + 1:02d}", "desa": desa, "rw": "01",
                "rt": f"{i + 1:02d}"} for i in range(count)]
    with Store.in_state_dir(web.config.state_dir) as s:
        plan = contacts.plan_import(s, importer.from_records(records))
        contacts.commit_import(s, plan, source="cli", file_name=None, file_hash=None, actor="test")
        audience.save(s, desa, Audience.build(desa=desa), "test")
        s.set_hold(True, reason=hold, by="test")
    return desa


def _wire(emus) -> list[dict]:
    """Every SMS part the emulated network accepted, as decoded from the modems' wire."""
    return [rec for e in emus for rec in list(e.sent)]


def test_reply_from_the_inbox_reaches_the_modem(appliance, browser):  # noqa: F811
    web, emus = appliance
    p = Page(browser, web.url)
    first_run(p)
    emus[0].inject_incoming("+6281200007890", "Pak, kapan posyandu RW 01 buka?")
    p.open("/inbox")
    p.wait_for(lambda: (p.open("/inbox"), "kapan posyandu" in p.text)[1], 30, "the resident's SMS in the inbox",
               every=1.0)
    p.click("a.reply-link")
    p.wait_for(lambda: p.all("#reply-form"), 10, "the reply form")
    answer = "Posyandu RW 01 buka Sabtu pukul 08.00 di balai RW. Terima kasih."
    p.type("#reply-text", answer)
    p.css("#reply-form button.primary").click()
    p.wait_text("Balasan masuk antrean")
    sent = p.wait_for(lambda: [r for r in _wire(emus) if r["text"] == answer], 30, "the reply on a modem's wire",
                      every=0.3)
    assert sent[0]["number"].lstrip("+") in ("6281200007890", "081200007890")
    p.open("/inbox")
    assert "oleh admin" in p.text and "dibalas" in p.text


def test_darurat_asks_first_then_bypasses_the_hold(appliance, browser):  # noqa: F811
    web, emus = appliance
    p = Page(browser, web.url)
    first_run(p)
    name = _people(web, 12, hold="Masa tenang Pilkada")
    p.open("/compose")
    p.choose("select#audience", value=name)
    text = "DARURAT BANJIR: air Sungai Cikapundung naik. Warga RT {rt} segera mengungsi ke balai kelurahan."
    p.type("textarea#text", text)
    p.type("#compose input[name=name]", "Banjir Sukamaju")
    p.click("#compose input[name=emergency]")
    p.css("#compose button[value=send]").click()
    p.wait_for(lambda: p.all("#emergency-confirm"), 15, "the DARURAT confirmation step")
    box = p.css("#emergency-confirm").text
    assert "12 penerima" in box and "PENAHANAN" in box and "Masa tenang Pilkada" in box and "jam kirim" in box
    assert len(p.all("#emergency-sample tbody tr")) == 10 and "Ketua RT 01" in box
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0  # nothing yet
    p.click("#emergency-yes")
    p.wait_for(lambda: "/campaigns/" in p.d.current_url, 15, "the campaign page")
    p.wait_for(lambda: len({r["number"] for r in _wire(emus) if r["text"].startswith("DARURAT BANJIR")}) == 12, 60,
               "all twelve out on the wire while the hold is on", every=0.5)


def test_live_campaign_page_reaches_selesai_without_reload(appliance, browser):  # noqa: F811
    web, emus = appliance
    p = Page(browser, web.url)
    first_run(p)
    name = _people(web, 8, hold="Rapat dulu")  # it waits while the page is opened
    with Store.in_state_dir(web.config.state_dir) as s:
        cid = camp_mod.create(s, "Kerja bakti", "Kerja bakti Minggu pagi di RT {rt}.", name, actor="web:admin")
        camp_mod.submit(s, cid, "web:admin")
    p.open(f"/campaigns/{cid}")
    assert p.css("#live [data-live-state]").get_attribute("data-live-state") == "running"
    assert p.all(f"#live form[action='/campaigns/{cid}/pause']")  # Jeda is offered while it runs
    assert len(p.all("#live tr[data-message]")) == 8 and "antre" in p.css("#live table.recipients").text
    p.d.execute_script("window.siaranNoReload = 1;")  # gone if the page reloads
    with Store.in_state_dir(web.config.state_dir) as s:
        s.set_hold(False, reason=None, by="test")
    p.wait_for(lambda: p.css("#live [data-live-state]").get_attribute("data-live-state") == "done", 60,
               "the page showing the campaign finished", every=0.5)
    assert "selesai" in p.css("#live").text
    assert not p.all(f"#live form[action='/campaigns/{cid}/pause']")  # no Jeda on a finished campaign
    assert not p.all(f"#live form[action='/campaigns/{cid}/cancel']")
    p.wait_for(lambda: p.css("#live table.recipients").text.count("diterima") == 8, 30, "every row delivered",
               every=0.5)
    p.wait_for(lambda: p.css("#live").get_attribute("data-refresh") is None, 15, "the refresh stopped")
    assert p.d.execute_script("return window.siaranNoReload;") == 1  # all of it without a reload
