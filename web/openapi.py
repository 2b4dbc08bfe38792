"""The OpenAPI 3.1 document of ``/api/v1``, as a Python dict (served at ``/api/v1/openapi.json``).

Keep it in step with ``web/pages/api.py``: a test checks that every
``/api/v1`` route of the app appears under ``paths``.  Example numbers are
fake (``0812000000xx``).
"""

from __future__ import annotations

import copy
from typing import Any

VERSION = "1.0.0"
_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_example(error: str, pesan: str) -> dict[str, Any]:
    return {"value": {"error": error, "pesan": pesan}}


def _json(schema: dict[str, Any], description: str, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if examples:
        content["examples"] = examples
    return {"description": description, "content": {_JSON: content}}


_ISO = {"type": ["string", "null"], "format": "date-time",
        "description": "ISO 8601 in the office's time zone (WIB +07:00 by default)",
        "examples": ["2027-01-15T15:00:00+07:00"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "pesan"],
        "description": "Every error: `error` in English for the log, `pesan` in Bahasa Indonesia for people.",
        "properties": {
            "error": {"type": "string", "examples": ["unknown token"]},
            "pesan": {"type": "string", "examples": ["Token tidak dikenal."]},
        },
        "additionalProperties": True,
    },
    "InvalidNumber": {
        "type": "object", "required": ["to", "error", "pesan"],
        "properties": {
            "to": {"type": "string", "description": "the number as you sent it", "examples": ["0812"]},
            "error": {"type": "string", "examples": ["not a valid Indonesian number"]},
            "pesan": {"type": "string", "examples": ["nomor tidak valid"]},
        },
    },
    "Warning": {
        "type": "object", "required": ["code", "message", "pesan"],
        "description": "Something that may stop the text from arriving (operator spam filters, the hold).",
        "properties": {
            "code": {"type": "string", "enum": ["link", "digits", "words", "hold"]},
            "message": {"type": "string"}, "pesan": {"type": "string"},
            "found": {"type": "array", "items": {"type": "string"}},
        },
    },
    "SendRequest": {
        "type": "object", "required": ["to", "text"], "additionalProperties": False,
        "properties": {
            "to": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "string", "maxLength": 64},
                   "description": "Indonesian mobile numbers as strings (0812..., +62812..., 62812...). "
                                  "Invalid ones are listed back; the rest are queued. Duplicates are sent once."},
            "text": {"type": "string", "minLength": 1, "maxLength": 1800,
                     "description": "The SMS text, sent as written (no placeholders). Long texts go as several "
                                    "segments; characters outside GSM-7 make it UCS-2 (70 characters a segment)."},
            "emergency": {"type": "boolean", "default": False,
                          "description": "Priority 100: sent before everything else, through the hold and outside "
                                         "the send window. Needs the scope `emergency` in addition to `send`."},
            "report": {"type": "boolean", "default": True, "description": "Ask the network for delivery reports."},
        },
    },
    "QueuedMessage": {
        "type": "object", "required": ["id", "to", "state"],
        "properties": {
            "id": {"type": "integer"},
            "to": {"type": "string", "description": "the number as you sent it"},
            "state": {"type": "string", "enum": ["queued", "suppressed"],
                      "description": "`suppressed`: the number opted out (replied BERHENTI); it is not sent."},
        },
    },
    "SendResponse": {
        "type": "object", "required": ["queued", "suppressed", "invalid", "messages"],
        "properties": {
            "queued": {"type": "integer"}, "suppressed": {"type": "integer"},
            "invalid": {"type": "array", "items": _ref("InvalidNumber")},
            "duplicates": {"type": "integer"},
            "messages": {"type": "array", "items": _ref("QueuedMessage")},
            "emergency": {"type": "boolean"},
            "encoding": {"type": "string", "enum": ["gsm7", "ucs2"]},
            "segments": {"type": "integer", "description": "SMS segments per recipient"},
            "warnings": {"type": "array", "items": _ref("Warning")},
        },
    },
    "Message": {
        "type": "object", "required": ["id", "number", "state"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string", "description": "masked", "examples": ["+6281****0001"]},
            "state": {"type": "string", "enum": ["queued", "paused", "sending", "sent", "delivered", "failed",
                                                 "unknown", "cancelled", "expired", "suppressed"]},
            "emergency": {"type": "boolean"},
            "campaign_id": {"type": ["integer", "null"]},
            "attempts": {"type": "integer"},
            "parts_total": {"type": ["integer", "null"]}, "parts_sent": {"type": "integer"},
            "created_at": _ISO, "not_before": _ISO, "sent_at": _ISO, "done_at": _ISO, "expires_at": _ISO,
            "error_class": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]},
        },
    },
    "AudienceDefinition": {
        "type": "object", "additionalProperties": False,
        "description": "Fields combine with AND, values within a field with OR. At least one filter, or "
                       "`everyone: true`.",
        "properties": {
            "desa": {"type": ["string", "array"], "items": {"type": "string"}, "examples": [["Sukajadi"]]},
            "dusun": {"type": ["string", "array"], "items": {"type": "string"}},
            "rw": {"type": ["string", "array"], "items": {"type": ["string", "integer"]}, "examples": ["01-05"]},
            "rt": {"type": ["string", "array"], "items": {"type": ["string", "integer"]}},
            "role": {"type": ["string", "array"], "items": {"type": "string"}, "examples": [["Ketua RT"]]},
            "tag": {"type": ["string", "array"], "items": {"type": "string"}},
            "everyone": {"type": "boolean"},
            "consent_only": {"type": "boolean", "description": "only contacts who consented (answered YA, joined "
                                                               "by DAFTAR, or recorded by the office)"},
        },
    },
    "CampaignRequest": {
        "type": "object", "required": ["name", "audience"], "additionalProperties": False,
        "description": "Give `text` or `template` (with `fills` for its [[blanks]]), not both.",
        "properties": {
            "name": {"type": "string", "maxLength": 100},
            "audience": {"oneOf": [{"type": "string", "description": "a saved audience's name"},
                                   _ref("AudienceDefinition")]},
            "text": {"type": "string", "maxLength": 1800,
                     "description": "May use {nama} {jabatan} {rt} {rw} {desa} {dusun}."},
            "template": {"type": "string", "description": "name of a saved template, e.g. peringatan-banjir"},
            "fills": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "values for the template's [[blanks]]"},
            "fallbacks": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 100},
                          "description": "what a placeholder becomes when a contact's field is empty"},
            "emergency": {"type": "boolean", "default": False,
                          "description": "Needs the scope `emergency` in addition to `campaign`."},
            "send_at": {"type": ["string", "number", "null"],
                        "description": "ISO 8601 (no zone = office time) or epoch seconds; default now"},
            "expires_at": {"type": ["string", "number", "null"],
                           "description": "messages not sent by then are dropped"},
            "channel": {"type": "string", "enum": ["auto", "modem", "smpp"], "default": "auto",
                        "description": "the route: the box's modems, the operator account (SMPP), or automatic "
                                       "(decided when queued: large jobs by the operator, emergencies either way)"},
        },
    },
    "CampaignCreated": {
        "type": "object", "required": ["id", "state", "approval_needed", "pesan"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "state": {"type": "string", "enum": ["running", "awaiting_approval"]},
            "approval_needed": {"type": "boolean",
                                "description": "true when the audience is larger than the setting "
                                               "approval_threshold: a person must approve it on the page "
                                               "(a token cannot approve)"},
            "emergency": {"type": "boolean"},
            "queued": {"type": "integer"}, "suppressed": {"type": "integer"},
            "reachable": {"type": "integer"}, "threshold": {"type": "integer"},
            "send_at": _ISO, "expires_at": _ISO,
            "channel": {"type": "string", "enum": ["auto", "modem", "smpp"], "description": "the route chosen"},
            "route": {"type": ["string", "null"], "enum": ["modem", "smpp", None],
                      "description": "once queued: the route its messages take (null: whichever is free first)"},
            "message": {"type": "string"}, "pesan": {"type": "string"},
        },
    },
    "Progress": {
        "type": "object",
        "properties": {
            "total": {"type": "integer"}, "outstanding": {"type": "integer"},
            "sent": {"type": "integer", "description": "handed to the network: states sent and delivered (never "
                                                          "failed or unknown)"},
            "delivered": {"type": "integer"}, "failed": {"type": "integer"},
            "percent_done": {"type": "number"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                       "description": "messages by state"},
            "eta": {"type": ["object", "null"], "description": (
                "when the rest should be out: the queue ahead, each SIM's limits and what it already used, the "
                "send window and the hold (the same figure as the page)"), "properties": {
                "finish_at": {"type": ["string", "null"]}, "human": {"type": ["string", "null"]},
                "human_en": {"type": ["string", "null"]},
                "reason": {"type": ["string", "null"], "description": (
                    "why nothing of it goes out now: hold, window, scheduled, limit_minute, limit_hour, limit_day, "
                    "parked, queue (others ahead), sim_busy (its operator's SIM), no_modems, too_long; "
                    "null while it is sending")},
                "note": {"type": ["string", "null"], "description": "the reason in words (Bahasa Indonesia)"},
                "note_en": {"type": ["string", "null"]},
                "resume_at": {"type": ["string", "null"], "description": "when it moves again, if known"},
                "ahead_parts": {"type": "integer", "description": "SMS parts queued ahead of it"}}},
        },
    },
    "Campaign": {
        "type": "object", "required": ["id", "state", "progress"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "state": {"type": "string", "enum": ["draft", "awaiting_approval", "running", "paused", "done",
                                                 "cancelled"]},
            "emergency": {"type": "boolean"}, "text": {"type": "string"},
            "audience": {"type": ["string", "null"], "description": "the audience in words"},
            "recipients": {"type": ["integer", "null"]},
            "created_at": _ISO, "send_at": _ISO, "expires_at": _ISO, "approved_at": _ISO,
            "unit": {"type": ["string", "null"], "description": "the unit (dinas) it belongs to"},
            "signature": {"type": "string", "description": "the unit's signature appended to every text"},
            "over_quota": {"type": "boolean", "description": "an emergency queued beyond its unit's monthly quota"},
            "channel": {"type": "string", "enum": ["auto", "modem", "smpp"], "description": "the route chosen"},
            "progress": _ref("Progress"),
        },
    },
    "Status": {
        "type": "object", "required": ["hold", "queue", "modems", "campaigns"],
        "properties": {
            "time": _ISO,
            "hold": {"type": "object", "properties": {
                "active": {"type": "boolean", "description": "while on, only emergencies are sent"},
                "reason": {"type": ["string", "null"]}, "set_at": _ISO}},
            "queue": {"type": "object", "additionalProperties": {"type": "integer"},
                      "description": "messages by state", "examples": [{"queued": 120, "delivered": 3400}]},
            "modems": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "state": {"type": "string"},
                "operator": {"type": ["string", "null"]},
                "signal_bars": {"type": "integer", "minimum": 0, "maximum": 5},
                "signal_dbm": {"type": ["integer", "null"]}, "sent_today": {"type": "integer"},
                "per_day": {"type": "integer"}, "last_seen": _ISO}}},
            "campaigns": {"type": "array", "description": "running and paused campaigns (newest 5)",
                          "items": {"type": "object", "properties": {
                              "id": {"type": "integer"}, "name": {"type": "string"}, "state": {"type": "string"},
                              "emergency": {"type": "boolean"}, "send_at": _ISO, "progress": _ref("Progress")}}},
            "awaiting_approval": {"type": "integer"},
        },
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "TooLarge",
             429: "TooManyRequests"}
    return {str(c): {"$ref": f"#/components/responses/{names[c]}"} for c in codes}


