"""Cells of the CSV files Siaran writes for offices to open in Excel (reports, rejected rows).

Two dangers: a cell starting with ``= + - @`` (or a tab/CR) is run as a formula by spreadsheets
(CSV injection from a name typed by anyone), and a phone number loses its leading zero or turns
into ``6.28E+11``.  Numbers are written ``="0812..."`` so Excel shows them exactly as text; the
importer reads that form back.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(text: Any) -> str:
    """Text that a spreadsheet will not run as a formula (a leading apostrophe when needed)."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in FORMULA_START else text


def number_cell(number: str | None) -> str:
    """A phone number as Excel must keep it (``="0812..."``); empty for none."""
    return '="' + number.replace('"', '""') + '"' if number else ""
