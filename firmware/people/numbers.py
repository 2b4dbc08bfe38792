"""Indonesian phone numbers: normalise what people type to E.164, and name the operator.

Every number that enters the store goes through this module:

- :func:`normalise` for what people type (imports, the API, the CLI, web
  forms): an Indonesian mobile number or :class:`InvalidNumber` saying why
  (letters in it, another country's number, a landline, wrong length);
- :func:`canonical_sender` for what the network gives (an SMS sender, a
  status report's recipient): E.164 for a valid number in any form, anything
  else (short code, sender name) as given;
- :func:`optout_match` for the number an opt-out suppresses, whatever form it
  was stored in (``optouts.match_number``).

Validation is libphonenumber's (``phonenumbers``): region ID, mobile numbers
only.  The operator prefix table is informational (numbers can be ported); it
only steers routing "Telkomsel numbers through the Telkomsel SIM when there is
one", never decides whether a number is valid.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from firmware.errors import BilingualError
from firmware.modem.pdu import TON_ALPHANUMERIC, TON_NATIONAL

if TYPE_CHECKING:
    import phonenumbers


class InvalidNumber(BilingualError, ValueError):
    """A string is not a valid Indonesian mobile number; ``pesan`` says why in Bahasa Indonesia."""


class NumberHasLetters(InvalidNumber):
    """A number with a letter in it: a typo, never a vanity number to spell out on a keypad."""


class ForeignNumber(InvalidNumber):
    """A valid-looking number of another country (``+65...``, ``0065...``): Siaran sends to Indonesia only."""


_SEPARATORS = re.compile(r"[\s\-\.\(\)/]")
_DIALLABLE = re.compile(r"\+?[0-9]+")


def dialled(raw: str) -> str:
    """``raw`` without separators, checked to be digits with an optional leading ``+``.

    Letters are refused before libphonenumber sees them: it reads them as a phone
    keypad does (``0812-ABCD-1234`` -> ``081222231234``, a real stranger's number),
    but in a resident list or an API call a letter in a number is a typo.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw or "")).strip())
    if not text:
        raise InvalidNumber("empty number", "nomor kosong")
    if _DIALLABLE.fullmatch(text):
        return text
    if any(ch.isalpha() for ch in text):
        raise NumberHasLetters("the number contains letters (a typo?)", "nomor berisi huruf (salah ketik?)")
    raise InvalidNumber("the number contains characters other than digits",
                        "nomor berisi karakter selain angka")


def _candidate(text: str) -> str:
    """A dialled string in the form libphonenumber parses with region ID: ``0...``, ``+<cc>...``."""
    if text.startswith("00"):
        text = "+" + text[2:]  # an international call prefix: 0062..., 0065...
    elif text.startswith("62"):
        text = "+" + text
    elif text.startswith("8"):
        text = "0" + text  # a leading zero lost in a spreadsheet
    if text.startswith("+620"):
        text = "+62" + text[4:]
    return text


def _parse(text: str) -> phonenumbers.PhoneNumber:
    """A dialled string parsed for Indonesia; InvalidNumber when it is not a phone number at all.

    libphonenumber is imported here, on the first number parsed, not with this module: a
    command that opens the store and checks no number (``siaran status``) starts without it.
    """
    import phonenumbers

    try:
        return phonenumbers.parse(_candidate(text), "ID")
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"not a phone number: {exc}", "bukan nomor telepon") from exc


def normalise(raw: str) -> str:
    """``0812-0000-7890``, ``+62 812 0000 7890``, ``62812...``, ``812...`` -> ``+6281200007890``.

    Raises InvalidNumber for anything that is not an Indonesian mobile number:
    letters in it, a number of another country (``+65...``, ``0065...``), a
    landline, a number too short or too long.
    """
    parsed = _parse(dialled(raw))
    import phonenumbers  # imported by _parse

    if parsed.country_code != 62:
        raise ForeignNumber(f"not an Indonesian number (country code +{parsed.country_code})",
                            f"bukan nomor Indonesia (kode negara +{parsed.country_code})")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid Indonesian number", "nomor tidak valid")
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        raise InvalidNumber("not a mobile number", "bukan nomor HP (seluler)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def canonical_sender(raw: str, ton: int | None = None) -> str:
    """How an address from the network is stored: an SMS sender, a status report's recipient.

    A valid number in any written form (``+62812...``, ``62812...``, ``0812...``,
    with or without separators; a landline or a foreign number too) becomes
    E.164, so it matches the queue and the opt-outs.  ``ton`` is the PDU's type
    of number: a national one may come without its leading 0 (``812...``).
    What is not a valid number (an operator's short code ``3636``, a sender name
    ``TELKOMSEL``, a garbled address) is kept as given.
    """
    given = str(raw or "").strip()
    if ton == TON_ALPHANUMERIC:
        return given
    try:
        text = dialled(given)
    except InvalidNumber:
        return given
    forms = ["0" + text, text] if ton == TON_NATIONAL and text[0] not in "0+" else [text]
    for form in forms:
        try:
            parsed = _parse(form)
        except InvalidNumber:
            continue
        import phonenumbers  # imported by _parse

        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return given


def optout_match(stored: str) -> str:
    """The number an opt-out as stored suppresses, in the queue's form (E.164).

    An opt-out that is a valid number in any form matches it (:func:`canonical_sender`).
    One that is not (kept as it was received, never dropped) matches on its digits:
    ``tel:+6281200007890`` or ``0812.0000.7890 (Pak RT)`` still stop ``+6281200007890``.
    """
    canonical = canonical_sender(stored)
    if canonical.startswith("+"):
        return canonical
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", stored) if "0" <= ch <= "9")
    if not digits:
        return canonical
    if stored.lstrip().startswith("+") or digits.startswith("00"):
        return "+" + digits.lstrip("0")
    if digits.startswith("62"):
        return "+" + digits
    return "+62" + digits.removeprefix("0")


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
