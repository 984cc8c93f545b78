"""Small SVG charts drawn on the server: no JavaScript, no front-end build, readable without colour.

Every chart carries a <title> and an aria-label, each bar a <title> with its figure,
and the page shows the same figures in a table next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#8250df", "#0969da", "#bf3989", "#1a7f37", "#9a6700", "#cf222e", "#57606a")
HUMAN_COLOUR = "#8c959f"


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    colour: str


def series_for(keys: Sequence[str], human_key: str = "human") -> list[Series]:
    """One colour per series in order; the human series is always grey so agents stand out."""
    out = []
    colours = iter(PALETTE * (1 + len(keys) // len(PALETTE)))
    for key in keys:
        colour = HUMAN_COLOUR if key == human_key else next(colours)
        out.append(Series(key, key, colour))
    return out


def stacked_columns(
    title: str,
    columns: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[Series],
    *,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Vertical stacked columns (e.g. findings per week split by author), with a y axis and a legend."""
    left, right, top, bottom, legend_height = 40, 10, 10, 28, 22
    plot_w = width - left - right
    plot_h = height - top - bottom - legend_height
    totals = [sum(values.get(s.key, 0) for s in series) for _, values in columns]
    peak = _nice_ceiling(max(totals, default=0))
    parts = [_open_svg(title, width, height)]
    for tick in (0, peak // 2, peak):
        y = top + plot_h - (plot_h * tick / peak if peak else 0)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    if columns:
        slot = plot_w / len(columns)
        bar = max(2.0, slot * 0.7)
        label_every = max(1, round(len(columns) / 12))
        for index, (label, values) in enumerate(columns):
            x = left + index * slot + (slot - bar) / 2
            y = top + plot_h
            for s in series:
                value = values.get(s.key, 0)
                if not value:
                    continue
                h = plot_h * value / peak
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{s.colour}">'
                    f"<title>{escape(label)}: {value} {escape(s.label)}</title></rect>"
                )
            if index % label_every == 0:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                    f"{escape(label)}</text>"
                )
    else:
        parts.append(f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle">no data yet</text>')
    parts.append(_legend(series, left, height - 6))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def horizontal_bars(
    title: str, rows: Sequence[tuple[str, int]], *, colour: str = PALETTE[1], width: int = 360
) -> Markup:
    """One labelled bar per row (e.g. findings by severity), longest = the row's maximum."""
    row_h, label_w, value_w = 22, 110, 48
    height = max(row_h, row_h * len(rows)) + 4
    peak = max((value for _, value in rows), default=0)
    bar_space = width - label_w - value_w
    parts = [_open_svg(title, width, height)]
    for index, (label, value) in enumerate(rows):
        y = 2 + index * row_h
        w = bar_space * value / peak if peak else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{value}</text>')
    if not rows:
        parts.append(f'<text x="{width / 2}" y="16" text-anchor="middle">no data yet</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def share_bar(title: str, parts_in: Sequence[tuple[Series, int]], *, width: int = 360) -> Markup:
    """A single 100% bar split into shares (e.g. AI-authored by agent vs human), with a legend."""
    height = 48
    total = sum(value for _, value in parts_in)
    parts = [_open_svg(title, width, height)]
    x = 0.0
    for s, value in parts_in:
        if not value or not total:
            continue
        w = width * value / total
        share = 100 * value / total
        parts.append(
            f'<rect x="{x:.1f}" y="2" width="{w:.1f}" height="18" fill="{s.colour}">'
            f"<title>{escape(s.label)}: {value} ({share:.0f}%)</title></rect>"
        )
        x += w
    if not total:
        parts.append(f'<rect x="0" y="2" width="{width}" height="18" class="empty"/>')
    parts.append(_legend([s for s, _ in parts_in], 0, height - 6))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _open_svg(title: str, width: int, height: int) -> str:
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}"><title>{label}</title>'
    )


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    parts = []
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}">{escape(s.label)}</text>')
        x += 24 + 7 * len(s.label)
    return "".join(parts)


def _nice_ceiling(value: int) -> int:
    """The axis top: the smallest of 2, 4, 6, 10 x 10^n that is >= value (even, so half is a whole tick)."""
    if value <= 0:
        return 2
    magnitude = 1
    while True:
        for step in (2, 4, 6, 10):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10
