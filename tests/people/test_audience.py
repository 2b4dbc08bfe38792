"""Audiences: wilayah/role/tag filters, live counts, saved definitions, hostile input.

Contacts are inserted with SQL (the importer is tested elsewhere); numbers
are fake (+62812000...).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.people import audience
from firmware.people.audience import Audience, AudienceError, parse_units
from firmware.queue.store import Store

T0 = 1_800_000_000.0


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "siaran.db", clock=lambda: T0)
    yield s
    s.close()


def add_contacts(store: Store, rows: list[dict]) -> list[int]:
    """Insert contacts (keys: number, name, desa, dusun, rw, rt, role, dead, tags); return their ids."""
    ids = []
    with store.tx() as c:
        for r in rows:
            cid = c.execute(
                "INSERT INTO contacts (number, name, desa, dusun, rw, rt, role, dead, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (r["number"], r.get("name"), r.get("desa"), r.get("dusun"), r.get("rw"), r.get("rt"), r.get("role"),
                 int(r.get("dead", 0)), T0, T0)).lastrowid
            for tag in r.get("tags", ()):
                c.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,))
                c.execute("INSERT INTO contact_tags (contact_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                          (cid, tag))
            ids.append(cid)
    return ids


def numbers(store: Store, aud: Audience, **kw) -> list[str]:
    return [r["number"] for r in audience.recipients(store, aud, **kw)]


def n(i: int) -> str:
    return f"+62812000001{i:02d}"


# -- parsing ---------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("01-05", ((1, 5),)),
    ("RW 01-05", ((1, 5),)),
    ("rw.3", ((3, 3),)),
    ("1..5", ((1, 5),)),
    ("1 s/d 5", ((1, 5),)),
    ("01 – 05", ((1, 5),)),
    ("1,3,7-9", ((1, 1), (3, 3), (7, 9))),
    ("4-6, 1-5", ((1, 6),)),  # overlapping and adjacent ranges merge
    (["03", 8, "09"], ((3, 3), (8, 9))),
    ("007", ((7, 7),)),
    ("", ()),
    (None, ()),
])
def test_parse_units(text, expected):
    assert parse_units(text) == expected


@pytest.mark.parametrize("text", ["5-1", "abc", "1;2", "1 OR 1=1", "IV", "1000", "-3", "1-", "01-05-07", True])
def test_parse_units_rejects(text):
    with pytest.raises(AudienceError) as exc:
        parse_units(text, "rw")
    assert exc.value.pesan


def test_definition_round_trip():
    aud = Audience.build(desa="Kelurahan Sukajadi, Ds. Cipaganti", rw="RW 01-05", rt=["3", "07-08"],
                         role="Ketua RT, ketua rt, Ketua RW", tag="banjir-timur")
    data = aud.to_dict()
    assert data == {"desa": ["Sukajadi", "Cipaganti"], "rw": ["01-05"], "rt": ["03", "07-08"],
                    "role": ["Ketua RT", "Ketua RW"], "tag": ["banjir-timur"]}
    assert Audience.from_dict(json.loads(json.dumps(data))) == aud
    assert "RW 01-05" in aud.describe()


@pytest.mark.parametrize("data", [
    {}, {"desa": []}, {"rw": ""}, {"bogus": "x"}, {"desa": {"a": 1}}, {"desa": [None]}, {"everyone": "yes"},
    "desa=x", ["desa"], {"rw": "1; DROP TABLE contacts"}, {"desa": "x" * 101}, {"desa": "a\x00b"},
])
def test_bad_definitions_are_refused_with_a_reason(data):
    with pytest.raises(AudienceError) as exc:
        Audience.from_dict(data)
    assert exc.value.reason and exc.value.pesan


def test_everyone_is_explicit(store):
    add_contacts(store, [{"number": n(1)}, {"number": n(2), "dead": 1}])
    assert audience.count(store, Audience(everyone=True)) == {"matched": 2, "reachable": 1, "opted_out": 0, "dead": 1}


# -- matching --------------------------------------------------------------------


def test_wilayah_matching_forgives_how_offices_type(store):
    add_contacts(store, [
        {"number": n(1), "desa": "Sukajadi", "rw": "01", "rt": "001"},
        {"number": n(2), "desa": "  SUKAJADI ", "rw": "5", "rt": "2"},
        {"number": n(3), "desa": "Kel. Sukajadi", "rw": "RW 03", "rt": "RT 04"},
        {"number": n(4), "desa": "Kelurahan Sukajadi", "rw": "06"},
        {"number": n(5), "desa": "Cipaganti", "rw": "02"},
        {"number": n(6), "desa": "Sukajadi", "rw": "1A"},  # not RW 1
        {"number": n(7), "desa": "Sukajadi", "rw": None},
        {"number": n(8), "desa": "Sukajadi Baru", "rw": "02"},  # another place, not a prefix match
    ])
    assert numbers(store, Audience.build(desa="Kelurahan Sukajadi", rw="01-05")) == [n(1), n(2), n(3)]
    assert numbers(store, Audience.build(desa="sukajadi")) == [n(1), n(2), n(3), n(4), n(6), n(7)]
    assert numbers(store, Audience.build(rw="2")) == [n(5), n(8)]
    assert numbers(store, Audience.build(rt="1-2")) == [n(1), n(2)]
    assert numbers(store, Audience.build(rt="04", rw="03")) == [n(3)]
    assert numbers(store, Audience.build(desa="Sukajadi, Cipaganti", rw="2")) == [n(5)]


def test_roles_are_case_insensitive_and_match_a_numbered_role(store):
    add_contacts(store, [
        {"number": n(1), "role": "Ketua RT"},
        {"number": n(2), "role": "KETUA RT 03"},
        {"number": n(3), "role": "ketua rw"},
        {"number": n(4), "role": "Kader Posyandu Mawar"},
        {"number": n(5), "role": "Ketua RTX"},
        {"number": n(6), "role": "Pejabat Struktural"},
        {"number": n(7), "role": None},
    ])
    assert numbers(store, Audience.build(role="ketua rt")) == [n(1), n(2)]
    assert numbers(store, Audience.build(role=["Ketua RT", "Ketua RW"])) == [n(1), n(2), n(3)]
    assert numbers(store, Audience.build(role="kader posyandu")) == [n(4)]
    assert numbers(store, Audience.build(role="pejabat struktural")) == [n(6)]
    # LIKE wildcards in a filter are literal characters
    assert numbers(store, Audience.build(role="%")) == []
    assert numbers(store, Audience.build(role="Ketua_RT")) == []


def test_tags_and_combinations(store):
    add_contacts(store, [
        {"number": n(1), "desa": "Sukajadi", "rw": "01", "role": "Ketua RW", "tags": ["banjir-timur"]},
        {"number": n(2), "desa": "Sukajadi", "rw": "02", "role": "Ketua RW", "tags": ["Banjir-Timur", "kader"]},
        {"number": n(3), "desa": "Sukajadi", "rw": "07", "role": "Ketua RW", "tags": ["banjir-timur"]},
        {"number": n(4), "desa": "Cipaganti", "rw": "01", "role": "Ketua RW"},
    ])
    assert numbers(store, Audience.build(tag="BANJIR-TIMUR")) == [n(1), n(2), n(3)]
    assert numbers(store, Audience.build(tag="banjir-timur", rw="01-05")) == [n(1), n(2)]
    assert numbers(store, Audience.build(tag="kader, nothing")) == [n(2)]
    assert numbers(store, Audience.build(role="Ketua RW", rw="01-05", desa="Kelurahan Sukajadi")) == [n(1), n(2)]


def test_counts_show_opted_out_and_dead_apart(store):
    add_contacts(store, [
        {"number": n(1), "rw": "01"},
        {"number": n(2), "rw": "01", "dead": 1},
        {"number": n(3), "rw": "01"},
        {"number": n(4), "rw": "01", "dead": 1},  # dead and opted out: counted as opted out
        {"number": n(5), "rw": "02"},
    ])
    store.add_optout(n(3), source="sms")
    store.add_optout(n(4), source="sms")
    aud = Audience.build(rw="1")
    assert audience.count(store, aud) == {"matched": 4, "reachable": 1, "opted_out": 2, "dead": 1}
    assert numbers(store, aud) == [n(1)]
    rows = list(audience.recipients(store, aud, reachable_only=False))
    assert [(r["number"], r["opted_out"]) for r in rows] == [(n(1), 0), (n(3), 1)]  # dead never returned


def test_select_sql_is_parameterised():
    hostile = "x') OR 1=1; DROP TABLE contacts; --"
    sql, params = audience.select_sql(Audience.build(desa=hostile, role=hostile, tag=hostile, rw="1-5"))
    assert "DROP" not in sql and "1=1" not in sql
    assert hostile.lower() in params


def test_hostile_filters_match_nothing_and_harm_nothing(store):
    add_contacts(store, [{"number": n(1), "desa": "Sukajadi", "role": "Ketua RT", "tags": ["a"]}])
    for hostile in ["' OR '1'='1", "x'); DROP TABLE contacts; --", "%", "*", "\\", "\" OR \"\"=\"", "Robert'); --"]:
        aud = Audience.build(desa=hostile, dusun=hostile, role=hostile, tag=hostile)
        assert audience.count(store, aud)["matched"] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 1


# -- saved audiences -------------------------------------------------------------


def test_save_load_list_and_replace(store):
    add_contacts(store, [{"number": n(1), "desa": "Sukajadi", "rw": "02"},
                         {"number": n(2), "desa": "Sukajadi", "rw": "09"}])
    aud = Audience.build(desa="Sukajadi", rw="01-05")
    first = audience.save(store, "  rw  utara ", aud, "cli:tester")
    assert audience.load(store, "rw utara") == aud
    again = audience.save(store, "rw utara", Audience.build(desa="Sukajadi"), "cli:tester")
    assert again == first
    listed = audience.list_saved(store)
    assert [(a["name"], a["counts"]["reachable"]) for a in listed] == [("rw utara", 2)]
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["audience_save", "audience_update"]
    assert store.verify_audit() is None
    with pytest.raises(AudienceError):
        audience.load(store, "tidak ada")


@pytest.mark.parametrize("name", ["x'; DROP TABLE audiences; --", "Robert'); DROP TABLE contacts;--", "%", "名前"])
def test_hostile_names_are_just_names(store, name):
    aud = Audience.build(rw="1")
    audience.save(store, name, aud, "cli:tester")
    assert audience.load(store, name) == aud
    assert [a["name"] for a in audience.list_saved(store)] == [name]
    assert {"audiences", "contacts"} <= set(store.db.table_names())


@pytest.mark.parametrize("name", ["", "   ", "a" * 101, "a\nb", None])
def test_bad_names_are_refused(store, name):
    with pytest.raises(AudienceError):
        audience.save(store, name, Audience.build(rw="1"), "cli:tester")


# -- the SQL agrees with a plain-Python reading of the rules -----------------------

_DESAS = ["Sukajadi", "Kel. Sukajadi", "cipaganti", "Desa Cipaganti", None, "Sukajadi Baru"]
_UNITS = ["01", "1", "RW 02", "3", "10", "1A", "", None, "007"]
_ROLES = ["Ketua RT", "ketua rt 03", "Ketua RW", "Kader Posyandu", "Ketua RTX", None]


def _unit(value):
    text = (value or "").strip().lstrip("RrWwTt.: ").strip()
    return int(text) if text.isdigit() else None


def _place(value):
    return audience.strip_place_prefix(" ".join((value or "").split())).lower()


def _reference(contact, aud: Audience) -> bool:
    if aud.desa and _place(contact["desa"]) not in {d.lower() for d in aud.desa}:
        return False
    if aud.rw and not any(lo <= (_unit(contact["rw"]) if _unit(contact["rw"]) is not None else -1) <= hi
                          for lo, hi in aud.rw):
        return False
    role = (contact["role"] or "").strip().lower()
    if aud.role and not any(role == r.lower() or role.startswith(r.lower() + " ") for r in aud.role):
        return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contacts=st.lists(st.fixed_dictionaries({
        "desa": st.sampled_from(_DESAS), "rw": st.sampled_from(_UNITS), "role": st.sampled_from(_ROLES)}),
        max_size=12),
    desa=st.lists(st.sampled_from(["Sukajadi", "Kelurahan Cipaganti", "cipaganti"]), max_size=2),
    rw=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 4)).map(lambda t: f"{t[0]}-{t[0] + t[1]}"), max_size=2),
    role=st.lists(st.sampled_from(["Ketua RT", "ketua rw", "kader posyandu"]), max_size=2),
)
def test_sql_matches_reference(tmp_path_factory, contacts, desa, rw, role):
    if not (desa or rw or role):
        return
    with Store(tmp_path_factory.mktemp("db") / "siaran.db") as store:
        add_contacts(store, [{"number": n(i), **c} for i, c in enumerate(contacts)])
        aud = Audience.build(desa=desa, rw=rw, role=role)
        expected = [n(i) for i, c in enumerate(contacts) if _reference(c, aud)]
        assert numbers(store, aud) == expected
