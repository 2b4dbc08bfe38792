"""The one time estimate (firmware/queue/estimate.py): parts not messages, the queue ahead, limits already used,
the send window and the hold; the same figure on compose, approval, campaign page, dashboard and API."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from firmware.campaigns import campaign as campaigns
from firmware.queue import estimate
from firmware.people.audience import Audience
from firmware.office.config import Config, ModemConfig
from firmware.queue.estimate import Block, Sim, Snapshot
from firmware.queue.store import EMERGENCY, Outcome
from web import queries

from test_audience import add_contacts

from timetools import T0  # noqa: E402  (2027-01-15 15:00 WIB)

WIB = Config().tz
#: More than one SMS part (GSM-7, 161+ characters) once a name is filled in.
LONG = ("Yth. {nama}, undangan musyawarah warga tentang rencana perbaikan jalan lingkungan dan saluran air. Hadir "
        "Sabtu pukul sembilan pagi di balai warga RW setempat. Terima kasih atas perhatiannya.")


def n(i: int) -> str:
    return f"+6281200{i:06d}"


def _modems(k: int, **limits) -> tuple[ModemConfig, ...]:
    return tuple(ModemConfig(name=f"m{i}", port=f"/dev/ttyUSB{i}", **limits) for i in range(k))


def _snap(*, sims=1, now=T0, blocks=(), jitter=1.25, **limits) -> Snapshot:
    return Snapshot(now=now, blocks=tuple(blocks), sims=tuple(Sim(f"m{i}", **{"per_minute": 20, "per_hour": 300,
                                                                          "per_day": 3000, **limits})
                                                              for i in range(sims)),
                    window=Config().window(), tz=WIB, jitter=jitter)


def people(store, k: int, desa: str = "Sukajadi", start: int = 0) -> None:
    add_contacts(store, [{"number": n(i), "name": f"Pak {i}", "desa": desa, "rw": "01", "rt": "01"}
                         for i in range(start, start + k)])


# -- the simulation ----------------------------------------------------------------------------------


def test_limits_window_sims_emergency_and_the_day():
    per_min = 60 / (estimate.SECONDS_PER_PART + 1.25)  # parts a minute one modem manages
    # 600 parts on one SIM: 300 an hour at most, so the second 300 start when the first leave the hour.
    est = estimate.for_new(_snap(), 600, 600)
    assert est["elapsed_minutes"] == 60 + math.ceil(300 / per_min)
    assert est["human"].endswith("menit") and "jam" in est["human"] and est["reason"] is None
    # two SIMs: each sends 300 inside the first hour
    assert estimate.for_new(_snap(sims=2), 600, 600)["elapsed_minutes"] == math.ceil(300 / per_min)
    # an emergency is bounded by the modem only (the worker lets it past the limits)
    assert estimate.for_new(_snap(), 600, 600, emergency=True)["elapsed_minutes"] == math.ceil(600 / per_min)
    # asked at 22:00 WIB: nothing goes before 06:00, and the page says so instead of a countdown
    late = estimate.for_new(_snap(now=T0 + 7 * 3600), 10, 10)
    assert late["finish_at"] == "2027-01-16T06:00+07:00" and late["elapsed_minutes"] == 8 * 60 + 1
    assert late["reason"] == "window" and late["note"] == "Di luar jam kirim — mulai besok pukul 06:00"
    assert late["note_en"] == "Outside sending hours — starts tomorrow at 06:00"
    # per-day limit: 3000 a day, so 3001 parts need the next day
    assert estimate.for_new(_snap(per_hour=3000), 3001, 3001)["elapsed_minutes"] > 24 * 60
    nobody = estimate.for_new(replace(_snap(), sims=()), 10, 10)
    assert nobody["finish_at"] is None and nobody["reason"] == "no_modems"
    assert estimate.for_new(_snap(), 10**7, 10**7)["human_en"] == "more than 90 days"
    behind = estimate.for_new(_snap(blocks=[Block(1, 0, 10**6, 10**6)]), 5, 5)
    assert (behind["note"], behind["human"]) == ("Menunggu 1.000.000 SMS lain di depannya", "lebih dari 90 hari")


def test_the_queue_ahead_counts_and_priority_jumps_it():
    """A 5-recipient invitation behind 2,774 queued messages is not "1 minute" away."""
    snap = _snap(blocks=[Block(1, 0, 2774, 2774)])
    alone = estimate.for_new(_snap(), 5, 5)
    behind = estimate.for_new(snap, 5, 5)
    assert alone["elapsed_minutes"] <= 1
    assert behind["ahead_parts"] == 2774 and behind["elapsed_minutes"] >= 2774 / 300 * 60
    assert behind["reason"] == "queue" and behind["note"] == "Menunggu 2.774 SMS lain di depannya"
    # the invitation's own estimate once queued behind them is the same figure
    queued = replace(snap, blocks=snap.blocks + (Block(2, 0, 5, 5),))
    assert estimate.for_campaign(queued, 2)["finish_at"] == behind["finish_at"]
    # higher priority goes first: an emergency is not behind them
    assert estimate.for_new(snap, 5, 5, emergency=True)["elapsed_minutes"] <= 1
    # a campaign scheduled later waits for its time, and one queued now goes before it
    later = T0 + 3 * 3600
    sched = estimate.for_new(_snap(), 5, 5, send_at=later)
    assert sched["reason"] == "scheduled" and sched["note"] == "Terjadwal — mulai pukul 18:00"
    assert estimate.for_new(_snap(blocks=[Block(1, 0, 600, 600, later)]), 5, 5)["elapsed_minutes"] <= 1


def test_parts_already_sent_count_and_the_page_says_when_it_resumes():
    used = {int(T0 // 60) - 30: 300}  # the SIM sent its hour's 300 parts half an hour ago
    est = estimate.for_new(_snap(used=used), 10, 10)
    assert est["reason"] == "limit_hour" and est["note"] == "Batas per jam SIM tercapai — lanjut pukul 15:30"
    assert est["resume_at"] == "2027-01-15T15:30+07:00" and est["elapsed_minutes"] == 31
    assert estimate.for_new(_snap(used={int(T0 // 60) - 600: 3000}), 10, 10)["reason"] == "limit_day"
    # the hold: no countdown at all, the reason instead; an emergency still goes
    held = replace(_snap(), hold=True, hold_reason="Pilkada")
    est = estimate.for_new(held, 10, 10)
    assert (est["note"], est["finish_at"], est["human"]) == ("Ditahan: Pilkada", None, "Ditahan: Pilkada")
    assert estimate.for_new(held, 10, 10, emergency=True)["elapsed_minutes"] <= 1


def test_a_campaign_to_one_operator_waits_for_that_operators_sim():
    """With routing, a Telkomsel SIM and an XL SIM: Telkomsel numbers go through the Telkomsel SIM only."""
    sims = (Sim("tsel", 20, 300, 3000, route="telkomsel"), Sim("xl", 20, 300, 3000, route="xl"))
    snap = replace(_snap(), sims=sims, routing=True)
    one_sim = estimate.for_new(_snap(), 600, 600)
    tsel_only = estimate.for_new(snap, 600, 600, routes={"telkomsel": (600, 600)})
    assert tsel_only["finish_at"] == one_sim["finish_at"]
    half_each = estimate.for_new(snap, 600, 600, routes={"telkomsel": (300, 300), "xl": (300, 300)})
    assert half_each["finish_at"] == estimate.for_new(_snap(sims=2), 600, 600)["finish_at"]
    # routing off, or numbers of an operator no SIM serves: any SIM sends them
    assert estimate.for_new(replace(snap, routing=False), 600, 600, routes={"telkomsel": (600, 600)}
                            )["finish_at"] == half_each["finish_at"]
    assert estimate.for_new(snap, 600, 600, routes={"indosat": (600, 600)})["finish_at"] == half_each["finish_at"]
    # the Telkomsel SIM used its hour half an hour ago; the XL SIM is free but may not send Telkomsel numbers
    busy = replace(snap, sims=(replace(sims[0], used={int(T0 // 60) - 30: 300}), sims[1]))
    est = estimate.for_new(busy, 10, 10, routes={"telkomsel": (10, 10)})
    assert est["reason"] == "sim_busy" and est["note"] == "Menunggu SIM operatornya — mulai pukul 15:30"


# -- the snapshot from the store ------------------------------------------------------------------


def test_queue_load_stays_exact_through_the_life_of_messages(store, clock):
    """The trigger-kept counts equal a full count of the queue after every kind of change."""
    def full_count():
        rows = store.conn.execute(
            "SELECT priority, COALESCE(campaign_id, 0), COALESCE(route, ''), COUNT(*), SUM(parts) FROM messages"
            " WHERE state IN ('queued', 'sending') GROUP BY 1, 2, 3").fetchall()
        return sorted(tuple(r) for r in rows)

    def kept():
        return sorted((r["priority"], r["campaign_id"] or 0, r["route"] or "", r["messages"], r["parts"])
                      for r in store.queue_load())

    people(store, 6)
    cid = campaigns.create(store, "Undangan", LONG, Audience.build(desa="Sukajadi"), actor="ani")
    campaigns.submit(store, cid, "ani")
    store.enqueue([n(50), n(51)], "Tes singkat", priority=50)
    store.enqueue([n(52)], "x" * 400)  # three parts
    assert kept() == full_count() and (0, cid, "telkomsel", 6, 12) in kept() and (0, 0, "", 1, 3) in kept()
    msg = store.claim("m0")
    assert kept() == full_count()
    store.complete_and_claim(Outcome(msg.id, "sent", parts=((1, 1, 7),), parts_total=1), "m0", claim=False)
    assert kept() == full_count()
    store.pause_campaign(cid, by="ani")
    assert kept() == full_count()
    store.resume_campaign(cid, by="ani")
    assert kept() == full_count()
    campaigns.cancel(store, cid, "ani")
    with store.tx() as c:
        c.execute("DELETE FROM messages WHERE number = ?", (n(52),))
    assert kept() == full_count() == [(50, 0, "", 1, 1)]
    # one-off messages queued after a campaign wait behind it (the row of one-offs starts again when it empties)
    store.enqueue([n(60)], "Tes", priority=50)
    people(store, 3, desa="Sukamaju", start=200)
    later = campaigns.create(store, "Rapat", "Rapat {nama}", Audience.build(desa="Sukamaju"), actor="ani")
    campaigns.submit(store, later, "ani")
    with store.tx() as c:
        c.execute("UPDATE messages SET state = 'sent' WHERE campaign_id IS NULL")
    store.enqueue([n(61)], "Tes lagi")
    assert [r["campaign_id"] for r in store.queue_load()] == [later, None]


def test_campaign_page_and_preview_agree_in_parts(store, clock):
    """The campaign page fed messages where SMS parts were meant: a two-part campaign finished "twice as fast"
    there as on the compose preview and the approval page. One figure everywhere."""
    people(store, 40)
    config = Config(modems=_modems(1, per_minute=2, per_hour=40, per_day=400))
    aud = Audience.build(desa="Sukajadi")
    p = campaigns.preview(store, config, LONG, aud)
    assert p["segments"]["total"] == 80 and p["recipients"] == 40
    cid = campaigns.create(store, "Undangan", LONG, aud, actor="ani")
    approval = campaigns.preview_campaign(store, config, cid)["time"]
    campaigns.submit(store, cid, "ani")
    progress = queries.campaign_progress(store, config, campaigns.get(store, cid))
    dashboard = queries.active_campaigns(store, config)[0]
    assert p["time"]["finish_at"] == approval["finish_at"] == progress["eta"]["finish_at"] == \
        dashboard["eta"]["finish_at"]
    assert p["time"]["elapsed_minutes"] >= 60  # 80 parts at 40 an hour: two hours, not one


def test_preview_counts_the_queue_ahead_and_what_the_sims_used(store, clock):
    people(store, 5)
    config = Config(modems=_modems(1))
    store.enqueue([n(100 + i) for i in range(2774)], "Pengumuman sebelumnya")
    p = campaigns.preview(store, config, "Undangan rapat RT, {nama}.", Audience.build(desa="Sukajadi"))
    assert p["time"]["ahead_parts"] == 2774 and p["time"]["elapsed_minutes"] >= 2774 / 300 * 60
    assert p["time"]["note"] == "Menunggu 2.774 SMS lain di depannya"


def test_the_sims_limits_already_used_come_from_the_store(store, clock):
    people(store, 5)
    store.enqueue([n(99)], "terkirim tadi")
    with store.tx() as c:
        c.execute("UPDATE messages SET state = 'sent' WHERE number = ?", (n(99),))
        c.executemany("INSERT INTO message_parts (message_id, seq, total, modem, sent_at) VALUES (1, 1, 1, 'm0', ?)",
                      [(T0 - 1800,)] * 300)
    p = campaigns.preview(store, Config(modems=_modems(1)), "Rapat RT, {nama}.", Audience.build(desa="Sukajadi"))
    assert p["time"]["reason"] == "limit_hour" and p["time"]["resume_at"] == "2027-01-15T15:30+07:00"
    store.set_hold(True, reason="Pilkada", by="ani")
    p = campaigns.preview(store, Config(modems=_modems(1)), "Rapat RT, {nama}.", Audience.build(desa="Sukajadi"))
    assert p["time"]["note"] == "Ditahan: Pilkada" and p["time"]["finish_at"] is None


# -- the balance -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, amount", [
    ("Sisa pulsa Anda Rp 25.000. Aktif s/d 31-12-2026.", 25000), ("Pulsa Rp5,000 aktif", 5000),
    ("Saldo: Rp. 1.250.000", 1250000), ("Rp 900 s/d 10-01-2027", 900), ("Maaf, layanan sibuk", None), (None, None)])
def test_balance_rupiah(text, amount):
    assert campaigns.balance_rupiah(text) == amount


def test_cost_preview_warns_when_the_known_balance_is_short(store, clock):
    people(store, 10)
    store.upsert_modem("m0", port="/dev/ttyUSB0", state="ready",
                       balance="Sisa pulsa Anda Rp 1.000. Aktif s/d 31-12-2026.")
    store.upsert_modem("m1", port="/dev/ttyUSB1", state="ready", balance=None)
    config = Config(modems=_modems(2))
    aud = Audience.build(desa="Sukajadi")
    p = campaigns.preview(store, config, "Rapat RT, {nama}.", aud)  # 10 x Rp 150 = Rp 1.500
    warning = next(w for w in p["warnings"] if w["code"] == "balance")
    assert warning["pesan"].startswith("pulsa SIM yang diketahui (Rp 1.000) kurang dari perkiraan biaya (Rp 1.500)")
    assert warning["found"] == ["m0: Rp 1.000"]
    store.upsert_modem("m1", port="/dev/ttyUSB1", balance="Sisa pulsa Rp 600")
    p = campaigns.preview(store, config, "Rapat RT, {nama}.", aud)
    assert "balance" not in {w["code"] for w in p["warnings"]}


def test_emergency_block_of_the_queue_is_an_emergency():
    assert Block(None, EMERGENCY, 1, 1).emergency and not Block(None, EMERGENCY - 1, 1, 1).emergency


# -- over real HTTP: the page and the API say the same ----------------------------------------------


@pytest.fixture
def web_at_t0(tmp_path):
    """The page on a clock fixed inside the send window (the estimate must not depend on the hour CI runs)."""
    from webtools import WebServer

    server = WebServer(tmp_path / "state", clock=lambda: T0)
    yield server
    server.close()


def test_page_dashboard_and_api_say_why_nothing_moves(web_at_t0):
    from webtools import first_admin

    web = web_at_t0
    admin = first_admin(web)
    from firmware.queue.store import Store, db_path
    from test_web_api import call, make_token

    store = Store(db_path(web.config.state_dir), migrate=False, clock=lambda: T0)
    try:
        store.upsert_modem("m0", port="/dev/ttyUSB0", state="ready")
        people(store, 5)
        cid = campaigns.create(store, "Undangan", "Rapat RT, {nama}.", Audience.build(desa="Sukajadi"), actor="admin")
        campaigns.submit(store, cid, "admin")
        store.set_hold(True, reason="Pilkada", by="admin")
        page = admin.get(f"/campaigns/{cid}").text
        assert 'data-eta="hold"' in page and "Ditahan: Pilkada" in page and "menit lagi" not in page
        dashboard = admin.get("/").text
        assert 'data-eta="hold"' in dashboard and "Ditahan: Pilkada" in dashboard
        token = make_token(admin, "bpbd", "read")
        status, _, body = call(web, "GET", f"/api/v1/campaigns/{cid}", token)
        assert status == 200, body
        eta = body["progress"]["eta"]
        assert (eta["reason"], eta["note"], eta["finish_at"]) == ("hold", "Ditahan: Pilkada", None)
        store.set_hold(False, reason=None, by="admin")
        page = admin.get(f"/campaigns/{cid}").text
        assert 'data-eta="sending"' in page and "selesai sekitar" in page
    finally:
        store.close()


def test_m009_counts_what_an_older_siaran_queued(tmp_path):
    """Upgrading with messages in the queue: m009 counts their parts (from the text) and fills queue_load."""
    from firmware.queue.store import Store

    path = tmp_path / "siaran.db"
    store = Store(path)
    store.enqueue([n(1), n(2)], "x" * 200)  # two parts each
    store.enqueue([n(3)], "Tes", priority=50)
    # back to the schema before m009, the rows as an older Siaran wrote them
    for statement in ("DROP TRIGGER queue_load_insert", "DROP TRIGGER queue_load_update",
                      "DROP TRIGGER queue_load_delete", "DROP TABLE queue_load",
                      "ALTER TABLE messages DROP COLUMN parts",
                      "DELETE FROM _sqlite_migrations WHERE name = 'm009_estimate'"):
        store.conn.execute(statement)
    store.close()
    store = Store(path)
    try:
        assert [(r["priority"], r["messages"], r["parts"]) for r in store.queue_load()] == [(50, 1, 1), (0, 2, 4)]
        assert [r[0] for r in store.conn.execute("SELECT parts FROM messages ORDER BY id")] == [2, 2, 1]
    finally:
        store.close()
