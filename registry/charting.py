"""The compute chart: reference models' training compute against release date on a log scale, every compute threshold
as a labelled line, and the fitted frontier trend with its 90% band and the dates it crosses each line. Plain SVG with
real text, built on the server: readable by screen readers, printable, no script."""

import csv
import datetime
import math
from dataclasses import dataclass
from typing import IO

from django.utils.html import escape as html_escape
from django.utils.safestring import SafeString, mark_safe

from registry.exporting import defuse_formula
from registry.forecasting import DAYS_PER_YEAR, Z_90, Crossing, Fit, forecast
from registry.formatting import scientific, xml_safe
from registry.models import AIModel, CapabilityThreshold


def escape(text) -> str:
    """Text for the SVG: escaped, and without the characters XML forbids (a name pasted into the admin may hold one)."""
    return html_escape(xml_safe(str(text)))


WIDTH, HEIGHT = 960, 560
LEFT, TOP, BOTTOM = 64, 64, 500
PLOT_RIGHT = 640  # threshold labels take the column to the right of the plot
LABEL_X = PLOT_RIGHT + 12
FONT = 12
LINE_GAP = 15  # the least distance between two stacked labels
CHAR_WIDTH = 6.4  # a 12 px sans-serif character, roughly: enough to keep model names from overlapping
LOWEST, HIGHEST = 22, 27  # the y axis shows at least 10^22 ... 10^27 FLOP
FURTHEST_YEARS = 6  # the x axis runs at most this far past the last model, for the crossings still ahead

INK, MUTED, GRID = "#1d2330", "#566070", "#d9dde5"
IN_FORCE, NOT_IN_FORCE, HIGHLIGHT = "#146b35", "#646a75", "#b00020"
MODEL, TREND, BAND = "#1a56b0", "#8a4b00", "#f0c98a"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(exponent: int) -> str:
    """10²⁵: how the axis writes a power of ten."""
    return "10" + str(exponent).translate(_SUPERSCRIPT)


@dataclass(frozen=True)
class ThresholdLine:
    crossing: Crossing
    in_force: bool
    highlighted: bool

    @property
    def threshold(self) -> CapabilityThreshold:
        return self.crossing.threshold

    @property
    def label(self) -> str:
        """ "EU AI Act (EU), in force": the instrument's short name, its jurisdiction, and whether it applies."""
        instrument = self.threshold.instrument
        name = str(instrument) if instrument else self.threshold.name
        where = f" ({instrument.jurisdiction.code})" if instrument and instrument.jurisdiction else ""
        return f"{name}{where}, {'in force' if self.in_force else 'not in force'}"


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    models: list[AIModel]
    lines: list[ThresholdLine]
    fit: Fit | None
    highlight: CapabilityThreshold | None


def compute_chart(*, user, highlight: str | None = None, element_id: str = "compute-chart") -> Chart:
    """The chart as `user` may see it (only thresholds visible to them), with the threshold whose slug is
    `highlight` drawn apart. `element_id` keeps ids unique when a page holds the chart twice."""
    fit, crossings = forecast(thresholds=CapabilityThreshold.objects.visible_to(user))
    models = list(AIModel.objects.with_compute().exclude(released=None).order_by("released", "name"))
    lines = [
        ThresholdLine(
            crossing=crossing,
            in_force=crossing.threshold.in_force_today,
            highlighted=bool(highlight) and crossing.threshold.slug == highlight,
        )
        for crossing in crossings
    ]
    chosen = next((line.threshold for line in lines if line.highlighted), None)
    svg = _Drawing(models, lines, fit, element_id).svg()
    return Chart(svg=svg, models=models, lines=lines, fit=fit, highlight=chosen)


