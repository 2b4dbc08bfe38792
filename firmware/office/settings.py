"""The sending rules an office changes from the page: send window, per-SIM limits, opt-out keywords.

The TOML file (``/etc/siaran/siaran.toml``) gives the defaults; an admin may
override them on the Settings page, which writes these ``settings`` keys:

- ``send_window``: ``{"start": "06:00", "end": "21:00"}`` (local time; emergencies ignore it);
- ``sim_limits``: ``{"per_minute": 20, "per_hour": 300, "per_day": 3000}`` (SMS parts, every SIM);
- ``optout_keywords``: ``["STOP", "BERHENTI", "UNREG"]``;
- ``sms_keywords``: what residents may text besides those and how the box answers:
  ``{"consent": ["YA", "SETUJU"], "change": ["GANTI"], "subscribe": ["DAFTAR"], "info": ["INFO", "BANTUAN"],
  "office_contact": "Kel. Sukamaju 022-0000000", "replies_per_hour": 3, "change_hours": 48}``
  (any key may be left out: the file's value stands).

The daemon's workers re-read them every few seconds (:func:`effective`), so
a change takes effect without a restart; the page's estimates use the same
function, so what it promises is what the daemon does.  A value that does not
validate is refused when saved and, if it got in by other means, ignored (the
file's value stands) with a warning in the log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from firmware.office.config import Config, ConfigError, validate
from firmware.errors import BilingualError

log = logging.getLogger(__name__)

KEYS = ("send_window", "sim_limits", "optout_keywords", "sms_keywords")
#: The keys of the Settings page's sending-rules form (``sms_keywords`` has a form of its own).
RULE_KEYS = ("send_window", "sim_limits", "optout_keywords")
#: ``sms_keywords`` fields -> the Config keys they override.
SMS_KEYWORD_FIELDS = {"consent": "consent_keywords", "change": "change_keywords", "subscribe": "subscribe_keywords",
                      "info": "info_keywords", "office_contact": "office_contact",
                      "replies_per_hour": "keyword_replies_per_hour", "change_hours": "number_change_hours"}
LIMIT_KEYS = ("per_minute", "per_hour", "per_day")
LIMIT_MAX = {"per_minute": 60, "per_hour": 3600, "per_day": 50_000}
_KEYWORD = re.compile(r"[A-Z0-9]{2,20}")


class SettingError(BilingualError, ConfigError):
    """An office setting that cannot be used; ``pesan`` says why in Bahasa Indonesia."""


def read(store) -> dict[str, Any]:
    """The override values stored (absent keys left out)."""
    out = {}
    for key in KEYS:
        value = store.get_setting(key)
        if value is not None:
            out[key] = value
    return out


def apply(config: Config, values: dict[str, Any]) -> Config:
    """``config`` with ``values`` (from :func:`read`) applied; SettingError when one is not usable."""
    window = values.get("send_window")
    if window is not None:
        if not isinstance(window, dict) or not all(isinstance(window.get(k), str) for k in ("start", "end")):
            raise SettingError("send_window: expected start and end as HH:MM",
                               "Jam kirim: isi jam mulai dan jam selesai (JJ:MM).")
        config = replace(config, window_start=window["start"].strip(), window_end=window["end"].strip())
        try:
            config.window()
        except ConfigError:
            raise SettingError(f"send_window: not HH:MM: {window['start']!r} - {window['end']!r}",
                               f"Jam kirim tidak terbaca: {window['start']} - {window['end']} (pakai JJ:MM, "
                               f"mis. 06:00).") from None
    limits = values.get("sim_limits")
    if limits is not None:
        if not isinstance(limits, dict):
            raise SettingError("sim_limits: expected per_minute, per_hour, per_day",
                               "Batas kirim per SIM: isi per menit, per jam dan per hari.")
        checked = {}
        for key in LIMIT_KEYS:
            n = limits.get(key)
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= LIMIT_MAX[key]:
                raise SettingError(f"sim_limits.{key}: a whole number from 1 to {LIMIT_MAX[key]}",
                                   f"Batas kirim {_LIMIT_WORDS[key]}: bilangan bulat 1 sampai {LIMIT_MAX[key]}.")
            checked[key] = n
        if not checked["per_minute"] <= checked["per_hour"] <= checked["per_day"]:
            raise SettingError("sim_limits: need per_minute <= per_hour <= per_day",
                               "Batas kirim: per menit tidak boleh lebih dari per jam, per jam tidak lebih dari "
                               "per hari.")
        config = replace(config, modems=tuple(replace(m, **checked) for m in config.modems))
    keywords = values.get("optout_keywords")
    if keywords is not None:
        config = replace(config, optout_keywords=check_keywords(keywords))
    sms = values.get("sms_keywords")
    if sms is not None:
        config = replace(config, **check_sms_keywords(sms))
    try:
        return validate(config)
    except ConfigError as exc:
        if isinstance(exc, SettingError):
            raise
        clash = re.search(r"(\w+) is also in (\w+)", str(exc))
        pesan = (f"Kata kunci {clash.group(1)} dipakai di dua daftar ({clash.group(2)}): satu kata hanya boleh "
                 "punya satu arti." if clash else f"Pengaturan tidak dapat dipakai: {exc}")
        raise SettingError(str(exc), pesan) from None


_LIMIT_WORDS = {"per_minute": "per menit", "per_hour": "per jam", "per_day": "per hari"}


def check_keywords(keywords: Any) -> tuple[str, ...]:
    """Opt-out keywords as stored: upper case, 2-20 letters or digits each, 1-10 of them, no repeats."""
    if isinstance(keywords, str):
        keywords = re.split(r"[,\s]+", keywords)
    if not isinstance(keywords, (list, tuple)):
        raise SettingError("optout_keywords: expected a list", "Kata berhenti langganan: isi daftar kata.")
    out: list[str] = []
    for kw in keywords:
        word = str(kw).strip().upper()
        if not word:
            continue
        if not _KEYWORD.fullmatch(word):
            raise SettingError(f"optout_keywords: {word!r} must be 2-20 letters or digits",
                               f"Kata berhenti langganan {word!r}: 2-20 huruf atau angka, tanpa spasi.")
        if word not in out:
            out.append(word)
    if not 1 <= len(out) <= 10:
        raise SettingError("optout_keywords: between 1 and 10 keywords",
                           "Kata berhenti langganan: minimal 1, maksimal 10 kata.")
    return tuple(out)


def check_sms_keywords(values: Any) -> dict[str, Any]:
    """``sms_keywords`` as Config fields (keyword lists upper case, 2-20 letters or digits, 1-10 each;
    the office contact at most 60 characters; replies per hour 1-60; change hours 1-720)."""
    if not isinstance(values, dict):
        raise SettingError("sms_keywords: expected an object", "Kata kunci SMS warga: isian tidak terbaca.")
    out: dict[str, Any] = {}
    for key, value in values.items():
        target = SMS_KEYWORD_FIELDS.get(key)
        if target is None:
            raise SettingError(f"sms_keywords: unknown key {key!r}", f"Kata kunci SMS warga: {key!r} tidak dikenal.")
        if target.endswith("_keywords"):
            try:
                out[target] = check_keywords(value)
            except SettingError:
                raise SettingError(f"sms_keywords.{key}: 1-10 keywords of 2-20 letters or digits",
                                   f"Kata kunci {_SMS_WORDS[key]}: 1-10 kata, masing-masing 2-20 huruf atau angka."
                                   ) from None
        elif key == "office_contact":
            text = " ".join(str(value or "").split())
            if len(text) > 60:
                raise SettingError("sms_keywords.office_contact: at most 60 characters",
                                   "Kontak kantor: paling banyak 60 karakter (masuk ke satu SMS).")
            out[target] = text
        else:
            low, high = (1, 60) if key == "replies_per_hour" else (1, 720)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise SettingError(f"sms_keywords.{key}: a number from {low} to {high}",
                                   f"{_SMS_WORDS[key].capitalize()}: angka {low} sampai {high}.")
            out[target] = int(value) if key == "replies_per_hour" else float(value)
    return out


_SMS_WORDS = {"consent": "setuju", "change": "ganti nomor", "subscribe": "daftar", "info": "info",
              "replies_per_hour": "balasan otomatis per nomor per jam", "change_hours": "batas jam ganti nomor"}


def effective(store, config: Config, values: dict[str, Any] | None = None) -> Config:
    """The configuration the daemon sends by now: the file's, with the page's overrides when they validate.

    ``values``: what :func:`read` returned, when the caller has read it already.
    """
    values = read(store) if values is None else values
    if not values:
        return config
    try:
        return apply(config, values)
    except SettingError as exc:
        log.warning("office settings ignored (the file's values stand): %s", exc)
        return config
