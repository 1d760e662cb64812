"""Bar charts drawn on the server as inline SVG (F-56): no script, no charting library, nothing
from a CDN, so the page works air-gapped and under the CSP (no inline style: presentation
attributes and the classes of usage.css only).

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` naming what it shows, and
every bar carries its own `<title>` with its label and figure (a screen reader and a pointer
read them; the page also gives the figures as a table). A `viewBox` sized for a phone's width
lets the browser scale the chart to its box: the text stays readable at 390 px.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 360
FONT = 11
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (columns) or before it (rows)
    value: Decimal
    title: str = ""  # the bar's full name when `label` is short (e.g. the day's date)


def figure(value: Decimal, decimals: int = 0) -> str:
    """A figure as the page shows it: the active language's separators, thousands grouped."""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _n(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{value:.1f}"


def nice_top(value: Decimal) -> Decimal:
    """The axis top: the smallest 1, 2 or 5 × 10^n at least `value` (1 for nothing)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** math.floor(math.log10(float(value)))
    for step in (1, 2, 5, 10):
        if power * step >= value:
            return power * step
    return power * 10  # pragma: no cover  (10 × power is always enough)


def _frame(title: str, desc: str, height: int, body: SafeString, css: str) -> SafeString:
    n = next(_ids)
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-{}-t chart-{}-d"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="chart-{}-t">{}</title><desc id="chart-{}-d">{}</desc>{}</svg>',
        css,
        WIDTH,
        height,
        n,
        n,
        n,
        title,
        n,
        desc,
        body,
    )


def columns(bars: Sequence[Bar], *, title: str, desc: str, unit: str, decimals: int = 0, every: int = 1) -> SafeString:
    """Vertical bars (days of a period, months), a label under every `every`-th bar and the
    axis top on the left; with few bars each shows its figure above it."""
    height, left, top, bottom = 206, 44, 22, 22
    plot_w, plot_h = WIDTH - left - 4, height - top - bottom
    peak = nice_top(max((bar.value for bar in bars), default=Decimal(0)))
    step = plot_w / max(len(bars), 1)
    gap = max(step * 0.2, 1)
    show_values = len(bars) <= 12
    parts = [
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/><line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">0</text>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            left,
            top + plot_h,
            WIDTH,
            top + plot_h,
            left,
            top,
            WIDTH,
            top,
            left - 4,
            top + 4,
            figure(peak),
            left - 4,
            top + plot_h,
            left - 4,
            top - 10,
            unit,
        )
    ]
    for i, bar in enumerate(bars):
        h = float(bar.value / peak) * plot_h
        x = left + i * step + gap / 2
        name = bar.title or bar.label
        value = figure(bar.value, decimals)
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>',
                _n(x),
                _n(top + plot_h - h),
                _n(step - gap),
                _n(h),
                name,
                value,
                unit,
            )
        )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + (step - gap) / 2),
                    height - 6,
                    bar.label,
                )
            )
        if show_values and bar.value:
            parts.append(
                format_html(
                    '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + (step - gap) / 2),
                    _n(top + plot_h - h - 3),
                    value,
                )
            )
    return _frame(title, desc, height, SafeString("".join(parts)), "columns")


def rows(bars: Sequence[Bar], *, title: str, desc: str, unit: str, decimals: int = 0) -> SafeString:
    """Horizontal bars (top lines): the label before each bar, its figure after it."""
    row_h, label_w, value_w = 24, 112, 72
    height = max(len(bars), 1) * row_h + 4
    plot_w = WIDTH - label_w - value_w
    peak = max((bar.value for bar in bars), default=Decimal(0)) or Decimal(1)
    parts = []
    for i, bar in enumerate(bars):
        y = 2 + i * row_h
        w = max(float(bar.value / peak) * plot_w, 1)
        value = figure(bar.value, decimals)
        parts.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>'
                '<text class="value" x="{}" y="{}">{} {}</text>',
                label_w - 6,
                _n(y + row_h / 2 + FONT / 3),
                bar.label,
                label_w,
                y + 3,
                _n(w),
                row_h - 6,
                bar.title or bar.label,
                value,
                unit,
                _n(label_w + w + 4),
                _n(y + row_h / 2 + FONT / 3),
                value,
                unit,
            )
        )
    body = format_html_join("", "{}", ((part,) for part in parts))
    return _frame(title, desc, height, body, "rows")
