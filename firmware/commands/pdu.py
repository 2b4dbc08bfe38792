"""``siaran pdu ...``: encode, decode and count SMS PDUs without a modem.

* ``encode --to NUMBER --text TEXT [--report] [--validity 1d] [--ref N] [--ref16]``
  prints the PDUs ``AT+CMGS`` would be given.
* ``decode HEX [--no-smsc]`` prints what a PDU from ``+CMGR``/``+CMT``/``+CDS`` says.
* ``segments --text TEXT [--ref16]`` prints what the compose screen shows.

``--text -`` (and ``decode -``) read standard input; one trailing newline
is dropped there, since ``echo`` and editors add it.  Output is JSON; a bad
PDU or unsendable text prints ``{"error": ..., "pesan": ...}`` and exits 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable

from firmware.commands.output import EXIT_BAD_INPUT, EXIT_OK, emit, fail
from firmware.errors import PduError
from firmware.modem import pdu
from firmware.modem.segments import analyse

# English PduError reasons -> Bahasa Indonesia.  Unknown reasons fall back
# to the English text after the Indonesian prefix.
_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    (r"character not representable in GSM-7: (.*)", "karakter tidak bisa ditulis dalam GSM-7: {0}"),
    (r"message needs (\d+) parts, at most 255 are possible", "pesan butuh {0} bagian, paling banyak 255"),
    (r"text contains a lone UTF-16 surrogate", "teks berisi surrogate UTF-16 tanpa pasangan"),
    (r"empty address", "nomor tujuan kosong"),
    (r"invalid international number.*", "nomor internasional tidak valid: '+' harus diikuti 1-20 angka"),
    (r"number longer than 20 digits", "nomor lebih dari 20 angka"),
    (r"alphanumeric address longer than 11 GSM-7 characters", "nama pengirim lebih dari 11 karakter GSM-7"),
    (r"invalid address.*", "alamat tidak valid: pakai +<angka>, <angka>, atau nama pengirim GSM-7"),
    (r"validity must look like .*", "masa berlaku harus seperti 30m, 12h, 1d atau 2w"),
    (r"validity must be longer than zero", "masa berlaku harus lebih dari nol"),
    (r"validity period must not be negative", "masa berlaku tidak boleh negatif"),
    (r"concatenation reference must not be negative", "nomor referensi gabungan tidak boleh negatif"),
    (r"empty PDU", "PDU kosong"),
    (r"odd number of hex digits", "jumlah digit heksadesimal ganjil"),
    (r"PDU is not hexadecimal", "PDU bukan heksadesimal"),
    (r"PDU truncated in (.*)", "PDU terpotong di {0}"),
    (r"(.*) address length too big", "panjang alamat {0} terlalu besar"),
    (r"SMSC length too big", "panjang alamat SMSC terlalu besar"),
    (r"bad digit \(F\) inside an address", "angka tidak valid (F) di dalam alamat"),
    (r"bad digit in (.*)", "angka tidak valid di {0}"),
    (r"invalid date in (.*)", "tanggal tidak valid di {0}"),
    (r"compressed text not supported", "teks terkompresi tidak didukung"),
    (r"bad UDH: (.*)", "header data pengguna (UDH) rusak: {0}"),
    (r"UCS-2 user data has an odd number of octets", "data UCS-2 berjumlah oktet ganjil"),
    (r"user data shorter than TP-UDL says", "data pengguna lebih pendek dari TP-UDL"),
    (r"user data too short.*", "data pengguna terlalu pendek"),
    (r"reserved message type", "jenis pesan tidak dikenal (reserved)"),
)


def indonesian(reason: str) -> str:
    """The Bahasa Indonesia rendering of a PduError reason (English if unknown)."""
    for pattern, template in _TRANSLATIONS:
        match = re.fullmatch(pattern, reason)
        if match:
            return template.format(*match.groups())
    return reason


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pdu`` with its ``encode``, ``decode`` and ``segments`` actions."""
    parser = subparsers.add_parser("pdu")
    sub = parser.add_subparsers(dest="pdu_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("encode", help="build the SMS-SUBMIT PDUs for a message")
    p.add_argument("--to", required=True, help="recipient: +62812..., 0812... or a sender name")
    p.add_argument("--text", required=True, help="message text ('-' reads stdin)")
    p.add_argument("--report", action="store_true", help="request a delivery report")
    p.add_argument("--validity", help="validity period, e.g. 30m, 12h, 1d, 2w")
    p.add_argument("--ref", type=int, default=0, help="concatenation reference (default 0)")
    p.add_argument("--ref16", action="store_true", help="use a 16-bit concatenation reference")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("decode", help="decode a PDU as the modem prints it")
    p.add_argument("hex", metavar="HEX", help="PDU in hex ('-' reads stdin)")
    p.add_argument("--no-smsc", action="store_true", help="the PDU has no leading SMSC field")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("segments", help="count the SMS a text costs and suggest GSM-7 replacements")
    p.add_argument("--text", required=True, help="message text ('-' reads stdin)")
    p.add_argument("--ref16", action="store_true", help="count with a 16-bit concatenation reference")
    p.set_defaults(func=cmd_segments)


def _read(value: str) -> str:
    """``value``, or standard input without one trailing newline when it is '-'."""
    if value != "-":
        return value
    text = sys.stdin.read()
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _guarded(prefix: str, action: Callable[[], object]) -> int:
    """Run ``action``, print its result, or print a PduError as JSON and return 2."""
    try:
        result = action()
    except PduError as exc:
        extra = {} if exc.offset is None else {"offset": exc.offset}
        return fail(exc.reason, f"{prefix}: {indonesian(exc.reason)}", EXIT_BAD_INPUT, **extra)
    emit(result)
    return EXIT_OK


def _encode(args: argparse.Namespace) -> dict:
    validity = pdu.parse_validity(args.validity) if args.validity is not None else None
    text = _read(args.text)
    parts = pdu.encode_submit(
        args.to, text, report=args.report, validity=validity, concat_ref=args.ref, ref16=args.ref16
    )
    return {
        "encoding": pdu.choose_encoding(text).value,
        "segments": len(parts),
        "parts": [{"pdu": part.pdu, "tpdu_length": part.tpdu_length} for part in parts],
    }


def cmd_encode(args: argparse.Namespace) -> int:
    """``siaran pdu encode``: print the PDUs for ``--to``/``--text``."""
    return _guarded("Pesan tidak bisa dibuat", lambda: _encode(args))


def cmd_decode(args: argparse.Namespace) -> int:
    """``siaran pdu decode``: print the decoded fields of ``HEX``."""
    return _guarded("PDU tidak valid", lambda: pdu.decode(_read(args.hex), smsc=not args.no_smsc).to_dict())


def cmd_segments(args: argparse.Namespace) -> int:
    """``siaran pdu segments``: print the segment count and GSM-7 suggestions."""
    return _guarded("Teks tidak bisa dihitung", lambda: analyse(_read(args.text), ref16=args.ref16).to_dict())
