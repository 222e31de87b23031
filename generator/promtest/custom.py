"""Behaviour tests of custom alerts, generated from each alert's `example`.

Per custom alert two scenarios over every covered service at once (each service's series
carry its own selector, so they never mix): the example's input, under which every series
the expression yields fires by `fires_at` (rounded up to the evaluation step), with exactly
the labels obsgen reads from the expression (prometheus/custom_labels.py) and the annotations
as Prometheus expands them; and the example's variation, under which none fires then.
promtool runs both (`obsgen validate`, and the tests): an example that does not fire as it
says fails there, naming the alert.
"""

from __future__ import annotations

from decimal import Decimal

from generator.prometheus import AlertRule, LabelSet, example_series, expand, output_labels
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, seconds
from generator.promtest.go_template import TemplateExpansionError
from generator.promtest.go_template import expand as expand_template
from generator.promtest.model import (
    AlertCheck,
    CaseError,
    ExpectedAlert,
    InputSeries,
    Segment,
    rule_key,
)
from generator.spec import CustomAlert

NAME = "__name__"


def segments(values: str) -> tuple[Segment, ...]:
    """promtool's expanding notation (`0+100x30 500x10 7`) as segments."""
    out = []
    for token in values.split():
        head, _, count = token.partition("x")
        sign = max(head.rfind("+"), head.rfind("-"))
        if sign > 0:
            start, step = Decimal(head[:sign]), Decimal(head[sign:])
        else:
            start, step = Decimal(head), Decimal(0)
        out.append(Segment(start, step, int(count or 0)))
    return tuple(out)


def _series(ctx: Ctx, alert: CustomAlert, services: list[str], part: str) -> list[InputSeries]:
    fed = []
    for service in services:
        for item in getattr(alert.example, part):
            labels = dict(example_series(ctx.spec, service, item.series))
            metric = labels.pop(NAME)
            fed.append(InputSeries(metric, tuple(sorted(labels.items())), segments(item.values)))
    return fed


def _expected(alert: AlertRule, fired: LabelSet) -> ExpectedAlert:
    """The alert as promtool reports it: the expression's labels under the rule's, and
    annotations expanded with the expression's labels only (what `$labels` holds)."""
    mine = dict(fired)
    try:
        notes = tuple((k, expand_template(v, None, mine)) for k, v in alert.annotations)
    except TemplateExpansionError as exc:
        raise CaseError(f"alert {alert.alert}: {exc}") from None
    return ExpectedAlert(tuple(sorted((mine | dict(alert.labels)).items())), notes)


def custom_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """The firing and the silent scenario of one custom alert, all its services at once."""
    spec_alert = ctx.spec.custom_alerts.get(name)
    if spec_alert is None:
        raise CaseError(f"{name}: not a custom alert of the spec")
    when = ceil_to(seconds(spec_alert.example.fires_at), ctx.step_s)
    services = sorted(a.label("service") for a in alerts)
    fed = _series(ctx, spec_alert, services, "input")
    every = {frozenset({(NAME, s.metric), *s.labels}) for s in fed}
    firing = []
    for alert in sorted(alerts, key=rule_key):
        text = expand(spec_alert.expr, ctx.spec, alert.label("service"))
        for labels in output_labels(text, sorted(every, key=sorted)):
            firing.append(_expected(alert, labels))
    keys = tuple(sorted(rule_key(a) for a in alerts))
    fires = AlertCheck(
        at(when),
        name,
        tuple(sorted(firing, key=lambda e: (e.labels, e.annotations))),
        f"fires for every covered service under the spec's example (fires_at "
        f"{spec_alert.example.fires_at})",
        keys,
    )
    quiet = AlertCheck(
        at(when),
        name,
        (),
        "silent for every covered service under the example's variation",
        (),
        keys,
    )
    silent_fed = _series(ctx, spec_alert, services, "silent")
    return [
        Scenario(
            f"{name}: the example fires",
            frozenset(s.metric for s in fed),
            tuple(fed),
            (fires,),
        ),
        Scenario(
            f"{name}: the variation stays silent",
            frozenset(s.metric for s in silent_fed),
            tuple(silent_fed),
            (quiet,),
        ),
    ]
