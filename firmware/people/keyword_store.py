"""Store verbs for what residents do by SMS keyword: consents, number changes, subscriptions, replies.

The only SQL of :mod:`firmware.people.keywords` and of the "SMS Warga" page. The daemon's verbs run inside
the one transaction :func:`keywords.handle` opens for an incoming SMS (an :class:`Action` carries it), so a
keyword's effect, its automatic replies and their audit entries commit together. Audit entries never hold a
phone number.

Outcomes (``keyword_replies.outcome``, the return of ``keywords.handle``): ``consent``, ``unknown_sender``,
``change_requested``, ``change_confirmation`` (the SMS to the new number), ``change_confirmed``,
``change_usage``, ``change_same``, ``change_new_opted_out``, ``change_new_is_contact``, ``change_approved``,
``subscribed``, ``subscribed_known``, ``subscribe_usage``, ``subscribe_unknown_place``,
``subscribe_ambiguous``, ``info``; ``opted_out`` (a keyword from a number that opted out: nothing done).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from firmware.errors import BilingualError
from firmware.modem.segments import analyse
from firmware.people.audience import strip_place_prefix
from firmware.people.numbers import operator_of, optout_match
from firmware.queue.store import REPLY_PRIORITY, Store

if TYPE_CHECKING:
    from firmware.people.keywords import Place

#: The tag every contact who joined by DAFTAR gets (the office finds them on the Contacts page).
SUBSCRIBED_TAG = "daftar-sms"
#: Template whose campaigns are consent requests (the never-answered list follows them).
CONSENT_TEMPLATE = "minta-persetujuan"
CHANGE_STATES = ("pending", "confirmed", "expired", "rejected", "approved")


class KeywordError(BilingualError, ValueError):
    """An office action on a number change that cannot be done; ``pesan`` says why in Bahasa Indonesia."""


@dataclass
class Action:
    """One incoming keyword SMS being acted on: its transaction, sender, SMS, the reply limit, the clock."""

    store: Store
    c: sqlite3.Connection
    number: str
    inbox_id: int | None
    per_hour: int
    actor: str
    now: float = 0.0
    first_reply: int | None = field(default=None)

    def __post_init__(self) -> None:
        self.now = self.store.clock()

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        self.store._audit(self.c, self.actor, action, {"inbox": self.inbox_id, **detail}, self.now)

    def reply(self, text: str, *, keyword: str, outcome: str, to: str | None = None) -> int | None:
        """Queue an automatic reply to ``to`` (default the sender); the message id, or None when the
        number's replies this hour reached the limit or it opted out (then nothing is queued)."""
        to = to or self.number
        sent = self.c.execute("SELECT COUNT(*) FROM keyword_replies WHERE number = ? AND at > ?"
                              " AND message_id IS NOT NULL", (to, self.now - 3600)).fetchone()[0]
        held = "rate_limited" if sent >= self.per_hour else "opted_out" if is_opted_out(self, to) else None
        message_id = None
        if held is None:
            _, _, message_id = self.store._enqueue(
                self.c, [to], text, priority=REPLY_PRIORITY, report=False, campaign_id=None,
                created_by=self.actor, not_before=0.0, expires_at=None, route_of=operator_of, honour_optouts=True)
        self.c.execute("INSERT INTO keyword_replies (number, keyword, outcome, inbox_id, message_id, at)"
                       " VALUES (?,?,?,?,?,?)", (to, keyword, outcome, self.inbox_id, message_id, self.now))
        to_sender = to == self.number
        if held:
            self.audit("keyword_reply_held", {"keyword": keyword, "outcome": outcome, "why": held,
                                              "to_sender": to_sender})
        else:
            self.audit("keyword_reply", {"keyword": keyword, "outcome": outcome, "message": message_id,
                                         "parts": analyse(text).segments, "to_sender": to_sender})
            if to_sender and self.first_reply is None:
                self.first_reply = message_id
        return message_id

    def mark_inbox(self, outcome: str) -> None:
        """The SMS was a keyword, dealt with automatically (``handled_by`` the actor, the reply linked)."""
        if self.inbox_id is not None:
            self.c.execute("UPDATE inbox SET kind = 'keyword', handled = 1, handled_by = ?, handled_at = ?,"
                           " reply_id = COALESCE(?, reply_id) WHERE id = ?",
                           (self.actor, self.now, self.first_reply, self.inbox_id))


# -- reads used while acting ---------------------------------------------------------------------------


def is_opted_out(act: Action, number: str) -> bool:
    return act.c.execute("SELECT 1 FROM optouts WHERE match_number = ?", (optout_match(number),)).fetchone() \
        is not None


def contact_by_number(act: Action, number: str) -> sqlite3.Row | None:
    return act.c.execute("SELECT * FROM contacts WHERE number = ?", (number,)).fetchone()


