"""The geometry of the report pages' SVG charts, computed here so the templates only place
shapes (no script, no chart library). Two kinds:

- ``bars``: one horizontal bar per line (a funnel's steps, the pipeline by stage, loss
  reasons, time in each status), as long as its value over the largest;
- ``columns``: one group of vertical columns per month (a trend, the pipeline by close month),
  one column per series, with a legend.

Every chart carries its numbers as text too (``spoken``, read by the SVG's description), and
the page shows the same numbers in a table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# The columns chart's drawing box (viewBox units); the SVG scales down to the page's width.
WIDTH, PLOT_TOP, PLOT_HEIGHT, LEFT = 800, 28, 200, 8


@dataclass(frozen=True)
class Bar:
    label: str
    share: float  # 0-1 of the track
    text: str
    spoken: str


def bars(
    lines: Sequence[tuple[str, float | None]], show: Callable[[float | None], str]
) -> list[Bar]:
    """One bar per (label, value), the largest value filling its track; ``show`` writes a
    value as the page does. A line without a value keeps its place with an empty bar."""
    top = max((float(v) for _, v in lines if v), default=0.0) or 1.0
    found = []
    for label, value in lines:
        share = 0.0 if not value else min(max(float(value) / top, 0.0), 1.0)
        text = show(value)
        found.append(Bar(label, share, text, f"{label} {text}"))
    return found


@dataclass(frozen=True)
class Column:
    series: int  # index of the series (its colour and legend entry)
    x: float
    y: float
    width: float
    height: float
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    x: float  # centre of the group, for its label
    columns: tuple[Column, ...]
    spoken: str


@dataclass(frozen=True)
class Columns:
    groups: tuple[Group, ...]
    series: tuple[str, ...]
    height: int
    base: float  # y of the axis


def columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    show: Callable[[float | None], str],
) -> Columns:
    """Per label (a month), one column per series (name, values in the labels' order)."""
    values = [float(v) for _, vs in series for v in vs if v]
    top = max(values, default=0.0) or 1.0
    slot = (WIDTH - 2 * LEFT) / max(len(labels), 1)
    width = min(slot * 0.8 / max(len(series), 1), 60.0)
    base = PLOT_TOP + PLOT_HEIGHT
    groups = []
    for i, label in enumerate(labels):
        start = LEFT + i * slot + (slot - width * len(series)) / 2
        cols = []
        words = []
        for s, (name, vs) in enumerate(series):
            value = vs[i] if i < len(vs) else None
            height = 0.0 if not value else max(float(value) / top, 0.0) * PLOT_HEIGHT
            text = show(value)
            cols.append(Column(s, start + s * width, base - height, width, height, text))
            words.append(f"{name} {text}")
        groups.append(Group(label, LEFT + (i + 0.5) * slot, tuple(cols),
                            f"{label}: {', '.join(words)}"))  # fmt: skip
    return Columns(tuple(groups), tuple(name for name, _ in series), int(base + 40), base)


def spoken(items: Sequence[Any]) -> str:
    """The chart's numbers as one sentence for its description."""
    return "; ".join(str(item.spoken) for item in items)
