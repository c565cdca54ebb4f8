"""Small charts as inline SVG strings: no library, no network, nothing to load at view time."""
from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ["#3266a8", "#d9822b", "#2b9e6b", "#b0413e", "#7a5195", "#5c8a99", "#c9a227", "#666666", "#e377c2"]


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{escape(title)}</title>{body}</svg>')


def hbars(items: Sequence[tuple[str, float]], title: str, width: int = 560) -> str:
    """Horizontal bars, one per (label, value), longest = full width."""
    top = max((v for _, v in items), default=0) or 1
    row, left = 26, 150
    parts = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        w = (width - left - 60) * value / top
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="lbl">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="val">{value:g}</text>')
    return _svg(width, 16 + row * len(items), "".join(parts), title)


def histogram(values: Sequence[int], title: str, marks: Sequence[tuple[str, float]] = (),
              width: int = 420, height: int = 220) -> str:
    """Counts per integer value, with labelled vertical reference lines (``marks``)."""
    pad_l, pad_b, pad_t = 36, 34, 26
    top_x = max([*values, *(m for _, m in marks), 1])
    counts = [0] * (int(top_x) + 1)
    for v in values:
        counts[int(v)] += 1
    top_y = max(counts) or 1
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    bw = plot_w / len(counts)
    x = lambda v: pad_l + v * bw + bw / 2  # noqa: E731
    parts = [f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 10}" y2="{height - pad_b}" class="axis"/>']
    for v, c in enumerate(counts):
        if c:
            h = plot_h * c / top_y
            parts.append(f'<rect x="{pad_l + v * bw + 1:.1f}" y="{height - pad_b - h:.1f}" width="{max(bw - 2, 1):.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{v}: {c}</title></rect>')
    step = max(1, len(counts) // 8)
    for v in range(0, len(counts), step):
        parts.append(f'<text x="{x(v):.1f}" y="{height - pad_b + 14}" text-anchor="middle" class="tick">{v}</text>')
    parts.append(f'<text x="{pad_l - 4}" y="{pad_t + 4}" text-anchor="end" class="tick">{top_y}</text>')
    for i, (label, value) in enumerate(marks):
        color = PALETTE[(i + 1) % len(PALETTE)]
        parts.append(f'<line x1="{x(value):.1f}" y1="{pad_t}" x2="{x(value):.1f}" y2="{height - pad_b}" '
                     f'stroke="{color}" stroke-dasharray="4 3" stroke-width="2"/>'
                     f'<text x="{width - 12}" y="{12 + i * 12}" text-anchor="end" class="tick" fill="{color}">'
                     f'{escape(label)} {value:g}</text>')
    return _svg(width, height, "".join(parts), title)


def lines(xs: Sequence[int], series: dict[str, Sequence[float | None]], title: str,
          width: int = 520, height: int = 240) -> str:
    """Line chart on [0, 1] (pass^k over k), one labelled line per series."""
    pad_l, pad_b, pad_t, legend = 40, 30, 12, 150
    plot_w, plot_h = width - pad_l - legend, height - pad_b - pad_t
    span = max(len(xs) - 1, 1)
    px = lambda i: pad_l + plot_w * i / span  # noqa: E731
    py = lambda v: pad_t + plot_h * (1 - v)  # noqa: E731
    parts = [f'<line x1="{pad_l}" y1="{py(0)}" x2="{pad_l + plot_w}" y2="{py(0)}" class="axis"/>',
             f'<line x1="{pad_l}" y1="{py(0)}" x2="{pad_l}" y2="{py(1)}" class="axis"/>']
    for v in (0, 0.5, 1):
        parts.append(f'<text x="{pad_l - 5}" y="{py(v) + 4:.1f}" text-anchor="end" class="tick">{v:g}</text>')
    for i, k in enumerate(xs):
        parts.append(f'<text x="{px(i):.1f}" y="{height - pad_b + 16}" text-anchor="middle" class="tick">k={k}</text>')
    for n, (name, ys) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        pts = [(px(i), py(v)) for i, v in enumerate(ys) if v is not None]
        if pts:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in pts]
        parts.append(f'<text x="{width - legend + 8}" y="{pad_t + 12 + n * 14}" class="tick" fill="{color}">'
                     f'{escape(name[:22])}</text>')
    return _svg(width, height, "".join(parts), title)
