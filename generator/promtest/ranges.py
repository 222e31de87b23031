"""How densely test inputs may be fed: `promtool test rules` refuses a query that loads more
than 10,000 samples, so a spec scraped every second, whose health rules read 3h and 6h of
raw series (`increase(...[3h])`, `predict_linear(...[6h], ...)`), cannot be tested with
inputs one second apart (10,800 and 21,600 samples of one series). The inputs are then fed
sparser, at the finest spacing that divides a minute and keeps the longest range any loaded
rule reads within SERIES_SAMPLES samples of a series: the rules read the same windows and
thresholds whatever the spacing (none depends on the scrape interval), and every scenario is
built from the context's spacing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.core.numbers import parse_duration
from generator.prometheus import Expr, RuleFile, range_seconds

# the arguments templates/prometheus/_promql.j2 writes as a range, `[{{ window }}]`
RANGE_ARGS = frozenset({"window", "over"})
# a series' share of promtool's 10,000: a few series of one selector fit (the fill
# prediction's scenario feeds three filesystems)
SERIES_SAMPLES = 2_000
MINUTE = 60


def _ranges(value: Any, key: str = "") -> Iterable[int]:
    if isinstance(value, Expr):
        if value.macro == "raw":
            yield from range_seconds(value.args["text"])  # a custom alert's PromQL
            return
        for name, arg in value.args.items():
            yield from _ranges(arg, name)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _ranges(item, key)
    elif isinstance(value, str) and key in RANGE_ARGS:
        yield parse_duration(value) // 1000


def longest_range_s(rule_files: Iterable[RuleFile]) -> int:
    """The longest window, in seconds, any rule of these files reads raw or recorded series
    over (0 when none reads a range)."""
    return max(
        (s for f in rule_files for g in f.groups for r in g.rules for s in _ranges(r.expr)),
        default=0,
    )


def spacing_within(spacing_s: int, longest_s: int) -> int:
    """`spacing_s`, or the finest spacing dividing a minute above it that keeps `longest_s`
    of one series within SERIES_SAMPLES (a minute at most: coarser would not divide the
    evaluation step)."""
    if spacing_s >= MINUTE or longest_s <= SERIES_SAMPLES * spacing_s:
        return spacing_s
    fits = (d for d in range(spacing_s, MINUTE) if longest_s <= SERIES_SAMPLES * d)
    return next((d for d in fits if MINUTE % d == 0), MINUTE)
