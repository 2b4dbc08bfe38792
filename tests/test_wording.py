"""Issue 10, plain Bahasa: how the page words registrations, numbers and actors in both languages."""

from __future__ import annotations

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
