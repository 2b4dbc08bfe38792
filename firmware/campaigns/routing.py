"""Which route a campaign's messages take: the box's modems, the operator's SMPP account, or either.

A campaign chooses (``campaigns.channel``): ``modem`` ("Modem kotak"), ``smpp`` ("Operator (SMPP)") or
``NULL`` for automatic ("Otomatis").  When it is queued, :func:`choose_channel` (the ONE place the
automatic rule lives) decides ``messages.channel`` for its messages:

- ``modem``: only the modem workers claim them; ``smpp``: only the SMPP workers; ``NULL``: either
  (the claim rule of :mod:`firmware.queue.store`: modem workers claim NULL or 'modem', SMPP workers
  NULL or 'smpp').
- Automatic: an emergency goes either way (``NULL``: whichever route is free first sends it); a job of
  more than ``smpp_auto_threshold`` recipients (office setting) goes by the operator; a smaller job
  goes by the modems, unless they are saturated (their estimate for it is longer than
  ``smpp_overflow_minutes``, or no modem can send it at all): then it overflows to either route.
  Without an SMPP account the automatic choice is always the modems.

The hold, the send window rules of each route and opt-outs apply whatever the channel: the queue
suppresses opted-out numbers before any route sees them, and every worker honours the hold.

:func:`route_costs` gives the preview's figures per route: cost at the route's own price per SMS part
(modems: the ``cost_per_segment`` setting; SMPP: each account's ``price_per_part``) and the time the
route would take (modems: :mod:`firmware.queue.estimate`; SMPP: parts over the accounts' summed rate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from firmware.errors import BilingualError

MODEM, SMPP, AUTO = "modem", "smpp", "auto"
#: The choices a campaign offers, as stored in ``campaigns.channel`` (automatic is NULL).
CHOICES = (AUTO, MODEM, SMPP)
#: Office settings: recipients above which an automatic campaign goes by the operator ...
AUTO_THRESHOLD_KEY = "smpp_auto_threshold"
DEFAULT_AUTO_THRESHOLD = 500
#: ... and the modems' estimated minutes beyond which a smaller one overflows to either route.
OVERFLOW_KEY = "smpp_overflow_minutes"
DEFAULT_OVERFLOW_MINUTES = 60
#: Estimate reasons that mean the modems cannot move a job at all (not the hold: it stops every route).
_MODEMS_STUCK = ("no_modems", "too_long")


class RouteError(BilingualError, ValueError):
    """A route choice that cannot be used (unknown, or the operator route without an account)."""


def check_choice(value: Any) -> str:
    """``modem``, ``smpp`` or ``auto`` from a form or the command line (``otomatis``, ``operator`` and
    empty accepted); RouteError otherwise."""
    text = str(value or "").strip().lower()
    aliases = {"": AUTO, "otomatis": AUTO, "automatic": AUTO, "operator": SMPP, "modem kotak": MODEM}
    text = aliases.get(text, text)
    if text not in CHOICES:
        raise RouteError(f"route {str(value)[:40]!r}: choose modem, smpp or auto",
                         f"Jalur {str(value)[:40]!r} tidak dikenal: pilih modem, smpp (operator) atau otomatis.")
    return text


def stored(choice: str) -> str | None:
    """The ``campaigns.channel`` value of a choice (automatic is NULL)."""
    return None if choice == AUTO else choice


def choice_of(channel: str | None) -> str:
    """The choice a ``campaigns.channel`` value stands for."""
    return channel if channel in (MODEM, SMPP) else AUTO


def choose_channel(choice: str, *, recipients: int, emergency: bool, smpp_accounts: int,
                   modem_minutes: float | None, threshold: int = DEFAULT_AUTO_THRESHOLD,
                   overflow_minutes: float = DEFAULT_OVERFLOW_MINUTES) -> str | None:
    """The ``messages.channel`` of a campaign's messages: ``"modem"``, ``"smpp"`` or None (either route).

    ``modem_minutes``: the modems' own estimate for this job (None when they cannot send it: no modem,
    or longer than the estimate looks).  Only asked for by the automatic rule on a small, ordinary job
    (callers may pass None otherwise and skip computing it; see :func:`needs_modem_estimate`).
    """
    if choice == MODEM:
        return MODEM
    if choice == SMPP:
        return SMPP
    if smpp_accounts <= 0:
        return MODEM
    if emergency:
        return None
    if recipients > threshold:
        return SMPP
    if modem_minutes is None or modem_minutes > overflow_minutes:
        return None  # the modems are saturated: the operator route takes what they cannot
    return MODEM


def needs_modem_estimate(choice: str, *, recipients: int, emergency: bool, smpp_accounts: int,
                         threshold: int = DEFAULT_AUTO_THRESHOLD) -> bool:
    """Whether :func:`choose_channel` would look at the modems' estimate for these arguments."""
    return choice == AUTO and smpp_accounts > 0 and not emergency and recipients <= threshold


