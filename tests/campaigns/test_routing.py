"""The route rule (modem box / operator SMPP / automatic) and the preview's per-route cost and time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.campaigns import routing
from firmware.campaigns.routing import AUTO, MODEM, SMPP, Account, RouteError, choose_channel


def rule(choice=AUTO, *, recipients=10, emergency=False, smpp_accounts=1, modem_minutes=5.0, threshold=500,
         overflow_minutes=60):
    return choose_channel(choice, recipients=recipients, emergency=emergency, smpp_accounts=smpp_accounts,
                          modem_minutes=modem_minutes, threshold=threshold, overflow_minutes=overflow_minutes)


def test_a_chosen_route_is_kept_whatever_the_size():
    assert rule(MODEM, recipients=100_000) == MODEM
    assert rule(SMPP, recipients=1) == SMPP
    assert rule(MODEM, emergency=True) == MODEM
    assert rule(SMPP, emergency=True, smpp_accounts=0) == SMPP  # refused earlier, never silently rerouted


def test_automatic_small_by_modem_large_by_operator():
    assert rule(recipients=500) == MODEM  # at the threshold: still the box's SIMs
    assert rule(recipients=501) == SMPP
    assert rule(recipients=100_000, modem_minutes=None) == SMPP


def test_automatic_emergencies_go_either_way():
    assert rule(recipients=20, emergency=True) is None
    assert rule(recipients=100_000, emergency=True) is None


def test_automatic_overflows_when_the_modems_are_saturated():
    assert rule(recipients=200, modem_minutes=60) == MODEM
    assert rule(recipients=200, modem_minutes=61) is None  # either route: the operator takes what modems cannot
    assert rule(recipients=200, modem_minutes=None) is None  # no modem can send it at all


def test_automatic_without_an_operator_account_is_the_modems():
    assert rule(recipients=100_000, smpp_accounts=0) == MODEM
    assert rule(recipients=5, emergency=True, smpp_accounts=0) == MODEM
    assert rule(recipients=5, modem_minutes=None, smpp_accounts=0) == MODEM


@given(st.sampled_from(routing.CHOICES), st.integers(0, 10**7), st.booleans(), st.integers(0, 3),
       st.one_of(st.none(), st.floats(0, 10**6)), st.integers(0, 10**7), st.floats(0, 10**4))
def test_the_rule_answers_a_channel_and_asks_for_the_estimate_only_when_it_uses_it(
        choice, recipients, emergency, accounts, minutes, threshold, overflow):
    kw = dict(recipients=recipients, emergency=emergency, smpp_accounts=accounts, threshold=threshold)
    out = choose_channel(choice, modem_minutes=minutes, overflow_minutes=overflow, **kw)
    assert out in (MODEM, SMPP, None)
    if not routing.needs_modem_estimate(choice, **kw):  # then the estimate cannot change the answer
        assert out == choose_channel(choice, modem_minutes=0.0, overflow_minutes=overflow, **kw)
        assert out == choose_channel(choice, modem_minutes=None, overflow_minutes=overflow, **kw)


@pytest.mark.parametrize("raw, choice", [("", AUTO), ("otomatis", AUTO), ("Auto", AUTO), ("modem", MODEM),
                                         (" SMPP ", SMPP), ("operator", SMPP)])
def test_choices_from_forms_and_the_command_line(raw, choice):
    assert routing.check_choice(raw) == choice
    assert routing.choice_of(routing.stored(choice)) == choice


@pytest.mark.parametrize("raw", ["satelit", "smpp; DROP TABLE", "x" * 500, "modem\x00"])
def test_an_unknown_choice_is_refused_in_both_languages(raw):
    with pytest.raises(RouteError) as exc:
        routing.check_choice(raw)
    assert "Jalur" in exc.value.pesan and "choose modem" in exc.value.reason
    assert len(exc.value.pesan) < 200


def test_modem_minutes_from_the_estimate():
    assert routing.modem_minutes({"elapsed_minutes": 42, "reason": None}) == 42
    assert routing.modem_minutes({"elapsed_minutes": 90, "reason": "window"}) == 90  # waits, then sends
    assert routing.modem_minutes({"elapsed_minutes": None, "reason": "no_modems"}) is None
    assert routing.modem_minutes({"elapsed_minutes": None, "reason": "too_long"}) is None
    assert routing.modem_minutes({"elapsed_minutes": None, "reason": "hold"}) == 0.0  # the hold stops both routes


def test_smpp_time_is_parts_over_the_summed_rate_and_cost_each_accounts_price():
    accounts = [Account("telkomsel", 50, 300), Account("cadangan", 50, 350)]
    assert routing.smpp_seconds(6000, accounts) == 60
    assert routing.smpp_cost(6000, accounts) == 3000 * 300 + 3000 * 350
    assert routing.smpp_seconds(10, []) is None and routing.smpp_cost(10, []) is None
    assert routing.smpp_cost(10, [Account("mati", 0, 400)]) == 4000  # no rate: at its price, never free


def test_route_costs_side_by_side():
    modem_time = {"elapsed_minutes": 2000, "human": "1 hari 9 jam 20 menit", "human_en": "1 d 9 h 20 min",
                  "reason": None, "note": None, "note_en": None}
    out = routing.route_costs(200_000, modem_price=150, modem_time=modem_time,
                              accounts=[Account("pemkab", 100, 275)])
    assert out[MODEM]["cost_rupiah"] == 30_000_000 and out[MODEM]["human"] == "1 hari 9 jam 20 menit"
    assert out[SMPP]["cost_rupiah"] == 55_000_000 and out[SMPP]["price_per_part"] == (275, 275)
    assert out[SMPP]["minutes"] == 34 and out[SMPP]["human"] == "34 menit" and out[SMPP]["human_en"] == "34 min"
    none = routing.route_costs(10, modem_price=150, modem_time=modem_time, accounts=[])
    assert none[SMPP]["cost_rupiah"] is None and none[SMPP]["minutes"] is None and none[SMPP]["accounts"] == 0


# -- every route honours the hold and opt-outs (real SQLite file, the workers' own claim verbs) -----------

from firmware.campaigns import campaign as campaigns  # noqa: E402
from firmware.people.audience import Audience  # noqa: E402
from firmware.office.config import Config, ModemConfig, SmppAccount  # noqa: E402

from test_audience import add_contacts  # noqa: E402

PEMKAB = SmppAccount("pemkab", "127.0.0.1", "pemkab01", "rahasia", source_addr="PEMKAB", rate=100.0,
                     price_per_part=275.0)


@pytest.mark.parametrize("channel", [MODEM, SMPP, AUTO])
def test_the_hold_and_opt_outs_apply_to_every_route(store, channel):
    add_contacts(store, [{"number": f"+6281300002{i:03d}", "name": f"Warga {i}", "desa": "Sumberagung"}
                         for i in range(6)])
    store.add_optout("081300002000", source="test")  # opted out before the campaign: never queued
    config = Config(modems=(ModemConfig("sim800", "/dev/ttyUSB2"),), smpp=(PEMKAB,))
    cid = campaigns.create(store, "Vaksin", "Vaksinasi Sabtu.", Audience(everyone=True), actor="test",
                           channel=channel)
    store.set_hold(True, reason="Masa tenang", by="test")
    result = campaigns.submit(store, cid, "test", config=config)
    assert result["queued"] == 5 and result["suppressed"] == 1

    def claim_all() -> list:
        got = store.smpp_claim("pemkab", 100)
        while (m := store.claim("sim800")) is not None:
            got.append(m)
        return got

    assert claim_all() == []  # the hold stops the modems and the operator alike
    store.add_optout("+6281300002001", source="test")  # a BERHENTI while held: its queued message is dropped
    store.set_hold(False, reason=None, by="test")
    sent = {m.number for m in claim_all()}
    assert sent == {f"+6281300002{i:03d}" for i in range(2, 6)}
    states = dict(store.conn.execute("SELECT number, state FROM messages WHERE campaign_id = ?", (cid,)).fetchall())
    assert states["+6281300002000"] == states["+6281300002001"] == "suppressed"
    channels = {r[0] for r in store.conn.execute("SELECT channel FROM messages WHERE campaign_id = ?", (cid,))}
    assert channels == ({MODEM} if channel in (MODEM, AUTO) else {SMPP})  # 5 recipients, automatic: the modems


def test_queue_time_overflow_when_the_modems_would_take_too_long(store):
    add_contacts(store, [{"number": f"+6281300003{i:03d}", "name": f"Warga {i}", "desa": "Sumberagung"}
                         for i in range(120)])
    slow = Config(modems=(ModemConfig("sim800", "/dev/ttyUSB2", per_minute=1),), smpp=(PEMKAB,))
    fast = Config(modems=(ModemConfig("sim800", "/dev/ttyUSB2", per_minute=20),), smpp=(PEMKAB,))

    def queued(config, **kw) -> set:
        cid = campaigns.create(store, "Posyandu", "Posyandu Selasa.", Audience(everyone=True), actor="test", **kw)
        store.set_setting("approval_threshold", 1000, by="test")
        campaigns.submit(store, cid, "test", config=config)
        channels = {r[0] for r in store.conn.execute("SELECT channel FROM messages WHERE campaign_id = ?", (cid,))}
        store.cancel_campaign(cid, "test")
        return channels

    assert queued(fast) == {MODEM}  # 120 parts at 20 a minute: 6 minutes
    assert queued(slow) == {None}  # 120 minutes > 60: the operator takes what the modems cannot
    assert queued(fast, emergency=True) == {None}  # emergencies either way
    store.set_setting(routing.AUTO_THRESHOLD_KEY, 100, by="test")
    assert queued(fast) == {SMPP}  # 120 > 100 recipients
    assert queued(Config(modems=fast.modems)) == {MODEM}  # no operator account: the modems, whatever the size


def test_a_blast_on_the_operator_route_is_not_counted_as_the_modems_work(store):
    """The modems never claim an operator-only campaign: the estimate (and so the automatic rule) leaves it out."""
    add_contacts(store, [{"number": f"+6281300004{i:03d}", "name": f"Warga {i}", "desa": "Sumberagung",
                          "tags": ["besar" if i < 300 else "kecil"]} for i in range(310)])
    store.set_setting("approval_threshold", 1000, by="test")
    slow = Config(modems=(ModemConfig("sim800", "/dev/ttyUSB2", per_minute=2),), smpp=(PEMKAB,))
    big = campaigns.create(store, "Besar", "Pajak PBB jatuh tempo.", Audience.build(tag=["besar"]), actor="test",
                           channel="smpp")
    campaigns.submit(store, big, "test", config=slow)
    small = campaigns.create(store, "Kecil", "Rapat RT.", Audience.build(tag=["kecil"]), actor="test")
    p = campaigns.preview_campaign(store, slow, small)
    assert p["time"]["ahead_parts"] == 0 and p["time"]["elapsed_minutes"] <= 6  # 10 parts at 2 a minute
    assert p["route"]["channel"] == MODEM
    campaigns.submit(store, small, "test", config=slow)
    assert {r[0] for r in store.conn.execute("SELECT channel FROM messages WHERE campaign_id = ?", (small,))} == {MODEM}
