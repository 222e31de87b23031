"""What the spec's SLOs mean once defaults are filled: the metric each SLI reads, the
services each SLO covers, and which requests the services' error ratio counts as errors."""

from __future__ import annotations

from generator.spec.model import Spec
from generator.spec.slos import SLO, Coverage, Matcher

AVAILABILITY = "availability"  # the SLO whose errors the services' error ratio prefers


def sli_metric(spec: Spec, slo: SLO) -> str | None:
    """The catalogue metric the SLI reads (its default filled); None for promql, whose
    expressions name their own."""
    sli = slo.sli
    if sli.ratio is not None:
        return sli.ratio.metric or spec.signals.requests
    if sli.latency is not None:
        return sli.latency.metric or spec.signals.duration
    if sli.gauge is not None:
        return sli.gauge.metric
    return None


def service_team(spec: Spec, name: str) -> str | None:
    """The service's team, or the defaults' team."""
    return spec.services[name].team or spec.defaults.team


def covered(spec: Spec, slo: SLO) -> list[str]:
    """The names of the services the SLO covers, sorted."""
    scope = slo.services
    if not isinstance(scope, Coverage):
        return sorted(spec.services)
    if scope.services is not None:
        return sorted(n for n in spec.services if n in scope.services)
    if scope.tiers is not None:
        return sorted(n for n, s in spec.services.items() if s.tier in scope.tiers)
    teams = scope.teams or ()
    return sorted(n for n in spec.services if service_team(spec, n) in teams)


def request_errors(spec: Spec) -> tuple[Matcher, ...]:
    """Error matchers of the services' error ratio (dashboards, regression alerts): those of
    the ratio SLO named `availability` on the requests counter, else of the first such SLO
    by name; none when no ratio SLO on that counter names its errors (checks_sli reports it)."""
    names = sorted(spec.slos, key=lambda n: (n != AVAILABILITY, n))
    for name in names:
        ratio = spec.slos[name].sli.ratio
        if (
            ratio is not None
            and ratio.errors
            and (ratio.metric or spec.signals.requests) == (spec.signals.requests)
        ):
            return ratio.errors
    return ()
