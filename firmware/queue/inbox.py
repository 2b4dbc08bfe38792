"""What the box does with an SMS a resident sent it, whichever route brought it (modem or operator).

Every receiving worker (the modem worker, the SMPP worker) hands a whole or partial incoming message to
:func:`file_incoming`: it is stored in the inbox first (durable, idempotent), and only a whole message is
acted on — an opt-out keyword (``BERHENTI``, ``STOP``) suppresses the number's queued messages and queues
the confirmation; any other resident keyword (``YA``, ``GANTI``, ``DAFTAR``, ``INFO``) goes to
:func:`firmware.people.keywords.handle`. Keeping this in one place is what makes an opt-out by SMS mean the same on every route.
"""

from __future__ import annotations

import logging

from firmware.office.config import Config
from firmware.people import keywords as resident_keywords
from firmware.people.numbers import canonical_sender
from firmware.people.privacy import mask_number
from firmware.queue.store import Store

log = logging.getLogger(__name__)


def file_incoming(
    store: Store,
    config: Config,
    receiver: str,
    sender: str,
    text: str,
    *,
    sc_timestamp: str | None,
    concat: tuple[int, int, int] | None = None,
    raw: str | None = None,
    ton: int | None = None,
    alphanumeric: bool = False,
) -> int | None:
    """Store one incoming SMS (or part) received by ``receiver``; act on it once whole. Returns the inbox id.

    ``sender`` is the number as the network gave it; 0812… (TON national), 62812… (TON unknown) and
    +62812… are one resident, stored in one form. An alphanumeric sender (a bank, the operator) is stored
    but never treated as a resident's opt-out.
    """
    number = canonical_sender(sender, ton)
    inbox_id = store.save_incoming(receiver, number, text, sc_timestamp=sc_timestamp,
                                   concat=concat, raw=raw if concat is None else None)
    if inbox_id is None:
        return None
    whole = store.inbox_text(inbox_id)
    keyword = optout_keyword(whole, config.optout_keywords)
    if keyword and not alphanumeric:
        suppressed = store.add_optout(number, source="sms", keyword=keyword, inbox_id=inbox_id)
        store.enqueue([number], config.optout_confirmation, priority=90, report=False,
                      created_by="daemon", honour_optouts=False)
        store.audit("daemon", "optout", {"source": "sms", "keyword": keyword, "suppressed": suppressed})
        log.info("%s: %s opted out (%s); %d queued message(s) suppressed", receiver, mask_number(number),
                 keyword, suppressed)
    elif not alphanumeric:
        try:
            resident_keywords.handle(store, config, number, whole, inbox_id)
        except Exception:  # noqa: BLE001 - the SMS is stored; a bug here must not stop receiving
            log.exception("%s: keyword handling failed for inbox %d (left for a person)", receiver, inbox_id)
    return inbox_id


def optout_keyword(text: str, keywords: tuple[str, ...]) -> str | None:
    """The opt-out keyword a reply consists of ("stop", " Berhenti. "), or None."""
    word = "".join(ch for ch in text.strip().upper() if ch.isalnum() or ch == " ").strip()
    first = word.split(" ", 1)[0] if word else ""
    for kw in keywords:
        if word == kw.upper() or (first == kw.upper() and len(word.split()) <= 3):
            return kw.upper()
    return None
