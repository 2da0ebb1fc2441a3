"""Small bar charts drawn as inline SVG on the server: no chart library, no script.

Shapes are computed here and the template only writes their numbers, so a
chart obeys the Content-Security-Policy (no inline style) and reads without
JavaScript; each bar carries a ``<title>`` and the page a table of the same
numbers, for screen readers and for exact values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

WIDTH = 720
HEIGHT = 160
#: Room under the bars for the first and last labels.
AXIS = 20


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: list[Bar]
    #: The bars' bottom line: the height of the tallest bar, above the labels.
    baseline: int = HEIGHT
    width: ClassVar[int] = WIDTH

    @property
    def height(self) -> int:
        return self.baseline + AXIS

    @property
    def most(self) -> int:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(points: list[tuple[str, int]], *, height: int = HEIGHT) -> BarChart:
    """Bars for ``(label, value)`` points, left to right, scaled to the largest value, in a
    chart ``height`` high above its labels."""
    most = max((value for _, value in points), default=0)
    slot = WIDTH / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        tall = 0.0 if most == 0 else height * value / most
        x = index * slot + slot * 0.1
        bars.append(
            Bar(
                round(x, 2),
                round(height - tall, 2),
                round(slot * 0.8, 2),
                round(tall, 2),
                label,
                value,
            )
        )
    return BarChart(bars, baseline=height)