RESPONSES: dict[str, Any] = {
    "BadRequest": _json(_ref("Error"), "Malformed JSON, wrong types or invalid values; `pesan` says what.", {
        "malformed": _error_example("malformed JSON: Expecting ',' delimiter (line 1, column 12)",
                                    "JSON tidak sah: periksa tanda kutip, koma dan kurung (baris 1, kolom 12)."),
        "type": _error_example("emergency: expected true or false", "emergency: harus true atau false."),
    }),
    "Unauthorized": {
        **_json(_ref("Error"), "No token, an unknown token or a revoked token.", {
            "missing": _error_example("missing token: send the header 'Authorization: Bearer <token>'",
                                      "Token tidak ada: kirim header 'Authorization: Bearer <token>'."),
            "revoked": _error_example("token revoked", "Token sudah dicabut.")}),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="siaran"'}},
    },
    "Forbidden": _json(_ref("Error"), "The token lacks a scope this call needs.", {
        "scope": _error_example("this token lacks the scope send", "Token ini tidak memiliki cakupan (scope) send."),
        "emergency": _error_example("an emergency needs the scope emergency in addition",
                                    "Pesan darurat memerlukan cakupan (scope) emergency sebagai tambahan.")}),
    "NotFound": _json(_ref("Error"), "No such message or campaign.",
                      {"missing": _error_example("no message 99", "Tidak ada pesan 99.")}),
    "TooLarge": _json(_ref("Error"), "The request body is larger than 1 MB.",
                      {"big": _error_example("request body larger than 1 MB", "Badan permintaan lebih dari 1 MB.")}),
    "TooManyRequests": {
        **_json(_ref("Error"), "More requests than the token's limit (default 60 a minute; setting "
                               "api_rate_per_minute). Wait Retry-After seconds.",
                {"limit": {"value": {"error": "too many requests: wait 12 s",
                                     "pesan": "Terlalu banyak permintaan: tunggu 12 detik.", "retry_after": 12}}}),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
    },
}


