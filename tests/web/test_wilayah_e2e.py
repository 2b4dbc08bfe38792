"""End to end in real headless Chromium (issue 10, lists know their wilayah): three RT/RW lists without a
Desa/Kelurahan column, one naming its kelurahan in its title rows, one in its file name, one nowhere (the
staffer types it); then an RW-only audience warns that it spans every kelurahan, with the count per
kelurahan, live as the filter is typed, on the Audiences page and in the compose preview.

Numbers are fakes (0812-0000-7xxx).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from browser import Page
from test_web_e2e import browser, commit_import, first_run, upload_list  # noqa: F401 (browser: a fixture)

from firmware.queue.store import Store


def _list(path: Path, first: int, rws: list[str], title: list[str]) -> Path:
    """An office's RT/RW list: optional title rows, a blank row, then No/Nama/No HP/RW/RT/Jabatan."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in title:
        ws.append([line])
    if title:
        ws.append([])
    ws.append(["No", "Nama", "No HP", "RW", "RT", "Jabatan"])
    for i, rw in enumerate(rws):
        ws.append([i + 1, f"Ketua {first + i}", f"0812-0000-7{first + i:03d}", rw, f"{i % 3 + 1:02d}", "Ketua RT"])
    wb.save(path)
    return path


def _wilayah_box(p: Page) -> str:
    return p.css("#import-wilayah").text


def test_kelurahan_from_title_file_name_or_typed_and_the_rw_only_warning(web, browser, tmp_path):
    p = Page(browser, web.url)
    first_run(p)

    # -- the title names the kelurahan (and kecamatan): shown, then saved with every row ---------------
    titled = _list(tmp_path / "Daftar Ketua RT.xlsx", 0, ["01", "01", "02", "03"],
                   ["DAFTAR NAMA KETUA RT/RW KEL. SUKAMAJU KEC. CIBEUNYING KALER", "Masa bakti 2024-2029"])
    upload_list(p, titled)
    box = _wilayah_box(p)
    assert "Sukamaju" in box and "Cibeunying Kaler" in box and "Diambil dari judul file" in box
    commit_import(p)

    # -- the file name names it ----------------------------------------------------------------------------
    upload_list(p, _list(tmp_path / "rt_rw_kel_cipaganti_2026.xlsx", 10, ["01", "02", "02"], []))
    assert "Cipaganti" in _wilayah_box(p) and "Diambil dari nama file" in _wilayah_box(p)
    commit_import(p)

    # -- nothing names it: flagged; the staffer types it for the whole file --------------------------------
    upload_list(p, _list(tmp_path / "kontak.xlsx", 20, ["01", "05"], ["DAFTAR KETUA RT"]))
    assert p.all("#import-no-wilayah") and "tidak menyebut desa/kelurahan" in _wilayah_box(p)
    p.type("#import-wilayah-form input[name=desa]", "Dago")
    p.css("#import-wilayah-form button").click()
    p.wait_for(lambda: "Diisi oleh Anda" in _wilayah_box(p), 20, "the typed kelurahan in the preview")
    assert not p.all("#import-no-wilayah")
    commit_import(p)

    with Store.in_state_dir(web.config.state_dir) as s:
        got = {tuple(r) for r in s.conn.execute("SELECT desa, kecamatan, COUNT(*) FROM contacts GROUP BY 1, 2")}
    assert got == {("Sukamaju", "Cibeunying Kaler", 4), ("Cipaganti", None, 3), ("Dago", None, 2)}

    # -- an RW-only audience: the live count warns, with the count per kelurahan ----------------------------
    p.open("/audiences")
    p.type("#audience-form input[name=rw]", "01-02")

    def per_desa() -> dict[str, str]:
        rows = p.all("#audience-count #per-desa tbody tr")
        return {r.get_attribute("data-desa"): r.find_element("css selector", "[data-count=matched]").text
                for r in rows}

    p.wait_for(lambda: per_desa() == {"Cipaganti": "3", "Dago": "1", "Sukamaju": "3"}, 15,
               "the per-kelurahan counts")
    assert "SEMUA kelurahan" in p.css("#wilayah-warning").text
    # naming the kelurahan ends the warning
    p.type("#audience-form input[name=desa]", "Sukamaju")
    p.wait_for(lambda: not p.all("#audience-count #wilayah-warning") and "3" in p.css("#audience-count").text, 15,
               "the warning gone once a kelurahan is named")

    # -- compose straight from a filter (no saved audience): the preview warns the same way ----------------
    p.open("/compose")
    p.type("#compose-filter input[name=f_rw]", "1")
    p.type("textarea#text", "Kerja bakti Minggu pagi[ di RW {rw}][ {desa}].")
    p.wait_for(lambda: p.all("#preview #wilayah-warning"), 15, "the warning in the compose preview")
    assert p.css("select#audience").get_attribute("value") == "@saringan"  # typing chose the filter
    assert "Kerja bakti Minggu pagi di RW 01 Sukamaju." in p.css("#preview").text
