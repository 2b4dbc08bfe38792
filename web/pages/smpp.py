"""Settings → operator accounts (SMPP): add, edit and delete the accounts of the operator route (admin only).

Accounts in the TOML file (``[[smpp]]``) are shown read-only (change them in the file); accounts added
here live in the ``smpp_accounts`` table and the daemon merges both.  Every value is checked by the one
account check (:func:`firmware.office.config.smpp_account`); this module only turns form text into
typed values and the check's English message into the reader's language.

The password is write-only: it is never put back into a page (the edit form's password field is always
empty), never logged and never in the audit detail; left empty on edit, the stored one is kept.
"""

from __future__ import annotations

import re
from typing import Any

import bottle

from firmware.errors import ConfigError
from firmware.office import config as config_mod
from firmware.queue.store import StoreError
from web import context
from web.pages.admin import parse_number
from web.render import page

#: The form's fields, in order (``tls`` and ``registered_delivery`` are checkboxes).
TEXT_FIELDS = ("name", "host", "port", "system_id", "system_type", "bind", "source_addr", "source_ton",
               "source_npi", "rate", "window", "enquire_link", "validity_minutes", "price_per_part", "tls_ca")
CHECKBOXES = ("tls", "registered_delivery")
REQUIRED = ("name", "host", "system_id", "source_addr")
INT_FIELDS = ("port", "window", "validity_minutes", "source_ton", "source_npi")
FLOAT_FIELDS = ("rate", "enquire_link", "price_per_part")
#: A host name or an IP address (IPv6 without brackets): nothing a shell, a URL or a log line could misread.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|[0-9A-Fa-f:.]{2,45}")
_WHOLE = re.compile(r"\d{1,9}|\d{1,3}(?:\.\d{3}){1,2}")  # 2775, or 10.080 as Bahasa groups thousands
PASSWORD_MAX = 8  # SMPP 3.4: a C-Octet String of at most 9 octets with its NUL
TLS_CA_MAX = 20_000  # a few PEM certificates (one is about 1,200-2,000 characters)

