"""Burn-rate arithmetic of multiwindow, multi-burn-rate SLO alerts, in exact fractions.

The windows and budget shares are the Google SRE workbook's ("Alerting on SLOs", table 5-8):
page when 2 % of a period's error budget goes in 1 h or 5 % in 6 h, open a ticket when 10 %
goes in 1 d or 3 d. The burn-rate factor is budget share x period / long window (14.4 for 2 %
of 30 d in 1 h), so 28 d or 7 d periods scale their factors instead of reusing 30-day ones.
Fractions keep every threshold exact: 28 d gives 2.8/3 for the 3 d window, which no decimal
holds, so PromQL receives it as the exact expression `2.8 / 3`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from generator.core import conventions as cv
from generator.core.numbers import fmt, parse_duration

HUNDRED = Decimal(100)
PAGE = "critical"  # pages a human now
TICKET = "warning"  # a ticket for working hours


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow condition: both windows above factor x budget."""

    severity: str
    long: str
    short: str  # resets the alert soon after the burn stops (1/12 of the long window)
    budget_share: Decimal  # share of the period's budget the long window may spend


BURN_WINDOWS = (
    BurnWindow(PAGE, "1h", "5m", Decimal("0.02")),
    BurnWindow(PAGE, "6h", "30m", Decimal("0.05")),
    BurnWindow(TICKET, "1d", "2h", Decimal("0.1")),
    BurnWindow(TICKET, "3d", "6h", Decimal("0.1")),
)
LONGEST_WINDOW = "3d"
# Every window a rule computes, shortest first; 5m is the recorded rate itself.
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

# Rule groups by how fast their windows move. A group reading days of samples need not run
# every 30 s: its result moves by a fraction of a percent per minute. Intervals stay under
# Prometheus' 5 m lookback so the recorded series never goes stale between evaluations.
FAST, MEDIUM, SLOW = "fast", "medium", "slow"
SPEEDS = (FAST, MEDIUM, SLOW)
SPEED_INTERVAL = {FAST: None, MEDIUM: "1m", SLOW: "4m"}
WINDOW_SPEED = {
    "5m": FAST,
    "30m": FAST,
    "1h": FAST,
    "2h": MEDIUM,
    "6h": MEDIUM,
    "1d": SLOW,
    "3d": SLOW,
    cv.SLO_PERIOD: SLOW,
}
ALERT_SPEED = {PAGE: FAST, TICKET: MEDIUM}


@functools.cache
def seconds(duration: str) -> int:
    """'1h' -> 3600."""
    return parse_duration(duration) // 1000


def error_budget(objective: Decimal) -> Decimal:
    """Objective in percent -> error budget as a ratio: 99.9 -> 0.001 (exact)."""
    return (HUNDRED - objective) / HUNDRED


def burn_factor(window: BurnWindow, period: str) -> Fraction:
    """Budget share x period / long window: 14.4 for 2 % of 30 d in 1 h."""
    return Fraction(window.budget_share) * Fraction(seconds(period), seconds(window.long))


@functools.lru_cache(maxsize=1024)  # Fractions are canonical; every SLO of a tier asks
def exact(value: Fraction) -> tuple[Decimal, int]:
    """`value` as (decimal numerator, integer denominator), the denominator as small as can be.

    0.0144 -> (0.0144, 1); 14/15 -> (2.8, 3). The numerator always prints exactly.
    """
    rest = value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    with localcontext() as ctx:
        ctx.prec = 200  # numerator / (2^a 5^b) terminates; leave room for every digit
        numerator = Decimal(value.numerator * rest) / Decimal(value.denominator)
    return numerator, rest


@functools.lru_cache(maxsize=1024)
def exact_text(value: Fraction) -> str:
    """Exact text of a fraction: '14.4', or '2.8/3' when no decimal holds it."""
    numerator, denominator = exact(value)
    return fmt(numerator) if denominator == 1 else f"{fmt(numerator)}/{denominator}"


@functools.lru_cache(maxsize=1024)
def approx(value: Fraction) -> Decimal:
    """A Decimal for comparisons (28 significant digits); never printed."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def group_interval(speed: str, global_interval: str) -> str | None:
    """Interval of a speed class, or None when the global interval is already that slow."""
    interval = SPEED_INTERVAL[speed]
    if interval is None or parse_duration(interval) <= parse_duration(global_interval):
        return None
    return interval