def places(store: Store) -> list[Place]:
    """Every desa/kelurahan in the contacts (``"Kel. X"`` and ``"x"`` as one), with its kecamatan."""
    from firmware.people.keywords import Place

    seen: dict[tuple[str, str], Place] = {}
    # GROUP BY on the columns as stored reads only the index contacts_desa_kecamatan (a few ms for 100,000
    # contacts; grouping on LOWER(TRIM(...)) scanned the table: 240 ms); spellings merge below.
    for desa, kecamatan in store.conn.execute(
            "SELECT desa, kecamatan FROM contacts WHERE desa IS NOT NULL GROUP BY desa, kecamatan"):
        name = strip_place_prefix(desa.strip())
        if not name:
            continue
        kec = strip_place_prefix(kecamatan.strip()) if kecamatan and kecamatan.strip() else None
        seen.setdefault((name.lower(), (kec or "").lower()), Place(name, kec))
    return sorted(seen.values(), key=lambda p: (p.desa.lower(), (p.kecamatan or "").lower()))


def pending_change_to(act: Action, number: str) -> sqlite3.Row | None:
    """The latest pending change whose new number is ``number``."""
    return act.c.execute("SELECT * FROM number_changes WHERE new_number = ? AND state = 'pending'"
                         " ORDER BY requested_at DESC, id DESC LIMIT 1", (number,)).fetchone()


# -- writes while acting ---------------------------------------------------------------------------------


def expire_changes(act: Action | None = None, *, store: Store | None = None) -> int:
    """Pending number changes past their time become ``expired``; how many."""
    if act is None:
        assert store is not None
        with store.tx() as c:
            return _expire(store, c, store.clock())
    return _expire(act.store, act.c, act.now)


def _expire(store: Store, c: sqlite3.Connection, now: float) -> int:
    ids = [r[0] for r in c.execute("SELECT id FROM number_changes WHERE state = 'pending' AND expires_at <= ?",
                                   (now,))]
    if ids:
        c.execute(f"UPDATE number_changes SET state = 'expired', decided_at = ?, decided_by = 'daemon'"
                  f" WHERE id IN ({','.join('?' * len(ids))})", (now, *ids))
        store._audit(c, "daemon", "number_change_expired", {"changes": ids}, now)
    return len(ids)


def record_consent(act: Action, contact: sqlite3.Row, *, keyword: str, number: str | None = None) -> int:
    """Record the contact's consent by SMS: a ``consents`` row (with the campaign message it answered)
    and the contact's basis; returns the consent id."""
    number = number or contact["number"]
    answered = act.c.execute(
        "SELECT id, campaign_id FROM messages WHERE number = ? AND campaign_id IS NOT NULL AND sent_at IS NOT NULL"
        " AND sent_at <= ? ORDER BY sent_at DESC, id DESC LIMIT 1", (number, act.now)).fetchone()
    consent_id = act.c.execute(
        "INSERT INTO consents (contact_id, number, basis, source, keyword, at, inbox_id, campaign_id, message_id,"
        " recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (contact["id"], number, "consent", "sms", keyword, act.now, act.inbox_id,
         answered["campaign_id"] if answered else None, answered["id"] if answered else None, act.actor)).lastrowid
    act.c.execute("UPDATE contacts SET basis = 'consent', consent_source = 'sms', consent_at = ?, confirmed_at = ?,"
                  " updated_at = ? WHERE id = ?", (act.now, act.now, act.now, contact["id"]))
    act.audit("contact.consent", {"contact_id": contact["id"], "basis": "consent", "source": "sms",
                                  "keyword": keyword, "campaign": answered["campaign_id"] if answered else None})
    return consent_id


def request_change(act: Action, contact: sqlite3.Row, new_number: str, *, hours: float) -> str:
    """Record a GANTI from ``contact``: pending (an earlier pending one of the contact superseded), or
    rejected at once when the new number opted out or is another contact's. Returns the outcome."""
    reason = ("new_opted_out" if is_opted_out(act, new_number)
              else "new_is_contact" if contact_by_number(act, new_number) is not None else None)
    if reason is None:
        act.c.execute("UPDATE number_changes SET state = 'rejected', reason = 'superseded', decided_at = ?,"
                      " decided_by = ? WHERE contact_id = ? AND state = 'pending'",
                      (act.now, act.actor, contact["id"]))
    change_id = act.c.execute(
        "INSERT INTO number_changes (contact_id, old_number, new_number, requested_at, inbox_id, state, reason,"
        " expires_at, decided_at, decided_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (contact["id"], act.number, new_number, act.now, act.inbox_id, "rejected" if reason else "pending", reason,
         act.now + hours * 3600, act.now if reason else None, act.actor if reason else None)).lastrowid
    act.audit("number_change_request", {"change": change_id, "contact_id": contact["id"],
                                        "state": "rejected" if reason else "pending", "reason": reason})
    return f"change_{reason}" if reason else "change_requested"