def _op(summary: str, description: str, scopes: list[str], responses: dict[str, Any], *, op_id: str,
        body: tuple[str, dict[str, Any]] | None = None, params: list[dict] | None = None,
        public: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "summary": summary, "description": description,
                          "tags": ["siaran"], "responses": responses}
    if public:
        op["security"] = []
    else:
        op["x-scopes"] = scopes
        op["description"] += f"\n\nScope: `{'` + `'.join(scopes)}`."
    if params:
        op["parameters"] = params
    if body:
        schema, examples = body
        op["requestBody"] = {"required": True, "content": {_JSON: {"schema": schema, "examples": examples}}}
    return op


def _id_param(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": f"the {what}'s id",
            "schema": {"type": "integer", "minimum": 1}}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/status": {"get": _op(
            "Queue, hold, modems and running campaigns",
            "The box at a glance: the global hold, messages by state, each modem's state, operator and signal "
            "bars (no SIM identifiers), and running campaigns with their progress.",
            ["read"], {"200": _json(_ref("Status"), "The status", {"ok": {"value": {
                "time": "2027-01-15T15:00:00+07:00",
                "hold": {"active": False, "reason": None, "set_at": None},
                "queue": {"queued": 120, "delivered": 3400, "failed": 12},
                "modems": [{"name": "modem1", "state": "ready", "operator": "TELKOMSEL", "signal_bars": 4,
                            "signal_dbm": -79, "sent_today": 310, "per_day": 400,
                            "last_seen": "2027-01-15T14:59:58+07:00"}],
                "campaigns": [], "awaiting_approval": 0}}}),
             **_errors(401, 403, 429)}, op_id="getStatus")},
        "/api/v1/messages": {"post": _op(
            "Queue one-off messages to given numbers",
            "Normalises each number; invalid ones come back in `invalid` with the reason, the rest are queued "
            "(HTTP 202). Numbers that opted out come back as `suppressed` and are not sent. A one-off message is "
            "sent as written (no placeholders). `emergency: true` needs the scope `emergency` in addition to "
            "`send`. At most 1000 numbers per call; use a campaign for a saved audience.",
            ["send"], {"202": _json(_ref("SendResponse"), "Queued", {"ok": {"value": {
                "queued": 2, "suppressed": 1, "duplicates": 0,
                "invalid": [{"to": "0812", "error": "not a valid Indonesian number", "pesan": "nomor tidak valid"}],
                "messages": [{"id": 101, "to": "081200000001", "state": "queued"},
                             {"id": 102, "to": "081200000002", "state": "queued"},
                             {"id": 103, "to": "081200000003", "state": "suppressed"}],
                "emergency": False, "encoding": "gsm7", "segments": 1, "warnings": []}}}),
             **_errors(400, 401, 403, 413, 429)}, op_id="sendMessages",
            body=(_ref("SendRequest"), {
                "warning": {"summary": "Flood warning to three numbers", "value": {
                    "to": ["081200000001", "081200000002", "081200000003", "0812"],
                    "text": "BPBD: Siaga banjir Sungai Cikapundung. Warga bantaran sungai bersiap mengungsi.",
                    "emergency": False, "report": True}},
                "emergency": {"summary": "Emergency (needs the scope emergency)", "value": {
                    "to": ["+6281200000001"], "text": "AWAS BANJIR: segera mengungsi ke titik kumpul.",
                    "emergency": True}}}))},
        "/api/v1/messages/{message_id}": {"get": _op(
            "One message's state",
            "State, attempts, times and error of one message; the number is masked.",
            ["read"], {"200": _json(_ref("Message"), "The message", {"ok": {"value": {
                "id": 101, "number": "+6281****0001", "state": "delivered", "emergency": False,
                "campaign_id": None, "attempts": 1, "parts_total": 1, "parts_sent": 1,
                "created_at": "2027-01-15T15:00:00+07:00", "not_before": None,
                "sent_at": "2027-01-15T15:00:09+07:00", "done_at": "2027-01-15T15:00:21+07:00",
                "expires_at": None, "error_class": None, "error": None}}}),
             **_errors(401, 403, 404, 429)}, op_id="getMessage", params=[_id_param("message_id", "message")])},
        "/api/v1/campaigns": {"post": _op(
            "Create a campaign to a saved audience",
            "Creates the campaign and submits it. Up to the setting `approval_threshold` reachable recipients "
            "(default 50) it runs at once (`state: running`); a larger one waits for a person to approve it on the "
            "Siaran page (`state: awaiting_approval`): a token cannot approve. `emergency: true` needs the scope "
            "`emergency` in addition to `campaign`.",
            ["campaign"], {"201": _json(_ref("CampaignCreated"), "Created", {
                "running": {"value": {"id": 7, "name": "Banjir RW 05", "state": "running", "approval_needed": False,
                                      "emergency": False, "queued": 42, "suppressed": 1, "send_at": None,
                                      "expires_at": None, "message": "Campaign running: 42 message(s) queued.",
                                      "pesan": "Kampanye berjalan: 42 pesan masuk antrean."}},
                "approval": {"value": {"id": 8, "name": "Banjir Kelurahan Timur", "state": "awaiting_approval",
                                       "approval_needed": True, "emergency": False, "reachable": 850,
                                       "threshold": 50, "send_at": None, "expires_at": None,
                                       "message": "More than 50 recipients: the campaign waits for approval by a "
                                                  "person on the Siaran page (Approvals). A token cannot approve.",
                                       "pesan": "Perlu persetujuan pengguna lain (lebih dari 50 penerima). Token API "
                                                "tidak dapat menyetujui: setujui di halaman Siaran (menu "
                                                "Persetujuan)."}}}),
             **_errors(400, 401, 403, 413, 429)}, op_id="createCampaign",
            body=(_ref("CampaignRequest"), {
                "saved": {"summary": "Flood warning to a saved audience", "value": {
                    "name": "Peringatan banjir wilayah timur", "audience": "Kelurahan Timur",
                    "text": "Yth. {nama}, BPBD: status SIAGA banjir. Warga RT {rt}/RW {rw} bersiap mengungsi.",
                    "expires_at": "2027-01-15T21:00"}},
                "template": {"summary": "A ready template as an emergency (needs the scope emergency)", "value": {
                    "name": "Banjir RW 05", "audience": {"desa": ["Sukajadi"], "rw": "05"},
                    "template": "peringatan-banjir", "emergency": True}},
                "fills": {"summary": "A template with [[blanks]] filled", "value": {
                    "name": "Imunisasi Maret", "audience": "Kelurahan Timur", "template": "imunisasi",
                    "fills": {"tempat": "Melati", "tanggal": "12 Maret", "jam": "08.00"}}}}))},
        "/api/v1/campaigns/{campaign_id}": {"get": _op(
            "A campaign's state and progress",
            "State and progress (messages by state, share done, estimated finish).",
            ["read"], {"200": _json(_ref("Campaign"), "The campaign", {"ok": {"value": {
                "id": 7, "name": "Banjir RW 05", "state": "running", "emergency": False,
                "text": "Yth. {nama}, BPBD: status SIAGA banjir.", "audience": "Desa Sukajadi; RW 05",
                "recipients": 42, "created_at": "2027-01-15T15:00:00+07:00", "send_at": None, "expires_at": None,
                "approved_at": None, "unit": "BPBD", "signature": "-BPBD", "over_quota": False,
                "progress": {"total": 43, "outstanding": 30, "sent": 12, "delivered": 10,
                                                  "failed": 0, "percent_done": 30.2,
                                                  "counts": {"queued": 30, "sent": 2, "delivered": 10,
                                                             "suppressed": 1},
                                                  "eta": {"finish_at": "2027-01-15T15:20+07:00",
                                                          "human": "20 menit", "human_en": "20 min"}}}}}),
             **_errors(401, 403, 404, 429)}, op_id="getCampaign", params=[_id_param("campaign_id", "campaign")])},
        "/api/v1/openapi.json": {"get": _op(
            "This document", "The OpenAPI 3.1 description of the API (no token needed).", [],
            {"200": {"description": "OpenAPI document", "content": {_JSON: {"schema": {"type": "object"}}}}},
            op_id="getOpenapi", public=True)},
        "/api/v1/docs": {"get": _op(
            "The endpoints for people", "A simple HTML page listing the endpoints (no token needed).", [],
            {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
            op_id="getDocs", public=True)},
    }


