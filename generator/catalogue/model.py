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
    """One row: the alerts alike in every column but their service and tier (a shared rule's
    services of one tier and routing, or one service's own rule), as a reviewer needs to
    see them."""

    alert: str
    services: tuple[str, ...]  # every service of the alerts, in spec order
    tiers: tuple[str, ...]  # their distinct tiers, in the same order
    labels: tuple[tuple[tuple[str, str], ...], ...]  # each alert's own labels (service, ...)
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
class SLOPlot:
    """The time-to-fire plot of one tier's SLO, drawn from the SLO of `service` (any service
    of the tier: they share every input of it)."""

    path: str  # of the SVG under out/, relative to the catalogue
    tier: str
    service: str


@dataclass(frozen=True)
class CatalogueSLO:
    """An SLO's budget, burn alerts and time to fire per error rate, for every service whose
    SLO of that name has the same figures, with the plot of each of their tiers."""

    services: tuple[str, ...]  # in spec order
    slo: str
    objective: Decimal
    budget: Decimal
    period: str
    columns: tuple[BurnColumn, ...]
    rows: tuple[RateRow, ...]
    plots: tuple[SLOPlot, ...]  # one per tier of the services, in their order


@dataclass(frozen=True)
class Catalogue:
    """out/ALERTS.md and the plots beside it."""

    path: str
    rules: int  # alerting rules in the rule files as Prometheus loads them (shared ones once)
    alerts: tuple[CatalogueAlert, ...]
    slos: tuple[CatalogueSLO, ...]
    routed: bool  # the spec has a routing section
    request_rate: Decimal  # traffic of the outage scenario (requests/s)
    step_s: int  # evaluation step of the SLO tests the outage figures follow
    interval_s: int  # their input spacing (the scrape interval)
    tests: str  # the test file proving the outage figures
    routing_table: str  # the routing table the receivers come from
