"""Screenshots of every page, desktop (1280 px) and phone (375 px), in headless Chromium, for a wording review.

    /work/venvs/<you>/bin/python bench/screenshots.py OUT_DIR [--english] [--state-dir DIR]

It starts its own demo appliance (``siaran demo``'s pieces: two emulated
modems, the daemon, the page, the demo accounts), fills it as an office would
have it after a morning's work -- the Bandung RT/RW list imported, an audience
for the northern kelurahan, a campaign waiting for approval, the demo's
landslide warning sent, a resident's BERHENTI and question in the inbox, an
API token -- then logs in as admin and visits every page, writing
``NN-page-desktop.png`` and ``NN-page-phone.png`` (full page height) into
OUT_DIR.  ``--english`` adds the same set in the page's English mode
(``en-`` prefix).  The import preview is reached through the real upload
form; the hold banner gets one page of its own at the end.

Needs Debian's chromium + chromium-driver and selenium (``scripts/bootstrap.sh
--test``).  A tool for people, not a test: it prints what it wrote.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]

from firmware.people import audience as aud_mod  # noqa: E402
from firmware.campaigns import campaign as camp_mod  # noqa: E402
from firmware.people import contacts as contacts_mod  # noqa: E402
from firmware.commands import demo as demo_mod  # noqa: E402
from firmware.people.importer import read_rows  # noqa: E402

DESKTOP = (1280, 900)
PHONE = (375, 740)
NORTH = "Lereng utara (Ciumbuleuit, Hegarmanah)"


def fill_office(demo: demo_mod.Demo) -> dict[str, int]:
    """The state after a morning's work; returns the ids the detail pages need."""
    store = demo.store
    path = demo.examples["bandung"]
    with read_rows(path, path.name) as sheet:
        plan = contacts_mod.plan_import(store, sheet, tag="rt-rw")
        contacts_mod.commit_import(store, plan, source="web", file_name=path.name, file_hash=sheet.file_hash,
                                   actor="web:staf", tag="rt-rw")
    audience_id = aud_mod.save(store, NORTH, aud_mod.Audience.build(desa="Ciumbuleuit, Hegarmanah"), "web:staf")
    campaign_id = camp_mod.create(
        store, "Peringatan longsor lereng utara",
        "PERINGATAN LONGSOR untuk {nama}: hujan deras di lereng utara. Periksa retakan tanah di RT {rt}. -Kecamatan",
        NORTH, actor="web:staf")
    camp_mod.submit(store, campaign_id, "web:staf")
    from firmware.office import tokens

    tokens.create(store, "sistem-bpbd", ["send"], "web:admin")
    contact_id = store.conn.execute("SELECT MIN(id) FROM contacts").fetchone()[0]
    inbox_id = store.conn.execute("SELECT MAX(id) FROM inbox").fetchone()[0]
    template_id = store.conn.execute("SELECT MIN(id) FROM templates").fetchone()[0]
    return {"audience": audience_id, "campaign": campaign_id, "contact": contact_id, "inbox": inbox_id,
            "template": template_id}


def pages(ids: dict[str, int]) -> list[tuple[str, str]]:
    """(slug, path) of every page a logged-in admin can open, in menu order, then the detail pages."""
    return [("dasbor", "/"), ("kontak", "/contacts"), ("kontak-rinci", f"/contacts/{ids['contact']}"),
            ("impor", "/import"), ("audiens", "/audiences"), ("audiens-rinci", f"/audiences/{ids['audience']}"),
            ("tulis-pesan", "/compose"), ("kampanye", "/campaigns"),
            ("kampanye-rinci", f"/campaigns/{ids['campaign']}"), ("persetujuan", "/approvals"),
            ("kotak-masuk", "/inbox"), ("kotak-masuk-rinci", f"/inbox/{ids['inbox']}"), ("modem", "/modems"),
            ("pengaturan", "/settings"), ("template", f"/settings/templates/{ids['template']}"),
            ("pengguna", "/users"), ("akun", "/account"), ("log-audit", "/audit"),
            ("log-audit-periksa", "/audit/verify"), ("token-api", "/tokens"), ("api-docs", "/api/v1/docs"),
            ("kartu-panel", "/card")]


def shoot(driver, out: Path, name: str) -> list[Path]:
    """Write the current page at desktop and phone width, each as tall as the page."""
    written = []
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1,
                                "mobile": label == "phone"})
        time.sleep(0.2)  # let the layout settle at the new width
        full = driver.execute_script("return Math.max(document.body.scrollHeight, "
                                     "document.documentElement.scrollHeight)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": min(max(int(full), height), 16000),
                                "deviceScaleFactor": 1, "mobile": label == "phone"})
        path = out / f"{name}-{label}.png"
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        import base64

        path.write_bytes(base64.b64decode(shot["data"]))
        written.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return written


def visit_all(p, out: Path, ids: dict[str, int], examples: dict[str, Path], prefix: str = "") -> list[Path]:
    """Every page, the import preview (through the real upload form), then the login page."""
    written = []
    n = 0
    for slug, path in pages(ids):
        n += 1
        p.open(path)
        written += shoot(p.d, out, f"{prefix}{n:02d}-{slug}")
    n += 1
    p.open("/import")
    p.css("input[type=file][name=file]").send_keys(str(examples["blitar"]))
    p.css("#import-form button.primary").click()
    p.wait_for(lambda: p.all("#import-commit"), 30, "the import preview")
    written += shoot(p.d, out, f"{prefix}{n:02d}-impor-pratinjau")
    return written


def login(p, username: str, password: str) -> None:
    p.open("/login")
    p.type("input[name=username]", username)
    p.type("input[name=password]", password)
    p.css("form[action='/login'] button").click()
    p.wait_for(lambda: "/login" not in p.d.current_url, 15, f"{username} logged in")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder for the PNG files (created)")
    ap.add_argument("--english", action="store_true", help="also every page in English mode")
    ap.add_argument("--state-dir", type=Path, help="state folder (default: a new temporary folder)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    state = args.state_dir or Path(tempfile.mkdtemp(prefix="siaran-shots-"))
    from browser import Page, chromium

    try:
        driver = chromium(args.out)
    except BaseException as exc:  # pytest.skip outside pytest: chromium/selenium missing
        print(f"cannot start headless Chromium: {exc}", file=sys.stderr)
        return 2
    written: list[Path] = []
    try:
        with demo_mod.running(state, latency=0.05, port=0) as demo:
            demo_mod.seed_activity(demo)
            ids = fill_office(demo)
            p = Page(driver, demo.url)
            p.open("/login")
            written += shoot(driver, args.out, "00-masuk")
            login(p, "admin", demo.accounts["admin"])
            written += visit_all(p, args.out, ids, demo.examples)
            demo.store.set_hold(True, reason="Pilkada", by="web:admin")
            p.open("/")
            written += shoot(driver, args.out, "99-dasbor-ditahan")
            if args.english:
                demo.store.set_hold(False, reason=None, by="web:admin")
                p.open("/lang/en")
                written += visit_all(p, args.out, ids, demo.examples, prefix="en-")
    finally:
        driver.quit()
    for path in written:
        print(path)
    print(f"{len(written)} screenshots in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
