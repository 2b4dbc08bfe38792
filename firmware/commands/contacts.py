"""``siaran import FILE`` and ``siaran contact export|delete|consent|purge``: contact lists from a shell.

The same functions the web page and the USB drop use (:mod:`firmware.people.importer`,
:mod:`firmware.people.contacts`); JSON on stdout; actions recorded in ``imports``
and the audit log as the local system user::

    siaran import ketua_rt.xlsx --dry-run --rejected-csv ditolak.csv   # preview, nothing written
    siaran import ketua_rt.xlsx --tag banjir-timur                     # commit (one transaction)
    siaran contact export 0812-0000-0101 > data.json                    # one person's data
    siaran contact delete 0812-0000-0101                                # erase on request

``siaran import`` exits non-zero only when nothing could be read (no such
file, unreadable, no phone column, too large); rejected rows are reported
with exit 0.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

from firmware.people import contacts as contacts_mod
from firmware.commands.common import actor, add_state_options, open_store
from firmware.commands.output import EXIT_BAD_INPUT, config_failed, emit, fail
from firmware.people.contacts import ContactNotFound
from firmware.errors import ConfigError
from firmware.people.importer import ImportFileError, read_rows
from firmware.people.wilayah import summary_sentence
from firmware.people.numbers import InvalidNumber


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import")
    add_state_options(p)
    p.add_argument("file", metavar="FILE", help="the .xlsx or .csv file")
    p.add_argument("--tag", help="give every imported contact this tag (e.g. banjir-timur)")
    p.add_argument("--dry-run", action="store_true", help="count and check only; change nothing")
    p.add_argument("--sheet", help="the sheet to read (default: the one with the most numbers)")
    p.add_argument("--rejected-csv", metavar="OUT", help="write the rejected rows to this CSV (for Excel)")
    p.add_argument("--desa", metavar="NAME",
                   help="the desa/kelurahan of every row without one (default: what the title rows or file name "
                        "say; - for none)")
    p.add_argument("--kecamatan", metavar="NAME", help="the kecamatan of every row without one (as --desa)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("contact")
    csub = p.add_subparsers(dest="contact_command", metavar="export|delete|consent|purge")
    csub.required = True

    s = csub.add_parser("export", help="everything stored about one number (JSON)")
    add_state_options(s)
    s.add_argument("number", metavar="NUMBER")
    s.set_defaults(func=cmd_export)

    s = csub.add_parser("delete", help="erase one person on request (the number stays opted out)")
    add_state_options(s)
    s.add_argument("number", metavar="NUMBER")
    s.add_argument("--no-suppress", action="store_true",
                   help="do not add an opt-out (an existing one is always kept)")
    s.set_defaults(func=cmd_delete)

    s = csub.add_parser("consent", help="record a contact's lawful basis (UU 27/2022)")
    add_state_options(s)
    s.add_argument("number", metavar="NUMBER")
    s.add_argument("--basis", required=True, choices=contacts_mod.BASES)
    s.add_argument("--source", help="where consent was given (form, meeting...); required for consent")
    s.add_argument("--date", help="when consent was given, YYYY-MM-DD (default today)")
    s.set_defaults(func=cmd_consent)

    s = csub.add_parser("purge", help="delete contacts not confirmed for DAYS days (retention)")
    add_state_options(s)
    s.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    s.set_defaults(func=cmd_purge)


def _store(args: argparse.Namespace):
    try:
        return open_store(args), None
    except ConfigError as exc:
        return None, config_failed(exc)


def cmd_import(args: argparse.Namespace) -> int:
    try:
        tag = contacts_mod.check_tag(args.tag)
    except ValueError as exc:
        return fail(str(exc), "Tag harus 1 sampai 64 karakter.", EXIT_BAD_INPUT)
    store, err = _store(args)
    if store is None:
        return err
    who = actor()
    path = Path(args.file)
    started = time.time()
    with store:
        try:
            sheet = read_rows(path, path.name, sheet=args.sheet)
        except ImportFileError as exc:
            contacts_mod.record_import(store, source="cli", file_name=path.name, file_hash=None, actor=who,
                                       counts={"error": exc.reason}, dry_run=args.dry_run, tag=tag,
                                       started_at=started)
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT, file=path.name)
        with sheet:
            try:
                sheet.use_wilayah(args.desa, args.kecamatan)
                plan = contacts_mod.plan_import(store, sheet, tag=tag)
                if args.dry_run:
                    plan.import_id = contacts_mod.record_import(
                        store, source="cli", file_name=path.name, file_hash=sheet.file_hash, actor=who,
                        counts=plan.counts, dry_run=True, tag=tag, started_at=started)
                else:
                    contacts_mod.commit_import(store, plan, source="cli", file_name=path.name,
                                               file_hash=sheet.file_hash, actor=who, tag=tag)
            except ImportFileError as exc:
                contacts_mod.record_import(store, source="cli", file_name=path.name, file_hash=sheet.file_hash,
                                           actor=who, counts={"error": exc.reason}, dry_run=args.dry_run, tag=tag,
                                           started_at=started)
                return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT, file=path.name)
        pesan, note = summary_sentence(plan.sheet.get("wilayah") or {})
        out = {"dry_run": args.dry_run, **plan.report(), "wilayah": {**plan.sheet.get("wilayah", {}), "pesan": pesan,
                                                                       "note": note}}
        if args.rejected_csv:
            try:
                Path(args.rejected_csv).write_bytes(contacts_mod.rejected_csv(plan))
            except OSError as exc:
                return fail(f"cannot write {args.rejected_csv}: {exc.strerror}",
                            f"tidak dapat menulis {args.rejected_csv}: {exc.strerror}", EXIT_BAD_INPUT, **out)
            out["rejected_csv"] = args.rejected_csv
        emit(out)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    store, err = _store(args)
    if store is None:
        return err
    with store:
        try:
            emit(contacts_mod.export_person(store, args.number, actor=actor()))
        except InvalidNumber as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    store, err = _store(args)
    if store is None:
        return err
    with store:
        try:
            counts = contacts_mod.delete_person(store, args.number, actor(), suppress=not args.no_suppress,
                                                optout_source="cli")
        except InvalidNumber as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
    emit({"deleted": counts})
    return 0


def cmd_consent(args: argparse.Namespace) -> int:
    at = None
    if args.date:
        try:
            at = datetime.strptime(args.date, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            return fail("date must be YYYY-MM-DD", "Tanggal harus TTTT-BB-HH.", EXIT_BAD_INPUT)
    store, err = _store(args)
    if store is None:
        return err
    with store:
        try:
            contact = contacts_mod.set_consent(store, args.number, basis=args.basis, source=args.source, at=at,
                                               actor=actor())
        except InvalidNumber as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
        except ContactNotFound:
            return fail("no contact with that number", "Tidak ada kontak dengan nomor itu.", EXIT_BAD_INPUT)
        except ValueError as exc:
            return fail(str(exc), "Dasar persetujuan perlu sumbernya (--source).", EXIT_BAD_INPUT)
    emit({"contact": contact})
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    if not args.older_than > 0:
        return fail("--older-than must be positive", "--older-than harus lebih dari 0.", EXIT_BAD_INPUT)
    store, err = _store(args)
    if store is None:
        return err
    with store:
        deleted = contacts_mod.purge_unconfirmed(store, args.older_than, actor())
    emit({"purged": deleted, "older_than_days": args.older_than})
    return 0
