"""The digest's chart: value (moments logged, hours saved) against token volume over the last weeks.

:func:`weekly_series` is the pure part (what each week contributes to the plot, unit-tested by hand);
:func:`render_weekly_chart` draws it with matplotlib's object API on the Agg canvas: no pyplot, no
global state, so the scheduler's threads may call it. Weeks withheld by the privacy threshold get no
bars and no token point (never a zero), only a light "withheld" mark; weeks without prompts a
"no retro" mark. A team with no week to draw gets no chart at all (``None``), never an empty plot.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.digest.figures import DigestFigures
from bot.formatting import clip, week_date, week_monday

SHOWN, WITHHELD, NO_RETRO = "shown", "withheld", "no retro"
WIDTH_PX, HEIGHT_PX, DPI = 1000, 500, 100
TEAM_NAME_LIMIT = 40  # the title stays on one line at 1000 px
FOOTNOTE_WIDTH = 130  # characters per footnote line at 9 pt
# The bars keep to the lower part of the plot and the token line peaks above them, so labels rarely collide.
BARS_HEADROOM, LINE_HEADROOM = 1.5, 1.12
BAR_WIDTH = 0.36
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}

OUTCOMES_COLOR = "#0072B2"  # Okabe-Ito blue, bluish green and vermillion: safe for colour-blind readers
HOURS_COLOR = "#009E73"
TOKENS_COLOR = "#D55E00"
MARK_COLOR = "#8A8A8A"
WITHHELD_FILL = "#F0F0F0"

# Matplotlib's object API keeps no pyplot state, but its font and text caches are shared: one drawing at a time.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class WeeklySeries:
    """What the chart plots, one entry per week, oldest first; ``None`` where nothing may be drawn."""

    team: str
    weeks: tuple[str, ...]  # ISO week keys, "2026-W41"
    status: tuple[str, ...]  # SHOWN / WITHHELD / NO_RETRO
    outcomes: tuple[int | None, ...]  # moments logged
    hours: tuple[float | None, ...]  # estimated hours saved
    tokens: tuple[int | None, ...] | None  # None: no token usage in any shown week (no line at all)
    min_respondents: int

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(week_label(week) for week in self.weeks)


def week_label(week: str) -> str:
    """A week's tick: its Monday, ``2026-W41`` → ``5 Oct`` (``bot.formatting.week_date``)."""
    return week_date(week)


def week_status(figures: DigestFigures) -> str:
    if not figures.suppressed:
        return SHOWN
    # Like the summary: a week nobody was prompted in is not "withheld", it did not run.
    return WITHHELD if figures.prompted or figures.responded else NO_RETRO


def weekly_series(team: str, weeks: Sequence[DigestFigures]) -> WeeklySeries | None:
    """The chart's data; ``None`` when no week may be shown (then there is no chart)."""
    status = tuple(week_status(f) for f in weeks)
    if SHOWN not in status:
        return None
    shown = [s == SHOWN for s in status]
    has_tokens = any(f.tokens for f, ok in zip(weeks, shown, strict=True) if ok)
    return WeeklySeries(
        team=team,
        weeks=tuple(f.week for f in weeks),
        status=status,
        outcomes=tuple(f.moments if ok else None for f, ok in zip(weeks, shown, strict=True)),
        hours=tuple(f.hours_saved if ok else None for f, ok in zip(weeks, shown, strict=True)),
        tokens=tuple(f.tokens if ok and f.tokens else None for f, ok in zip(weeks, shown, strict=True))
        if has_tokens
        else None,  # a week without token figures (none imported, or withheld) is a gap, never a zero
        min_respondents=weeks[-1].min_respondents,
    )


def chart_title(series: WeeklySeries) -> str:
    return f"{clip(series.team, TEAM_NAME_LIMIT)}: value vs token volume, last {len(series.weeks)} weeks"


