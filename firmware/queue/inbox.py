"""What the box does with an SMS a resident sent it, whichever route brought it (modem or operator).

Every receiving worker (the modem worker, the SMPP worker) hands a whole or partial incoming message to
:func:`file_incoming`: it is stored in the inbox first (durable, idempotent), and only a whole message is
acted on — an opt-out keyword (``BERHENTI``, ``STOP``) suppresses the number's queued messages and queues
the confirmation. Keeping this in one place is what makes an opt-out by SMS mean the same on every route.

The inbox's read verbs for the page (:func:`inbox_page`, :func:`inbox_row`, :func:`inbox_counts`) are here too.
"""

from __future__ import annotations

import logging
from typing import Any

from firmware.office.config import Config
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
    return inbox_id


def optout_keyword(text: str, keywords: tuple[str, ...]) -> str | None:
    """The opt-out keyword a reply consists of ("stop", " Berhenti. "), or None."""
    word = "".join(ch for ch in text.strip().upper() if ch.isalnum() or ch == " ").strip()
    first = word.split(" ", 1)[0] if word else ""
    for kw in keywords:
        if word == kw.upper() or (first == kw.upper() and len(word.split()) <= 3):
            return kw.upper()
    return None


# -- reading the inbox (the Inbox page, the dashboard) -----------------------------------------------------

INBOX_KINDS = ("reply", "optout", "junk")


def inbox_page(store: Store, *, kind: str | None = None, handled: bool | None = None, offset: int = 0,
               limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Incoming messages newest first, with the sender's contact name and whether the number opted out;
    and how many match in all."""
    where, args = [], []
    if kind in INBOX_KINDS:
        where.append("i.kind = ?")
        args.append(kind)
    if handled is not None:
        where.append("i.handled = ?")
        args.append(int(handled))
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    total = store.conn.execute(f"SELECT COUNT(*) FROM inbox i{cond}", args).fetchone()[0]
    rows = store.conn.execute(
        f"SELECT {_INBOX_COLUMNS} FROM inbox i{cond} ORDER BY i.received_at DESC, i.id DESC LIMIT ? OFFSET ?",
        (*args, limit, offset)).fetchall()
    return [dict(r) for r in rows], total


_INBOX_COLUMNS = (
    "i.id, i.modem, i.number, i.text, i.kind, i.received_at, i.sc_timestamp, i.handled, i.handled_by, i.handled_at,"
    " i.reply_id, (SELECT m.state FROM messages m WHERE m.id = i.reply_id) AS reply_state,"
    " (SELECT c.name FROM contacts c WHERE c.number = i.number) AS contact_name,"
    " (SELECT c.id FROM contacts c WHERE c.number = i.number) AS contact_id,"
    " (SELECT o.created_at FROM optouts o WHERE o.match_number = i.number) AS optout_at")


def inbox_row(store: Store, inbox_id: int) -> dict[str, Any] | None:
    """One incoming message as :func:`inbox_page` lists it (who handled it, its reply's state), or None."""
    row = store.conn.execute(f"SELECT {_INBOX_COLUMNS} FROM inbox i WHERE i.id = ?", (inbox_id,)).fetchone()
    return dict(row) if row is not None else None


def replies_to(store: Store, number: str, limit: int = 20) -> list[dict[str, Any]]:
    """The replies queued from the inbox to ``number``, newest first: text, who, when, queue state."""
    return [dict(r) for r in store.conn.execute(
        "SELECT m.id, m.text, m.state, m.created_by, m.created_at, m.sent_at, m.done_at, i.id AS inbox_id"
        " FROM inbox i JOIN messages m ON m.id = i.reply_id WHERE i.number = ? ORDER BY m.id DESC LIMIT ?",
        (number, limit))]


def inbox_counts(store: Store) -> dict[str, int]:
    """Unhandled messages per kind (for the filter chips)."""
    return dict(store.conn.execute("SELECT kind, COUNT(*) FROM inbox WHERE handled = 0 GROUP BY kind").fetchall())


def inbox_entries(store: Store) -> list[dict[str, Any]]:
    """Every incoming message (``number, text, kind``) in the order it arrived (the demo's summary)."""
    return [dict(r) for r in store.conn.execute("SELECT number, text, kind FROM inbox ORDER BY id")]


def inbox_exists(store: Store, inbox_id: int) -> bool:
    return store.conn.execute("SELECT 1 FROM inbox WHERE id = ?", (inbox_id,)).fetchone() is not None
