"""Optional template phrases (``[di RW {rw}]``, alternatives with ``|``): an empty field drops its whole
phrase, so no text reads "di RW 01 setempat" or "RT setempat/RW setempat"; the preview shows the worst
cases and warns about fallbacks; the built-in templates use phrases.  Numbers are fakes (0812-0000-7xxx).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.campaigns import campaign as campaigns
from firmware.people import contacts
from firmware.people import importer
from firmware.campaigns import templates_builtin
from firmware.people.audience import Audience
from firmware.campaigns.campaign import TemplateError, compile_template, render

FULL = {"name": "Siti", "role": "Ketua RT", "rt": "03", "rw": "01", "desa": "Sukamaju", "dusun": "Krajan"}


@pytest.mark.parametrize("contact,expected", [
    (FULL, "AWAS BANJIR di RW 01 Sukamaju! Yth. Ketua RT, warga RT 03/RW 01:"),
    ({}, "AWAS BANJIR! Yth. Warga, warga:"),
    ({"rw": "01"}, "AWAS BANJIR di RW 01! Yth. Warga, warga RW 01:"),
    ({"desa": "Sukamaju"}, "AWAS BANJIR di Sukamaju! Yth. Warga, warga:"),
    ({"rt": "03", "rw": " "}, "AWAS BANJIR! Yth. Warga, warga RT 03:"),
])
def test_phrases_and_alternatives(contact, expected):
    text = "AWAS BANJIR[ di RW {rw} {desa}| di RW {rw}| di {desa}]! Yth. {jabatan}, warga [RT {rt}/RW {rw}|RW {rw}|RT {rt}]:"
    assert render(text, contact) == expected


def test_syntax_edges():
    # brackets without a placeholder are text; braces still escape; fallbacks work outside phrases only
    assert render("[PENTING] {{kode}} {nama}[ ({jabatan})]", {}) == "[PENTING] {kode} Bapak/Ibu"
    assert render("Yth. {nama}[ di RW {rw}]", {}, {"nama": "Pak RT", "rw": "X"}) == "Yth. Pak RT"
    # an alternative without placeholders always applies: a default for the phrase
    assert render("Warga [RW {rw}|sekitar sungai].", {}) == "Warga sekitar sungai."
    # a space doubled, or left before punctuation, by a dropped phrase goes
    assert render("Rapat warga [RT {rt}], Minggu", {}) == "Rapat warga, Minggu"
    assert render("Rapat [RT {rt}] warga", {}) == "Rapat warga"
    assert render("Rapat warga [RT {rt}]", {}) == "Rapat warga"
    tpl = compile_template("Yth. {nama}[ di RW {rw}|{desa}]")
    assert tpl.placeholders == ("nama", "rw", "desa") and tpl.bare_placeholders == ("nama",)
    assert "di RW" in tpl.literal_text()
    with pytest.raises(TemplateError) as err:
        compile_template("Halo [di RW {rww}]")
    assert "{rww}" in err.value.reason


def _field(*values: str):
    """A contact field: absent, empty, blank, or one of ``values``."""
    return st.one_of(st.none(), st.just(""), st.just("  "), st.sampled_from(values))


@settings(max_examples=300, deadline=None)
@given(name=_field("Siti Aminah", "Pak Budi"), role=_field("Kader Posyandu", "Linmas"), rt=_field("01", "12"),
       rw=_field("01", "12"), desa=_field("Sukamaju", "Kel. Cipaganti"), dusun=_field("Krajan"))
def test_builtin_templates_never_write_broken_phrases(name, role, rt, rw, desa, dusun):
    contact = {"name": name, "role": role, "rt": rt, "rw": rw, "desa": desa, "dusun": dusun}
    for t in templates_builtin.BUILTIN:
        text = campaigns.fill_blanks(t.text, {b: "Sabtu" for b in campaigns.unfilled(t.text)})
        out = render(text, contact)
        assert "setempat" not in out, (t.name, out)
        assert "  " not in out and not re.search(r" [,.!:;)]", out), (t.name, out)
        assert not re.search(r"\b(RT|RW)\s*(/|[,.!:;]|$)", out), (t.name, out)  # "RT /", "RW:" without a number
        assert "()" not in out and "[" not in out and "{" not in out, (t.name, out)
        if not (rw or "").strip():
            assert "RW" not in out.replace("RW 01", "").replace("RW 12", ""), (t.name, out)


def test_builtin_templates_use_phrases_for_every_place():
    for t in templates_builtin.BUILTIN:
        tpl = compile_template(campaigns.fill_blanks(t.text, {b: "x" for b in campaigns.unfilled(t.text)}))
        assert not set(tpl.bare_placeholders) & {"rt", "rw", "desa", "dusun"}, t.name


def _import(store, records: list[dict]) -> None:
    plan = contacts.plan_import(store, importer.from_records(records))
    contacts.commit_import(store, plan, source="cli", file_name=None, file_hash=None, actor="t")


def test_preview_shows_the_worst_cases_from_the_audience(store):
    _import(store, [
        {"number": "0812-0000-7001", "name": "Ani", "desa": "Sukamaju", "rw": "01", "rt": "01", "role": "Ketua RT"},
        {"number": "0812-0000-7002", "name": "Bapak Haji Muhammad Abdurrahman Wicaksono", "desa": "Sukamaju",
         "rw": "01", "rt": "02", "role": "Ketua RT"},
        {"number": "0812-0000-7003", "name": "Cici", "rw": "02"},
        {"number": "0812-0000-7999", "name": "Di luar", "desa": "Cipaganti", "rw": "09"},
    ])
    p = campaigns.preview(store, None, "Yth. {nama}, warga RT {rt}/RW {rw} {desa}: rapat.", Audience.build(rw="01-02"))
    whys = {why: e for e in p["examples"] for why in e["why"]}
    assert whys["first"]["name"] == "Ani"
    assert whys["longest"]["name"].startswith("Bapak Haji")
    assert whys["least_data"]["name"] == "Cici" and "RT setempat" in whys["least_data"]["text"]
    assert all(e["number"].count("*") >= 4 for e in p["examples"])  # masked
    assert "Di luar" not in {e["name"] for e in p["examples"]}  # from the chosen audience only
    codes = {w["code"]: w for w in p["warnings"]}
    assert codes["fallback"]["found"] == ["{rt}: 1", "{desa}: 1"] and "[di RW {rw}]" not in codes["fallback"]["pesan"]
    assert "kurung siku" in codes["fallback"]["pesan"]
    assert [(g["desa"], g["matched"]) for g in codes["spans_desa"]["per_desa"]] == [("Sukamaju", 2), (None, 1)]
    # The same text with phrases: no fallback warning, and the least-data text drops what it lacks.
    p = campaigns.preview(store, None, "Yth. {nama}, warga[ RT {rt}/RW {rw}| RW {rw}][ {desa}]: rapat.",
                          Audience.build(desa="Sukamaju, Cipaganti", rw="01-09"))
    assert "fallback" not in {w["code"] for w in p["warnings"]} and "spans_desa" not in {w["code"] for w in
                                                                                           p["warnings"]}
    assert {e["text"] for e in p["examples"]} >= {"Yth. Ani, warga RT 01/RW 01 Sukamaju: rapat.",
                                                   "Yth. Di luar, warga RW 09 Cipaganti: rapat."}