def human_tokens(value: float, _position: object = None) -> str:
    """Axis labels for token counts: ``0``, ``850k``, ``1.2M``."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".removesuffix(".0") + "M"
    if value >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


def hours_text(hours: float) -> str:
    """Bar labels: ``0.25``, ``1.5``, ``12``."""
    text = f"{hours:.2f}" if hours < 1 else f"{hours:.1f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _years(weeks: Sequence[str]) -> str:
    first, last = week_monday(weeks[0]).year, week_monday(weeks[-1]).year
    return str(first) if first == last else f"{first}–{last}"


def _footnote(series: WeeklySeries) -> str:
    notes = []
    if WITHHELD in series.status:
        notes.append(f"Withheld: fewer than {series.min_respondents} respondents, nothing shown.")
    if NO_RETRO in series.status:
        notes.append("No retro: nobody was prompted.")
    if series.tokens is None:
        notes.append("No token usage imported for these weeks.")
    notes.append("Hours saved: the members' own estimates.")
    return textwrap.fill("   ".join(notes), FOOTNOTE_WIDTH)


def _draw_bars(ax: Axes, series: WeeklySeries) -> list[tuple[float, float, str, str]]:
    """Bars for the shown weeks only; returns their labels (x, height, text, colour) to draw on top."""
    shown = [i for i, status in enumerate(series.status) if status == SHOWN]
    labels = []
    for offset, values, texts, color in (
        (-BAR_WIDTH / 2, [series.outcomes[i] or 0 for i in shown], str, OUTCOMES_COLOR),
        (BAR_WIDTH / 2, [series.hours[i] or 0.0 for i in shown], hours_text, HOURS_COLOR),
    ):
        xs = [i + offset for i in shown]
        ax.bar(xs, values, BAR_WIDTH, color=color, zorder=2)
        labels += [(x, value, texts(value), color) for x, value in zip(xs, values, strict=True)]
    top = max([height for _x, height, _text, _color in labels], default=0)
    ax.set_ylim(0, top * BARS_HEADROOM if top else 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Moments logged · hours saved", fontsize=11)
    return labels


def _mark_weeks(ax: Axes, series: WeeklySeries) -> None:
    """A light "withheld" / "no retro" in the weeks without figures: nothing there is drawn as zero."""
    marks = ax.get_xaxis_transform()  # x in data, y in axes fractions
    for i, status in enumerate(series.status):
        if status == SHOWN:
            continue
        if status == WITHHELD:
            ax.axvspan(i - 0.45, i + 0.45, color=WITHHELD_FILL, zorder=0, linewidth=0)
        ax.text(
            i,
            0.5,
            status,
            transform=marks,
            rotation=90,
            ha="center",
            va="center",
            fontsize=11,
            color=MARK_COLOR,
            alpha=1.0 if status == WITHHELD else 0.7,
        )


def _draw_tokens(ax: Axes, tokens: Sequence[int | None]) -> Axes:
    """The token line on a second axis at the right; gaps where a week has no figures."""
    right = ax.twinx()
    values = [math.nan if t is None else t for t in tokens]
    right.plot(
        range(len(values)),
        values,
        color=TOKENS_COLOR,
        linewidth=2.5,
        marker="o",
        markersize=8,
        markeredgecolor="white",
        markeredgewidth=1.5,
        zorder=3,
    )
    peak = max((t for t in tokens if t is not None), default=0)
    right.set_ylim(0, peak * LINE_HEADROOM if peak else 1)
    right.yaxis.set_major_locator(MaxNLocator(nbins=5))
    right.yaxis.set_major_formatter(FuncFormatter(human_tokens))
    right.set_ylabel("Tokens", fontsize=11, color=TOKENS_COLOR)
    right.tick_params(axis="y", labelsize=10, colors=TOKENS_COLOR)
    right.spines["right"].set_color(TOKENS_COLOR)
    for side in ("top", "left"):
        right.spines[side].set_visible(False)
    return right


def draw_weekly_chart(fig: Figure, series: WeeklySeries) -> None:
    """Draw the chart on ``fig`` (an Agg-backed :class:`~matplotlib.figure.Figure`; no pyplot involved)."""
    ax = fig.add_subplot()
    n = len(series.weeks)
    labels = _draw_bars(ax, series)
    _mark_weeks(ax, series)
    handles = [
        Patch(color=OUTCOMES_COLOR, label="Moments logged"),
        Patch(color=HOURS_COLOR, label="Hours saved (estimated)"),
    ]
    top = ax
    if series.tokens is not None:
        top = _draw_tokens(ax, series.tokens)
        handles.append(Line2D([], [], color=TOKENS_COLOR, linewidth=2.5, marker="o", label="Tokens (right axis)"))
    for x, height, text, color in labels:  # on the topmost axes, so the token line never hides a figure
        top.annotate(
            text,
            (x, height),
            xycoords=ax.transData,
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10,
            color=color,
            zorder=4,
            bbox=LABEL_BOX,
        )

    ax.set_xlim(-0.6, n - 0.4)
    ax.set_xticks(range(n), series.labels, fontsize=11)
    ax.set_xlabel(f"Week of (its Monday), {_years(series.weeks)}", fontsize=10, color=MARK_COLOR)
    ax.tick_params(axis="y", labelsize=10)
    ax.grid(axis="y", color="#E4E4E4", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncols=len(handles),
        frameon=False,
        fontsize=11,
        borderaxespad=0,
        handlelength=1.6,
    )
    fig.suptitle(chart_title(series), fontsize=15, fontweight="bold", x=0.01, ha="left")
    fig.supxlabel(_footnote(series), fontsize=9, color=MARK_COLOR, x=0.01, ha="left")


def render_weekly_chart(series: WeeklySeries) -> bytes:
    """The chart as PNG bytes, ``WIDTH_PX`` × ``HEIGHT_PX`` (Slack's preview shows it without scaling text away)."""
    with _DRAWING:
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        fig.get_layout_engine().set(h_pad=0.12, w_pad=0.1)
        draw_weekly_chart(fig, series)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        return out.getvalue()


def weekly_chart(team: str, weeks: Sequence[DigestFigures]) -> bytes | None:
    """The team's chart as PNG bytes, or ``None`` when no week has figures that may be shown."""
    series = weekly_series(team, weeks)
    return render_weekly_chart(series) if series is not None else None