#: field -> (Bahasa Indonesia, English): what each field is, for the messages below and the form's labels.
LABELS: dict[str, tuple[str, str]] = {
    "name": ("Nama akun", "Account name"), "host": ("Alamat server (host)", "Server address (host)"),
    "port": ("Port", "Port"), "system_id": ("System ID (nama pengguna)", "System ID (user name)"),
    "password": ("Kata sandi", "Password"), "system_type": ("System type", "System type"),
    "bind": ("Cara tersambung (bind)", "Bind mode"), "source_addr": ("Pengirim (nama atau nomor)", "Sender (name or number)"),
    "source_ton": ("TON pengirim", "Sender TON"), "source_npi": ("NPI pengirim", "Sender NPI"),
    "rate": ("Kecepatan (SMS per detik)", "Rate (SMS a second)"), "window": ("Jendela (submit_sm sekaligus)", "Window (submit_sm at once)"),
    "enquire_link": ("Cek sambungan tiap (detik)", "Keep-alive every (seconds)"), "tls": ("TLS", "TLS"),
    "tls_ca": ("Sertifikat TLS penyedia (PEM)", "The provider's TLS certificate (PEM)"),
    "validity_minutes": ("Masa berlaku pesan (menit)", "Message validity (minutes)"),
    "registered_delivery": ("Minta laporan terkirim", "Ask for delivery receipts"),
    "price_per_part": ("Harga per bagian SMS (Rupiah)", "Price per SMS part (Rupiah)"),
}
#: field -> (Bahasa Indonesia, English) rule, shown when the account check refuses that field.
RULES: dict[str, tuple[str, str]] = {
    "name": ("1-32 huruf, angka, titik, garis bawah atau tanda minus, dan belum dipakai akun atau modem lain.",
             "1-32 letters, digits, '.', '_' or '-', not used by another account or modem."),
    "host": ("isi nama server atau alamat IP dari penyedia, mis. smpp.operator.co.id atau 10.1.2.3.",
             "the provider's server name or IP address, e.g. smpp.operator.co.id or 10.1.2.3."),
    "port": ("angka antara 1 dan 65535 (biasanya 2775).", "a number between 1 and 65535 (usually 2775)."),
    "system_id": ("1 sampai 15 karakter, dari penyedia.", "1 to 15 characters, from the provider."),
    "password": (f"paling banyak {PASSWORD_MAX} karakter biasa (SMPP 3.4).",
                 f"at most {PASSWORD_MAX} plain characters (SMPP 3.4)."),
    "system_type": ("paling banyak 12 karakter (kosongkan bila penyedia tidak menyebutnya).",
                    "at most 12 characters (leave empty unless the provider names one)."),
    "bind": ("pilih transceiver atau transmitter+receiver.", "choose transceiver or transmitter+receiver."),
    "source_addr": ("nama pengirim terdaftar: paling banyak 11 huruf, angka, spasi atau - . _ &, minimal satu huruf "
                    "(mis. PEMKAB-BLTR), atau nomor paling banyak 20 angka.", "a registered sender name: at most 11 "
                    "letters, digits, spaces or - . _ &, one letter at least (e.g. PEMKAB-BLTR), or a number of at "
                    "most 20 digits."),
    "source_ton": ("angka 0-255, atau kosong (otomatis).", "a number 0-255, or empty (automatic)."),
    "source_npi": ("angka 0-255, atau kosong (otomatis).", "a number 0-255, or empty (automatic)."),
    "rate": ("lebih dari 0 dan paling banyak 10.000 SMS per detik (sesuai kontrak).",
             "more than 0 and at most 10,000 SMS a second (as contracted)."),
    "window": ("antara 1 dan 1.000.", "between 1 and 1,000."),
    "enquire_link": ("antara 5 dan 3.600 detik.", "between 5 and 3,600 seconds."),
    "validity_minutes": ("antara 1 menit dan 7 hari (10.080 menit).", "between 1 minute and 7 days (10,080 minutes)."),
    "price_per_part": ("angka 0 atau lebih.", "a number, 0 or more."),
    "tls_ca": ("tempel sertifikat dari penyedia (teks yang diawali -----BEGIN CERTIFICATE-----), dan centang TLS; "
               "kosongkan bila sertifikat server ditandatangani CA umum.",
               "paste the certificate from the provider (text beginning -----BEGIN CERTIFICATE-----) and tick TLS; "
               "leave empty when the server's certificate is signed by a public CA."),
}
TON_CHOICES = ((None, "otomatis / automatic"), (0, "0 unknown"), (1, "1 international"), (2, "2 national"),
               (3, "3 network specific"), (4, "4 subscriber number"), (5, "5 alphanumeric"), (6, "6 abbreviated"))
NPI_CHOICES = ((None, "otomatis / automatic"), (0, "0 unknown"), (1, "1 ISDN (E.164)"), (8, "8 national"),
               (9, "9 private"))


class FormError(ValueError):
    """A field the form cannot use: ``key`` names it, the message is already in the reader's language."""

    def __init__(self, key: str, text: str):
        self.key = key
        super().__init__(text)


def register(app: bottle.Bottle) -> None:
    app.get("/settings/smpp", callback=accounts_page)
    app.post("/settings/smpp", callback=account_add)
    app.get("/settings/smpp/<name>", callback=account_form)
    app.post("/settings/smpp/<name>", callback=account_save)
    app.post("/settings/smpp/<name>/delete", callback=account_delete)


# -- reading the form ----------------------------------------------------------------------------


def _typed_in() -> dict[str, str]:
    """The posted form's fields as typed (never the password)."""
    return {k: context.field(k, maxlen=TLS_CA_MAX if k == "tls_ca" else 300) for k in TEXT_FIELDS}


