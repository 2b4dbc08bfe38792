"""What to do about a modem error: classes of +CMS / +CME codes.

The raw code is always kept next to the class (the store logs both); only
codes whose meaning is well established are classified, everything else is
UNKNOWN.  Sources: 3GPP TS 24.011 §8.2.5.4 (RP causes 1-127 relayed as
+CMS ERROR), TS 27.005 §3.2.5 (300-500), TS 27.007 §9.2 (+CME), the SIMCom
SIM800/SIM7600 manuals (>= 512, firmware dependent, see
``shared/reference/hardware-and-protocols.md`` §1.5).
"""

from __future__ import annotations

import enum

from firmware.errors import CmeError, CmsError, CommandError, ModemError, ModemTimeout, ModemUnavailable


class ErrorClass(str, enum.Enum):
    """How the sender should react to a failure."""

    TRANSIENT = "transient"  # retry soon, same number, same modem
    BAD_DESTINATION = "bad_destination"  # this number will not work: do not retry it
    MODEM_FAULT = "modem_fault"  # SIM or modem problem: park the modem, try another
    NETWORK_FAULT = "network_fault"  # no service / network out of order: back off longer
    OPERATOR_BLOCKING = "operator_blocking"  # barred or filtered: stop this SIM, alert
    UNKNOWN = "unknown"  # keep the code, retry with backoff


_CMS: dict[int, ErrorClass] = {}


def _put(table: dict[int, ErrorClass], cls: ErrorClass, codes: tuple[int, ...]) -> None:
    for code in codes:
        table[code] = cls


# +CMS ERROR: RP causes (24.011) relayed from the network, then 27.005 codes,
# then the SIMCom codes both of SIMCom's published tables agree on.
_put(_CMS, ErrorClass.BAD_DESTINATION, (1, 21, 28, 29, 30, 96))
_put(_CMS, ErrorClass.TRANSIENT, (22, 27, 41, 42, 47, 111, 314, 332, 512, 515, 521))
_put(_CMS, ErrorClass.NETWORK_FAULT, (17, 38, 331))
_put(_CMS, ErrorClass.OPERATOR_BLOCKING, (8, 10, 50, 69, 3870))
_put(_CMS, ErrorClass.MODEM_FAULT, (
    95, 97, 98, 99, 300, 301, 302, 303, 304, 305, 310, 311, 312, 313, 315, 316,
    317, 318, 320, 321, 322, 330, 340, 528, 529, 530, 531, 532,
))

_CME: dict[int, ErrorClass] = {}
_put(_CME, ErrorClass.TRANSIENT, (14, 31))
_put(_CME, ErrorClass.NETWORK_FAULT, (30, 32))
_put(_CME, ErrorClass.MODEM_FAULT, (0, 3, 4, 10, 11, 12, 13, 15, 16, 17, 18, 20, 23))


def classify_code(kind: str, code: int | None) -> ErrorClass:
    """Class of a raw ``+CMS ERROR`` (kind "cms") or ``+CME ERROR`` (kind "cme") code."""
    if code is None:
        return ErrorClass.UNKNOWN
    table = _CMS if kind == "cms" else _CME
    return table.get(code, ErrorClass.UNKNOWN)


def classify(exc: BaseException) -> ErrorClass:
    """Class of an exception raised by the driver."""
    if isinstance(exc, CmsError):
        return classify_code("cms", exc.code)
    if isinstance(exc, CmeError):
        return classify_code("cme", exc.code)
    if isinstance(exc, ModemTimeout):
        return ErrorClass.TRANSIENT
    if isinstance(exc, ModemUnavailable):
        return ErrorClass.MODEM_FAULT
    if isinstance(exc, (CommandError, ModemError)):
        return ErrorClass.UNKNOWN
    return ErrorClass.UNKNOWN


def describe(exc: BaseException) -> dict[str, object]:
    """A JSON-ready summary of a driver error: class, raw kind and code, message."""
    out: dict[str, object] = {"class": classify(exc).value, "message": str(exc)}
    if isinstance(exc, CommandError):
        out["kind"] = exc.kind
        out["code"] = exc.code
    return out
