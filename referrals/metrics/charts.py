"""The loop metrics as pictures: small horizontal bar charts drawn on the server as SVG.

No script and no charting library: each chart is a few rectangles and labels that scale with
the page, named for screen readers, and always shown beside a table with the same numbers.
A chart is only drawn when there is enough to draw: rates over fewer than ten referrals are
left to the table, with their counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from referrals.metrics.figures import SMALL_NUMBER, bucket_counts
from referrals.metrics.report import LoopReport

WIDTH = 640
ROW = 34
LABEL_WIDTH = 240
VALUE_WIDTH = 150
BAR_SPACE = WIDTH - LABEL_WIDTH - VALUE_WIDTH
BAR_COLOUR = "#0b5394"


@dataclass(frozen=True)
class Bar:
    label: str
    fraction: float  # of the widest possible bar, 0 to 1
    text: str


@dataclass(frozen=True)
class Chart:
    """A chart's numbers (always shown as a table) and its picture (None when too few to draw)."""

    slug: str
    title: str
    description: str
    bars: list[Bar]
    svg: SafeString | None
    empty_text: str = "Nothing to show for this period yet."


def svg_bars(*, slug: str, title: str, description: str, bars: list[Bar]) -> SafeString:
    """An SVG with one labelled bar per row, named by its title and description."""
    height = ROW * len(bars) + 8
    rows = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="{}" y="21" text-anchor="end">{}</text>'
        '<rect x="{}" y="6" width="{}" height="20" fill="{}"></rect>'
        '<text x="{}" y="21">{}</text></g>',
        (
            (
                index * ROW + 4,
                LABEL_WIDTH - 8,
                bar.label,
                LABEL_WIDTH,
                f"{max(bar.fraction, 0.0) * BAR_SPACE:.1f}",
                BAR_COLOUR,
                LABEL_WIDTH + max(bar.fraction, 0.0) * BAR_SPACE + 6,
                bar.text,
            )
            for index, bar in enumerate(bars)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-size="14" fill="#1b1b1b">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        slug,
        slug,
        slug,
        title,
        slug,
        description,
        rows,
    )


def _chart(*, slug: str, title: str, description: str, bars: list[Bar], drawn: list[Bar]) -> Chart:
    """A chart whose table holds ``bars`` and whose picture holds ``drawn`` (the rows with enough data)."""
    svg = svg_bars(slug=slug, title=title, description=description, bars=drawn) if drawn else None
    return Chart(slug=slug, title=title, description=description, bars=bars, svg=svg)


def closure_chart(report: LoopReport) -> Chart:
    """Share of each quarter's referrals completed so far; drawn for quarters with ten or more."""
    bars = [Bar(q.label, q.closed.share or 0.0, str(q.closed)) for q in report.quarters]
    return _chart(
        slug="closure-chart",
        title="Loop closure by quarter of submission",
        description="Share of each quarter's referrals completed with the outcome returned so far.",
        bars=bars,
        drawn=[bar for bar, q in zip(bars, report.quarters, strict=True) if not q.closed.is_small],
    )


def accept_chart(report: LoopReport) -> Chart:
    """How long acceptance took: referrals per waiting-time band; drawn from ten acceptances."""
    counts = bucket_counts(report.accept_hours)
    most = max(count for _, count in counts) or 1
    bars = [Bar(label, count / most, str(count)) for label, count in counts] if report.accept_hours else []
    return _chart(
        slug="accept-chart",
        title="Time from submission to acceptance",
        description=f"Number of the {len(report.accept_hours)} accepted referrals in each waiting time band.",
        bars=bars,
        drawn=bars if len(report.accept_hours) >= SMALL_NUMBER else [],
    )


def outcomes_chart(report: LoopReport) -> Chart:
    """Share with a clinically meaningful improvement per procedure; drawn for those with ten or more."""
    outcomes = [o for o in report.outcomes if o.improved.total]
    return _chart(
        slug="outcomes-chart",
        title="Clinically meaningful pain improvement by procedure",
        description="Share of patients whose pain fell by at least 30% and 2 points, per procedure.",
        bars=[Bar(o.procedure, o.improved.share or 0.0, str(o.improved)) for o in outcomes],
        drawn=[
            Bar(o.procedure, o.improved.share or 0.0, str(o.improved))
            for o in outcomes
            if not o.improved.is_small
        ],
    )


def report_charts(report: LoopReport) -> list[Chart]:
    """The three charts of the metrics pages, in page order."""
    return [closure_chart(report), accept_chart(report), outcomes_chart(report)]
