"""Indonesian phone numbers: normalise what people type to E.164, and name the operator.

Validation is libphonenumber's (``phonenumbers``): region ID, mobile numbers
only.  The operator prefix table is informational (numbers can be ported); it
only steers routing "Telkomsel numbers through the Telkomsel SIM when there is
one", never decides whether a number is valid.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from firmware.errors import BilingualError


class InvalidNumber(BilingualError, ValueError):
    """A string is not a valid Indonesian mobile number; ``pesan`` says why in Bahasa Indonesia."""


_SEPARATORS = re.compile(r"[\s\-\.\(\)/]")


def normalise(raw: str) -> str:
    """``0812-0000-7890``, ``+62 812 0000 7890``, ``62812...``, ``812...`` -> ``+6281200007890``.

    Raises InvalidNumber for anything that is not an Indonesian mobile number.
    """
    text = _SEPARATORS.sub("", str(raw or "").strip())
    if not text:
        raise InvalidNumber("empty number", "nomor kosong")
    if text.startswith("+"):
        candidate = text
    elif text.startswith("62"):
        candidate = "+" + text
    elif text.startswith("8"):
        candidate = "0" + text  # a leading zero lost in a spreadsheet
    else:
        candidate = text
    if candidate.startswith("+620"):
        candidate = "+62" + candidate[4:]
    try:
        parsed = phonenumbers.parse(candidate, "ID")
    except NumberParseException as exc:
        raise InvalidNumber(f"not a phone number: {exc}", "bukan nomor telepon") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid Indonesian number", "nomor tidak valid")
    if phonenumbers.number_type(parsed) != PhoneNumberType.MOBILE:
        raise InvalidNumber("not a mobile number", "bukan nomor HP (seluler)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


#: National prefixes (after the 0) per operator, from libphonenumber's carrier data.
OPERATOR_PREFIXES: dict[str, tuple[str, ...]] = {
    "telkomsel": ("811", "812", "813", "821", "822", "823", "851", "852", "853"),
    "indosat": ("814", "815", "816", "855", "856", "857", "858"),
    "xl": ("817", "818", "819", "859", "877", "878", "879"),
    "axis": ("831", "832", "833", "838"),
    "tri": ("895", "896", "897", "898", "899"),
    "smartfren": ("881", "882", "883", "884", "885", "886", "887", "888", "889"),
}
_BY_PREFIX = {prefix: op for op, prefixes in OPERATOR_PREFIXES.items() for prefix in prefixes}

#: Names modems report in +COPS mapped to the route names above.
OPERATOR_NAMES = {
    "TELKOMSEL": "telkomsel", "TSEL": "telkomsel", "INDOSAT": "indosat", "IM3": "indosat",
    "INDOSAT OOREDOO": "indosat", "XL": "xl", "XL AXIATA": "xl", "AXIS": "axis", "3": "tri",
    "TRI": "tri", "SMARTFREN": "smartfren",
}
OPERATOR_CODES = {"51010": "telkomsel", "51001": "indosat", "51021": "indosat", "51011": "xl",
                  "51008": "axis", "51089": "tri", "51009": "smartfren", "51028": "smartfren"}


def national(number: str) -> str:
    """``+6281200007890`` as an office writes it, ``081200007890``; other numbers unchanged."""
    return "0" + number[3:] if number.startswith("+62") else number


def operator_of(e164: str) -> str | None:
    """The operator a ``+62...`` mobile number was issued to (None when unknown)."""
    if not e164.startswith("+62") or len(e164) < 6:
        return None
    return _BY_PREFIX.get(e164[3:6])


def operator_of_network(name: str = "", code: str = "") -> str | None:
    """Route name for a modem's operator as it reports it (+COPS name or MCC+MNC)."""
    return OPERATOR_CODES.get(code) or OPERATOR_NAMES.get(name.strip().upper())
