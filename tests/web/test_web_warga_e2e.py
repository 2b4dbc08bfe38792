"""SMS Warga end to end in real headless Chromium, on emulated modems and the real daemon: a consent-request
campaign composed on the page and the residents' answers (YA, SETUJU, silence), the consent policy of an
audience, and the pending number changes page (approve one, reject one) with the SMS each puts on the wire."""

from __future__ import annotations

import json

from browser import Page
from test_web_e2e import ADMIN_PW, CAMAT_PW, add_user, appliance, browser, first_run, login, logout  # noqa: F401

from firmware.people import keyword_store as ks
from firmware.queue.store import Store

ANI, BUDI, CICI, DEDI, NEW_DEDI, NEW_ANI = (f"+62812000020{i:02d}" for i in range(1, 7))
REQUEST = ("Yth. {nama}: Balas YA bila bersedia menerima informasi dari Kelurahan Sukajadi lewat SMS ini. "
           "Balas BERHENTI bila tidak bersedia.")


def _contacts(web) -> None:
    with Store.in_state_dir(web.config.state_dir) as s:
        now = s.clock()
        with s.tx() as c:
            for number, name in ((ANI, "Ibu Ani"), (BUDI, "Pak Budi"), (CICI, "Bu Cici"), (DEDI, "Pak Dedi")):
                c.execute("INSERT INTO contacts (number, name, desa, rt, rw, role, created_at, updated_at)"
                          " VALUES (?,?,?,?,?,?,?,?)", (number, name, "Sukajadi", "03", "05", "Ketua RT", now, now))


def _wire(tmp_path, number) -> list[str]:
    out = []
    for log in tmp_path.glob("*.jsonl"):
        out += [r["text"] for r in map(json.loads, log.read_text().splitlines()) if r["number"] == number]
    return out


def _national(number: str) -> str:
    return "0" + number[3:]


def test_consent_request_answers_and_number_changes_in_chromium(appliance, browser, tmp_path):
    web, emus = appliance
    p = Page(browser, web.url)
    first_run(p)
    add_user(p, "lurah", "approver", CAMAT_PW)
    _contacts(web)

    # -- the consent request, composed on the page, goes out to the four contacts ------------------
    p.open("/compose")
    p.choose("select#audience", value="@semua")
    p.type("textarea#text", REQUEST)
    p.wait_for(lambda: "GSM-7" in p.css("#preview").text, 15, "the live preview")
    p.type("#compose input[name=name]", "Minta persetujuan RW 05")
    p.css("#compose button[value=send]").click()
    p.wait_for(lambda: all(_wire(tmp_path, n) for n in (ANI, BUDI, CICI, DEDI)), 30, "the request on the wire")

    # -- the residents answer: two consents, one number change, one says nothing -------------------
    emus[0].inject_incoming(_national(ANI), "Ya.")
    emus[1].inject_incoming(_national(BUDI), "SETUJU!")
    emus[0].inject_incoming(_national(DEDI), "ganti " + _national(NEW_DEDI))
    p.wait_for(lambda: len(_wire(tmp_path, ANI)) == 2 and len(_wire(tmp_path, BUDI)) == 2
               and _wire(tmp_path, NEW_DEDI), 30, "the automatic replies on the wire")
    assert "persetujuan Anda" in _wire(tmp_path, ANI)[1] and "Balas YA" in _wire(tmp_path, NEW_DEDI)[0]
    emus[0].inject_incoming(_national(ANI), "GANTI " + _national(NEW_ANI))
    p.wait_for(lambda: _wire(tmp_path, NEW_ANI), 30, "the second confirmation request")

    # -- the SMS Warga page: consents with the campaign they answered, the one who never answered --
    p.open("/warga")
    consents = p.css("#consent-list").text
    assert "Ibu Ani" in consents and "Pak Budi" in consents and "Minta persetujuan RW 05" in consents
    assert "1 kontak" in p.css("#silent-total").text
    assert "Bu Cici" in p.css("#silent-list").text and "Pak Budi" not in p.css("#silent-list").text
    assert "DAFTAR" in p.css("#keyword-help").text  # the help says what residents can text

    # -- an audience with the consent policy counts only the two who said YA -----------------------
    p.open("/audiences")
    p.type("#audience-form input[name=desa]", "Sukajadi")
    p.wait_for(lambda: "4 kontak akan dikirimi" in p.css("#audience-count").text, 10, "the live count of everyone")
    p.click("#audience-form input[name=consent_only]")
    p.wait_for(lambda: "2 kontak akan dikirimi" in p.css("#audience-count").text
               and "hanya nomor yang setuju" in p.css("#audience-count").text, 10,
               "the live count of the consented")
    logout(p)

    # -- the approver approves Dedi's change and rejects Ani's -------------------------------------
    login(p, "lurah", CAMAT_PW)
    p.open("/warga")
    with Store.in_state_dir(web.config.state_dir) as s:
        by_old = {r["old_number"]: r["id"] for r in ks.changes(s, pending=True)}
    assert set(by_old) == {ANI, DEDI}
    rows = p.css("#pending-changes").text
    assert _national(NEW_DEDI) in rows and "Pak Dedi" in rows
    p.css(f"form[action='/warga/changes/{by_old[DEDI]}/approve'] button").click()
    p.wait_text("Ganti nomor disetujui")
    p.css(f"form[action='/warga/changes/{by_old[ANI]}/reject'] button").click()
    p.wait_text("Ganti nomor ditolak")
    assert "Tidak ada permintaan yang menunggu" in p.css("#changes").text
    p.click("#changes details summary")
    history = p.css("#settled-changes").text
    assert "disetujui kantor" in history and "ditolak" in history
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT name FROM contacts WHERE number = ?", (NEW_DEDI,)).fetchone()[0] == "Pak Dedi"
        assert s.conn.execute("SELECT name FROM contacts WHERE number = ?", (ANI,)).fetchone()[0] == "Ibu Ani"
    p.wait_for(lambda: any("kini menerima info" in t for t in _wire(tmp_path, NEW_DEDI)), 30,
               "the approval notice on the wire")
    assert len(_wire(tmp_path, NEW_ANI)) == 1  # the rejected change sends nothing more
