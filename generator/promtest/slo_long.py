"""Value tests that prove the lengths of the SLO windows of a day and more: 1d, 3d and
the SLO's period (30d), which the alert tests cannot run long enough to see.

One scenario, every SLO at once: a day of traffic at one request rate and error share,
then another rate and share for good. No alert is checked, so promtool may evaluate the
rules every 6 hours (an alert reading a window a later group records would need a step
under the 5m lookback) and weeks cost a few hundred evaluations. Each window's error ratio
is checked at two times: 3/4 of a window after the change, when the window still holds the
first day and a window of half its length does not; and 1.5 windows after, when it no
longer does and a window of twice its length still would. A window of errors or of
requests, halved or doubled, moves one of those ratios far outside its 0.1 % band.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus import SLOPlan
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, within
from generator.promtest.model import ExprCheck
from generator.promtest.slo_feed import slo_feed
from generator.promtest.slo_sim import Model
from generator.promtest.slo_sim import Traffic as SimTraffic

STEP_S = 6 * 3600  # evaluation step: no alert is checked, only recorded ratios
INTERVAL_S = 120  # input spacing: two samples in every 5m rate, in weeks of inputs
CHANGE_S = DAY_S = 86400  # the first phase: a day
FIRST = (Decimal(10), Decimal("0.02"))  # requests/s and share of bad ones
SECOND = (Decimal(5), Decimal("0.1"))  # a different rate of requests and of errors
TOLERANCE = Decimal("0.001")  # relative; a window halved or doubled moves a ratio > 10 %
WINDOWS = ("1d", "3d", cv.SLO_PERIOD)


def long_window_scenarios(ctx: Ctx, slos: Sequence[SLOPlan]) -> list[Scenario]:
    """The scenario proving every SLO's windows of a day and more."""
    name = "a day of traffic, then another rate and share: windows of a day and more"
    times = (
        (Decimal("0.75"), "holds the first day"),
        (Decimal("1.5"), "no longer holds the first day"),
    )
    return _changed(ctx, slos, WINDOWS, CHANGE_S, name, times)


def short_window_scenarios(ctx: Ctx, slos: Sequence[SLOPlan], longest: int) -> list[Scenario]:
    """The same, at the coarse step of the burst scenarios, for every window under a day an
    SLO records and no burst of its own alerts proves (bursts prove both windows of alerts
    whose long window is at most `longest` seconds): the short windows of the tickets, and
    every window of an SLO that pages or tickets only, or has no alerts. Their lengths are
    otherwise seen only through a drop whose error rate barely changes (slo_split.py), or
    not at all. Not the 5m rate: it is rate() itself, whose ramp this model does not follow.
    One scenario per distinct set of such windows."""
    by_windows: dict[tuple[str, ...], list[SLOPlan]] = {}
    for s in slos:
        own = {w for x in s.burns if sm.seconds(x.long) <= longest for w in (x.long, x.short)}
        need = [w for w in sm.WINDOWS if w != "5m" and sm.seconds(w) < DAY_S and w not in own]
        if need:
            by_windows.setdefault(tuple(need), []).append(s)
    scenarios = []
    for windows, mine in sorted(by_windows.items(), key=lambda kv: [sm.seconds(w) for w in kv[0]]):
        # half a window of the first phase: 3/4 of a window after the change the window
        # holds a quarter of it, one of half its length none, one twice as long 40 % or more
        change = ceil_to(max(sm.seconds(w) for w in windows) // 2, ctx.step_s)
        name = f"traffic, then another rate and share: short windows {', '.join(windows)}"
        once = ((Decimal("0.75"), "holds a quarter of the first phase"),)
        scenarios += _changed(ctx, mine, windows, change, name, once)
    return scenarios


def _changed(
    ctx: Ctx,
    slos: Sequence[SLOPlan],
    windows: Sequence[str],
    change: int,
    name: str,
    times: Sequence[tuple[Decimal, str]],
) -> list[Scenario]:
    """FIRST until `change`, then SECOND; each window's error ratio checked `times` (in
    windows) after the change."""
    phases = [(0, *FIRST), (change, *SECOND)]
    model = Model(
        SimTraffic(tuple((s, float(r), float(e)) for s, r, e in phases)), ctx.step_s, ctx.interval_s
    )
    checks = []
    end = 0
    for window in windows:
        spans = {_span(window, s) for s in slos}
        for span in sorted(spans):
            for k, proves in times:
                when = ceil_to(change + int(span * k), ctx.step_s)
                end = max(end, when)
                bad, every = model.span_averages(span, when)
                ratio = Decimal(repr(bad / every))
                for s in slos:
                    if _span(window, s) != span:
                        continue
                    checks.append(
                        ExprCheck(
                            cv.slo_error_ratio(window),
                            tuple(s.selector()),
                            at(when),
                            (),
                            f"the {window} window {proves} (a window half or twice as long "
                            f"would not): error ratio {ratio:.6g}",
                            within(ratio, ratio * TOLERANCE),
                        )
                    )
    series = [x for s in slos for x in slo_feed(ctx, s, phases, end)]
    return [Scenario(name, frozenset(x.metric for x in series), tuple(series), (), tuple(checks))]


def _span(window: str, slo: SLOPlan) -> int:
    return sm.seconds(slo.period if window == cv.SLO_PERIOD else window)
