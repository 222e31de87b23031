"""The check every mapping test ends with: each alert firing once for each service."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator.prometheus import AlertRule, Labels
from generator.promtest.cases import at
from generator.promtest.inputs import _sorted
from generator.promtest.members import MEMBER_KEYS, Members, each_of, total
from generator.promtest.model import ExprCheck

SERVICE_ALERT = ("alertname", "service", "severity", "tier")  # a service alert's own labels


def firing_once(
    members: Members,
    views: Sequence[AlertRule],
    keys: tuple[str, ...],
    when: int,
    proves: str,
    extra: Callable[[AlertRule], dict[str, str]] | None = None,
) -> list[ExprCheck]:
    """Each of `views` (the rule each service has on its own; `extra`, labels its alert gets
    from the series) firing once at `when`, by its labels in `keys`: for each alert (the
    labels that are not a member's: name, severity, windows, metric) every member it covers
    firing (members.py), and `count(ALERTS{alertstate="firing", alertname="…"})` as many as
    the views of that name, so none twice and none for another."""
    alerts: dict[Labels, dict[Labels, None]] = {}
    for view in views:
        labels = {"alertname": view.alert, **dict(view.labels), **(extra(view) if extra else {})}
        alert = _sorted({k: labels[k] for k in keys if k not in MEMBER_KEYS})
        member = _sorted({k: labels[k] for k in keys if k in MEMBER_KEYS})
        alerts.setdefault(alert, {})[member] = None
    firing = ("alertstate", "=", "firing")
    checks = []
    counts: dict[str, int] = {}
    for alert, table in sorted(alerts.items()):
        selector = (firing, *((k, "=", v) for k, v in alert))
        checks += each_of(members, ExprCheck("ALERTS", selector, at(when), (), proves), table)
        name = dict(alert)["alertname"]
        counts[name] = counts.get(name, 0) + len(table)
    for name, count in sorted(counts.items()):  # by name: promtool loads 10,000 samples a query
        every = ExprCheck("ALERTS", (firing, ("alertname", "=", name)), at(when), (), proves)
        checks.append(total(every, count))
    return checks