def _typed_values(typed_in: dict[str, str]) -> dict[str, Any]:
    """The typed values of the form; FormError names the first field that is missing or not even the right
    kind of value (a port that is not a number)."""
    t = context.lang()
    values: dict[str, Any] = {}
    for key, raw in typed_in.items():
        if key in INT_FIELDS:
            if raw == "" and key in ("source_ton", "source_npi"):
                values[key] = None
                continue
            if not raw:
                _missing(key)
            if not _WHOLE.fullmatch(raw):
                raise FormError(key, _rule(key, t(f"“{raw[:20]}” bukan bilangan bulat",
                                                  f"“{raw[:20]}” is not a whole number")))
            values[key] = int(raw.replace(".", ""))
        elif key in FLOAT_FIELDS:
            if not raw:
                _missing(key)
            # Rupiah as the office writes it ("Rp 1.500"); rates as a number field sends them ("0.5").
            number = parse_number(raw) if key == "price_per_part" else _float(raw.replace(",", "."))
            if number is None:
                raise FormError(key, _rule(key, t(f"“{raw[:20]}” bukan angka", f"“{raw[:20]}” is not a number")))
            values[key] = number
        else:
            if not raw and key in REQUIRED:
                _missing(key)
            values[key] = raw
    if values["host"] and not _HOST.fullmatch(values["host"]):
        raise FormError("host", _rule("host", t(f"“{values['host'][:40]}” tidak dapat dipakai",
                                                 f"“{values['host'][:40]}” cannot be used")))
    for key in CHECKBOXES:
        values[key] = context.field(key, maxlen=5) in ("1", "on", "yes")
    return values


def _float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _missing(key: str):
    raise FormError(key, _rule(key, context.lang()("wajib diisi", "required")))


def _rule(key: str, what: str) -> str:
    t = context.lang()
    return f"{t(*LABELS[key])}: {what}; {t(*RULES[key])}"


def _password() -> str | None:
    """The password typed (None when the field was left empty). Printable ASCII only: a C-Octet String."""
    raw = bottle.request.forms.getunicode("password") or ""
    if raw == "":
        return None
    if len(raw) > PASSWORD_MAX or not all(32 < ord(ch) < 127 for ch in raw):
        raise FormError("password", _rule("password", context.lang()("tidak dapat dipakai", "cannot be used")))
    return raw


def _checked(values: dict[str, Any], password: str) -> config_mod.SmppAccount:
    """The one account check, its English message turned into the reader's language for the field it names."""
    try:
        return config_mod.smpp_account({**values, "password": password}, "smpp")
    except ConfigError as exc:
        m = re.match(r"smpp\.(\w+)", str(exc))
        key = m.group(1) if m and m.group(1) in RULES else None
        if key is None:
            raise FormError("", context.lang()("Akun tidak dapat dipakai; periksa setiap isian.",
                                               f"The account cannot be used: {str(exc)[:200]}")) from None
        raise FormError(key, _rule(key, context.lang()("tidak dapat dipakai", "cannot be used"))) from None


# -- pages -----------------------------------------------------------------------------------------


def _accounts() -> list[dict[str, Any]]:
    """Every account, file ones first (read-only here), without passwords."""
    store, config = context.store(), context.site().config
    rows = [{**_public(a), "source": "file"} for a in config.smpp]
    rows += [{**r, "source": "page"} for r in store.smpp_accounts()]
    return rows


def _public(account: config_mod.SmppAccount) -> dict[str, Any]:
    """An account as the page shows it: every field but the password."""
    return {k: getattr(account, k) for k in TEXT_FIELDS + CHECKBOXES}


def _shown(form: dict[str, Any] | None) -> dict[str, Any] | None:
    """Whole floats without their ``.0`` (a rate of 50, not 50.0) for the form's fields."""
    if form is None:
        return None
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in form.items()}