def confirm_change(act: Action, change: sqlite3.Row, *, keyword: str) -> str | None:
    """The new number answered YA: move the contact to it (consent recorded). None when it can no longer be
    done (the new number became a contact meanwhile: the request is rejected and the YA is an ordinary one)."""
    if not _move(act, change, state="confirmed", reason_if_not="new_is_contact"):
        return None
    contact = contact_by_number(act, change["new_number"])
    if contact is not None:
        record_consent(act, contact, keyword=keyword)
    return "change_confirmed"


def _move(act: Action, change: sqlite3.Row, *, state: str, reason_if_not: str) -> bool:
    """Move the change's contact to its new number (``state``: confirmed or approved); False (and the
    change rejected) when another contact holds that number now or the contact is gone."""
    taken = act.c.execute("SELECT id FROM contacts WHERE number = ?", (change["new_number"],)).fetchone()
    gone = act.c.execute("SELECT 1 FROM contacts WHERE id = ?", (change["contact_id"],)).fetchone() is None
    if taken is not None or gone:
        act.c.execute("UPDATE number_changes SET state = 'rejected', reason = ?, decided_at = ?, decided_by = ?"
                      " WHERE id = ?", (reason_if_not if not gone else "contact_gone", act.now, act.actor,
                                        change["id"]))
        act.audit("number_change", {"change": change["id"], "state": "rejected", "reason": reason_if_not})
        return False
    act.c.execute("UPDATE contacts SET number = ?, confirmed_at = ?, updated_at = ? WHERE id = ?",
                  (change["new_number"], act.now, act.now, change["contact_id"]))
    act.c.execute("UPDATE number_changes SET state = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                  (state, act.now, act.actor, change["id"]))
    # Two contacts asked for this number: the one moved wins, the other cannot be done any more.
    act.c.execute("UPDATE number_changes SET state = 'rejected', reason = 'new_is_contact', decided_at = ?,"
                  " decided_by = ? WHERE new_number = ? AND state = 'pending'",
                  (act.now, act.actor, change["new_number"]))
    act.audit("number_change", {"change": change["id"], "contact_id": change["contact_id"], "state": state})
    return True


def subscribe(act: Action, *, desa: str, kecamatan: str | None, rt: str | None, rw: str | None,
              name: str | None, keyword: str) -> int:
    """A new contact from DAFTAR (basis consent, source sms, tagged :data:`SUBSCRIBED_TAG`); its id."""
    contact_id = act.c.execute(
        "INSERT INTO contacts (number, name, desa, kecamatan, rt, rw, basis, consent_source, consent_at,"
        " confirmed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,'consent','sms',?,?,?,?)",
        (act.number, name, desa, kecamatan, rt, rw, act.now, act.now, act.now, act.now)).lastrowid
    act.c.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (SUBSCRIBED_TAG,))
    act.c.execute("INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                  (contact_id, SUBSCRIBED_TAG))
    act.c.execute("INSERT INTO consents (contact_id, number, basis, source, keyword, at, inbox_id, recorded_by)"
                  " VALUES (?,?,'consent','sms',?,?,?,?)",
                  (contact_id, act.number, keyword, act.now, act.inbox_id, act.actor))
    act.audit("contact.subscribe", {"contact_id": contact_id, "desa": desa, "rt": rt, "rw": rw})
    return contact_id


# -- the office (SMS Warga page) ----------------------------------------------------------------------


def changes(store: Store, *, pending: bool, limit: int = 200) -> list[dict[str, Any]]:
    """Pending number changes (oldest first), or the settled ones (newest first), with the contact."""
    where, order = ("n.state = 'pending'", "n.requested_at, n.id") if pending else \
        ("n.state <> 'pending'", "COALESCE(n.decided_at, n.requested_at) DESC, n.id DESC")
    return [dict(r) for r in store.conn.execute(
        "SELECT n.*, c.name AS contact_name, c.desa, c.rt, c.rw FROM number_changes n"
        f" LEFT JOIN contacts c ON c.id = n.contact_id WHERE {where} ORDER BY {order} LIMIT ?", (limit,))]


def decide_change(store: Store, change_id: int, *, approve: bool, by: str) -> str:
    """The office approves (the contact moves now; the new number gets a short notice) or rejects a pending
    change. Returns the new state; KeywordError when the change is not pending or cannot be done."""
    with store.tx() as c:
        act = Action(store, c, number="", inbox_id=None, per_hour=60, actor=by)
        _expire(store, c, act.now)
        change = c.execute("SELECT * FROM number_changes WHERE id = ?", (int(change_id),)).fetchone()
        if change is None:
            raise KeywordError(f"no number change {change_id}", f"Tidak ada permintaan ganti nomor {change_id}.")
        if change["state"] != "pending":
            raise KeywordError(f"number change {change_id} is {change['state']}, not pending",
                               f"Permintaan ganti nomor {change_id} sudah {_STATE_ID[change['state']]}, "
                               "tidak menunggu lagi.")
        if not approve:
            c.execute("UPDATE number_changes SET state = 'rejected', reason = 'office', decided_at = ?,"
                      " decided_by = ? WHERE id = ?", (act.now, by, change["id"]))
            act.audit("number_change", {"change": change["id"], "state": "rejected", "reason": "office"})
            return "rejected"
        if is_opted_out(act, change["new_number"]):
            raise KeywordError("the new number opted out: Siaran sends it nothing",
                               "Nomor baru sudah berhenti langganan: Siaran tidak mengirim apa pun ke nomor itu.")
        moved = _move(act, change, state="approved", reason_if_not="new_is_contact")
        if moved:
            from firmware.people.keywords import approved_notice_text

            act.number = change["new_number"]
            act.reply(approved_notice_text(), keyword="GANTI", outcome="change_approved")
            return "approved"
    # not moved: the change's rejection is committed above; say why
    raise KeywordError("another contact has the new number now (or the contact was deleted): the change was"
                       " rejected", "Nomor baru kini dipakai kontak lain (atau kontaknya sudah dihapus): "
                       "permintaan ini ditolak.")


_STATE_ID = {"pending": "menunggu", "confirmed": "dikonfirmasi", "expired": "kedaluwarsa", "rejected": "ditolak",
             "approved": "disetujui"}


def consents(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest consents with the contact and the campaign they answered, newest first."""
    return [dict(r) for r in store.conn.execute(
        "SELECT s.*, c.name AS contact_name, c.desa, c.rt, c.rw, k.name AS campaign_name FROM consents s"
        " LEFT JOIN contacts c ON c.id = s.contact_id LEFT JOIN campaigns k ON k.id = s.campaign_id"
        " ORDER BY s.at DESC, s.id DESC LIMIT ?", (limit,))]


def consent_counts(store: Store) -> dict[str, int]:
    """Contacts by basis, consents by source, pending changes: the page's summary."""
    out = {f"basis_{k}": n for k, n in store.conn.execute("SELECT basis, COUNT(*) FROM contacts GROUP BY basis")}
    out.update({f"source_{k}": n for k, n in store.conn.execute("SELECT source, COUNT(*) FROM consents"
                                                                " GROUP BY source")})
    out["pending"] = store.conn.execute("SELECT COUNT(*) FROM number_changes WHERE state = 'pending'").fetchone()[0]
    return out


def consent_campaigns(store: Store, consent_keywords: tuple[str, ...] = ("YA",)) -> list[dict[str, Any]]:
    """Campaigns that asked for consent, newest first: made from :data:`CONSENT_TEMPLATE`, or whose text asks
    to answer a consent keyword ("Balas YA ..."; the page's compose copies the template's text), or answered
    by a consent."""
    asks = " OR ".join(["k.text LIKE ?"] * len(consent_keywords)) or "0"
    return [dict(r) for r in store.conn.execute(
        "SELECT k.id, k.name, k.state, k.created_at FROM campaigns k LEFT JOIN templates t ON t.id = k.template_id"
        f" WHERE k.state IN ('running', 'paused', 'done') AND (t.name = ? OR {asks}"
        " OR EXISTS (SELECT 1 FROM consents s WHERE s.campaign_id = k.id)) ORDER BY k.id DESC",
        (CONSENT_TEMPLATE, *(f"%balas {kw} %" for kw in consent_keywords)))]


_NEVER_ANSWERED = (
    " FROM messages m JOIN contacts c ON c.number = m.number"
    " WHERE m.campaign_id = ? AND m.sent_at IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.number = m.number AND i.received_at >= m.sent_at)"
    " AND NOT EXISTS (SELECT 1 FROM consents s WHERE s.number = m.number AND s.at >= m.sent_at)"
    " AND NOT EXISTS (SELECT 1 FROM optouts o WHERE o.match_number = m.number)")


def never_answered(store: Store, campaign_id: int, *, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
    """The contacts a campaign's message reached (sent) who have not answered at all since (no SMS, no
    consent, no opt-out), by name; and how many there are."""
    total = store.conn.execute("SELECT COUNT(DISTINCT m.number)" + _NEVER_ANSWERED, (campaign_id,)).fetchone()[0]
    rows = [dict(r) for r in store.conn.execute(
        "SELECT c.id, c.number, c.name, c.desa, c.rt, c.rw, c.role, MIN(m.sent_at) AS sent_at" + _NEVER_ANSWERED
        + " GROUP BY c.id ORDER BY LOWER(COALESCE(c.name, '')), c.id LIMIT ?", (campaign_id, limit))]
    return rows, total
