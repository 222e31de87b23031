"""The SLO part of the Plan: every SLO of every service with its budget and burn alerts decided.

Dashboards read these (objectives, factors, thresholds) instead of recomputing them.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from generator.core import slo_math as sm
from generator.spec import SLO


@dataclass(frozen=True)
class BurnAlertPlan:
    """One burn-rate alert rule of an SLO: fires when both windows exceed `threshold`."""

    alert: str
    severity: str  # critical (page) | warning (ticket)
    long: str
    short: str
    budget_share: Decimal  # share of the period's budget the long window may spend
    factor: Fraction  # burn rate that spends that share within the long window
    threshold: Fraction  # error ratio: factor x error budget

    # One plan serves every service of an objective (slo.burn_alerts), and a Fraction's
    # hash is worked out in Python each time: the hash and the texts are kept once made.
    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    @functools.cached_property
    def exact_threshold(self) -> tuple[Decimal, int]:
        """The threshold as (decimal numerator, integer denominator): slo_math.exact."""
        return sm.exact(self.threshold)

    @functools.cached_property
    def threshold_text(self) -> str:
        """The threshold's exact text: slo_math.exact_text."""
        return sm.exact_text(self.threshold)

    @functools.cached_property
    def factor_text(self) -> str:
        """The factor's exact text: slo_math.exact_text."""
        return sm.exact_text(self.factor)

    @functools.cached_property
    def approx_threshold(self) -> Decimal:
        """The threshold for comparisons: slo_math.approx."""
        return sm.approx(self.threshold)


@dataclass(frozen=True)
class SLOPlan:
    """One SLO of one service."""

    service: str
    tier: str
    slo: str  # the SLO's name (availability, latency, ...)
    objective: Decimal  # percent of good events, e.g. 99.9
    budget: Decimal  # error budget as a ratio, e.g. 0.001
    period: str  # e.g. 30d
    min_events: int  # events the long window must hold before its alert may fire
    burns: tuple[BurnAlertPlan, ...]
    threshold: Decimal | None = None  # latency SLOs: seconds a good request stays within
    kind: str = "ratio"  # the SLI kind: ratio | latency | gauge | promql
    definition: SLO | None = field(default=None, compare=False, repr=False)  # as written

    @property
    def events(self) -> str:
        """What one event of the SLI is called in texts: requests, samples (gauge) or events."""
        return {"gauge": "samples", "promql": "events"}.get(self.kind, "requests")

    def selector(self) -> list[tuple[str, str, str]]:
        """Matchers selecting this SLO's recorded series."""
        return [("service", "=", self.service), ("slo", "=", self.slo)]
