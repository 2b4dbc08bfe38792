"""Charts drawn on the server as inline SVG: no script, no style attribute (the page's CSP forbids both).

Everything visual is a presentation attribute (``fill``, ``stroke``, ``font-size``); every text is escaped.
Each bar carries a ``<title>`` so a mouse hover (or a screen reader) tells its exact number.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from firmware.errors import group_digits

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 30, 50
SENT_COLOR = "#0b5cab"
DELIVERED_COLOR = "#1a7f37"
AXIS_COLOR = "#5b6470"
GRID_COLOR = "#d5dae0"
MAX_BARS = 240  # more buckets than this: a coarser step


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nice_max(value: int) -> int:
    """A round top for the y axis at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    exp = 10 ** int(math.floor(math.log10(value)))
    for m in (1, 2, 5, 10):
        if value <= m * exp:
            return int(m * exp)
    return int(10 * exp)




def grouped_bars(categories: Sequence[str], tips: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]],
                 *, x_title: str, y_title: str, label: str, every: int = 1, lang: str = "id") -> str:
    """A bar chart: for each category one bar per series, side by side.

    ``series``: (name, colour, values); ``tips``: the start of each bar's ``<title>`` (the category in
    words); ``every``: write the category under every n-th group only (the axis stays readable).
    """
    n = len(categories)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((v for _, _, values in series for v in values), default=0))
    group = plot_w / max(n, 1)
    bar = max(group * 0.8 / max(len(series), 1), 0.5)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_e(label)}">',
           f"<title>{_e(label)}</title>"]
    # y axis: grid lines and numbers at 0, half and the top
    for frac in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - frac)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID_COLOR}" '
                   f'stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{AXIS_COLOR}">'
                   f"{_e(group_digits(top * frac, lang))}</text>")
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{AXIS_COLOR}" stroke-width="1"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
               f'stroke="{AXIS_COLOR}" stroke-width="1"/>')
    for i, category in enumerate(categories):
        x0 = LEFT + group * i + group * 0.1
        for k, (name, colour, values) in enumerate(series):
            v = values[i]
            h = plot_h * v / top
            x = x0 + bar * k
            out.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                       f'fill="{colour}"><title>{_e(tips[i])}: {_e(group_digits(v, lang))} {_e(name)}</title></rect>')
        if i % every == 0:
            cx = LEFT + group * (i + 0.5)
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 15}" font-size="11" text-anchor="middle" '
                       f'fill="{AXIS_COLOR}">{_e(category)}</text>')
    # axis titles and legend
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" font-size="12" text-anchor="middle" '
               f'fill="{AXIS_COLOR}">{_e(x_title)}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" font-size="12" text-anchor="middle" fill="{AXIS_COLOR}" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{_e(y_title)}</text>')
    lx = LEFT
    for name, colour, _ in series:
        out.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="18" font-size="12" fill="#1b1f24">{_e(name)}</text>')
        lx += 24 + 8 * len(name)
    out.append("</svg>")
    return "".join(out)


def deliveries_chart(points: Sequence[tuple[float, int, int]], *, utc_offset_hours: float, zone: str,
                     t: Callable[..., str]) -> str:
    """Sent and delivered messages over time from 10-minute buckets ``(start, sent, delivered)``.

    The step follows the span: per 10 minutes up to 12 hours, per hour up to 4 days, else per day
    (local days).  Empty steps between the first and the last are drawn as gaps.  "" when there is
    nothing yet.
    """
    if not points:
        return ""
    offset = utc_offset_hours * 3600
    span = points[-1][0] - points[0][0] + 600
    step = 600 if span <= 12 * 3600 else 3600 if span <= 4 * 86400 else 86400
    while (span // step) > MAX_BARS:
        step *= 2
    merged: dict[int, list[int]] = {}
    for ts, sent, delivered in points:
        key = int((ts + offset) // step)
        acc = merged.setdefault(key, [0, 0])
        acc[0] += sent
        acc[1] += delivered
    first, last = min(merged), max(merged)
    keys = list(range(first, last + 1))
    tz = timezone(timedelta(hours=utc_offset_hours))
    several_days = (last * step - first * step) >= 86400 or step >= 86400
    categories, tips = [], []
    for key in keys:
        start = datetime.fromtimestamp(key * step - offset, tz)
        end = start + timedelta(seconds=step)
        if step >= 86400:
            categories.append(start.strftime("%d-%m"))
            tips.append(start.strftime("%d-%m-%Y"))
        else:
            categories.append(start.strftime("%d-%m %H:%M" if several_days and step >= 3600 else "%H:%M"))
            tips.append(f"{start:%d-%m %H:%M}–{end:%H:%M}" + (f" {zone}" if zone else ""))
    sent = [merged.get(k, [0, 0])[0] for k in keys]
    delivered = [merged.get(k, [0, 0])[1] for k in keys]
    every = max(1, math.ceil(len(keys) / (6 if several_days and step < 86400 else 8)))
    unit = {600: t("per 10 menit", "per 10 minutes"), 3600: t("per jam", "per hour"),
            86400: t("per hari", "per day")}.get(step, t(f"per {step // 60} menit", f"per {step // 60} minutes"))
    when = t("Waktu", "Time") + (f" ({zone})" if zone else "")
    return grouped_bars(
        categories, tips,
        [(t("terkirim", "sent"), SENT_COLOR, sent), (t("diterima", "delivered"), DELIVERED_COLOR, delivered)],
        x_title=when, y_title=t("Pesan", "Messages") + " " + unit,
        label=t("Pesan terkirim dan diterima ", "Messages sent and delivered ") + unit, every=every,
        lang=getattr(t, "code", "id"))
