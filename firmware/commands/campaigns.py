"""``siaran audience ...`` and ``siaran campaign ...``: targeting and maker-checker sending from a shell.

The same functions the web page uses (:mod:`firmware.people.audience`,
:mod:`firmware.campaigns.campaign`); JSON on stdout, errors as JSON with ``error``
(English) and ``pesan`` (Bahasa Indonesia).  Actions are audited as the
local system user (``cli:USER``) or, with ``--as NAME``, as that Siaran
user with the system user recorded alongside.

The Bandung job::

    siaran audience save rw-utara --desa Sukajadi --rw 01-05 --role "Ketua RT,Ketua RW"
    siaran campaign create --name "Longsor Jan" --template peringatan-longsor --audience rw-utara --emergency
    siaran campaign submit 1                # > approval_threshold recipients: awaiting approval
    siaran campaign approve 1 --as ani      # a second user with role approver
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from firmware.people import audience as aud_mod
from firmware.campaigns import campaign as camp_mod
from firmware.people.audience import Audience, AudienceError
from firmware.campaigns.campaign import CampaignError, NotAllowed
from firmware.commands.common import actor, add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.office import units as units_mod
from firmware.office.units import UnitError
from firmware.queue.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audience")
    asub = p.add_subparsers(dest="audience_command", metavar="save|list|count")
    asub.required = True

    s = asub.add_parser("save", help="save an audience under a name")
    add_state_options(s)
    s.add_argument("name", help="audience name (e.g. rw-utara)")
    _add_filters(s)
    s.set_defaults(func=_guard(cmd_audience_save))

    s = asub.add_parser("list", help="saved audiences with live counts")
    add_state_options(s)
    s.set_defaults(func=_guard(cmd_audience_list))

    s = asub.add_parser("count", help="live count of a saved audience or of filters")
    add_state_options(s)
    s.add_argument("name", nargs="?", help="a saved audience (or give filters instead)")
    _add_filters(s)
    s.set_defaults(func=_guard(cmd_audience_count))

    p = sub.add_parser("campaign")
    csub = p.add_subparsers(dest="campaign_command", metavar="create|preview|submit|approve|list|cancel|templates")
    csub.required = True

    s = csub.add_parser("create", help="create a campaign (a draft; prints its preview)")
    add_state_options(s)
    s.add_argument("--name", required=True, help="campaign name")
    text = s.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="message text with {nama} {jabatan} {rt} {rw} {desa} {dusun} ('-' reads stdin)")
    text.add_argument("--template", help="a template name (see 'siaran campaign templates')")
    s.add_argument("--audience", required=True, help="a saved audience name")
    _add_text_options(s)
    s.add_argument("--emergency", action="store_true", help="priority 100: ignores the hold and the send window")
    s.add_argument("--channel", choices=camp_mod.CHANNELS, default="auto",
                   help="route: modem (the box's SIMs), smpp (the operator account), auto (either; default)")
    s.add_argument("--send-at", help="ISO time to start (local time when no offset), e.g. 2025-07-01T08:00")
    s.add_argument("--expires-at", help="ISO time after which nothing more is sent")
    s.add_argument("--as", dest="as_user", metavar="USER", help="record the Siaran user USER as the creator")
    s.add_argument("--submit", action="store_true", help="submit right away (queue, or ask for approval)")
    s.add_argument("--unit", help="the unit (dinas) it is sent for, by name or id (default: the creator's unit)")
    s.set_defaults(func=_guard(cmd_create))

    s = csub.add_parser("preview", help="recipients, segments, cost, time and warnings before sending")
    add_state_options(s)
    s.add_argument("id", nargs="?", type=int, help="a campaign id (or give --text/--template and --audience)")
    s.add_argument("--text", help="message text")
    s.add_argument("--template", help="a template name")
    s.add_argument("--audience", help="a saved audience name")
    _add_text_options(s)
    s.add_argument("--emergency", action="store_true")
    s.add_argument("--sample", help="show the text one contact gets (number +62... or contact id)")
    s.add_argument("--unit", help="the sending unit: its signature, cost and quota (default: the first unit)")
    s.set_defaults(func=_guard(cmd_preview))

    s = csub.add_parser("submit", help="queue a draft, or ask for approval when it is large")
    add_state_options(s)
    s.add_argument("id", type=int)
    s.add_argument("--as", dest="as_user", metavar="USER", help="act as the Siaran user USER")
    s.set_defaults(func=_guard(cmd_submit))

    s = csub.add_parser("approve", help="approve a campaign awaiting approval (another user, role approver)")
    add_state_options(s)
    s.add_argument("id", type=int)
    s.add_argument("--as", dest="as_user", metavar="USER",
                   help="the approving Siaran user (default: the system user's name)")
    s.set_defaults(func=_guard(cmd_approve))

    s = csub.add_parser("list", help="campaigns with message counts per state")
    add_state_options(s)
    s.set_defaults(func=_guard(cmd_list))

    s = csub.add_parser("cancel", help="cancel a campaign (queued messages are not sent)")
    add_state_options(s)
    s.add_argument("id", type=int)
    s.set_defaults(func=_guard(cmd_cancel))

    s = csub.add_parser("templates", help="the message templates (ready ones installed on first use)")
    add_state_options(s)
    s.set_defaults(func=_guard(cmd_templates))


def _add_filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (AND between options; comma-separated values are OR)")
    g.add_argument("--desa", action="append", help="desa/kelurahan name(s)")
    g.add_argument("--dusun", action="append", help="dusun name(s)")
    g.add_argument("--rw", action="append", help="RW number(s) or range(s): 03, 01-05, 1,3,7-9")
    g.add_argument("--rt", action="append", help="RT number(s) or range(s)")
    g.add_argument("--role", action="append", help="role(s): Ketua RT, Ketua RW, kader posyandu ...")
    g.add_argument("--tag", action="append", help="tag(s)")
    g.add_argument("--all", dest="everyone", action="store_true", help="every contact (no filter)")
    g.add_argument("--consent-only", action="store_true",
                   help="only contacts who consented (answered YA, joined by DAFTAR, or recorded by the office)")


def _add_text_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fallback", action="append", default=[], metavar="NAME=TEXT",
                   help="text for {NAME} when the contact's field is empty (e.g. nama=Bapak/Ibu)")
    p.add_argument("--fill", action="append", default=[], metavar="BLANK=TEXT",
                   help="fill a template blank [[BLANK]] (e.g. tanggal='Sabtu, 12 Juli')")


# -- plumbing ----------------------------------------------------------------------


def _guard(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors users cause into JSON (error + pesan) and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except NotAllowed as exc:
            return fail(exc.reason, exc.pesan, EXIT_FAILED)
        except (AudienceError, CampaignError, UnitError) as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
        except ConfigError as exc:
            return config_failed(exc)

    run.__doc__ = handler.__doc__
    return run


def _open(args: argparse.Namespace):
    config = load_config(args)
    return config, Store.in_state_dir(config.state_dir)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CampaignError(f"--{what} {item!r}: expected NAME=TEXT", f"--{what} {item!r}: gunakan NAMA=TEKS.")
        out[key.strip()] = value
    return out


def _filters(args: argparse.Namespace) -> Audience:
    return Audience.build(desa=args.desa, dusun=args.dusun, rw=args.rw, rt=args.rt, role=args.role, tag=args.tag,
                          everyone=args.everyone, consent_only=args.consent_only)


def _has_filters(args: argparse.Namespace) -> bool:
    return any((args.desa, args.dusun, args.rw, args.rt, args.role, args.tag, args.everyone))


def _who(store: Store, args: argparse.Namespace, roles=None) -> tuple[str, str]:
    """(actor for the record, the system user that ran the command)."""
    system = actor()
    if getattr(args, "as_user", None):
        return camp_mod.check_user(store, args.as_user, roles), system
    return system, system


def _text(args: argparse.Namespace, store: Store) -> str:
    if args.template:
        if args.text:
            raise CampaignError("give --text or --template, not both", "Pilih --text atau --template.")
        text = camp_mod.template_text(store, args.template)[1]
    elif args.text == "-":
        text = sys.stdin.read().rstrip("\n")
    else:
        text = args.text
    return camp_mod.fill_blanks(text, _pairs(args.fill, "fill")) if args.fill else text


# -- audience ----------------------------------------------------------------------


def cmd_audience_save(args: argparse.Namespace) -> int:
    aud = _filters(args)
    config, store = _open(args)
    with store:
        audience_id = aud_mod.save(store, args.name, aud, actor())
        emit({"id": audience_id, "name": aud_mod.check_name(args.name), "definition": aud.to_dict(),
              "description": aud.describe(), "counts": aud_mod.count(store, aud), **_spans(store, aud)})
    return 0


def _spans(store, aud) -> dict:
    """``{"wilayah_warning": ...}`` for an RW/RT audience without a desa/kelurahan (counts per kelurahan)."""
    warning = aud_mod.wilayah_warning(store, aud)
    return {"wilayah_warning": warning} if warning else {}


def cmd_audience_list(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        emit({"audiences": aud_mod.list_saved(store)})
    return 0


def cmd_audience_count(args: argparse.Namespace) -> int:
    if args.name and _has_filters(args):
        return fail("give a saved audience name or filters, not both", "Pilih nama audiens atau saringan.",
                    EXIT_BAD_INPUT)
    aud = None if args.name else _filters(args)
    config, store = _open(args)
    with store:
        if aud is None:
            aud = aud_mod.load(store, args.name)
        emit({"name": args.name, "definition": aud.to_dict(), "description": aud.describe(),
              **aud_mod.count(store, aud), **_spans(store, aud)})
    return 0


# -- campaign ----------------------------------------------------------------------


def cmd_create(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        who, system = _who(store, args)
        text = None if args.template else (sys.stdin.read().rstrip("\n") if args.text == "-" else args.text)
        campaign_id = camp_mod.create(
            store, args.name, text, args.audience, fallbacks=_pairs(args.fallback, "fallback"),
            emergency=args.emergency, send_at=args.send_at, expires_at=args.expires_at, actor=who,
            template=args.template, fills=_pairs(args.fill, "fill"), tz=config.tz, via=system,
            unit=args.unit, channel=args.channel)
        out = {"id": campaign_id, "state": "draft", "created_by": who,
               "preview": camp_mod.preview_campaign(store, config, campaign_id)}
        if args.submit:
            out["submit"] = camp_mod.submit(store, campaign_id, who, via=system, config=config)
            out["state"] = out["submit"]["state"]
        emit(out)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        sample = None
        if args.sample:
            sample = int(args.sample) if args.sample.isdigit() else args.sample
        if args.id is not None:
            if args.text or args.template or args.audience:
                return fail("give a campaign id or --text/--template with --audience, not both",
                            "Pilih id kampanye atau --text/--template dengan --audience.", EXIT_BAD_INPUT)
            emit(camp_mod.preview_campaign(store, config, args.id, sample_contact=sample))
            return 0
        if not (args.text or args.template) or not args.audience:
            return fail("give a campaign id, or --text/--template and --audience",
                        "Beri id kampanye, atau --text/--template dan --audience.", EXIT_BAD_INPUT)
        emit(camp_mod.preview(store, config, _text(args, store), args.audience, _pairs(args.fallback, "fallback"),
                              sample_contact=sample, emergency=args.emergency,
                              unit=units_mod.get_unit(store, args.unit)["id"] if args.unit else None))
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        who, system = _who(store, args)
        emit(camp_mod.submit(store, args.id, who, via=system, config=config))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        system = actor()
        approver = args.as_user or system
        emit(camp_mod.approve(store, args.id, approver, via=system, config=config))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        emit({"campaigns": camp_mod.list_campaigns(store)})
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        emit(camp_mod.cancel(store, args.id, actor()))
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        emit({"templates": camp_mod.list_templates(store)})
    return 0
