"""The one time estimate: when the queue, as it is now, will have sent a campaign (or a campaign about to be).

Compose, approval, the campaign page, the dashboard and the API all ask :func:`for_campaign` or
:func:`for_new`, so they all show the same figure, and it is the daemon's figure: the model is what
:mod:`firmware.queue.modem_worker` and :mod:`firmware.queue.limits` do.

- The queue drains in claim order: higher priority first, then first queued first.  What is queued
  ahead of a campaign goes before it; a scheduled campaign (``send_at``) is not claimed before then.
- Everything is counted in SMS parts, never in messages: a two-part text costs two of a SIM's quota.
- Each SIM sends at most its per-minute, per-hour and per-day limits over sliding windows, and the
  parts it has already sent in the last 24 hours count (``message_parts``); only inside the send
  window; nothing but emergencies while the hold is on.  An emergency (priority >= 100) passes limits,
  window and hold, but its parts still use up the SIM's quota for what follows.
- Only the modems' work counts: a campaign queued for the operator route alone (``channel = 'smpp'``) is
  left out (the modem workers never claim it; its time is the operator route's, parts over the rate).
- A modem's own speed: :data:`SECONDS_PER_PART` per part, plus the daemon's mean pause between
  messages (jitter).  A parked modem sends nothing until it is due back; an absent or dead one, nothing.

The simulation itself (:func:`simulate`) is pure: it takes a :class:`Snapshot` (read by
:func:`take_snapshot` from a handful of rows, whatever the size of the queue) and steps minute by
minute.  When the campaign cannot move now, the answer says why (hold, send window, a SIM limit
reached, scheduled, waiting behind other messages) and when it will move, instead of a countdown.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from firmware.office import settings as office_settings
from firmware.office.config import Config, ModemConfig
from firmware.queue.limits import in_window
from firmware.queue.store import EMERGENCY

#: Seconds a modem takes to submit one SMS part (AT+CMGS round trip on 2G): the planning figure of
#: reference/prior-art.md section 2.11 (gammu issue 419: parts 2.5-3 s apart); measure and adjust.
SECONDS_PER_PART = 3.0
#: The estimate gives up past this many days.
MAX_DAYS = 90
#: The key of a campaign that is not queued yet (compose, approval).
NEW = "new"
#: Modem states in which a SIM sends nothing (the daemon reports them in ``modems.state``).
SILENT_STATES = ("absent", "dead")


@dataclass(frozen=True)
class Block:
    """Messages that wait together in the queue: one campaign's (or those of no campaign at one priority)
    to the numbers of one operator."""

    key: Any  # campaign id; None: messages of no campaign; NEW: a campaign not queued yet
    priority: int
    messages: int
    parts: int
    not_before: float = 0.0  # a scheduled campaign's send_at
    route: str | None = None  # the numbers' operator (telkomsel, xl ...), None when unknown

    @property
    def emergency(self) -> bool:
        return self.priority >= EMERGENCY


@dataclass(frozen=True)
class Sim:
    """One SIM as the daemon drives it: its limits, what it already sent, when it may send again."""

    name: str
    per_minute: int
    per_hour: int
    per_day: int
    used: Mapping[int, int] = field(default_factory=dict)  # epoch minute -> parts sent (the last 24 h)
    free_from: float = 0.0  # parked until
    route: str | None = None  # the SIM's operator: with routing on it serves its own operator's numbers


@dataclass(frozen=True)
class Snapshot:
    """Everything the estimate needs, read once: the queue in claim order, the SIMs, the rules."""

    now: float
    blocks: tuple[Block, ...]
    sims: tuple[Sim, ...]
    window: tuple[int, int]  # minutes of the local day [start, end)
    tz: tzinfo
    hold: bool = False
    hold_reason: str | None = None
    jitter: float = 0.0  # mean seconds the daemon pauses between ordinary messages
    unthrottled: bool = False  # tests and benchmarks: no limits, jitter or window
    routing: bool = False  # a number goes through a SIM of its operator when there is one


class _SimState:
    """One SIM's parts over its sliding windows during the simulation: (epoch minute, parts), oldest first."""

    def __init__(self, sim: Sim, minute: int) -> None:
        self.sim = sim
        used = sorted((m, float(n)) for m, n in sim.used.items() if minute - 1440 < m <= minute and n > 0)
        self.day = collections.deque([m, n] for m, n in used)
        self.hour = collections.deque([m, n] for m, n in used if m > minute - 60)
        self.day_sum = sum(n for _, n in used)
        self.hour_sum = sum(n for _, n in self.hour)
        self.minute_sum = self.hour[-1][1] if self.hour and self.hour[-1][0] == minute else 0.0

    def add(self, minute: int, parts: float) -> None:
        for window in (self.day, self.hour):
            if window and window[-1][0] == minute:
                window[-1][1] += parts
            else:
                window.append([minute, parts])
        self.minute_sum += parts
        self.hour_sum += parts
        self.day_sum += parts

    def advance(self, minute: int) -> None:
        """Move on to ``minute``: what left the hour and the day drops out."""
        while self.hour and self.hour[0][0] <= minute - 60:
            self.hour_sum -= self.hour.popleft()[1]
        while self.day and self.day[0][0] <= minute - 1440:
            self.day_sum -= self.day.popleft()[1]
        self.minute_sum = self.hour[-1][1] if self.hour and self.hour[-1][0] == minute else 0.0

    def next_change(self, minute: int) -> int | None:
        """The next minute at which a part leaves one of this SIM's windows."""
        if self.minute_sum > 0:
            return minute + 1
        times = ([self.hour[0][0] + 60] if self.hour else []) + ([self.day[0][0] + 1440] if self.day else [])
        return min(times) if times else None