def _view(**values: Any) -> str:
    values["form"] = _shown(values.get("form"))
    return page("settings_smpp", title=context.lang()("Akun operator (SMPP)", "Operator accounts (SMPP)"),
                accounts=_accounts(), labels=LABELS, ton_choices=TON_CHOICES, npi_choices=NPI_CHOICES,
                binds=config_mod.SMPP_BINDS, defaults=_shown(_public(config_mod.SmppAccount("", "", "", ""))),
                **{"error": None, "error_field": None, "form": None, "editing": None, **values})


@context.require("admin")
def accounts_page():
    return _view()


def _taken(name: str) -> bool:
    config = context.site().config
    return any(a.name == name for a in config.smpp) or any(m.name == name for m in config.modems)


@context.require("admin")
def account_add():
    t = context.lang()
    store = context.store()
    typed_in = _typed_in()
    try:
        values = _typed_values(typed_in)
        password = _password()
        if password is None:
            raise FormError("password", _rule("password", t("wajib diisi untuk akun baru", "required for a new account")))
        if _taken(values["name"]) or _row(values["name"]) is not None:
            raise FormError("name", _rule("name", t(f"“{values['name']}” sudah dipakai", f"“{values['name']}” is taken")))
        account = _checked(values, password)
        store.save_smpp_account(account, by=context.actor())
    except FormError as exc:
        bottle.response.status = 400
        return _view(error=str(exc), error_field=exc.key, form=_kept(typed_in))
    except StoreError as exc:
        bottle.response.status = 400
        return _view(error=context.error_text(exc), form=_kept(typed_in))
    context.flash(t(f"Akun operator {account.name} ditambahkan; layanan pengirim menyambungnya dalam beberapa detik.",
                    f"Operator account {account.name} added; the sending service connects it within seconds."))
    bottle.redirect("/settings/smpp", 303)


def _kept(typed_in: dict[str, str]) -> dict[str, Any]:
    """The form as typed, to show again after an error (checkboxes as posted; never the password)."""
    return {**typed_in, **{k: context.field(k, maxlen=5) in ("1", "on", "yes") for k in CHECKBOXES}}


def _row(name: str) -> dict[str, Any] | None:
    """The page-added account ``name`` (no password), or None."""
    return next((r for r in context.store().smpp_accounts() if r["name"] == name), None)


def _editable(name: str) -> dict[str, Any]:
    row = _row(name[:64])
    if row is None:
        bottle.abort(404, context.lang()("Akun itu tidak ada (atau ada di berkas konfigurasi: ubah di sana).",
                                         "No such account (or it is in the configuration file: change it there)."))
    return row


@context.require("admin")
def account_form(name: str):
    row = _editable(name)
    return _view(editing=row["name"], form=row)


@context.require("admin")
def account_save(name: str):
    t = context.lang()
    store = context.store()
    row = _editable(name)
    typed_in = _typed_in()
    try:
        values = _typed_values({**typed_in, "name": row["name"]})  # the name is the account's key: delete and add to rename
        password = _password()
        # Left empty, the stored password is kept: the check runs on an empty stand-in, never on the real one.
        account = _checked(values, password or "")
        store.save_smpp_account(account, by=context.actor(), enabled=row.get("enabled", True),
                                keep_password=password is None)
    except FormError as exc:
        bottle.response.status = 400
        return _view(editing=row["name"], error=str(exc), error_field=exc.key,
                     form={**_kept(typed_in), "name": row["name"]})
    except StoreError as exc:
        bottle.response.status = 400
        return _view(editing=row["name"], error=context.error_text(exc), form={**_kept(typed_in), "name": row["name"]})
    context.flash(t(f"Akun operator {row['name']} disimpan.", f"Operator account {row['name']} saved."))
    bottle.redirect("/settings/smpp", 303)


@context.require("admin")
def account_delete(name: str):
    t = context.lang()
    row = _editable(name)
    context.store().delete_smpp_account(row["name"], by=context.actor())
    context.flash(t(f"Akun operator {row['name']} dihapus; pesan yang menunggu jalur operator tetap di antrean.",
                    f"Operator account {row['name']} deleted; messages waiting for the operator route stay queued."))
    bottle.redirect("/settings/smpp", 303)
