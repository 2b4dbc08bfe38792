"""Masking of personal data before it reaches a log, a trace or an error message.

UU 27/2022 (PDP) treats a resident's phone number as personal data: logs keep
only enough to tell numbers apart (``0812****7890``).
"""

from __future__ import annotations

import re

#: A phone-number-shaped run: an optional ``+``, then eight or more digits, single spaces or dashes between them
#: allowed (``0812-0000-7890``, ``+62 812 0000 7890``), not touching a letter or digit on either side: digits
#: inside a hash or a hex dump (``6636482917871dd8e``) are not a number, nor is a date (``2027-01-15``).
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z+])(?!\d{4}-\d\d-\d\d(?!\d))\+?\d(?:[\- ]?\d){7,}(?![0-9A-Za-z])")


def mask_number(number: str | None) -> str:
    """Return ``number`` with its middle digits replaced by ``****``.

    Keeps the first four and last four digits of a number with ten or more
    (``081200007890`` -> ``0812****7890``, ``+6281200007890`` ->
    ``+628****7890``), the first and last two of a shorter one, and nothing
    of a number under five digits.  Anything that is not a digit (``+``,
    an alphanumeric sender's letters) is kept.
    """
    if not number:
        return ""
    total = sum(ch.isdigit() for ch in number)
    if total >= 10:
        head, tail = 4, 4
    elif total >= 5:
        head, tail = 2, 2
    else:
        head, tail = 0, 0
    out: list[str] = []
    seen = 0
    for ch in number:
        if not ch.isdigit():
            out.append(ch)
            continue
        seen += 1
        if seen <= head or seen > total - tail:
            out.append(ch)
        elif not out or out[-1] != "****":
            out.append("****")
    return "".join(out)


def mask_numbers_in(text: str) -> str:
    """Mask every phone-number-shaped run inside free text (log lines, AT traces, audit details), leaving
    hashes, hex and dates alone (see ``_NUMBER_IN_TEXT``)."""
    return _NUMBER_IN_TEXT.sub(lambda m: mask_number(m.group(0)), text)
