"""Custom alert rules from the spec's `custom_alerts:`: one rule per covered service, with
`$selector` expanded to its selector, the conventions' labels and a runbook link; and the
checks that refuse an expression or example obsgen cannot plan or prove."""

from __future__ import annotations

from collections.abc import Iterator

from generator.core import conventions as cv
from generator.core.numbers import parse_duration
from generator.prometheus.custom_labels import (
    NAME,
    LabelSet,
    LabelsUnknown,
    output_labels,
    parse_series,
)
from generator.prometheus.model import AlertRule, Expr, labels
from generator.prometheus.promql import BUILTIN_SERIES
from generator.prometheus.selector_expr import expand, selector_expr_problems
from generator.spec import CustomAlert, PathT, Spec


def covered(spec: Spec, alert: CustomAlert) -> list[str]:
    """The services a custom alert covers, sorted."""
    cover = alert.services
    if cover == "all":
        return sorted(spec.services)
    if hasattr(cover, "tiers"):
        return sorted(n for n, s in spec.services.items() if s.tier in cover.tiers)
    if hasattr(cover, "teams"):
        return sorted(n for n, s in spec.services.items() if _team(spec, n) in cover.teams)
    return sorted(n for n in spec.services if n in cover.services)


def _team(spec: Spec, service: str) -> str | None:
    return spec.services[service].team or spec.defaults.team


def custom_alerts(spec: Spec, service: str) -> list[AlertRule]:
    """The custom alert rules of one service, by alert name."""
    rules = []
    svc = spec.services[service]
    for name, alert in sorted(spec.custom_alerts.items()):
        if service not in covered(spec, alert):
            continue
        rules.append(
            AlertRule(
                alert=name,
                expr=Expr("raw", {"text": expand(alert.expr, spec, service)}),
                for_=alert.for_,
                labels=labels(service=service, tier=svc.tier, severity=alert.severity),
                annotations=labels(
                    summary=alert.summary,
                    description=alert.description,
                    runbook_url=f"{spec.runbook_url}#{alert.runbook or name.lower()}",
                ),
                kind="custom",
                condition=expand(alert.expr.strip(), spec, service),
            )
        )
    return rules


def example_series(spec: Spec, service: str, series: str) -> LabelSet:
    """One example series of a service, `$selector` expanded, as a label set."""
    return parse_series(expand(series, spec, service))


def _coverage_problems(spec: Spec, name: str, alert: CustomAlert) -> Iterator[tuple[PathT, str]]:
    cover = alert.services
    if cover == "all":
        return
    wrong = False
    for field, known in (
        ("tiers", set(spec.tiers)),
        ("teams", {t for n in spec.services if (t := _team(spec, n))}),
        ("services", set(spec.services)),
    ):
        for i, value in enumerate(getattr(cover, field, ())):
            if value not in known:
                wrong = True
                yield (
                    ("custom_alerts", name, "services", field, i),
                    f"no {field[:-1]} {value!r}; known: {', '.join(sorted(known))}",
                )
    if not wrong and not covered(spec, alert):
        yield ("custom_alerts", name, "services"), "covers no service"


def _example_problems(spec: Spec, name: str, alert: CustomAlert) -> Iterator[tuple[PathT, str]]:
    base: PathT = ("custom_alerts", name, "example")
    if parse_duration(alert.example.fires_at) < parse_duration(alert.for_):
        yield (
            (*base, "fires_at"),
            f"{alert.example.fires_at} is before the alert's for ({alert.for_}) has passed: "
            "it cannot fire yet; give a later time",
        )
    known = set(spec.metrics) | BUILTIN_SERIES
    for part in ("input", "silent"):
        for i, item in enumerate(getattr(alert.example, part)):
            try:
                metric = dict(example_series(spec, next(iter(sorted(spec.services))), item.series))
            except ValueError as exc:
                yield (*base, part, i, "series"), str(exc)
                continue
            if metric[NAME] not in known:
                yield (
                    (*base, part, i, "series"),
                    f"{metric[NAME]!r} is not in the metric catalogue (`metrics:`); add it",
                )


def _label_problem(spec: Spec, alert: CustomAlert, service: str) -> str | None:
    """Why the generated test cannot predict the alerts of the example, if it cannot."""
    try:
        series = [example_series(spec, service, s.series) for s in alert.example.input]
        fired = output_labels(expand(alert.expr, spec, service), series)
    except LabelsUnknown as exc:
        return (
            f"obsgen cannot tell which labels its alerts carry ({exc}); use selectors, "
            "comparisons, aggregations (by/without) and functions such as rate()"
        )
    except ValueError:
        return None  # reported on the expression or the series
    if not fired:
        return (
            f"for service {service} the example's input yields no series from the expression; "
            "feed the metrics it reads, with `$selector` in each series"
        )
    return None


def custom_alert_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of `custom_alerts:` (a spec check run before planning)."""
    builtin = {cv.alert_name(k, "95") for k in cv.ALERT_NAMES} | set(cv.HEALTH_ALERTS.values())
    for name, alert in sorted(spec.custom_alerts.items()):
        base: PathT = ("custom_alerts", name)
        if name in builtin or name in cv.REGRESSION_NAMES.values() or name == "Watchdog":
            yield base, f"{name} is the name of a built-in alert; pick another"
        expr_problems = list(
            selector_expr_problems(
                spec, alert.expr, (*base, "expr"), "alert", "queue_depth{$selector}"
            )
        )
        yield from expr_problems
        for field in ("summary", "description"):
            if "$value" in getattr(alert, field) or ".Value" in getattr(alert, field):
                yield (
                    (*base, field),
                    "uses $value, which the generated test cannot predict; state the "
                    "threshold in words (labels may be used: {{ $labels.<name> }})",
                )
        yield from _coverage_problems(spec, name, alert)
        problems = list(_example_problems(spec, name, alert))
        yield from problems
        if not expr_problems and not problems:
            for service in covered(spec, alert):
                if problem := _label_problem(spec, alert, service):
                    yield (*base, "expr"), problem
                    break
