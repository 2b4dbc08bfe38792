"""``siaran smpp test --account NAME --to NUMBER``: check an operator account from the box's console.

Binds as the account says (its own connection, beside the daemon's), sends one SMS, waits for its
delivery receipt, and prints a plain report (JSON, with ``pesan`` in Bahasa Indonesia): bound or why
not, the SMSC's answer to the message, the receipt. The receipt may come on the daemon's connection
instead (an SMSC sends it on any session of the account): the daemon then files it in the database,
where this command looks too. Not queued (like ``siaran modem send``); an opted-out number is refused;
audited. The number is masked in the output unless ``--unmask``.
"""

from __future__ import annotations

import argparse
import time

from firmware.commands.common import actor, add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, config_failed, emit, fail
from firmware.errors import ConfigError, PduError
from firmware.people.numbers import InvalidNumber, normalise
from firmware.people.privacy import mask_number
from firmware.queue.smpp_store import RECEIPT_CLASS, SmppReceipt, operator_accounts
from firmware.queue.smpp_worker import BIND_TIMEOUT, reasons
from firmware.queue.store import Store
from firmware.smpp import pdu as P
from firmware.smpp.link import Link, wait_readable
from firmware.smpp.session import Bound, Closed, Incoming, Session, SubmitResult, TimedOut

DEFAULT_TEXT = "Tes Siaran: akun operator {name} berfungsi. / Siaran test: operator account {name} works."


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("smpp")
    ssub = parser.add_subparsers(dest="smpp_command", metavar="ACTION")
    ssub.required = True
    p = ssub.add_parser("test", help="bind, send one SMS, wait for its delivery receipt, report")
    add_state_options(p)
    p.add_argument("--account", required=True, help="the account's name ([[smpp]] in the file, or the Settings page)")
    p.add_argument("--to", required=True, help="a phone to send the test to (e.g. the admin's, 0812...)")
    p.add_argument("--text", help="the test text (default: a short bilingual test message)")
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the receipt (default 60; 0: none)")
    p.add_argument("--unmask", action="store_true", help="show the full number in the output")
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    try:
        config = load_config(args)
    except ConfigError as exc:
        return config_failed(exc)
    try:
        number = normalise(args.to)
    except InvalidNumber as exc:
        return fail(f"--to: {exc}", "--to: bukan nomor HP Indonesia yang benar.", EXIT_BAD_INPUT)
    shown = number if args.unmask else mask_number(number)
    with Store.in_state_dir(config.state_dir) as store:
        accounts, _ = operator_accounts(config, store)
        account = next((a for a in accounts if a.name == args.account), None)
        if account is None:
            names = ", ".join(a.name for a in accounts) or "none"
            return fail(f"no operator account named {args.account!r} (configured: {names})",
                        f"Tidak ada akun operator bernama {args.account!r} (yang ada: {names}).", EXIT_BAD_INPUT)
        if store.is_opted_out(number):
            return fail("this number opted out: Siaran sends it nothing, not even a test",
                        "Nomor ini sudah berhenti langganan: Siaran tidak mengirim apa pun, termasuk tes.",
                        EXIT_FAILED)
        text = args.text or DEFAULT_TEXT.format(name=account.name)
        report = _run(account, number, text, args.wait, store)
        store.audit(actor(), "smpp_test", {"account": account.name, "result": report["result"],
                                           "receipt": report.get("receipt", {}).get("stat")})
    report["to"] = shown
    emit(report)
    return EXIT_OK if report["result"] in ("delivered", "accepted") else EXIT_FAILED


