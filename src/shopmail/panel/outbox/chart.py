"""The 14-day chart of the Registro de envíos, drawn on the server as SVG geometry (no script)."""

from __future__ import annotations

from dataclasses import dataclass

from shopmail.core.i18n import lazy_gettext as _l

WIDTH, HEIGHT = 720, 220
#: The phone's chart: drawn for its own width, so its text keeps its size instead of shrinking to half.
NARROW_WIDTH = 340
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 40

#: (field of DayCounts, colour, label) — green, red and grey as in the status badges.
SERIES = (
    ("sent", "#146c2e", _l("Enviados")),
    ("failed", "#a50e0e", _l("Fallidos")),
    ("simulated", "#6b7280", _l("Simulados")),
)


@dataclass(frozen=True)
class Bar:
    """One bar, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class DayLabel:
    """A day under its bars."""

    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    """Everything the template draws."""

    width: int
    height: int
    bars: list
    labels: list
    top_value: int
    baseline: float
    legend: list
    days: list
    legend_step: int = 120
    name: str = "wide"


def build(days, width: int = WIDTH, name: str = "wide") -> Chart:
    """Bars for sent, failed and simulated per day (``history.daily_counts``), scaled to the busiest day.
    A narrow chart labels every other day, so the dates do not run into each other."""
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    label_every = 1 if width >= WIDTH else 2
    top_value = max([1] + [getattr(day, field) for day in days for field, _c, _t in SERIES])
    slot = plot_w / max(1, len(days))
    bar_w = slot * 0.8 / len(SERIES)
    baseline = TOP + plot_h
    bars, labels = [], []
    for index, day in enumerate(days):
        left = LEFT + index * slot + slot * 0.1
        for position, (field, color, label) in enumerate(SERIES):
            value = getattr(day, field)
            height = plot_h * value / top_value
            bars.append(Bar(round(left + position * bar_w, 1), round(baseline - height, 1), round(bar_w - 1, 1),
                            round(height, 1), color, f"{day.day:%d/%m}: {value} {str(label).lower()}"))
        if (len(days) - 1 - index) % label_every == 0:  # today always has its date
            labels.append(DayLabel(round(LEFT + index * slot + slot / 2, 1), f"{day.day:%d/%m}"))
    legend = [(color, label) for _f, color, label in SERIES]
    return Chart(width, HEIGHT, bars, labels, top_value, baseline, legend, list(days),
                 120 if width >= WIDTH else 100, name)


def build_both(days) -> tuple[Chart, Chart]:
    """The desktop chart and the phone's (the page shows the one that fits)."""
    days = list(days)
    return build(days), build(days, NARROW_WIDTH, "narrow")