_DESCRIPTION = """\
Siaran sends SMS from the office's own modems. Other systems (for example BPBD's early-warning system) use this
API to queue messages, start campaigns to saved audiences and read their status.

**Tokens**: an admin creates one on the Siaran page (Pengguna → Token API, `/tokens`) for a named system, with
scopes; the token is shown once. Send it as `Authorization: Bearer siaran_...`.

**Scopes**: `send` (queue one-off messages), `campaign` (create campaigns), `read` (read status, messages,
campaigns), `emergency` (together with `send` or `campaign`: mark a message or campaign as an emergency, which
goes out first, through the hold and outside the send window).

**Errors** are JSON `{"error": "...", "pesan": "..."}`: 400 bad input, 401 no/unknown/revoked token, 403 missing
scope, 404 not found, 413 body over 1 MB, 429 rate limit (default 60 requests a minute per token, with
`Retry-After`).

**Privacy**: responses never hold a resident's full phone number, except the numbers you sent yourself.
Everything a token changes is in the audit log as `api:<token name>`.
"""


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Siaran API", "version": VERSION, "description": _DESCRIPTION,
                 "summary": "SMS blasts for local government: queue messages, start campaigns, read status"},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/", "description": "this Siaran box"}],
        "security": [{"bearer": []}],
        "tags": [{"name": "siaran"}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "siaran_<43 random characters>",
                "description": "A token from the /tokens page; scopes: send, campaign, read, emergency."}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }


_DOC = _document()


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_DOC)


def operations(doc: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each operation for the HTML list: method, path, summary, description, scopes, public."""
    doc = doc or _DOC
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            out.append({"method": method.upper(), "path": path, "summary": op["summary"],
                        "description": op["description"], "scopes": op.get("x-scopes", []),
                        "public": op.get("security") == []})
    return out
