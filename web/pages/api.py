"""The HTTP API for other systems (``/api/v1``) and the admin page for its tokens (``/tokens``).

Example: BPBD's early-warning system sends the flood warning to the east
wards with ``POST /api/v1/campaigns`` and a saved audience.  JSON in and out;
``Authorization: Bearer siaran_...``; errors are ``{"error": English,
"pesan": Bahasa Indonesia}`` with 400 (bad input), 401 (no/unknown/revoked
token), 403 (missing scope), 404, 413 (body over 1 MB) or 429 (rate limit,
with ``Retry-After``).  ``/api/`` skips the page's session and CSRF hooks:
the token is the only credential.  Anything a call changes is audited with
actor ``api:<token name>``.  Responses never hold a contact's full number;
only the numbers the caller itself sent come back unmasked.

The OpenAPI 3.1 document (``web/openapi.py``) is served at
``/api/v1/openapi.json``; ``/api/v1/docs`` lists the endpoints for people.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.campaigns import routing
from firmware.office import units as units_mod
from firmware.people.audience import Audience
from firmware.errors import SiaranError, pesan_of
from firmware.people.numbers import InvalidNumber, normalise, operator_of
from firmware.people.privacy import mask_number, mask_numbers_in
from firmware.queue.store import EMERGENCY
from web import context, openapi, queries
from firmware.office import tokens as tok
from web.render import page

PREFIX = "/api/v1"
MAX_JSON = 1024 * 1024  # a request body: 1000 numbers and a text fit in a few dozen KB
MAX_RECIPIENTS = 1000
MAX_ID = 2**63 - 1  # SQLite INTEGER; a larger id in the URL is simply not found
LATEST_TIME = 4102444800.0  # 2100-01-01: later (or non-finite) times are refused
LIMITER = "siaran.api.limiter"


def register(app: bottle.Bottle) -> None:
    app.config[LIMITER] = tok.RateLimiter()
    # the admin page
    app.get("/tokens", callback=tokens_page)
    app.post("/tokens", callback=token_create)
    app.post("/tokens/<token_id:int>/revoke", callback=token_revoke)
    # the API
    app.get(f"{PREFIX}/openapi.json", callback=openapi_json)
    app.get(f"{PREFIX}/docs", callback=docs)
    app.get(f"{PREFIX}/status", callback=status)
    app.post(f"{PREFIX}/messages", callback=send_messages)
    app.get(f"{PREFIX}/messages/<message_id:int>", callback=get_message)
    app.post(f"{PREFIX}/campaigns", callback=create_campaign)
    app.get(f"{PREFIX}/campaigns/<campaign_id:int>", callback=get_campaign)


# -- the admin page ----------------------------------------------------------------


def _tokens_view(**values: Any) -> str:
    store = context.store()
    return page("tokens", title="Token API", tokens=tok.list_tokens(store), scopes=tok.SCOPES,
                units=units_mod.list_units(store), **values)


@context.require("admin")
def tokens_page():
    return _tokens_view()


@context.require("admin")
def token_create():
    t = bottle.request.environ["siaran.lang"]
    name = context.field("name", maxlen=200)
    chosen = context.fields("scope", maxlen=40)
    unit = context.field("unit", maxlen=12)
    try:
        token_id, secret = tok.create(context.store(), name, chosen, context.actor(), unit=unit or None)
    except (tok.TokenError, units_mod.UnitError) as exc:
        bottle.response.status = 400
        return _tokens_view(error=exc.pesan if t.code == "id" else exc.reason, token_name=name, chosen=chosen)
    # Shown once, on this response (never in a cookie or a redirect): only its SHA-256 is kept.
    return _tokens_view(new_token=secret, new_name=tok.check_name(name), new_id=token_id)


@context.require("admin")
def token_revoke(token_id: int):
    t = bottle.request.environ["siaran.lang"]
    try:
        if not 0 < token_id <= MAX_ID:
            raise tok.TokenError(f"no token {token_id}", f"Tidak ada token {token_id}.")
        name = tok.revoke(context.store(), token_id, context.actor())
    except tok.TokenError as exc:
        context.flash(exc.pesan if t.code == "id" else exc.reason, "error")
    else:
        context.flash(t(f"Token {name} dicabut: panggilan dengannya kini ditolak.",
                        f"Token {name} revoked: calls with it are now refused."))
    bottle.redirect("/tokens", 303)


# -- JSON plumbing ------------------------------------------------------------------


def _fail(status: int, error: str, pesan: str, *, headers: dict[str, str] | None = None, **extra: Any) -> NoReturn:
    """Stop with a JSON error ``{"error", "pesan", ...}``."""
    body = json.dumps({"error": error, "pesan": pesan, **extra})
    raise bottle.HTTPResponse(body=body, status=status,
                              headers={"Content-Type": "application/json", **(headers or {})})


def _ok(data: dict[str, Any], status: int = 200) -> str:
    bottle.response.status = status
    bottle.response.content_type = "application/json"
    return json.dumps(data)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def _body() -> dict[str, Any]:
    """The request's JSON object (at most 1 MB); 400/413 with a Bahasa message otherwise."""
    req = bottle.request
    if req.content_length > MAX_JSON:
        _fail(413, "request body larger than 1 MB", "Badan permintaan lebih dari 1 MB.")
    raw = req.body.read(MAX_JSON + 1)
    if len(raw) > MAX_JSON:
        _fail(413, "request body larger than 1 MB", "Badan permintaan lebih dari 1 MB.")
    if not raw.strip():
        _fail(400, "empty body: send a JSON object", "Badan permintaan kosong: kirim objek JSON.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail(400, "body is not UTF-8", "Badan permintaan bukan teks UTF-8.")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _fail(400, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
              f"JSON tidak sah: periksa tanda kutip, koma dan kurung (baris {exc.lineno}, kolom {exc.colno}).")
    except (ValueError, RecursionError):
        _fail(400, "malformed JSON", "JSON tidak sah (angka tidak wajar atau terlalu bersarang).")
    if not isinstance(data, dict):
        _fail(400, "body must be a JSON object {...}", "Badan permintaan harus berupa objek JSON {...}.")
    where = _unstorable(data)
    if where is not None:
        _fail(400, f"{where}: text holding a lone surrogate (\\ud800-\\udfff) is not valid Unicode",
              f"{where}: teks berisi karakter Unicode yang tidak sah (surrogate tunggal \\ud800-\\udfff).")
    return data


