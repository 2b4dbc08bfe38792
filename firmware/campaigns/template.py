"""Campaign templates: placeholders, optional phrases and blanks, compiled once and rendered per contact.

Placeholders ``{nama}`` ``{jabatan}`` ``{rt}`` ``{rw}`` ``{desa}`` ``{dusun}`` (:data:`PLACEHOLDERS`) take
the contact's field, or its fallback (:data:`DEFAULT_FALLBACKS`) when empty; ``[...]`` holds an optional
phrase (with ``|`` alternatives) kept only when its placeholders have data; ``[[blank]]`` marks what a
ready-made template leaves to fill.  The rules, with examples, are in :mod:`firmware.campaigns.campaign`'s
docstring; this module is the parser (:func:`compile_template`) and the renderer (:func:`renderer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from firmware.errors import CampaignError


#: Longest template text accepted (about 12 GSM-7 segments).
MAX_TEXT = 1800

#: Placeholder -> contacts column.
PLACEHOLDERS: dict[str, str] = {
    "nama": "name", "jabatan": "role", "rt": "rt", "rw": "rw", "desa": "desa", "dusun": "dusun",
}
#: What a placeholder becomes when the contact's field is empty.
DEFAULT_FALLBACKS: dict[str, str] = {
    "nama": "Bapak/Ibu", "jabatan": "Warga", "rt": "setempat", "rw": "setempat", "desa": "setempat",
    "dusun": "setempat",
}
class TemplateError(CampaignError):
    """A template has an unknown placeholder, an unfilled blank or is too long."""


# -- templates -------------------------------------------------------------------

_TOKEN = re.compile(r"\{\{|\}\}|\{\s*([^{}]*?)\s*\}")
_BLANK = re.compile(r"\[\[\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*\]\]")
_PHRASE = re.compile(r"\[([^\[\]]*)\]")

Part = tuple[str, "str | None"]  # (literal, None) or ("", placeholder)


@dataclass(frozen=True)
class Phrase:
    """An optional phrase ``[...]``: its alternatives (``|``), each a run of parts; the first whose
    placeholders all have data is rendered, and with none the phrase is dropped."""

    alternatives: tuple[tuple[Part, ...], ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for alt in self.alternatives for _, p in alt if p))


@dataclass(frozen=True)
class Template:
    """A parsed template: in order, literal text, placeholders (``parts``: (literal, placeholder|None))
    and optional phrases (:class:`Phrase`)."""

    text: str
    parts: tuple[Part | Phrase, ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder used, in order (inside phrases too)."""
        names: list[str] = []
        for part in self.parts:
            names.extend(part.placeholders if isinstance(part, Phrase) else [part[1]] if part[1] else [])
        return tuple(dict.fromkeys(names))

    @property
    def bare_placeholders(self) -> tuple[str, ...]:
        """The placeholders outside any phrase: the ones an empty field fills with a fallback."""
        return tuple(dict.fromkeys(part[1] for part in self.parts if not isinstance(part, Phrase) and part[1]))

    def literal_text(self, fill: str = " ") -> str:
        """The text with every placeholder replaced by ``fill`` and every alternative of a phrase kept
        (for the operator-filter checks)."""
        out = []
        for part in self.parts:
            runs = part.alternatives if isinstance(part, Phrase) else ((part,),)
            out.append(" ".join("".join(lit if p is None else fill for lit, p in run) for run in runs))
        return "".join(out)


def _parse_plain(text: str, unknown: list[str]) -> list[Part]:
    """Literal text and ``{placeholder}`` parts of ``text`` (unknown ones appended to ``unknown``)."""
    parts: list[Part] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            parts.append((text[pos:m.start()], None))
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append((token[0], None))
        else:
            name = m.group(1).lower()
            if name in PLACEHOLDERS:
                parts.append(("", name))
            else:
                unknown.append(token)
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], None))
    return _join_literals(parts)


def _join_literals(parts: list[Part]) -> list[Part]:
    """Adjacent literals joined (fewer pieces to render)."""
    merged: list[Part] = []
    for lit, p in parts:
        if p is None and merged and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + lit, None)
        else:
            merged.append((lit, p))
    return merged


def compile_template(text: Any) -> Template:
    """Parse ``text``; TemplateError on unknown placeholders, unfilled ``[[blanks]]`` or excess length."""
    if not isinstance(text, str) or not text.strip():
        raise TemplateError("message text is empty", "Teks pesan kosong.")
    if len(text) > MAX_TEXT:
        raise TemplateError(f"message text longer than {MAX_TEXT} characters",
                            f"Teks pesan lebih dari {MAX_TEXT} karakter.")
    parts: list[Part | Phrase] = []
    unknown: list[str] = []
    pos = 0
    for m in _PHRASE.finditer(text):
        found: list[str] = []
        alternatives = tuple(tuple(_parse_plain(alt, found)) for alt in m.group(1).split("|"))
        if not any(p for alt in alternatives for _, p in alt):
            continue  # square brackets around plain text: literal
        unknown.extend(found)
        parts.extend(_parse_plain(text[pos:m.start()], unknown))
        parts.append(Phrase(alternatives))
        pos = m.end()
    parts.extend(_parse_plain(text[pos:], unknown))
    if unknown:
        known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
        raise TemplateError(
            f"unknown placeholder(s) {', '.join(dict.fromkeys(unknown))}; known: {known}"
            " (write {{ for a literal brace)",
            f"Isian tidak dikenal: {', '.join(dict.fromkeys(unknown))}. Yang dikenal: {known}.")
    blanks = unfilled(text)
    if blanks:
        raise TemplateError(
            f"fill the template's blanks first: {', '.join(blanks)} (e.g. --fill {blanks[0]}=...)",
            f"Isi dulu bagian kosong template: {', '.join(blanks)} (misalnya --fill {blanks[0]}=...).")
    return Template(text, tuple(parts))


