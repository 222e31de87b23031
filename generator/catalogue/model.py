"""The alert catalogue part of the Plan: what each alert watches, whom it reaches and when,
what mutes it, and for SLO alerts how much budget goes before it fires (docs/review.md).

Everything here is decided by catalogue/plan.py from the other parts of the plan (rules,
SLOs, the Alertmanager routing table); templates/ALERTS.md.j2 only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Reach:
    """A receiver an alert reaches, and when it notifies ("always", "in business-hours")."""

    receiver: str
    when: str


@dataclass(frozen=True)
class Inhibition:
    """An inhibit rule that can mute the alert: while one of `sources` fires with the same
    values of the `equal` labels. `sources` names the generated alerts that match the rule's
    source ("AvailabilityErrorBudgetBurn critical"); `matchers` is the source as written."""

    sources: tuple[str, ...]
    matchers: str
    equal: tuple[str, ...]


@dataclass(frozen=True)
class BurnFigures:
    """How an SLO burn alert spends the error budget before it fires."""

    budget_share: Decimal  # percent of the period's budget spent at the threshold burn rate
    factor: str  # burn rate (exact text: 14.4, 2.8/3)
    long: str
    short: str
    period: str
    outage: str | None  # time to fire on a total outage ("4m"); None: it cannot
    outage_budget: Decimal | None  # percent of the period's budget a total outage spends by then
    proven: bool  # the generated promtool tests check this very figure


@dataclass(frozen=True)
class CatalogueAlert:
    """One alerting rule, as a reviewer needs to see it."""

    alert: str
    labels: tuple[tuple[str, str], ...]  # the rule's own labels (service, tier, severity, ...)
    service: str
    tier: str
    severity: str
    condition: str  # in words, threshold included
    for_: str
    reaches: tuple[Reach, ...]  # empty when the spec has no routing section
    inhibitions: tuple[Inhibition, ...]
    runbook: str
    burn: BurnFigures | None = None  # SLO alerts only


@dataclass(frozen=True)
class BurnColumn:
    """One burn alert of an SLO, as a column of its time-to-fire table."""

    severity: str
    long: str
    short: str
    factor: str
    threshold: str  # error ratio, exact text
    for_s: int  # the alert's `for`, in seconds


@dataclass(frozen=True)
class RateRow:
    """Time to fire of every burn alert of an SLO at one sustained error rate."""

    error_rate: Decimal  # percent of requests failing
    times: tuple[str | None, ...]  # per BurnColumn; None: it never fires at this rate


@dataclass(frozen=True)
class CatalogueSLO:
    """One SLO: its budget, burn alerts, time to fire per error rate, and its plot."""

    service: str
    tier: str
    slo: str
    objective: Decimal
    budget: Decimal
    period: str
    columns: tuple[BurnColumn, ...]
    rows: tuple[RateRow, ...]
    plot: str  # path of the SVG under out/, relative to the catalogue; one per tier and SLO


@dataclass(frozen=True)
class Catalogue:
    """out/ALERTS.md and the plots beside it."""

    path: str
    alerts: tuple[CatalogueAlert, ...]
    slos: tuple[CatalogueSLO, ...]
    routed: bool  # the spec has a routing section
    request_rate: Decimal  # traffic of the outage scenario (requests/s)
    step_s: int  # evaluation step of the SLO tests the outage figures follow
    interval_s: int  # their input spacing (the scrape interval)
    tests: str  # the test file proving the outage figures
    routing_table: str  # the routing table the receivers come from
