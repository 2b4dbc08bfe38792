"""Units (dinas): the admin's list and forms, and the monthly report per unit for the finance office.

The verbs and every query are :mod:`firmware.office.units`'; this module only reads forms and renders.
"""

from __future__ import annotations

import io
from typing import Any

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.office import units as units_mod
from web import context
from web.context import field
from web.render import page


#: (method, rule, handler) of every route here.
ROUTES = (("GET", "/units", "units_page"), ("POST", "/units", "unit_add"),
          ("POST", "/units/<unit_id:int>", "unit_save"), ("GET", "/units/report", "report_page"),
          ("GET", "/units/report.csv", "report_csv"))


def register(app: bottle.Bottle) -> None:
    for method, rule, handler in ROUTES:
        app.route(rule, method, globals()[handler])


def _form() -> dict[str, str]:
    return {key: field(key, maxlen=200) for key in ("name", "signature", "sender_name", "monthly_quota",
                                                     "cost_per_part")}


def _units(**values: Any) -> str:
    store = context.store()
    offset = context.site().config.utc_offset_hours
    rows = units_mod.list_units(store)
    for u in rows:
        u["quota_status"] = units_mod.quota_status(store, u["id"], utc_offset_hours=offset)
    return page("units", title=context.lang()("Unit", "Units"), units=rows,
                default_cost=camp_mod.cost_per_part(store), **{"error": None, "form": {}, "edit": None, **values})


@context.require("admin")
def units_page():
    return _units()


@context.require("admin")
def unit_add():
    return _submit(None)


@context.require("admin")
def unit_save(unit_id: int):
    try:
        units_mod.get_unit(context.store(), unit_id)
    except units_mod.UnitError:
        bottle.abort(404)
    return _submit(unit_id)


def _submit(unit_id: int | None):
    """Create a unit (``unit_id`` None) or change one from the form; the page again with the error in place."""
    t, store = context.lang(), context.store()
    form = _form()
    try:
        if unit_id is None:
            fields = {k: v for k, v in form.items() if k != "name"}
            unit = units_mod.get_unit(store, units_mod.add_unit(store, form["name"], actor=context.actor(), **fields))
        else:
            unit = units_mod.update_unit(store, unit_id, actor=context.actor(), **form)
    except units_mod.UnitError as exc:
        bottle.response.status = 400
        return _units(error=context.error_text(exc), **({"form": form} if unit_id is None else
                                                         {"edit": {"id": unit_id, **form}}))
    context.flash(t(f"Unit {unit['name']} disimpan.", f"Unit {unit['name']} saved."))
    bottle.redirect("/units", 303)


def _report() -> tuple[list[dict[str, Any]], str, str | None]:
    """(rows, month, error) of the month asked for (``month``, empty: this month): the rows the user may see
    (a non-admin: their unit's); on a month that cannot be read, no rows, the month as typed and why."""
    store, config = context.store(), context.site().config
    month = field("month", maxlen=7)
    try:
        label = units_mod.month_bounds(month or None, now=store.clock(), utc_offset_hours=config.utc_offset_hours)[2]
    except units_mod.UnitError as exc:
        bottle.response.status = 400
        return [], month, context.error_text(exc)
    rows = units_mod.monthly_report(store, label, utc_offset_hours=config.utc_offset_hours,
                                    default_cost=camp_mod.cost_per_part(store), within=context.within())
    return rows, label, None


@context.require("viewer")
def report_page():
    rows, month, error = _report()
    return page("units_report", title=context.lang()("Laporan bulanan unit", "Monthly unit report"), rows=rows,
                month=month, error=error)


@context.require("viewer")
def report_csv():
    """The monthly report as CSV for Excel (UTF-8 with BOM, ``;``-separated, Bahasa column names)."""
    rows, month, error = _report()
    if error:
        bottle.abort(400, error)
    buf = io.StringIO()
    units_mod.write_report_csv(rows, buf)
    context.store().audit(context.actor(), "unit_report", {"month": month, "units": len(rows)})
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="laporan-unit-{month}.csv"')
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
