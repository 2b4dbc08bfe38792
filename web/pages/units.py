"""Units (dinas): the admin's list and forms, and the monthly report per unit for the finance office.

The verbs and every query are :mod:`firmware.office.units`'; this module only reads forms and renders.
"""

from __future__ import annotations

import io
from typing import Any

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.office import units as units_mod
from firmware.office import users as users_mod
from web import context
from web.context import field
from web.render import page


def register(app: bottle.Bottle) -> None:
    app.get("/units", callback=units_page)
    app.post("/units", callback=unit_add)
    app.post("/units/<unit_id:int>", callback=unit_save)
    app.get("/units/report", callback=report_page)
    app.get("/units/report.csv", callback=report_csv)
    app.post("/users/<username>/unit", callback=user_unit)


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
    t = context.lang()
    form = _form()
    try:
        units_mod.add_unit(context.store(), form["name"], actor=context.actor(), signature=form["signature"],
                           sender_name=form["sender_name"], monthly_quota=form["monthly_quota"],
                           cost_per_part=form["cost_per_part"])
    except units_mod.UnitError as exc:
        bottle.response.status = 400
        return _units(error=context.error_text(exc), form=form)
    context.flash(t(f"Unit {units_mod.check_name(form['name'])} dibuat.", f"Unit {form['name']} created."))
    bottle.redirect("/units", 303)


@context.require("admin")
def unit_save(unit_id: int):
    t = context.lang()
    store = context.store()
    try:
        units_mod.get_unit(store, unit_id)
    except units_mod.UnitError:
        bottle.abort(404)
    form = _form()
    try:
        unit = units_mod.update_unit(store, unit_id, actor=context.actor(), **form)
    except units_mod.UnitError as exc:
        bottle.response.status = 400
        return _units(error=context.error_text(exc), edit={"id": unit_id, **form})
    context.flash(t(f"Unit {unit['name']} disimpan.", f"Unit {unit['name']} saved."))
    bottle.redirect("/units", 303)


@context.require("admin")
def user_unit(username: str):
    t = context.lang()
    store = context.store()
    who = users_mod.get_user(store, (username or "")[:64])
    if who is None:
        bottle.abort(404)
    try:
        users_mod.set_unit(store, who["username"], field("unit", maxlen=12), actor=context.actor())
    except (users_mod.UserError, units_mod.UnitError) as exc:
        context.flash(context.error_text(exc), "error")
    else:
        unit = users_mod.get_user(store, who["username"])["unit"]
        context.flash(t(f"{who['username']} sekarang di unit {unit}.", f"{who['username']} is now in unit {unit}."))
    bottle.redirect("/users", 303)


def _report(month: str) -> tuple[list[dict[str, Any]], str]:
    """The report rows of ``month`` (empty: this month) the user may see (a non-admin: their unit's)."""
    store, config = context.store(), context.site().config
    rows = units_mod.monthly_report(store, month or None, utc_offset_hours=config.utc_offset_hours,
                                    default_cost=camp_mod.cost_per_part(store), within=context.within())
    label = rows[0]["bulan"] if rows else units_mod.month_bounds(
        month or None, now=store.clock(), utc_offset_hours=config.utc_offset_hours)[2]
    return rows, label


@context.require("viewer")
def report_page():
    month = field("month", maxlen=7)
    try:
        rows, label = _report(month)
    except units_mod.UnitError as exc:
        bottle.response.status = 400
        rows, label = [], ""
        return page("units_report", title=context.lang()("Laporan bulanan unit", "Monthly unit report"), rows=rows,
                    month=month, error=context.error_text(exc))
    return page("units_report", title=context.lang()("Laporan bulanan unit", "Monthly unit report"), rows=rows,
                month=label, error=None)


@context.require("viewer")
def report_csv():
    """The monthly report as CSV for Excel (UTF-8 with BOM, ``;``-separated, Bahasa column names)."""
    month = field("month", maxlen=7)
    try:
        rows, label = _report(month)
    except units_mod.UnitError as exc:
        bottle.abort(400, context.error_text(exc))
    buf = io.StringIO()
    units_mod.write_report_csv(rows, buf)
    context.store().audit(context.actor(), "unit_report", {"month": label, "units": len(rows)})
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="laporan-unit-{label}.csv"')
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