def modem_minutes(time_estimate: Mapping[str, Any]) -> float | None:
    """The modems' minutes from an :mod:`firmware.queue.estimate` answer; None when they cannot send it
    (no modem ready, or beyond the estimate's horizon).  The hold is not saturation: it stops every route."""
    reason = time_estimate.get("reason")
    if reason in _MODEMS_STUCK:
        return None
    if reason == "hold":
        return 0.0  # says nothing of the modems' load (callers estimate with the hold off)
    minutes = time_estimate.get("elapsed_minutes")
    return None if minutes is None else float(minutes)


@dataclass(frozen=True)
class Account:
    """What the preview needs of one SMPP account: its name, rate (messages a second) and price per part."""

    name: str
    rate: float
    price_per_part: float


def smpp_seconds(parts: int, accounts: Sequence[Account]) -> float | None:
    """Seconds the operator route needs for ``parts`` SMS parts at the accounts' summed rate
    (each submit_sm carries one part); None without an account."""
    rate = sum(max(0.0, a.rate) for a in accounts)
    if rate <= 0:
        return None
    return parts / rate


def smpp_cost(parts: int, accounts: Sequence[Account]) -> float | None:
    """Rupiah for ``parts`` SMS parts by the operator route: the accounts share the parts in proportion
    to their rates, each at its own price per part; None without an account."""
    rate = sum(max(0.0, a.rate) for a in accounts)
    if not accounts:
        return None
    if rate <= 0:
        return parts * max(a.price_per_part for a in accounts)
    return sum(parts * max(0.0, a.rate) / rate * a.price_per_part for a in accounts)


def human_minutes(seconds: float) -> tuple[int, str, str]:
    """(whole minutes, Bahasa, English) for a duration, in the estimate's words."""
    from firmware.queue.estimate import _human  # the one wording of a duration

    minutes = max(0, math.ceil(seconds / 60 - 1e-9))
    return minutes, _human(minutes, "hari", "jam", "menit"), _human(minutes, "d", "h", "min")


def route_costs(parts: int, *, modem_price: float, modem_time: Mapping[str, Any],
                accounts: Sequence[Account]) -> dict[str, Any]:
    """The preview's per-route figures: ``modem`` and ``smpp``, each with ``cost_rupiah``,
    ``price_per_part`` (a (low, high) pair for SMPP when the accounts' prices differ) and the time
    (``minutes``, ``human``, ``human_en``; the modems' also carry the estimate's ``note``/``reason``)."""
    modem = {"cost_rupiah": parts * modem_price, "price_per_part": (modem_price, modem_price),
             "minutes": modem_time.get("elapsed_minutes"), "human": modem_time.get("human"),
             "human_en": modem_time.get("human_en"), "note": modem_time.get("note"),
             "note_en": modem_time.get("note_en"), "reason": modem_time.get("reason")}
    smpp: dict[str, Any] = {"accounts": len(accounts), "cost_rupiah": smpp_cost(parts, accounts),
                            "price_per_part": ((min(a.price_per_part for a in accounts),
                                                max(a.price_per_part for a in accounts)) if accounts else None),
                            "rate": sum(a.rate for a in accounts), "minutes": None, "human": None, "human_en": None}
    seconds = smpp_seconds(parts, accounts)
    if seconds is not None:
        smpp["minutes"], smpp["human"], smpp["human_en"] = human_minutes(seconds)
    return {MODEM: modem, SMPP: smpp}


def accounts(store, config=None) -> list[Account]:
    """Every operator account the daemon sends through, as the preview and the rule count them: the one merge
    of the configuration file's (``config.smpp``, when a config is given) and the enabled ones added on the page
    (:func:`firmware.queue.smpp_store.operator_accounts`)."""
    from firmware.office.config import Config
    from firmware.queue.smpp_store import operator_accounts

    found, _ = operator_accounts(config if config is not None else Config(), store)
    return [Account(a.name, a.rate, a.price_per_part) for a in found]


def operator_eta(parts: int, accounts: Sequence[Account], now: float, *, hold_reason: str | None = None,
                 held: bool = False) -> dict[str, Any] | None:
    """When the operator route will have sent ``parts`` waiting parts, shaped like an estimate answer of
    :mod:`firmware.queue.estimate` (``human``/``human_en``, ``finish_ts``, or the hold's ``note``) so the pages
    show it the same way; None without an account."""
    seconds = smpp_seconds(parts, accounts)
    if seconds is None:
        return None
    if held:
        why = f": {hold_reason}" if hold_reason else ""
        return {"reason": "hold", "note": f"Ditahan{why}", "note_en": f"On hold{why}", "human": f"Ditahan{why}",
                "human_en": f"On hold{why}", "finish_ts": None, "elapsed_minutes": None}
    minutes, human, human_en = human_minutes(seconds)
    return {"reason": None, "note": None, "note_en": None, "human": human, "human_en": human_en,
            "finish_ts": now + seconds, "elapsed_minutes": minutes}
