"""Server-side SVG charts (pygal): they render without JavaScript and in tests. Each chart is
drawn from a dashboard table, and the page shows that table beside it for screen readers."""

from __future__ import annotations

import re

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from recovery.dashboards.figures import Table

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997"),
    font_family="system-ui, sans-serif",
)


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


def svg(table: Table) -> SafeString:
    """The table's chart as inline SVG, or an empty string when there is nothing to draw."""
    if not table.chart or not table.rows:
        return mark_safe("")
    kind = pygal.Line if table.chart == "line" else pygal.Bar
    chart = kind(
        style=STYLE,
        height=280,
        width=640,
        show_legend=len(table.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=30 if len(table.rows) > 6 else 0,
        disable_xml_declaration=True,
        print_values=False,
        js=[],  # no script: the chart is a picture, its numbers are in the table
        margin=10,
    )
    chart.x_labels = [str(row[0]) for row in table.rows]
    links = table.links or [""] * len(table.rows)
    for index in table.series:
        chart.add(
            table.columns[index],
            [_point(row[index], link) for row, link in zip(table.rows, links, strict=True)],
        )
    # pygal writes its tooltip configuration as an inline script even with js=[]; the chart
    # needs none, and the Content-Security-Policy would block it anyway.
    rendered = _SCRIPT.sub("", chart.render(is_unicode=True))
    label = escape(
        _("Chart: %(title)s. The numbers are in the table that follows.") % {"title": table.title}
    )
    rendered = rendered.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return mark_safe(rendered)  # noqa: S308 - pygal output from our own numbers and escaped labels


def _point(value, link: str):
    """A chart value; with a link, a click on its bar or dot opens the rows behind it."""
    number = _number(value)
    if not link or number is None:
        return number
    return {"value": number, "xlink": {"href": link, "target": "_top"}}


def _number(value):
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def sparkline(points: list[tuple[str, float | None]], label: str) -> SafeString:
    """A small trend line for an overview card (a polyline, a few hundred bytes: a full pygal
    chart carries 12 kB of styles). Its label reads the values out for screen readers."""
    values = [(index, value) for index, (_period, value) in enumerate(points) if value is not None]
    if len(values) < 2:
        return mark_safe("")
    width, height, pad = 160, 36, 3
    low = min(value for _i, value in values)
    high = max(value for _i, value in values)
    span, steps = (high - low) or 1, max(len(points) - 1, 1)
    coords = " ".join(
        f"{pad + index * (width - 2 * pad) / steps:.1f},"
        f"{height - pad - (value - low) * (height - 2 * pad) / span:.1f}"
        for index, value in values
    )
    spoken = ", ".join(f"{period}: {value}" for period, value in points if value is not None)
    aria = escape(_("%(label)s by period: %(values)s") % {"label": label, "values": spoken})
    return mark_safe(  # noqa: S308 - numbers we computed and an escaped label
        f'<svg class="sparkline" role="img" aria-label="{aria}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><polyline fill="none" stroke="#0d6efd" '
        f'stroke-width="2" points="{coords}"/></svg>'
    )