def _unstorable(value: Any, where: str = "body") -> str | None:
    """Where in a decoded JSON value a key or string cannot be stored as UTF-8 (``to[2]``, ``fills.x``), or None.

    JSON may escape lone surrogates (``"\\ud800"``); they reach Python as text that fails later, in SQLite or a
    page, as a 500: refused here, at the decoding boundary, naming the field.
    """
    if isinstance(value, str):
        return None if context.storable(value) else where
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        path = f"{where}[{key}]" if isinstance(key, int) else key if where == "body" else f"{where}.{key}"
        if isinstance(key, str) and not context.storable(key):
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
        found = _unstorable(item, path)
        if found is not None:
            return found
    return None


def _only(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Unknown keys are refused: a typo in "emergency" must not quietly send a normal message."""
    unknown = sorted(k for k in data if k not in allowed)
    if unknown:
        _fail(400, f"unknown field(s): {', '.join(unknown)} (known: {', '.join(allowed)})",
              f"Kolom tidak dikenal: {', '.join(unknown)} (yang dikenal: {', '.join(allowed)}).")


def _type_error(key: str, en: str, id_: str) -> NoReturn:
    _fail(400, f"{key}: expected {en}", f"{key}: harus {id_}.")


def _str(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            _fail(400, f"{key} is required", f"{key} wajib diisi.")
        return None
    if not isinstance(value, str):
        _type_error(key, "a string", "berupa teks")
    return value


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        _type_error(key, "true or false", "true atau false")
    return value


def _str_map(data: dict[str, Any], key: str) -> dict[str, str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        _type_error(key, 'an object of strings, like {"tanggal": "12 Maret"}',
                    'objek berisi teks, misalnya {"tanggal": "12 Maret"}')
    return value


def _time_value(data: dict[str, Any], key: str) -> str | float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _type_error(key, "an ISO 8601 time like 2025-07-01T08:00 (office time) or epoch seconds",
                    "waktu ISO 8601 seperti 2025-07-01T08:00 (waktu kantor) atau detik epoch")
    if isinstance(value, (int, float)) and not (math.isfinite(value) and 0 <= value < LATEST_TIME):
        _fail(400, f"{key}: time out of range", f"{key}: waktu di luar rentang.")
    if isinstance(value, str) and len(value) > 64:
        _fail(400, f"{key}: time too long", f"{key}: waktu terlalu panjang.")
    return value


def _iso(ts: float | None) -> str | None:
    if ts is None or not isinstance(ts, (int, float)) or not math.isfinite(ts) or not 0 <= ts < LATEST_TIME:
        return None
    return datetime.fromtimestamp(ts, context.site().config.tz).isoformat(timespec="seconds")


def _lang_pesan(en: str, id_: str) -> dict[str, str]:
    return {"message": en, "pesan": id_}


# -- authentication, scopes, rate limit -------------------------------------------------

_UNAUTHORIZED = {
    "missing": ("missing token: send the header 'Authorization: Bearer <token>'",
                "Token tidak ada: kirim header 'Authorization: Bearer <token>'."),
    "invalid": ("unknown token", "Token tidak dikenal."),
    "revoked": ("token revoked", "Token sudah dicabut."),
}
_SEND_LOCKS: dict[str, threading.Lock] = {}
_SEND_LOCKS_GUARD = threading.Lock()


def api(*scopes: str) -> Callable:
    """Decorator: the call needs a valid token holding every one of ``scopes``; counts toward its rate limit."""
    def wrap(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def inner(*args: Any, **kwargs: Any) -> Any:
            store = context.store()
            token, why = tok.verify(store, context.header("Authorization"))
            if token is None:
                error, pesan = _UNAUTHORIZED[why]
                _fail(401, error, pesan, headers={"WWW-Authenticate": 'Bearer realm="siaran"'})
            wait = bottle.request.app.config[LIMITER].hit(token.id, tok.rate_per_minute(store))
            if wait:
                seconds = max(1, math.ceil(wait))
                _fail(429, f"too many requests: wait {seconds} s",
                      f"Terlalu banyak permintaan: tunggu {seconds} detik.", headers={"Retry-After": str(seconds)}, retry_after=seconds)
            missing = [s for s in scopes if not token.has(s)]
            if missing:
                _fail(403, f"this token lacks the scope {', '.join(missing)}",
                      f"Token ini tidak memiliki cakupan (scope) {', '.join(missing)}.")
            return handler(token, *args, **kwargs)
        inner.siaran_scopes = scopes  # type: ignore[attr-defined]
        return inner
    return wrap


def _need_emergency(token: tok.Token) -> None:
    if not token.has("emergency"):
        _fail(403, "an emergency needs the scope emergency in addition",
              "Pesan darurat memerlukan cakupan (scope) emergency sebagai tambahan.")


def _send_lock(actor: str) -> threading.Lock:
    with _SEND_LOCKS_GUARD:
        return _SEND_LOCKS.setdefault(actor, threading.Lock())


# -- public documents -------------------------------------------------------------------


def openapi_json():
    return _ok(openapi.document())


def docs():
    doc = openapi.document()
    return page("tokens_docs", title="API Siaran", doc=doc, operations=openapi.operations(doc))


# -- endpoints ----------------------------------------------------------------------


def _progress(camp: dict[str, Any]) -> dict[str, Any]:
    # active_campaigns() rows carry their progress already (one estimate for all of them)
    prog = camp if "counts" in camp else queries.campaign_progress(context.store(), context.site().config, camp)
    eta = prog.get("eta") or None
    return {"total": prog["total"], "outstanding": prog["outstanding"], "sent": prog["sent"],
            "delivered": prog["delivered"], "failed": prog["failed"], "percent_done": prog["pct"],
            "counts": prog["counts"],
            "eta": {k: eta.get(k) for k in ("finish_at", "human", "human_en", "reason", "note", "note_en",
                                              "resume_at", "ahead_parts")} if eta else None}


@api("read")
def status(token: tok.Token):
    store, config = context.store(), context.site().config
    hold = store.hold()
    modems = [{"name": m["name"], "state": m["state"], "operator": m.get("operator"),
               "signal_bars": m["bars"], "signal_dbm": m.get("signal_dbm"), "sent_today": m["sent_today"],
               "per_day": m["per_day"], "last_seen": _iso(m.get("last_seen"))}
              for m in queries.modem_cards(store, config)]
    running = [{"id": c["id"], "name": c["name"], "state": c["state"], "emergency": c["emergency"],
                "send_at": _iso(c.get("send_at")), "progress": _progress(c)}
               for c in queries.active_campaigns(store, config, within=token.unit_id)]
    awaiting = len(camp_mod.awaiting_approval(store, within=token.unit_id))
    return _ok({
        "time": _iso(store.clock()),
        "hold": {"active": hold.active, "reason": mask_numbers_in(hold.reason) if hold.reason else None,
                 "set_at": _iso(hold.set_at)},
        "queue": store.queue_counts(),
        "modems": modems,
        "campaigns": running,
        "awaiting_approval": awaiting,
    })


@api("send")
def send_messages(token: tok.Token):
    data = _body()
    _only(data, ("to", "text", "emergency", "report"))
    to = data.get("to")
    if not isinstance(to, list) or not to:
        _type_error("to", 'a non-empty list of numbers as strings, like ["081200000001"]',
                    'daftar nomor (teks) yang tidak kosong, misalnya ["081200000001"]')
    if len(to) > MAX_RECIPIENTS:
        _fail(400, f"to: at most {MAX_RECIPIENTS} numbers per call (use a campaign for more)",
              f"to: maksimal {MAX_RECIPIENTS} nomor per panggilan (gunakan kampanye untuk lebih banyak).")
    if not all(isinstance(x, str) for x in to):
        _type_error("to", "strings (quote numbers so the leading 0 stays)",
                    "berupa teks (beri tanda kutip agar angka 0 di depan tidak hilang)")
    text = _str(data, "text", required=True) or ""
    text = "".join(ch for ch in text if ch == "\n" or ch >= " ").replace("\r", "")
    if not text.strip():
        _fail(400, "text is empty", "Teks pesan kosong.")
    if len(text) > camp_mod.MAX_TEXT:
        _fail(400, f"text longer than {camp_mod.MAX_TEXT} characters",
              f"Teks pesan lebih dari {camp_mod.MAX_TEXT} karakter.")
    emergency = _bool(data, "emergency", False)
    report = _bool(data, "report", True)
    if emergency:
        _need_emergency(token)
    valid: dict[str, str] = {}  # E.164 -> as the caller wrote it
    invalid: list[dict[str, str]] = []
    duplicates = 0
    for raw in to:
        try:
            number = normalise(raw[:64])
        except InvalidNumber as exc:
            invalid.append({"to": raw[:64], "error": exc.reason, "pesan": exc.pesan})
            continue
        if number in valid:
            duplicates += 1
        else:
            valid[number] = raw
    if not valid:
        _fail(400, "no valid Indonesian mobile number in to", "Tidak ada nomor HP Indonesia yang valid di 'to'.",
              invalid=invalid)
    store = context.store()
    with _send_lock(token.actor):
        # The ids are read back under a per-token lock: nothing else inserts one-off messages as this token.
        before = store.last_message_id()
        queued, suppressed = store.enqueue(list(valid), text, priority=EMERGENCY if emergency else 0, report=report,
                                           created_by=token.actor, route_of=operator_of)
        rows = store.one_offs_after(before, token.actor, len(valid))
    ids = [r["id"] for r in rows]
    store.audit(token.actor, "api_send", {
        "queued": queued, "suppressed": suppressed, "invalid": len(invalid), "duplicates": duplicates,
        "emergency": emergency, "first_id": min(ids, default=None), "last_id": max(ids, default=None)})
    encoding, segments = camp_mod.count_segments(text)
    warnings = camp_mod.filter_warnings(text)
    hold = store.hold()
    if hold.active and not emergency:
        warnings.append({"code": "hold", "message": "the global hold is on: only emergencies go out until it is lifted",
                         "pesan": "penahanan aktif: hanya pesan darurat yang dikirim sampai dicabut"})
    return _ok({
        "queued": queued, "suppressed": suppressed, "invalid": invalid, "duplicates": duplicates,
        "messages": [{"id": r["id"], "to": valid.get(r["number"], mask_number(r["number"])), "state": r["state"]}
                     for r in rows],
        "emergency": emergency, "encoding": encoding.value, "segments": segments, "warnings": warnings,
    }, 202)


@api("read")
def get_message(token: tok.Token, message_id: int):
    row = context.store().message(message_id) if 0 < message_id <= MAX_ID else None
    if row is None:
        _fail(404, f"no message {message_id}", f"Tidak ada pesan {message_id}.")
    return _ok({
        "id": row["id"], "number": mask_number(row["number"]), "state": row["state"],
        "emergency": row["priority"] >= EMERGENCY, "campaign_id": row["campaign_id"],
        "attempts": row["attempts"], "parts_total": row["parts_total"], "parts_sent": row["parts_sent"],
        "created_at": _iso(row["created_at"]), "not_before": _iso(row["not_before"] or None),
        "sent_at": _iso(row["sent_at"]), "done_at": _iso(row["done_at"]), "expires_at": _iso(row["expires_at"]),
        "error_class": row["error_class"],
        "error": mask_numbers_in(row["error"]) if row["error"] else None,
    })


@api("campaign")
def create_campaign(token: tok.Token):
    data = _body()
    _only(data, ("name", "audience", "text", "template", "fills", "fallbacks", "emergency", "send_at",
                 "expires_at", "channel"))
    name = _str(data, "name", required=True)
    audience = data.get("audience")
    if audience is None:
        _fail(400, "audience is required", "audience wajib diisi.")
    if not isinstance(audience, (str, dict)):
        _type_error("audience", "a saved audience's name or a definition object",
                    "nama audiens tersimpan atau objek definisi")
    text = _str(data, "text")
    template = _str(data, "template")
    fills = _str_map(data, "fills")
    fallbacks = _str_map(data, "fallbacks")
    emergency = _bool(data, "emergency", False)
    send_at = _time_value(data, "send_at")
    expires_at = _time_value(data, "expires_at")
    channel = _str(data, "channel")
    if emergency:
        _need_emergency(token)
    store, config = context.store(), context.site().config
    campaign_id = camp_mod.create(store, name, text, audience, fallbacks=fallbacks, emergency=emergency,
                                  send_at=send_at, expires_at=expires_at, actor=token.actor, template=template,
                                  fills=fills, tz=config.tz, unit=token.unit_id, channel=channel)
    try:
        result = camp_mod.submit(store, campaign_id, token.actor, config=config)
    except SiaranError as exc:
        # Do not leave a draft no one asked for behind.
        try:
            camp_mod.cancel(store, campaign_id, token.actor)
        except SiaranError:
            pass
        _fail(400, str(exc), pesan_of(exc), campaign=campaign_id)
    camp = camp_mod.get(store, campaign_id)
    out: dict[str, Any] = {"id": campaign_id, "name": camp["name"], "state": result["state"], "emergency": emergency,
                           "send_at": _iso(camp["send_at"]), "expires_at": _iso(camp["expires_at"]),
                           "channel": routing.choice_of(camp["channel"])}
    if "channel" in result:  # queued: the route its messages took (null: either)
        out["route"] = result["channel"]
    if result["state"] == "awaiting_approval":
        out.update(approval_needed=True, reachable=result["reachable"], threshold=result["threshold"],
                   **_lang_pesan(
                       f"More than {result['threshold']} recipients: the campaign waits for approval by a person on"
                       " the Siaran page (Approvals). A token cannot approve.",
                       f"{result['pesan']} Token API tidak dapat menyetujui: setujui di halaman Siaran"
                       " (menu Persetujuan)."))
    else:
        out.update(approval_needed=False, queued=result["queued"], suppressed=result["suppressed"],
                   **_lang_pesan(f"Campaign running: {result['queued']} message(s) queued.",
                                 f"Kampanye berjalan: {result['queued']} pesan masuk antrean."))
    return _ok(out, 201)


@api("read")
def get_campaign(token: tok.Token, campaign_id: int):
    store = context.store()
    if not 0 < campaign_id <= MAX_ID:
        _fail(404, f"no campaign {campaign_id}", f"Tidak ada kampanye {campaign_id}.")
    try:
        camp = camp_mod.get(store, campaign_id, within=token.unit_id)
    except camp_mod.NotFound as exc:
        _fail(404, str(exc), exc.pesan)
    try:
        description = Audience.from_dict(camp["audience"]).describe() if camp["audience"] else None
    except (SiaranError, ValueError):
        description = None
    return _ok({
        "id": camp["id"], "name": camp["name"], "state": camp["state"], "emergency": camp["emergency"],
        "text": camp["text"], "audience": description, "recipients": camp["recipients"],
        "created_at": _iso(camp["created_at"]), "send_at": _iso(camp["send_at"]),
        "expires_at": _iso(camp["expires_at"]), "approved_at": _iso(camp["approved_at"]),
        "unit": camp["unit"], "signature": camp["signature"], "over_quota": bool(camp["over_quota"]),
        "channel": routing.choice_of(camp["channel"]), "progress": _progress(camp),
    })