def unfilled(text: str) -> list[str]:
    """Names of the ``[[blanks]]`` still in ``text``."""
    return list(dict.fromkeys(m.group(1).strip().lower() for m in _BLANK.finditer(text)))


def fill_blanks(text: str, values: Mapping[str, str] | None) -> str:
    """Replace ``[[name]]`` blanks with ``values[name]``; unknown names are refused."""
    values = {str(k).strip().lower(): str(v) for k, v in (values or {}).items()}
    present = set(unfilled(text))
    extra = sorted(set(values) - present)
    if extra:
        raise TemplateError(f"no blank(s) {', '.join(extra)} in the text"
                            f" (blanks: {', '.join(sorted(present)) or 'none'})",
                            f"Tidak ada bagian kosong {', '.join(extra)} dalam teks.")
    for key, value in values.items():
        if not value.strip() or unfilled(value):
            raise TemplateError(f"blank {key}: empty value", f"Bagian {key}: nilai kosong.")
    return _BLANK.sub(lambda m: values.get(m.group(1).strip().lower(), m.group(0)), text)


def check_fallbacks(fallbacks: Mapping[str, str] | None) -> dict[str, str]:
    """Defaults overlaid with ``fallbacks``; TemplateError on an unknown placeholder name."""
    out = dict(DEFAULT_FALLBACKS)
    for key, value in (fallbacks or {}).items():
        name = str(key).strip().strip("{}").strip().lower()
        if name not in PLACEHOLDERS:
            raise TemplateError(f"fallback for unknown placeholder {key!r}; known: {', '.join(PLACEHOLDERS)}",
                                f"Cadangan untuk isian tidak dikenal {key!r}.")
        if not isinstance(value, str) or len(value) > 100:
            raise TemplateError(f"fallback {name}: must be text of at most 100 characters",
                                f"Cadangan {name}: harus teks maks. 100 karakter.")
        out[name] = value
    return out


def field_text(contact: Any, column: str) -> str:
    """A contact's field as a message shows it: spaces collapsed, "" when empty or absent."""
    try:
        value = contact[column]
    except (KeyError, IndexError):  # a partial mapping (a sample typed by hand)
        return ""
    return " ".join(str(value).split()) if value is not None else ""


_PUNCT_AFTER = frozenset(" ,.;:!?)/")


def renderer(template: Template | str, fallbacks: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    """A fast ``render(contact)`` for one template (contact: a mapping or sqlite3.Row with contacts columns).

    A placeholder outside a phrase takes its fallback when the field is empty; a phrase is rendered
    from its first alternative whose fields all have data, or dropped (see the module docstring).
    """
    tpl = template if isinstance(template, Template) else compile_template(template)
    fb = check_fallbacks(fallbacks)
    # Each piece: (literal, None, None) | ("", column, fallback) | (None, alternatives, None)
    pieces: list[tuple[Any, Any, Any]] = []
    for part in tpl.parts:
        if isinstance(part, Phrase):
            pieces.append((None, [[(lit, PLACEHOLDERS[p] if p else None) for lit, p in alt]
                                  for alt in part.alternatives], None))
        else:
            lit, p = part
            pieces.append((lit, None, None) if p is None else ("", PLACEHOLDERS[p], fb[p]))

    def render_one(contact: Any) -> str:
        out: list[str] = []
        dropped = False
        for lit, column, fallback in pieces:
            if lit is None:  # a phrase
                text = _phrase_text(column, contact)
                if not text:
                    dropped = True
                    continue
            elif column is None:
                text = lit
            else:
                text = field_text(contact, column) or fallback
            if dropped and out and text[:1] in _PUNCT_AFTER and out[-1][-1:] == " ":
                out[-1] = out[-1].rstrip(" ")  # "warga [RT {rt}] :" without its RT: "warga:"
            dropped = False
            out.append(text)
        return "".join(out).rstrip(" ") if dropped else "".join(out)

    return render_one


def _phrase_text(alternatives: list[list[tuple[str, str | None]]], contact: Any) -> str:
    """The first alternative whose fields all have data, rendered; "" when none has."""
    for alt in alternatives:
        bits = []
        for lit, column in alt:
            if column is None:
                bits.append(lit)
                continue
            value = field_text(contact, column)
            if not value:
                break
            bits.append(value)
        else:
            return "".join(bits)
    return ""


def render(template: Template | str, contact: Any, fallbacks: Mapping[str, str] | None = None) -> str:
    """The text ``contact`` receives."""
    return renderer(template, fallbacks)(contact)