def standalone_svg(chart: Chart) -> str:
    """The chart as an SVG file of its own."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + chart.svg + "\n"


class _Drawing:
    def __init__(self, models, lines, fit, element_id):
        self.models, self.lines, self.fit, self.id = models, lines, fit, element_id
        self.taken = []  # boxes of the text already placed in the plot
        today = datetime.date.today()
        dates = [m.released for m in models] or [today]
        crossings = [line.crossing.expected for line in lines if line.crossing.expected]
        start, end = min(dates), max([*dates, today])
        reach = datetime.timedelta(days=round(FURTHEST_YEARS * DAYS_PER_YEAR))
        # A crossing a few years either side of the models is drawn; one further off is only in the table.
        start = min([start, *[day for day in crossings if day >= start - reach / 2]])
        end = max([end, *[day for day in crossings if day <= end + reach]])
        self.start = datetime.date(start.year, 1, 1)
        self.end = datetime.date(end.year + 1, 1, 1)
        logs = [math.log10(m.training_compute_flop) for m in models]
        logs += [math.log10(line.crossing.value) for line in lines if line.crossing.value > 0]
        # Figures far off the frontier would squash it: the axis spans at most 10^15 ... 10^32.
        self.low = max(15, min([LOWEST, *[math.floor(value) for value in logs]]))
        self.high = min(32, max([HIGHEST, *[math.ceil(value) for value in logs]]))

    def x(self, day: datetime.date) -> float:
        span = (self.end - self.start).days or 1
        return round(LEFT + (PLOT_RIGHT - LEFT) * (day - self.start).days / span, 1)

    def y(self, log10_flop: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * (log10_flop - self.low) / (self.high - self.low), 1)

    def svg(self) -> SafeString:
        title, desc = f"{self.id}-title", f"{self.id}-desc"
        marks = self.crossing_marks()  # first, so that model names keep clear of their dates
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'aria-labelledby="{title} {desc}" font-family="system-ui, sans-serif" font-size="{FONT}" fill="{INK}">',
            f'<title id="{title}">Training compute of reference AI models against release date, with compute '
            f"thresholds</title>",
            f'<desc id="{desc}">{escape(self.description())}</desc>',
            f'<clipPath id="{self.id}-plot"><rect x="{LEFT}" y="{TOP}" width="{PLOT_RIGHT - LEFT}" '
            f'height="{BOTTOM - TOP}"/></clipPath>',
            '<rect width="100%" height="100%" fill="#ffffff"/>',
            *self.axes(),
            *self.legend(),
            *self.trend(),
            *self.threshold_lines(),
            *self.points(),
            *marks,
            "</svg>",
        ]
        return mark_safe("\n".join(parts))  # every text in it went through escape()

    def description(self) -> str:
        in_force = sum(line.in_force for line in self.lines)
        text = (
            f"{len(self.models)} reference models{self.years()}; {len(self.lines)} compute thresholds "
            f"drawn as horizontal lines, {in_force} of them in force (solid) and the others not (dashed)."
        )
        if self.fit:
            text += (
                f" The frontier trend grows about {self.fit.growth_per_year:.1f} times a year; the shaded band "
                "holds 90% of frontier models around it. The table under the chart lists every figure."
            )
        return text

    def years(self) -> str:
        if not self.models:
            return ""
        first, last = self.models[0].released.year, self.models[-1].released.year
        return f" released from {first} to {last}" if first != last else f" released in {first}"

    def axes(self):
        plot = [
            f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_RIGHT - LEFT}" height="{BOTTOM - TOP}" fill="none" '
            f'stroke="{GRID}"/>'
        ]
        for exponent in range(self.low, self.high + 1):
            y = self.y(exponent)
            plot.append(f'<line x1="{LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}" stroke="{GRID}"/>')
            plot.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{power_of_ten(exponent)}</text>')
        years = range(self.start.year, self.end.year + 1)
        step = max(1, math.ceil(len(years) / 8))
        for year in years[::step]:
            x = self.x(datetime.date(year, 1, 1))
            plot.append(f'<line x1="{x}" x2="{x}" y1="{TOP}" y2="{BOTTOM}" stroke="{GRID}"/>')
            plot.append(f'<text x="{x}" y="{BOTTOM + 18}" text-anchor="middle">{year}</text>')
        plot.append(
            f'<text x="{(LEFT + PLOT_RIGHT) / 2}" y="{BOTTOM + 40}" text-anchor="middle" fill="{MUTED}">'
            "Release date</text>"
        )
        plot.append(
            f'<text x="16" y="{(TOP + BOTTOM) / 2}" text-anchor="middle" fill="{MUTED}" '
            f'transform="rotate(-90 16 {(TOP + BOTTOM) / 2})">Training compute (FLOP, log scale)</text>'
        )
        return plot

    def legend(self):
        y = 24
        items = [
            f'<g aria-hidden="true"><circle cx="{LEFT + 5}" cy="{y - 4}" r="4" fill="{MODEL}"/>'
            f'<text x="{LEFT + 14}" y="{y}">Reference model</text>',
            f'<line x1="{LEFT + 130}" x2="{LEFT + 160}" y1="{y - 4}" y2="{y - 4}" stroke="{IN_FORCE}" '
            f'stroke-width="2"/><text x="{LEFT + 166}" y="{y}">Threshold in force</text>',
            f'<line x1="{LEFT + 290}" x2="{LEFT + 320}" y1="{y - 4}" y2="{y - 4}" stroke="{NOT_IN_FORCE}" '
            f'stroke-width="2" stroke-dasharray="6 4"/><text x="{LEFT + 326}" y="{y}">Not in force</text>',
        ]
        if self.fit:
            items.append(
                f'<rect x="{LEFT + 420}" y="{y - 10}" width="30" height="12" fill="{BAND}"/>'
                f'<line x1="{LEFT + 420}" x2="{LEFT + 450}" y1="{y - 4}" y2="{y - 4}" stroke="{TREND}" '
                f'stroke-width="2"/><text x="{LEFT + 456}" y="{y}">Frontier trend, 90% band</text>'
            )
        items.append(
            f'<path d="M{LEFT + 640} {y - 9} l5 5 -5 5 -5 -5z" fill="{TREND}"/>'
            f'<text x="{LEFT + 652}" y="{y}">Forecast crossing, lines ahead</text></g>'
        )
        return items

    def trend(self):
        if not self.fit or self.fit.slope <= 0:
            return []
        band = Z_90 * self.fit.residual_sd
        days = [self.start + (self.end - self.start) * step / 40 for step in range(41)]
        centre = [(self.x(day), self.fit.log10_at(day)) for day in days]
        upper = " ".join(f"{x},{self.y(log + band)}" for x, log in centre)
        lower = " ".join(f"{x},{self.y(log - band)}" for x, log in reversed(centre))
        middle = " ".join(f"{x},{self.y(log)}" for x, log in centre)
        growth = f"{self.fit.growth_per_year:.1f}"
        return [
            f'<g class="trend" clip-path="url(#{self.id}-plot)">',
            f'<polygon points="{upper} {lower}" fill="{BAND}" fill-opacity="0.55">'
            f"<title>90% band around the frontier trend</title></polygon>",
            f'<polyline points="{middle}" fill="none" stroke="{TREND}" stroke-width="2">'
            f"<title>Frontier trend: about {growth} times more compute a year ({self.fit.models} frontier models, "
            f"{self.fit.first.year}–{self.fit.last.year})</title></polyline>",
            "</g>",
        ]

    def threshold_lines(self):
        drawn = []
        wanted = [(self.y(math.log10(line.crossing.value)), line) for line in self.lines if line.crossing.value > 0]
        wanted = [(y, line) for y, line in wanted if TOP <= y <= BOTTOM]
        wanted.sort(key=lambda pair: (pair[0], not pair[1].highlighted, pair[1].label))
        for (line_y, line), label_y in zip(wanted, _spread([y for y, _ in wanted]), strict=True):
            colour = HIGHLIGHT if line.highlighted else IN_FORCE if line.in_force else NOT_IN_FORCE
            dash = "" if line.in_force else ' stroke-dasharray="6 4"'
            width = 3 if line.highlighted else 1.5
            slug = escape(line.threshold.slug)
            weight = ' font-weight="700"' if line.highlighted else ""
            markup = (
                f'<g class="threshold{" highlighted" if line.highlighted else ""}'
                f'{" in-force" if line.in_force else " not-in-force"}" data-threshold="{slug}">'
                f"<title>{escape(line.label)}: {escape(line.threshold.name)}, "
                f"{escape(line.threshold.conditions_display())}</title>"
                f'<line x1="{LEFT}" x2="{PLOT_RIGHT}" y1="{line_y}" y2="{line_y}" stroke="{colour}" '
                f'stroke-width="{width}"{dash}/>'
                f'<polyline points="{PLOT_RIGHT},{line_y} {LABEL_X - 4},{label_y - 4}" fill="none" stroke="{colour}"/>'
                f'<text x="{LABEL_X}" y="{label_y}" fill="{colour}"{weight}>{escape(_short(line.label, 46))}</text>'
                "</g>"
            )
            drawn.append((line.highlighted, markup))
        # The highlighted line goes last, on top of any other at the same figure.
        return [markup for _highlighted, markup in sorted(drawn, key=lambda pair: pair[0])]

    def points(self):
        drawn, taken = [], self.taken
        # Biggest models are labelled first; a name that would overlap one already written keeps only its <title>.
        for model in sorted(self.models, key=lambda m: -m.training_compute_flop):
            x, y = self.x(model.released), self.y(math.log10(model.training_compute_flop))
            if not TOP <= y <= BOTTOM:
                continue
            name = escape(model.name)
            text = ""
            box = (x + 6, y - FONT + 2, x + 6 + CHAR_WIDTH * len(model.name), y + 2)
            if box[2] <= PLOT_RIGHT and not any(_overlaps(box, other) for other in taken):
                taken.append(box)
                text = f'<text x="{box[0]}" y="{y}" font-size="11" fill="{INK}">{name}</text>'
            drawn.append(
                f'<g class="model"><title>{name}: {escape(_flop(model.training_compute_flop))}, released '
                f"{model.released.isoformat()}</title>"
                f'<circle cx="{x}" cy="{y}" r="4" fill="{MODEL}" fill-opacity="0.8"/>{text}</g>'
            )
        return drawn

    def crossing_marks(self):
        marks, seen = [], set()
        for line in self.lines:
            crossing = line.crossing
            # A line a model has already passed shows that model above it; the forecast is for the lines ahead.
            if crossing.crossed_by or crossing.expected is None or crossing.value in seen or crossing.value <= 0:
                continue
            if not self.start <= crossing.expected <= self.end:
                continue
            seen.add(crossing.value)
            x, y = self.x(crossing.expected), self.y(math.log10(crossing.value))
            if not TOP <= y <= BOTTOM:
                continue
            when = crossing.expected.strftime("%b %Y")
            self.taken.append((x - 25, y + 10, x + 25, y + 24))
            marks.append(
                f'<g class="crossing"><title>The trend crosses {escape(_flop(crossing.value))} around {when} '
                f"(90% band: {crossing.earliest:%b %Y} to {crossing.latest:%b %Y})</title>"
                f'<path d="M{x} {y - 7} l7 7 -7 7 -7 -7z" fill="{TREND}" stroke="#ffffff"/>'
                f'<text x="{x}" y="{y + 22}" text-anchor="middle" font-size="11" fill="{TREND}">{when}</text></g>'
            )
        return marks


def _spread(wanted: list[float]) -> list[float]:
    """Label positions (for sorted wanted ones) with no two closer than LINE_GAP: labels that would collide form a
    stack centred on the lines they name, and stacks that then collide merge."""
    stacks = []  # [first wanted index, count, centre]
    for index, y in enumerate(wanted):
        stacks.append([index, 1, y])
        while len(stacks) > 1:
            (first, count, centre), (_, more, next_centre) = stacks[-2], stacks[-1]
            if centre + count * LINE_GAP / 2 <= next_centre - more * LINE_GAP / 2:
                break
            stacks[-2:] = [[first, count + more, sum(wanted[first : first + count + more]) / (count + more)]]
    placed = []
    for _first, count, centre in stacks:
        top = min(max(centre - (count - 1) * LINE_GAP / 2, TOP), HEIGHT - 8 - (count - 1) * LINE_GAP)
        placed += [round(top + step * LINE_GAP + 4, 1) for step in range(count)]
    return placed


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _flop(value: float) -> str:
    return f"{scientific(value)} FLOP"


CSV_COLUMNS = [
    "kind", "name", "developer_or_instrument", "jurisdiction", "threshold_slug", "released", "training_compute_flop",
    "in_force", "crossed_by", "crossed_on", "forecast_expected", "forecast_earliest", "forecast_latest",
]  # fmt: skip


def chart_rows(chart: Chart):
    """The chart's data: one row per model, then one per threshold with its forecast crossing."""
    for model in chart.models:
        yield {
            "kind": "model",
            "name": model.name,
            "developer_or_instrument": model.developer,
            "released": model.released,
            "training_compute_flop": model.training_compute_flop,
        }
    for line in chart.lines:
        crossing, instrument = line.crossing, line.threshold.instrument
        yield {
            "kind": "threshold",
            "name": line.threshold.name,
            "developer_or_instrument": str(instrument) if instrument else "",
            "jurisdiction": instrument.jurisdiction.code if instrument and instrument.jurisdiction else "",
            "threshold_slug": line.threshold.slug,
            "training_compute_flop": crossing.value,
            "in_force": "true" if line.in_force else "false",
            "crossed_by": crossing.crossed_by.name if crossing.crossed_by else "",
            "crossed_on": crossing.crossed_by.released if crossing.crossed_by else None,
            "forecast_expected": crossing.expected,
            "forecast_earliest": crossing.earliest,
            "forecast_latest": crossing.latest,
        }


def write_chart_csv(out: IO[str], chart: Chart):
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in chart_rows(chart):
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float | datetime.date):
        return value.isoformat() if isinstance(value, datetime.date) else repr(value)
    return defuse_formula(value)