@dataclass
class Outcome:
    """What :func:`simulate` found for each block, and for the SIMs at the start."""

    finish: dict[Any, float | None]  # key -> epoch seconds when its last part goes (None: not within MAX_DAYS)
    first_move: dict[Any, float]  # key -> when it first gets a part out
    ahead: dict[Any, int]  # key -> parts queued ahead of its first block at the start
    sims_free_at: float | None  # first time any SIM may send an ordinary part (None: never within MAX_DAYS)
    limit_at_start: str | None  # "minute" / "hour" / "day" when every SIM starts over its limit


# -- the simulation (pure) -------------------------------------------------------------------------


def simulate(snap: Snapshot) -> Outcome:
    """Step minute by minute from ``snap.now`` until every block that can move is out (or MAX_DAYS).

    A minute in which nothing can go (window closed, every SIM at a limit, nothing due) jumps to the next
    minute at which that may change, so a month-long queue costs a few thousand steps, not 40,000.
    """
    blocks = list(snap.blocks)
    remaining = [float(b.parts) for b in blocks]
    ahead, total = {}, 0
    for b in blocks:
        ahead.setdefault(b.key, total)
        total += b.parts
    messages = sum(b.messages for b in blocks)
    parts = sum(b.parts for b in blocks) or 1
    jitter = 0.0 if snap.unthrottled else snap.jitter
    physical = 60.0 / (SECONDS_PER_PART + jitter * messages / parts)  # parts a minute one modem sends
    m0 = int(snap.now // 60)
    states = [_SimState(s, m0) for s in snap.sims]
    done_at: list[float | None] = [None if b.parts > 0 else snap.now for b in blocks]
    first_move: dict[Any, float] = {}
    serves = _routes_served(snap)
    movable = [i for i, b in enumerate(blocks) if b.parts > 0 and (b.emergency or not snap.hold)]
    sims_free_at = None
    limit_at_start = _limit_at_start(states, snap) if states else None
    offset = _offset_minutes(snap)
    step, last = 0, MAX_DAYS * 1440
    while step < last and states and any(remaining[i] > 1e-9 for i in movable):
        minute = m0 + step
        t = max(snap.now, minute * 60.0)  # minutes aligned to the clock: the same answer all minute long
        open_ = snap.unthrottled or _open(minute + offset, snap.window)
        phys = [physical if t >= st.sim.free_from else 0.0 for st in states]
        room = [_room(st, snap.unthrottled) if open_ else 0.0 for st in states]
        if sims_free_at is None and any(min(p, r) > 0 for p, r in zip(phys, room)):
            sims_free_at = t
        capacity = sum(phys) or 1.0
        done = 0.0
        for i in movable:
            b = blocks[i]
            if remaining[i] <= 1e-9 or b.not_before > t:
                continue
            took = _take(b, remaining[i], states, serves, phys, room, minute)
            if took > 0:
                first_move.setdefault(b.key, t)
                remaining[i] -= took
                done += took
            if remaining[i] <= 1e-9:
                done_at[i] = max(snap.now, minute * 60.0 + 60.0 * min(1.0, done / capacity))
        if done > 0:
            step += 1
            for st in states:
                st.advance(m0 + step)
            continue
        nxt = _next_change(snap, states, minute, offset, [blocks[i] for i in movable if remaining[i] > 1e-9])
        if nxt is None:
            break
        step = nxt - m0
        for st in states:
            st.advance(nxt)
    finish: dict[Any, float | None] = {}
    for b, at in zip(blocks, done_at):  # a campaign is done when its last route is
        finish[b.key] = None if at is None or finish.get(b.key, 0.0) is None else max(at, finish.get(b.key, 0.0))
    return Outcome(finish, first_move, ahead, sims_free_at, limit_at_start)


def _routes_served(snap: Snapshot) -> list[set[str | None] | None]:
    """For each SIM, the routes whose numbers it may send (None: any), as the worker claims
    (:func:`firmware.queue.modem_worker.claim_routes`: its own operator's, unrouted ones, and operators no SIM serves)."""
    from firmware.queue.modem_worker import claim_routes  # the worker's own rule (imported late: it pulls in the driver)

    live = {s.route for s in snap.sims if s.route is not None}
    out = []
    for s in snap.sims:
        order = claim_routes(s.route, live, snap.routing)
        out.append(None if order is None else set(order))
    return out


def _take(block: Block, wanted: float, states: list[_SimState], serves: list[set[str | None] | None],
          phys: list[float], room: list[float], minute: int) -> float:
    """Parts of ``block`` the SIMs send in ``minute`` (at most ``wanted``), taken from what each SIM can
    still do (``phys``: the modem's speed; ``room``: its limits, which an emergency passes) and recorded."""
    took = 0.0
    for k, st in enumerate(states):
        if serves[k] is not None and block.route not in serves[k]:
            continue  # another operator's SIM sends these
        take = min(wanted - took, phys[k] if block.emergency else min(phys[k], room[k]))
        if take <= 0:
            continue
        phys[k] -= take
        room[k] = max(0.0, room[k] - take)
        st.add(minute, take)
        took += take
    return took


def _offset_minutes(snap: Snapshot) -> int:
    offset = snap.tz.utcoffset(datetime.fromtimestamp(snap.now, snap.tz))
    return int(offset.total_seconds() // 60) if offset else 0


def _open(local_minute: int, window: tuple[int, int]) -> bool:
    """:func:`firmware.queue.limits.in_window` for a local epoch minute (arithmetic: the simulation asks often)."""
    start, end = window
    mod = local_minute % 1440
    return start <= mod < end if start <= end else (mod >= start or mod < end)


def _next_change(snap: Snapshot, states: list[_SimState], minute: int, offset: int,
                 waiting: list[Block]) -> int | None:
    """The next epoch minute after ``minute`` at which something that kept everything still may change:
    a part leaving a SIM's minute, hour or day window, the send window turning, a parked modem coming
    back, a scheduled campaign coming due.  None when nothing ever will."""
    events = []
    for st in states:
        change = st.next_change(minute)
        if change is not None:
            events.append(change)
        if st.sim.free_from > max(snap.now, minute * 60.0):
            events.append(math.ceil(st.sim.free_from / 60))
    events.extend(math.ceil(b.not_before / 60) for b in waiting if b.not_before / 60 > minute)
    start, end = snap.window
    if not snap.unthrottled and start != end:
        mod = (minute + offset) % 1440
        turn = end if _open(minute + offset, snap.window) else start  # the window closes, or opens
        events.append(minute + ((turn - mod) % 1440 or 1440))
    later = [e for e in events if e > minute]
    return min(later) if later else None


def _room(st: _SimState, unthrottled: bool) -> float:
    """Parts this SIM may still send this minute under its limits."""
    if unthrottled:
        return math.inf
    s = st.sim
    return max(0.0, min(s.per_minute - st.minute_sum, s.per_hour - st.hour_sum, s.per_day - st.day_sum))


def _limit_at_start(states: list[_SimState], snap: Snapshot) -> str | None:
    """Which limit holds every SIM back right now ("day" before "hour" before "minute"), or None."""
    if snap.unthrottled:
        return None
    kinds = []
    for st in states:
        s = st.sim
        if st.day_sum >= s.per_day:
            kinds.append("day")
        elif st.hour_sum >= s.per_hour:
            kinds.append("hour")
        elif st.minute_sum >= s.per_minute:
            kinds.append("minute")
        else:
            return None
    return min(kinds, key=("minute", "hour", "day").index)


# -- answers for the pages -------------------------------------------------------------------------


def with_new(snap: Snapshot, routes: Mapping[str | None, tuple[int, int]], *, priority: int = 0,
             not_before: float = 0.0) -> Snapshot:
    """``snap`` with a campaign not queued yet (``routes``: operator -> (parts, messages)) added where the
    daemon would claim it (priority, then ``not_before``, then first queued): after everything of its
    priority or higher already queued."""
    new = [Block(NEW, priority, messages, parts, not_before, route) for route, (parts, messages) in routes.items()]
    blocks = list(snap.blocks)
    at = next((i for i, b in enumerate(blocks)
               if b.priority < priority or b.priority == priority and b.not_before > not_before), len(blocks))
    return replace(snap, blocks=tuple(blocks[:at] + new + blocks[at:]))


def for_new(snap: Snapshot, parts: int, messages: int, *, emergency: bool = False, send_at: float | None = None,
            routes: Mapping[str | None, tuple[int, int]] | None = None) -> dict[str, Any]:
    """The estimate for a campaign about to be queued (compose preview, approval page): ``parts`` SMS parts
    in ``messages`` messages, split by the numbers' operator in ``routes`` (operator -> (parts, messages))."""
    priority = EMERGENCY if emergency else 0
    full = with_new(snap, routes or {None: (parts, messages)}, priority=priority, not_before=send_at or 0.0)
    return answer(full, simulate(full), NEW)


def for_campaign(snap: Snapshot, campaign_id: int, outcome: Outcome | None = None) -> dict[str, Any] | None:
    """The estimate for a queued campaign (None when none of its messages waits in the queue)."""
    if not any(b.key == campaign_id for b in snap.blocks):
        return None
    return answer(snap, outcome or simulate(snap), campaign_id)


def answer(snap: Snapshot, out: Outcome, key: Any) -> dict[str, Any]:
    """The estimate for campaign ``key`` (its blocks, one per route) as the pages and the API show it.

    ``finish_at`` (ISO, office time; ``finish_ts`` epoch seconds) and ``elapsed_minutes`` from now;
    ``human``/``human_en`` the time left in words; ``note``/``note_en`` why it does not move now, when it
    does not ("Ditahan: Pilkada", "Di luar jam kirim — mulai pukul 06:00"), with ``reason`` its code and
    ``resume_at`` when it moves.
    """
    mine = [b for b in snap.blocks if b.key == key]
    block = replace(mine[0], messages=sum(b.messages for b in mine), parts=sum(b.parts for b in mine), route=None)
    finish = out.finish.get(key)
    result: dict[str, Any] = {
        "modems": len(snap.sims), "parts": block.parts, "messages": block.messages,
        "ahead_parts": out.ahead.get(key, 0), "seconds_per_part": SECONDS_PER_PART,
        "jitter_avg_seconds": snap.jitter, "finish_at": None, "finish_ts": None, "elapsed_minutes": None,
        "reason": None, "resume_at": None, "note": None, "note_en": None,
    }
    why = _why_not_now(snap, out, block)
    if why is not None:
        reason, resume_at, note, note_en = why
        result.update(reason=reason, resume_at=_iso(resume_at, snap.tz) if resume_at else None, note=note,
                      note_en=note_en)
    if finish is None:
        too_long = (f"lebih dari {MAX_DAYS} hari", f"more than {MAX_DAYS} days")
        if why is None:
            result.update(reason="too_long", note=too_long[0], note_en=too_long[1])
        if result["reason"] in ("hold", "no_modems"):  # no time at all while these last
            return {**result, "human": result["note"], "human_en": result["note_en"]}
        return {**result, "human": too_long[0], "human_en": too_long[1]}
    minutes = max(0, math.ceil((finish - snap.now) / 60 - 1e-9))
    return {**result, "finish_at": _iso(finish, snap.tz), "finish_ts": finish, "elapsed_minutes": minutes,
            "human": _human(minutes, "hari", "jam", "menit"), "human_en": _human(minutes, "d", "h", "min")}


def _why_not_now(snap: Snapshot, out: Outcome, block: Block) -> tuple[str, float | None, str, str] | None:
    """(reason, when it moves, Bahasa, English) when ``block`` sends nothing in the first minute; else None."""
    if block.parts <= 0 or out.first_move.get(block.key, math.inf) < snap.now + 60:
        return None
    tz, now = snap.tz, snap.now
    if not snap.sims:
        return "no_modems", None, "Tidak ada modem yang siap mengirim", "No modem is ready to send"
    if snap.hold and not block.emergency:
        why = f": {snap.hold_reason}" if snap.hold_reason else ""
        return "hold", None, f"Ditahan{why}", f"On hold{why}"
    if block.not_before > now:
        at = block.not_before
        return ("scheduled", at, f"Terjadwal — mulai {_at(at, now, tz, 'id')}",
                f"Scheduled — starts {_at(at, now, tz, 'en')}")
    emergency = block.emergency
    if not emergency and not snap.unthrottled and not in_window(now, *snap.window, tz):
        at = _next_open(snap)
        return ("window", at, f"Di luar jam kirim — mulai {_at(at, now, tz, 'id')}",
                f"Outside sending hours — starts {_at(at, now, tz, 'en')}")
    if all(now < s.free_from for s in snap.sims):
        at = min(s.free_from for s in snap.sims)
        return ("parked", at, f"Modem beristirahat setelah gangguan — lanjut {_at(at, now, tz, 'id')}",
                f"Modems resting after a fault — resumes {_at(at, now, tz, 'en')}")
    if not emergency and out.limit_at_start is not None:
        at = out.sims_free_at
        words = {"minute": ("menit", "minute"), "hour": ("jam", "hourly"), "day": ("hari", "daily")}[out.limit_at_start]
        when_id = f" — lanjut {_at(at, now, tz, 'id')}" if at else ""
        when_en = f" — resumes {_at(at, now, tz, 'en')}" if at else ""
        return (f"limit_{out.limit_at_start}", at, f"Batas per {words[0]} SIM tercapai{when_id}",
                f"SIM {words[1]} limit reached{when_en}")
    ahead = out.ahead.get(block.key, 0)
    at = out.first_move.get(block.key)
    if ahead:
        return "queue", at, f"Menunggu {_num(ahead)} SMS lain di depannya", f"Waiting behind {ahead:,} other SMS"
    # its operator's SIM is busy or at a limit while others are not
    when_id = f" — mulai {_at(at, now, tz, 'id')}" if at else ""
    when_en = f" — starts {_at(at, now, tz, 'en')}" if at else ""
    return "sim_busy", at, f"Menunggu SIM operatornya{when_id}", f"Waiting for its operator's SIM{when_en}"


def _next_open(snap: Snapshot) -> float:
    """The start of the next minute inside the send window."""
    t = math.floor(snap.now / 60) * 60
    for _ in range(1441):
        t += 60
        if in_window(t, *snap.window, snap.tz):
            return t
    return t


def _at(ts: float, now: float, tz: tzinfo, lang: str) -> str:
    """``pukul 14:00`` today, ``besok pukul 06:00`` tomorrow, else ``07-12-2026 06:00`` (office time)."""
    when, today = datetime.fromtimestamp(ts, tz), datetime.fromtimestamp(now, tz)
    if when.date() == today.date():
        return ("pukul " if lang == "id" else "at ") + when.strftime("%H:%M")
    if when.date() == today.date() + timedelta(days=1):
        return ("besok pukul " if lang == "id" else "tomorrow at ") + when.strftime("%H:%M")
    return when.strftime("%d-%m-%Y %H:%M")


def _num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _human(minutes: int, d: str, h: str, m: str) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    bits = ([f"{days} {d}"] if days else []) + ([f"{hours} {h}"] if hours else []) + ([f"{mins} {m}"] if mins else [])
    return " ".join(bits) or f"0 {m}"


def _iso(ts: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="minutes")


# -- reading the snapshot --------------------------------------------------------------------------


def sending_config(store, config: Config | None) -> tuple[Config, str]:
    """The configuration as the daemon sends by it, and where its per-SIM limits come from.

    The page runs without ``[[modem]]`` tables: then the modems the daemon
    reported stand in, at the default limits.  The office settings from the
    page (window, limits, keywords) are applied over either.
    """
    config = config or Config()
    source = "config"
    if not config.modems:
        config = replace(config, modems=tuple(ModemConfig(name=r["name"], port=r["port"]) for r in store.modems()))
        source = "modems table (default limits)"
    values = office_settings.read(store)
    if "sim_limits" in values:
        source += " + office settings"
    return office_settings.effective(store, config, values), source


def take_snapshot(store, config: Config | None) -> Snapshot:
    """The queue, the SIMs and the rules as they are now: a few rows (``queue_load``, one modem row and
    one day of parts per SIM), fast whatever the size of the queue."""
    config, _ = sending_config(store, config)
    now = store.clock()
    rows = {r["name"]: r for r in store.modems()}
    sims = []
    for m in config.modems:
        row = rows.get(m.name) or {}
        if row.get("state") in SILENT_STATES:
            continue
        free_from = (row.get("parked_until") or 0.0) if row.get("state") == "parked" else 0.0
        sims.append(Sim(m.name, m.per_minute, m.per_hour, m.per_day, store.parts_per_minute(m.name, now - 86400),
                        free_from, m.route or row.get("route")))
    load = store.queue_load()
    # What only the operator route (SMPP) sends is not the modems' work: they never claim it.
    operator_only = store.operator_only_campaigns(r["campaign_id"] for r in load if r["campaign_id"] is not None)
    blocks = tuple(Block(r["campaign_id"], r["priority"], r["messages"], r["parts"], r["send_at"] or 0.0, r["route"])
                   for r in load if r["campaign_id"] not in operator_only)
    hold = store.hold()
    pipelined = config.unthrottled or config.jitter_max == 0
    return Snapshot(now=now, blocks=blocks, sims=tuple(sims), window=config.window(), tz=config.tz,
                    hold=hold.active, hold_reason=hold.reason,
                    jitter=0.0 if pipelined else (config.jitter_min + config.jitter_max) / 2,
                    unthrottled=config.unthrottled, routing=config.routing)


def campaigns_finish(store, config: Config | None, campaign_ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
    """The estimate of several queued campaigns from one snapshot and one simulation (the dashboard)."""
    snap = take_snapshot(store, config)
    out = simulate(snap)
    return {cid: for_campaign(snap, cid, out) for cid in campaign_ids}
