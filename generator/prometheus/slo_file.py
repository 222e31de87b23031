"""prometheus/rules/slo.yml: the SLO rules services share, then those of one service."""

from __future__ import annotations

from collections.abc import Sequence

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus.model import Group, Rule, RuleFile
from generator.prometheus.slo import plan_rules
from generator.prometheus.slo_model import SLOPlan
from generator.prometheus.slo_sharing import shareable, shared_slo_rules
from generator.spec import Spec


def slo_rule_file(spec: Spec, slos: Sequence[SLOPlan]) -> RuleFile:
    """prometheus/rules/slo.yml: a fast, a medium and a slow group of the rules services
    share (slo_sharing.py), then those groups per service for an SLO whose SLI reads what
    only that service's rules can (its own selector, a promql SLI)."""
    shared = [s for s in slos if shareable(spec, s)]
    done = {(s.service, s.slo) for s in shared}
    groups = []
    by_speed = shared_slo_rules(spec, shared)
    for speed in sm.SPEEDS:
        if by_speed[speed]:
            interval = sm.group_interval(speed, spec.prometheus.evaluation_interval)
            name = cv.slo_group(spec.name, cv.SHARED_GROUP_PART, speed)
            groups.append(Group(name, tuple(by_speed[speed]), interval))
    by_service: dict[str, list[SLOPlan]] = {}
    for slo in slos:
        if (slo.service, slo.slo) not in done:
            by_service.setdefault(slo.service, []).append(slo)
    for service, mine in sorted(by_service.items()):
        parts: dict[str, list[Rule]] = {speed: [] for speed in sm.SPEEDS}
        for slo in mine:
            for speed, rules in plan_rules(spec, slo).items():
                parts[speed] += rules
        for speed in sm.SPEEDS:
            interval = sm.group_interval(speed, spec.prometheus.evaluation_interval)
            name = cv.slo_group(spec.name, service, speed)
            groups.append(Group(name, tuple(parts[speed]), interval))
    return RuleFile(cv.SLO_FILE, tuple(groups))
