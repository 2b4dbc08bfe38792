"""Every error Siaran raises on purpose, in one place.

Each class sits under :class:`SiaranError` *and* under the builtin it behaves
like, so callers may catch either (the gpiozero ``exc.py`` pattern).  Messages
are written for the person reading the log or the CLI's JSON: say what was
wrong, never print a full phone number.
"""

from __future__ import annotations


class SiaranError(Exception):
    """Base class of all errors Siaran raises deliberately."""


class BilingualError(SiaranError):
    """An error a person reads: ``reason`` in English (also ``str(exc)``), ``pesan`` in Bahasa Indonesia."""

    def __init__(self, reason: str, pesan: str):
        self.reason = reason
        self.pesan = pesan
        super().__init__(reason)


def group_digits(n: float, code: str = "id") -> str:
    """A whole number with its thousands grouped as the reader's language writes them: ``100.000`` in Bahasa
    Indonesia (``id``; a comma there is the decimal sign, so ``100,000`` reads as one hundred), ``100,000`` in
    English (``en``).  Used in the ``pesan`` of errors and by the page (``web.render.Formats.num``)."""
    text = f"{n:,.0f}"
    return text if code == "en" else text.replace(",", ".")


def pesan_of(exc: BaseException, general: str = "Permintaan tidak dapat diproses.") -> str:
    """The Bahasa Indonesia text of an error: its ``pesan``, else ``general`` (a Bahasa sentence for the
    situation), never the English ``str(exc)`` dropped into a Bahasa message."""
    return getattr(exc, "pesan", None) or general


class DatabaseCorrupt(BilingualError, RuntimeError):
    """The database file fails SQLite's integrity check: the daemon will not start on it."""


class ConfigError(SiaranError, ValueError):
    """A configuration file or option is missing, unknown or invalid."""


# --- PDU codec -------------------------------------------------------------


class CampaignError(BilingualError, ValueError):
    """A campaign, template or action is invalid; ``pesan`` says why in Bahasa Indonesia."""


class PduError(SiaranError, ValueError):
    """A PDU could not be encoded or decoded; ``reason`` says why.

    Malformed PDUs arrive from the network, from anyone: the decoder raises
    this and nothing else (never IndexError or UnicodeError).
    """

    def __init__(self, reason: str, *, offset: int | None = None):
        self.reason = reason
        self.offset = offset
        where = f" (at octet {offset})" if offset is not None else ""
        super().__init__(f"{reason}{where}")


# --- modem -----------------------------------------------------------------


class ModemError(SiaranError, IOError):
    """Something went wrong talking to a modem."""


class ModemUnavailable(ModemError):
    """The serial port cannot be opened, vanished, or the modem does not answer AT."""


class ModemRebooted(ModemUnavailable):
    """The modem restarted or powered down (``RDY``, ``NORMAL POWER DOWN``) during a command."""

    def __init__(self, command: str, line: str):
        self.command = command
        self.line = line
        super().__init__(f"modem restarted ({line}) during {command!r}")


class ModemTimeout(ModemError, TimeoutError):
    """A command got no final result within its timeout."""

    def __init__(self, command: str, timeout: float):
        self.command = command
        self.timeout = timeout
        super().__init__(f"no answer to {command!r} within {timeout:g} s")


class CommandError(ModemError):
    """The modem answered a command with a final error result.

    ``code`` is the raw numeric code when the modem gave one (kept for the
    log and the store), ``text`` the verbose text when it gave that instead.
    """

    kind = "ERROR"

    def __init__(self, command: str, code: int | None = None, text: str = ""):
        self.command = command
        self.code = code
        self.text = text
        detail = f" {code}" if code is not None else ""
        detail += f" ({text})" if text else ""
        super().__init__(f"{command!r} failed: {self.kind}{detail}")


class CmsError(CommandError):
    """``+CMS ERROR: <n>``: an SMS-related failure (3GPP TS 27.005 §3.2.5)."""

    kind = "+CMS ERROR"


class CmeError(CommandError):
    """``+CME ERROR: <n>``: an equipment failure (3GPP TS 27.007 §9.2)."""

    kind = "+CME ERROR"


class SimNotReady(ModemError):
    """The SIM is missing, locked (PIN/PUK) or not ready; ``state`` is what +CPIN said."""

    def __init__(self, state: str):
        self.state = state
        super().__init__(f"SIM not ready: {state}")