def _run(account, number: str, text: str, wait: float, store: Store) -> dict:
    """Bind, submit, wait: the report (``result``: delivered, accepted, receipt_failed, refused, bind_failed)."""
    kinds = ([P.Command.BIND_TRANSCEIVER] if account.bind == "transceiver"
             else [P.Command.BIND_TRANSMITTER, P.Command.BIND_RECEIVER])
    links = [Link(account.host, account.port, Session(window=10, enquire_link=account.enquire_link),
                  tls=account.tls, tls_ca=account.tls_ca, name=account.name) for _ in kinds]
    out: dict = {"account": account.name, "server": f"{account.host}:{account.port}", "tls": account.tls,
                 "bind": account.bind}
    started = time.monotonic()
    try:
        for link, kind in zip(links, kinds):
            problem = _bind(link, kind, account)
            if problem is not None:
                en, id_ = problem
                return {**out, "result": "bind_failed", "error": en, "pesan": id_}
        out["bound_in_s"] = round(time.monotonic() - started, 2)
        try:
            parts = P.text_parts(text, concat_ref=int(time.time()) & 0xFF)
        except PduError as exc:
            return {**out, "result": "refused", "error": f"the text cannot be sent: {exc.reason}",
                    "pesan": "Teks tidak dapat dikirim."}
        tx = links[0]
        for part in parts:
            tx.session.submit(P.SubmitSm(
                P.Command.SUBMIT_SM, source_addr_ton=account.ton, source_addr_npi=account.npi,
                source_addr=account.source, dest_addr_ton=1, dest_addr_npi=1, destination_addr=number.lstrip("+"),
                esm_class=part.esm_class, validity_period=P.validity_period(account.validity_minutes),
                registered_delivery=1, data_coding=part.data_coding, short_message=part.short_message),
                tag=part.seq, now=time.monotonic())
        tx.flush()
        ids: dict[int, str] = {}
        receipts: dict[str, str] = {}
        deadline = time.monotonic() + 30.0
        while len(ids) < len(parts) and time.monotonic() < deadline:
            for event in _events(links, 0.2, store, account.name):
                if isinstance(event, SubmitResult):
                    if event.status != 0:
                        en, id_ = reasons(event.status)
                        return {**out, "result": "refused", "status": P.status_name(event.status), "error": en,
                                "pesan": f"Pesan ditolak: {id_}"}
                    ids[event.tag] = event.message_id
                elif isinstance(event, (TimedOut, Closed)):
                    return {**out, "result": "refused", "error": "no answer to the message / tidak ada jawaban",
                            "pesan": "Penyedia tidak menjawab pengiriman pesan."}
                elif isinstance(event, tuple):
                    receipts[event[0]] = event[1]
        if len(ids) < len(parts):
            return {**out, "result": "refused", "error": "no answer to the message",
                    "pesan": "Penyedia tidak menjawab pengiriman pesan."}
        out["submitted_in_s"] = round(time.monotonic() - started, 2)
        out["message_ids"] = list(ids.values())
        deadline = time.monotonic() + wait
        while wait > 0 and time.monotonic() < deadline and not all(i in receipts for i in ids.values()):
            for event in _events(links, 0.2, store, account.name):
                if isinstance(event, tuple):
                    receipts[event[0]] = event[1]
            for i in ids.values():  # filed by this session or by the daemon's
                if i not in receipts:
                    stat = store.smpp_receipt_stat(account.name, i)
                    if stat is not None:
                        receipts[i] = stat
        store.forget_smpp_receipts(account.name, ids.values())
        if not all(i in receipts for i in ids.values()):
            out.update(result="accepted", error="the SMSC took the message; no receipt came in time"
                       + (" (receipts not requested)" if wait <= 0 else ""),
                       pesan="Penyedia menerima pesan; laporan terkirim belum datang dalam waktu tunggu.")
            return out
        stats = [receipts[i] for i in ids.values()]
        worst = next((s for s in stats if s != "DELIVRD"), "DELIVRD")
        out["receipt"] = {"stat": worst, "class": RECEIPT_CLASS.get(worst, "gave_up"),
                          "in_s": round(time.monotonic() - started, 2)}
        if worst == "DELIVRD":
            out.update(result="delivered", pesan="Akun berfungsi: pesan tes diterima ponsel tujuan.")
        else:
            out.update(result="receipt_failed", error=f"the receipt says {worst}",
                       pesan=f"Pesan tes tidak sampai (laporan: {worst}).")
        return out
    finally:
        for link in links:
            if link.open_ and link.session.state.value == "bound":
                link.session.unbind(time.monotonic())
                link.flush()
                end = time.monotonic() + 1.0
                while link.open_ and link.session.state.value != "closed" and time.monotonic() < end:
                    _events([link], 0.1)
            link.close()


def _bind(link: Link, kind: int, account) -> tuple[str, str] | None:
    """Connect and bind ``link``; None when bound, else (English, Bahasa Indonesia) why not."""
    try:
        link.open()
    except OSError as exc:
        return (f"cannot connect to {account.host}:{account.port}: {exc} (address, port, firewall, the provider's"
                f" IP whitelist?)", "Tidak dapat terhubung ke server penyedia (alamat, port, firewall, atau IP kantor"
                " belum didaftarkan di penyedia?).")
    link.session.bind(kind, system_id=account.system_id, password=account.password,
                      system_type=account.system_type, now=time.monotonic())
    link.flush()
    deadline = time.monotonic() + BIND_TIMEOUT
    while time.monotonic() < deadline:
        for event in _events([link], 0.2):
            if isinstance(event, Bound):
                if event.status == 0:
                    return None
                en, id_ = reasons(event.status)
                return f"bind refused: {en}", f"Koneksi ditolak: {id_}"
            if isinstance(event, Closed):
                return f"the connection ended: {event.reason}", "Koneksi terputus sebelum berhasil masuk."
    return "no answer to the bind", "Penyedia tidak menjawab permintaan koneksi."


def _events(links: list[Link], timeout: float, store: Store | None = None, account: str = "") -> list:
    """Events from the links; a receipt becomes (message_id, stat). A receipt is acknowledged only once
    stored (in ``smpp_receipts`` via the store's matching: it may be for a message the daemon sent);
    a resident's SMS is refused for now, so the SMSC sends it again (to the daemon's session)."""
    out: list = []
    for link in wait_readable(links, timeout):
        for event in link.read(time.monotonic()):
            if isinstance(event, Incoming):
                try:
                    receipt = P.receipt_of(event.pdu)
                except PduError:
                    receipt = None
                if receipt is None or store is None:
                    link.session.ack(event.pdu, P.Status.ESME_RX_T_APPN)
                    continue
                store.apply_smpp_receipts([SmppReceipt(account, receipt.message_id, receipt.stat, receipt.err)])
                link.session.ack(event.pdu)
                out.append((receipt.message_id, receipt.stat))
            else:
                out.append(event)
    for link in links:
        out.extend(link.session.tick(time.monotonic()))
        out.extend(link.flush())
    return out
