"""The digest chart: what each week contributes to the plot (hand-computed), and the PNG it renders."""

from __future__ import annotations

import io
import math
import struct
import threading

import matplotlib.image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot import vocabulary as v
from bot.charts.weekly import (
    NO_RETRO,
    SHOWN,
    WITHHELD,
    chart_title,
    draw_weekly_chart,
    hours_text,
    human_tokens,
    render_weekly_chart,
    weekly_chart,
    weekly_series,
)
from bot.digest.figures import MemberWeekData, MomentData, compute_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def member(answer: str, *time_saved: str, tokens: int = 0, prompted: bool = True) -> MemberWeekData:
    moments = tuple(
        MomentData(outcome="bug", time_saved=t, quality="same", counterfactual="yes", tool="claude_code")
        for t in time_saved
    )
    return MemberWeekData(answer=answer, prompted=prompted, moments=moments, tokens=tokens)


def week(key: str, *members: MemberWeekData):
    return compute_digest("Payments", key, members, min_respondents=3)


NOT_RUN = week("2026-W41", *(member(v.PENDING, prompted=False) for _ in range(3)))
# 3 respondents: 2-4 h (3 h) + 1-2 h (1.5 h) + under 30 min (0.25 h) = 4.75 h; 900k + 100k + 1M tokens
SHOWN_WEEK = week(
    "2026-W42",
    member(v.HELPED, "2h_4h", "1h_2h", tokens=900_000),
    member(v.HELPED, "lt30m", tokens=100_000),
    member(v.DIDNT_HELP, tokens=1_000_000),
)
# 1 respondent of 3 needed: withheld, its 5M tokens and 3 h must not reach the plot
WITHHELD_WEEK = week(
    "2026-W43", member(v.HELPED, "2h_4h", tokens=5_000_000), member(v.SKIPPED), member(v.PENDING, tokens=7)
)
# 3 respondents, nothing gained, no tokens: real zeros for outcomes and hours, but no token figure (a gap)
ZERO_WEEK = week("2026-W44", *(member(v.DIDNT_HELP) for _ in range(3)))
HISTORY = [NOT_RUN, SHOWN_WEEK, WITHHELD_WEEK, ZERO_WEEK]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


def test_the_series_has_figures_only_for_weeks_that_may_be_shown():
    series = weekly_series("Payments", HISTORY)
    assert series is not None
    assert series.weeks == ("2026-W41", "2026-W42", "2026-W43", "2026-W44")
    assert series.labels == ("5 Oct", "12 Oct", "19 Oct", "26 Oct")  # each week's Monday, as people read dates
    assert series.status == (NO_RETRO, SHOWN, WITHHELD, SHOWN)
    assert series.outcomes == (None, 3, None, 0)
    assert series.hours == (None, 4.75, None, 0.0)
    assert series.tokens == (None, 2_000_000, None, None)
    assert series.min_respondents == 3


def test_a_withheld_week_is_none_never_zero():
    series = weekly_series("Payments", HISTORY)
    assert WITHHELD_WEEK.suppressed and WITHHELD_WEEK.prompted == 3
    withheld = series.weeks.index("2026-W43")
    assert series.outcomes[withheld] is None and series.hours[withheld] is None and series.tokens[withheld] is None
    zero = series.weeks.index("2026-W44")
    assert series.outcomes[zero] == 0 and series.hours[zero] == 0.0  # a shown week with nothing is a real zero


def test_a_week_without_a_token_figure_is_a_gap_on_the_token_line_never_a_zero():
    # 3 respondents, but only one member's usage: the week is shown, its tokens are withheld
    usage_withheld = week(
        "2026-W45", member(v.HELPED, "1h_2h", tokens=4_000_000), member(v.DIDNT_HELP), member(v.DIDNT_HELP)
    )
    assert usage_withheld.usage_withheld and not usage_withheld.suppressed
    series = weekly_series("Payments", [SHOWN_WEEK, ZERO_WEEK, usage_withheld])
    assert series.status == (SHOWN, SHOWN, SHOWN)
    assert series.outcomes == (3, 0, 1) and series.hours == (4.75, 0.0, 1.5)
    assert series.tokens == (2_000_000, None, None)  # none imported, or withheld: not 0, and never the 4M


def test_no_token_line_when_no_shown_week_has_tokens():
    # the only tokens are in the withheld week: they must not make a line either
    series = weekly_series("Payments", [WITHHELD_WEEK, ZERO_WEEK])
    assert series.tokens is None
    assert series.outcomes == (None, 0)


def test_no_week_to_show_means_no_chart():
    assert weekly_series("Payments", [NOT_RUN, WITHHELD_WEEK]) is None
    assert weekly_chart("Payments", [NOT_RUN, WITHHELD_WEEK]) is None
    assert weekly_chart("Payments", []) is None


def test_the_plot_gets_bars_and_token_points_only_in_shown_weeks():
    series = weekly_series("Payments", HISTORY)
    fig = Figure()
    FigureCanvasAgg(fig)
    draw_weekly_chart(fig, series)
    bars_ax, tokens_ax = fig.axes
    bars = [(round(p.get_x() + p.get_width() / 2), p.get_height()) for p in bars_ax.patches if p.get_width() < 0.5]
    # two bars (moments, hours) in each shown week, W42 (index 1) and W44 (index 3); none at W41 or W43
    assert sorted(bars) == [(1, 3), (1, 4.75), (3, 0), (3, 0.0)]
    [line] = tokens_ax.get_lines()
    ys = list(line.get_ydata())
    assert math.isnan(ys[0]) and math.isnan(ys[2]) and ys[1] == 2_000_000 and math.isnan(ys[3])
    texts = [t.get_text() for t in bars_ax.texts]
    assert "withheld" in texts and "no retro" in texts
    assert fig.get_suptitle() == "Payments: value vs token volume, last 4 weeks"


def test_the_png_is_valid_and_slack_preview_sized():
    png = weekly_chart("Payments", HISTORY)
    assert png_size(png) == (1000, 500)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (500, 1000)
    assert pixels.std() > 0.05  # something is drawn, not a blank canvas


def test_drawing_from_several_threads_at_once_gives_the_same_image():
    series = weekly_series("Payments", HISTORY)
    images: list[bytes] = []
    threads = [threading.Thread(target=lambda: images.append(render_weekly_chart(series))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(images) == 4 and len(set(images)) == 1


def test_labels():
    assert [human_tokens(n) for n in (0, 850, 850_000, 1_000_000, 1_250_000, 12_000_000)] == [
        "0", "850", "850k", "1M", "1.2M", "12M",
    ]  # fmt: skip
    assert [hours_text(h) for h in (0.0, 0.25, 0.75, 1.5, 4.75, 12.0)] == ["0", "0.25", "0.75", "1.5", "4.8", "12"]
    long_name = weekly_series("A team with a very long name indeed, Platform and Payments", HISTORY)
    assert chart_title(long_name) == "A team with a very long name indeed, Pl…: value vs token volume, last 4 weeks"
