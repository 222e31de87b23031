"""The SLOs both rule sets implement (DuRi's eight here; fleet.py reads N services' from a
spec), and the SRE-workbook burn-rate windows.

Availability: errors are `http_requests_total{status=~"5.."}` of the service's job, the
objective comes from its tier (guide: 99.9 core/control, 99.5 brain, 99.0 evolution).
Latency: errors are requests slower than 0.5 s, i.e. `_count - _bucket{le="0.5"}` of
`http_request_duration_seconds`, objective 95 % (guide: p95 < 500 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PERIOD_DAYS = 30
TIERS = {  # job -> (tier, availability objective in percent)
    "duri-core": ("core", Decimal("99.9")),
    "duri-control": ("control", Decimal("99.9")),
    "duri-brain": ("brain", Decimal("99.5")),
    "duri-evolution": ("evolution", Decimal("99.0")),
}
LATENCY_OBJECTIVE = Decimal("95")
LATENCY_LE = "0.5"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True)
class BurnAlert:
    """One multiwindow condition: long and short window above factor x budget."""

    severity: str  # "page" or "ticket"
    long: str
    short: str
    budget_share: Decimal  # share of the period's budget the long window may burn

    def factor(self, period_days: int = PERIOD_DAYS) -> Decimal:
        """Burn-rate factor = budget share x period / long window (14.4 for 2 % over 1h)."""
        hours = {"1h": 1, "6h": 6, "1d": 24, "3d": 72}[self.long]
        return (self.budget_share * period_days * 24 / hours).normalize()


BURN_ALERTS = (
    BurnAlert("page", "1h", "5m", Decimal("0.02")),
    BurnAlert("page", "6h", "30m", Decimal("0.05")),
    BurnAlert("ticket", "1d", "2h", Decimal("0.1")),
    BurnAlert("ticket", "3d", "6h", Decimal("0.1")),
)
SEVERITY = {"page": "critical", "ticket": "warning"}


@dataclass(frozen=True)
class SLO:
    """One SLO of one service."""

    job: str  # the service's name, also its `job` label
    kind: str  # "availability" or "latency"
    objective: Decimal  # percent
    tier: str

    @property
    def budget(self) -> Decimal:
        """Error budget as a ratio, exact (0.001, never 0.0009999999999999432)."""
        return ((100 - self.objective) / 100).normalize()

    def errors(self, window: str) -> str:
        """PromQL: bad events per second over `window`, from raw series."""
        if self.kind == "availability":
            return f'sum(rate(http_requests_total{{job="{self.job}",status=~"5.."}}[{window}]))'
        return (
            f'(sum(rate(http_request_duration_seconds_count{{job="{self.job}"}}[{window}]))'
            f" - sum(rate(http_request_duration_seconds_bucket"
            f'{{job="{self.job}",le="{LATENCY_LE}"}}[{window}])))'
        )

    def total(self, window: str) -> str:
        """PromQL: all events per second over `window`, from raw series."""
        metric = (
            "http_requests_total"
            if self.kind == "availability"
            else ("http_request_duration_seconds_count")
        )
        return f'sum(rate({metric}{{job="{self.job}"}}[{window}]))'


def all_slos() -> list[SLO]:
    """Availability and latency SLO of each of DuRi's four services."""
    out = []
    for job, (tier, objective) in TIERS.items():
        out.append(SLO(job, "availability", objective, tier))
        out.append(SLO(job, "latency", LATENCY_OBJECTIVE, tier))
    return out


def threshold(alert: BurnAlert, slo: SLO) -> Decimal:
    """Error-ratio threshold of a condition: factor x budget, exact."""
    return (alert.factor() * slo.budget).normalize()


def dec(value: Decimal) -> str:
    """Plain decimal text of an exact number (no exponent)."""
    return format(value, "f")
