"""The health mapping test: every service reaches the shared TargetDown and MetricAbsent rules.

A TargetDown or MetricAbsent rule serves every service alike (prometheus/health_sharing.py);
the health tests prove each rule on the service standing for it, with every other service
healthy, and this test proves who each alert belongs to, in three groups:

- every service's target down (every other job's up): TargetDown fires once per service;
- no service's job has any target (every other job's up): each service's own `absent()` term
  fires, once per service;
- every service's job up, and cAdvisor's, with none of their metrics: MetricAbsent fires once
  per service and metric.

`ALERTS` is checked per alert, service, severity and tier (and job, or metric) against the
expected members (members.py): a service left out of a rule or in two, or an absent() term
naming another service or no job, fails it.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.prometheus import AlertRule, RuleFile, ingested
from generator.promtest.cases import Ctx, Scenario, ceil_to, seconds
from generator.promtest.firing import firing_once
from generator.promtest.health_cases import const, raw_series, selector_labels
from generator.promtest.members import Members, mapping_scenario
from generator.promtest.model import InputSeries

DOWN_LABELS = ("alertname", "job", "service", "severity", "tier")
ABSENT_LABELS = ("alertname", "metric", "service", "severity", "tier")


def _target(ctx: Ctx, name: str) -> dict[str, str]:
    """The `up` labels of a service's target: its scrape job's, with its service and tier."""
    job = ctx.spec.services[name].selector.get("job", name)
    return {"job": job, "instance": f"{job}-0", **ingested(ctx.spec, name)}


def _scenario(
    name: str,
    series: list[InputSeries],
    views: Sequence[AlertRule],
    keys: tuple[str, ...],
    when: int,
    why: str,
    count: int,
) -> Scenario:
    """A group of `series` (`count` samples each) and each alert of `views` firing once per
    service at `when` (members.py); TargetDown with the job its own rule reads `up` of."""

    def job(view: AlertRule) -> dict[str, str]:
        return {"job": selector_labels(view)["job"]} if "job" in keys else {}

    members = Members()
    checks = firing_once(members, views, keys, when, why, job)
    return mapping_scenario(name, series, members, checks, count, frozenset({"up"}))


def health_mapping_scenarios(ctx: Ctx, rule_file: RuleFile) -> list[Scenario]:
    """The three groups, for the shared rules `rule_file` holds."""
    rules = rule_file.rules_alerting()
    downs = [v for r in rules if r.views and r.kind == "target_down" for v in r.views]
    absents = [v for r in rules if r.views and r.kind == "metric_absent" for v in r.views]
    out: list[Scenario] = []
    if downs:
        wait = max(seconds(v.for_) for v in downs)
        when = ceil_to(wait + 2 * ctx.step_s, ctx.step_s)
        count = when // ctx.interval_s + 1
        others = [
            raw_series("up", {"job": job, "instance": f"{job}-0"}, const(1, count))
            for job in sorted(
                {
                    selector_labels(r)["job"]
                    for r in rules
                    if r.kind == "target_down" and not r.views
                }
            )
        ]
        services = sorted({v.label("service") for v in downs})
        down = [raw_series("up", _target(ctx, n), const(0, count)) for n in services]
        out.append(
            _scenario(
                "every service's target down maps into the shared TargetDown rules",
                [*down, *others],
                downs,
                DOWN_LABELS,
                when,
                "every service's target down: TargetDown fires once for each service, and for "
                "no other",
                count,
            )
        )
        out.append(
            _scenario(
                "every service's job without any target maps into its own absent() term",
                others,
                downs,
                DOWN_LABELS,
                when,
                "no target of any service: each service's absent() term fires once, for that "
                "service only",
                count,
            )
        )
    if absents:
        wait = max(seconds(v.for_) for v in absents)
        when = ceil_to(wait + 2 * ctx.step_s, ctx.step_s)
        count = when // ctx.interval_s + 1
        services = sorted({v.label("service") for v in absents})
        ups = [raw_series("up", _target(ctx, n), const(1, count)) for n in services]
        exporters = sorted({e[2] for v in absents for e in (v.expr.args.get("exporter") or ())})
        ups += [
            raw_series("up", {"job": job, "instance": f"{job}-0"}, const(1, count))
            for job in exporters
        ]
        fed = {dict(u.labels)["job"] for u in ups}
        own = [  # a service's own MetricAbsent (its selector is not its job's): fires too
            r
            for r in rules
            if r.kind == "metric_absent"
            and not r.views
            and r.expr.macro == "absent_while_up"
            and selector_labels(r, "up")["job"] in fed
        ]
        out.append(
            _scenario(
                "every service's metrics gone while its job is up map into MetricAbsent",
                ups,
                [*absents, *own],
                ABSENT_LABELS,
                when,
                "every service's job up without its metrics: MetricAbsent fires once for each "
                "service and metric",
                count,
            )
        )
    return out
