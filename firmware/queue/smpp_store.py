"""The store's verbs for the operator route (SMPP): accounts, link state, claims, receipts.

A mixin of :class:`firmware.queue.store.Store` (so every process's one ``Store`` has them): the SQL of
the SMPP route lives here, beside the modem route's in ``store.py``; the web page and the commands call
these verbs and never write SQL.

Claiming follows the modem worker's durable discipline, in batches: :meth:`SmppVerbs.smpp_commit`
records the outcomes of the parts whose ``submit_sm_resp`` came back, files receipts, and claims the
next messages in ONE commit; a claimed message is marked handed (``handed_at``) in that same commit
because its submit_sm goes on the wire right after it. A crash therefore leaves in doubt only messages
claimed for the wire and not yet answered and recorded (at most 2.5 times the account's window):
re-sent once, or ``unknown``, by the existing :meth:`~firmware.queue.store.Store.recover_in_flight` policy.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

from firmware.errors import ConfigError
from firmware.office.config import Config, SmppAccount, check_smpp_account, smpp_account

#: How a receipt's ``stat`` counts as a part's report (the modem reports' classes): a number the
#: operator calls undeliverable or rejected is a permanent failure (the contact is flagged dead, as with
#: a modem report); expired or deleted means the phone stayed off or the SMSC gave up (not dead).
RECEIPT_CLASS = {
    "DELIVRD": "delivered",
    "UNDELIV": "permanent",
    "REJECTD": "permanent",
    "EXPIRED": "gave_up",
    "DELETED": "gave_up",
    "UNKNOWN": "gave_up",
    "ACCEPTD": "temporary",
    "ENROUTE": "temporary",
}
#: Receipts that matched no part are kept this long (a part's id may be written later), then purged.
EARLY_RECEIPT_KEEP = 3 * 86400.0
#: Receipts kept unmatched are tried again at each commit for this long (then only kept, for the record).
EARLY_RECEIPT_MATCH = 600.0


def operator_accounts(config: Config, store) -> tuple[list[SmppAccount], list[str]]:
    """The operator accounts to drive: the file's ``[[smpp]]``, then the enabled ones added on the Settings
    page; and why any table account was skipped (its name is taken by the file or a modem, or it no longer
    validates). Used by the daemon and by ``siaran smpp test``."""
    accounts = list(config.smpp)
    taken = {a.name for a in accounts} | {m.name for m in config.modems}
    problems = []
    names = [f.name for f in fields(SmppAccount)]
    for row in store.smpp_accounts(include_password=True, enabled_only=True):
        try:
            account = smpp_account({k: row[k] for k in names}, f"smpp_accounts {row['name']}")
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        if account.name in taken:
            problems.append(f"smpp_accounts {account.name}: the configuration file already uses this name")
            continue
        accounts.append(account)
    return accounts, problems


@dataclass(frozen=True)
class SmppReceipt:
    """A delivery receipt as a worker got it, waiting to be matched: the account, the SMSC's message id
    (the part's ``smsc_id``), ``stat`` (DELIVRD, UNDELIV, ...) and the ``err`` code as text."""

    account: str
    smsc_id: str
    stat: str
    err: str | None = None


@dataclass(frozen=True)
class ReceiptMatch:
    """A receipt matched to a part; ``message_state`` when the message became final."""

    message_id: int
    part_id: int
    message_state: str | None


class SmppVerbs:
    """Mixed into :class:`~firmware.queue.store.Store`; uses its ``conn``, ``tx``, ``clock`` and helpers."""

    # -- accounts (Settings page; the daemon merges the file's) ---------------

    def smpp_accounts(self, *, include_password: bool = False, enabled_only: bool = False) -> list[dict]:
        """The accounts added on the Settings page, by name; ``password`` only when asked for
        (the daemon), else ``has_password`` (what the page may show)."""
        where = " WHERE enabled = 1" if enabled_only else ""
        out = []
        for row in self.conn.execute(f"SELECT * FROM smpp_accounts{where} ORDER BY name"):
            d = dict(row)
            d["tls"], d["registered_delivery"], d["enabled"] = bool(d["tls"]), bool(d["registered_delivery"]), \
                bool(d["enabled"])
            if not include_password:
                d["has_password"] = bool(d.pop("password"))
            out.append(d)
        return out

    def save_smpp_account(self, account: SmppAccount, *, by: str, enabled: bool = True,
                          keep_password: bool = False) -> bool:
        """Add or change an account (validated); return True when it was new. Audited without the password.

        ``keep_password``: an edit that left the password field empty keeps the stored one."""
        check_smpp_account(account)
        now = self.clock()
        values = asdict(account)
        with self.tx() as c:
            old = c.execute("SELECT password FROM smpp_accounts WHERE name = ?", (account.name,)).fetchone()
            if keep_password and old is not None:
                values["password"] = old["password"]
            values.update(tls=int(account.tls), registered_delivery=int(account.registered_delivery),
                          enabled=int(enabled), updated_by=by, updated_at=now)
            if old is None:
                values.update(created_by=by, created_at=now)
                cols = ", ".join(values)
                c.execute(f"INSERT INTO smpp_accounts ({cols}) VALUES ({', '.join('?' for _ in values)})",
                          tuple(values.values()))
            else:
                sets = ", ".join(f"{k} = ?" for k in values if k != "name")
                c.execute(f"UPDATE smpp_accounts SET {sets} WHERE name = ?",
                          (*(v for k, v in values.items() if k != "name"), account.name))
            detail = {k: v for k, v in values.items() if k not in ("password", "updated_at", "created_at")}
            detail["tls_ca"] = bool(account.tls_ca)  # a certificate is public, but pages long: only whether one is set
            detail["password_changed"] = old is None or not keep_password
            self._audit(c, by, "smpp_account_add" if old is None else "smpp_account_edit", detail, now)
        return old is None

    def delete_smpp_account(self, name: str, *, by: str) -> bool:
        """Remove a table account (its sent parts and receipts stay). Audited. False when there was none."""
        now = self.clock()
        with self.tx() as c:
            gone = c.execute("DELETE FROM smpp_accounts WHERE name = ?", (name,)).rowcount
            if gone:
                self._audit(c, by, "smpp_account_delete", {"name": name}, now)
        return bool(gone)

    # -- link state (dashboard) -----------------------------------------------

    def update_smpp_link(self, name: str, **fields_) -> None:
        """Create or update account ``name``'s ``smpp_links`` row (columns as keyword arguments)."""
        fields_["updated_at"] = self.clock()
        with self.tx() as c:
            self._update_smpp_link(c, name, fields_)

    def _update_smpp_link(self, c: sqlite3.Connection, name: str, fields_: dict) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields_)
        if c.execute(f"UPDATE smpp_links SET {sets} WHERE name = ?", (*fields_.values(), name)).rowcount == 0:
            cols = ", ".join(fields_)
            c.execute(f"INSERT INTO smpp_links (name, {cols}) VALUES (?, {', '.join('?' for _ in fields_)})",
                      (name, *fields_.values()))

    def smpp_links(self) -> list[dict]:
        """Every account's link as its worker last wrote it, by name."""
        return [dict(r) for r in self.conn.execute("SELECT * FROM smpp_links ORDER BY name")]

    # -- claiming and outcomes (the SMPP worker) -------------------------------

    def smpp_claim(self, account: str, n: int, *, emergency_only: bool = False) -> list:
        """Claim up to ``n`` due messages for ``account`` and mark them handed: one commit."""
        return self.smpp_commit(account, (), claim=n, emergency_only=emergency_only)

    def smpp_commit(self, account: str, outcomes: Iterable, *, receipts: Iterable[SmppReceipt] = (),
                    claim: int = 0, emergency_only: bool = False, sent_delta: int = 0,
                    link: dict | None = None) -> list:
        """Record ``outcomes`` (:class:`~firmware.queue.store.Outcome`, parts as (seq, total, None,
        sent_at, smsc_id)), file ``receipts``, update the link row, and claim (handed) up to ``claim``
        messages the operator route may send: ONE commit. Returns the claimed messages."""
        outcomes = list(outcomes)
        with self.tx() as c:
            for o in outcomes:
                self._record(c, o, account)
            if sent_delta:
                c.execute("INSERT OR IGNORE INTO smpp_links (name) VALUES (?)", (account,))
                c.execute("UPDATE smpp_links SET sent_total = sent_total + ? WHERE name = ?", (sent_delta, account))
            if any(o.parts for o in outcomes):
                self._match_early_receipts(c)
            for r in receipts:
                self._apply_receipt(c, r)
            if link:
                self._update_smpp_link(c, account, {**link, "updated_at": self.clock()})
            return self._smpp_claim(c, account, claim, emergency_only) if claim > 0 else []

    def _smpp_claim(self, c: sqlite3.Connection, account: str, n: int, emergency_only: bool) -> list:
        from firmware.queue.store import EMERGENCY, Message

        now = self.clock()
        min_priority = EMERGENCY if emergency_only else -(2**31)
        if c.execute("SELECT active FROM hold WHERE id = 1").fetchone()[0]:
            min_priority = EMERGENCY
        rows = c.execute(
            "SELECT * FROM messages WHERE state = 'queued' AND channel IS NOT 'modem' AND priority >= ?"
            " AND not_before <= ? ORDER BY priority DESC, not_before, id LIMIT ?", (min_priority, now, n)).fetchall()
        out = []
        for row in rows:
            ref = row["concat_ref"] if row["concat_ref"] is not None else random.randrange(256)
            out.append(Message(row["id"], row["number"], row["text"], row["priority"], bool(row["report"]), ref,
                               row["parts_sent"], row["attempts"] + 1, row["in_doubt"], row["campaign_id"]))
        c.executemany(
            "UPDATE messages SET state = 'sending', modem = ?, claimed_at = ?, handed_at = ?,"
            " attempts = attempts + 1, concat_ref = ? WHERE id = ?",
            [(account, now, now, m.concat_ref, m.id) for m in out])
        return out

    def smpp_has_due(self, *, emergency_only: bool = False) -> bool:
        """Is a message the operator route may send due now (cheap; the worker's idle check)?"""
        from firmware.queue.store import EMERGENCY

        row = self.conn.execute(
            "SELECT 1 FROM messages WHERE state = 'queued' AND channel IS NOT 'modem' AND priority >= ?"
            " AND not_before <= ? ORDER BY priority DESC, not_before, id LIMIT 1",
            (EMERGENCY if emergency_only else -(2**31), self.clock())).fetchone()
        return row is not None

    # -- receipts ---------------------------------------------------------------

    def apply_smpp_receipts(self, receipts: Iterable[SmppReceipt]) -> list[ReceiptMatch | None]:
        """File receipts in one commit; one that matches no part yet is kept for later (None)."""
        with self.tx() as c:
            return [self._apply_receipt(c, r) for r in receipts]

    def _apply_receipt(self, c: sqlite3.Connection, r: SmppReceipt, *, keep: bool = True) -> ReceiptMatch | None:
        """Match receipt ``r`` to the part the SMSC named ``r.smsc_id`` (on ``r.account``), whichever session
        sent it; set the part's report and settle the message once every part has a final one. A receipt
        whose part is not written yet is kept in ``smpp_receipts`` (``keep``) and matched when it is."""
        from firmware.smpp import pdu as P  # the codec (~15 ms to import) when a receipt comes, not at every start

        now = self.clock()
        row = self._receipted_part(c, r.account, P.receipt_id_forms(r.smsc_id))
        if row is None:
            if keep:
                c.execute("INSERT INTO smpp_receipts (account, smsc_id, stat, err, received_at) VALUES (?,?,?,?,?)",
                          (r.account, r.smsc_id, r.stat, r.err, now))
            return None
        stat = r.stat.upper()
        report_class = RECEIPT_CLASS.get(stat, "gave_up")
        final = report_class != "temporary"
        if row["final"]:  # a repeated receipt (the SMSC re-sent it after a lost deliver_sm_resp)
            return ReceiptMatch(row["message_id"], row["id"], None)
        c.execute("UPDATE message_parts SET report_status = ?, report_class = ?, report_at = ?, final = ? WHERE id = ?",
                  (P.STATE_NUMBERS.get(stat, 7), report_class, now, int(final), row["id"]))  # §5.2.28 numbers
        state = self._settle_message(c, row["message_id"], now) if final else None
        return ReceiptMatch(row["message_id"], row["id"], state)

    @staticmethod
    def _receipted_part(c: sqlite3.Connection, account: str, forms: tuple[str, ...]):
        """The part of ``account`` a receipt is about (the newest of that id): ``forms`` are the receipt's id as
        the submit_sm_resp may have given it, exact first (:func:`firmware.smpp.pdu.receipt_id_forms`)."""
        marks = ",".join("?" for _ in forms)
        # INDEXED BY: with IN (...) the planner would walk every part of the account (parts_modem_time).
        rows = c.execute(f"SELECT id, message_id, final, smsc_id FROM message_parts INDEXED BY parts_smsc_id"
                         f" WHERE smsc_id IN ({marks}) AND modem = ?", (*forms, account)).fetchall()
        return min(rows, key=lambda row: (forms.index(row["smsc_id"]), -row["id"]), default=None)

    def _match_early_receipts(self, c: sqlite3.Connection) -> int:
        """Receipts that came before their part's ``smsc_id`` was written, matched now; return how many.

        Only those of the last :data:`EARLY_RECEIPT_MATCH` seconds are tried (a part's id is written
        within seconds of its receipt, or never: its submit_sm_resp was lost), so receipts that will never
        match cost a commit nothing once they are old."""
        rows = c.execute("SELECT id, account, smsc_id, stat, err FROM smpp_receipts WHERE received_at >= ?",
                         (self.clock() - EARLY_RECEIPT_MATCH,)).fetchall()
        matched = [row["id"] for row in rows
                   if self._apply_receipt(c, SmppReceipt(row["account"], row["smsc_id"], row["stat"], row["err"]),
                                          keep=False) is not None]
        c.executemany("DELETE FROM smpp_receipts WHERE id = ?", [(i,) for i in matched])
        return len(matched)

    def purge_smpp_receipts(self, older_than: float) -> int:
        """Forget receipts that never matched a part (their part was never recorded: a lost submit_sm_resp)."""
        with self.tx() as c:
            return c.execute("DELETE FROM smpp_receipts WHERE received_at < ?", (older_than,)).rowcount

    def smpp_receipt_stat(self, account: str, smsc_id: str) -> str | None:
        """The ``stat`` of a receipt kept unmatched for ``smsc_id`` (``siaran smpp test``'s message), or None."""
        row = self.conn.execute("SELECT stat FROM smpp_receipts WHERE account = ? AND smsc_id = ? ORDER BY id DESC",
                                (account, smsc_id)).fetchone()
        return None if row is None else row[0]

    def forget_smpp_receipts(self, account: str, smsc_ids: Iterable[str]) -> int:
        """Drop the kept receipts of ``smsc_ids`` (a test message's: no part will ever match them)."""
        with self.tx() as c:
            return sum(c.execute("DELETE FROM smpp_receipts WHERE account = ? AND smsc_id = ?", (account, i)).rowcount
                       for i in smsc_ids)

    def unmatched_smpp_receipts(self) -> int:
        """How many receipts wait for their part (the dashboard may show it; the tests check it is 0)."""
        return self.conn.execute("SELECT COUNT(*) FROM smpp_receipts").fetchone()[0]
