"""The Mimir target: one rule namespace per service, within the tenant's ruler limits.

Mimir refuses a rule group of more rules than `ruler.max-rules-per-rule-group` (default 20)
and a tenant of more groups than `ruler.max-rule-groups-per-tenant` (default 70); the spec's
`mimir` section states the tenant's values. Larger groups are split into `<group>-2`, ... at
SLO boundaries, so each SLO's recording rules stay in the group of the alerts reading them
(rules of one group are evaluated in order, groups concurrently). An SLO's run longer than the
limit is cut: the slow group of SLO rules services share holds, per SLO, its window averages
and each objective's burn rates and constants (DuRi: 28), and those read the averages one
evaluation late (4m on windows of a day or more; no alert reads them).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from generator.output.owners import groups_by_owner, object_name
from generator.output.rendering import Output
from generator.plan import Plan
from generator.prometheus import AlertRule, Group, RecordingRule

Rule = AlertRule | RecordingRule


def _segments(rules: tuple[Rule, ...]) -> list[list[Rule]]:
    """Consecutive runs of rules of the same SLO (or of none)."""
    return [list(run) for _, run in groupby(rules, key=lambda r: dict(r.labels).get("slo"))]


def split_group(group: Group, limit: int) -> list[Group]:
    """`group` as groups of at most `limit` rules, in order: whole SLO runs packed together,
    a run longer than `limit` cut into pieces; the first keeps the name, then `-2`, `-3`..."""
    chunks: list[list[Rule]] = [[]]
    for segment in _segments(group.rules):
        if chunks[-1] and len(chunks[-1]) + len(segment) > limit:
            chunks.append([])
        for rule in segment:
            if len(chunks[-1]) == limit:
                chunks.append([])
            chunks[-1].append(rule)
    return [
        Group(group.name if i == 0 else f"{group.name}-{i + 1}", tuple(chunk), group.interval)
        for i, chunk in enumerate(chunks)
    ]


def namespaces(plan: Plan) -> dict[str, list[Group]]:
    """Every Mimir namespace (`<system>-<service>`) and its groups, split to the limit."""
    limit = plan.mimir.max_rules_per_group
    return {
        object_name(plan.system, service): [
            part for group in groups for part in split_group(group, limit)
        ]
        for service, groups in groups_by_owner(plan).items()
    }


def mimir_outputs(plan: Plan, files: dict[str, str]) -> list[Output]:
    """One Mimir rule namespace file per service (`mimirtool rules load`)."""
    spaces = namespaces(plan)
    total = sum(len(groups) for groups in spaces.values())
    return [
        Output(
            f"mimir/{name}.yml",
            "mimir/namespace.yml.j2",
            {
                "namespace": name,
                "groups": groups,
                "path": f"mimir/{name}.yml",
                "total": total,
                "limits": plan.mimir,
            },
        )
        for name, groups in spaces.items()
    ]


def check_limits(plan: Plan, parsed: dict[str, Any]) -> list[str]:
    """Problems of the Mimir files against the tenant's limits: rules per group, groups per
    tenant, group names unique per namespace, namespaces prefixed with the system."""
    limits = plan.mimir
    problems: list[str] = []
    total = 0
    for path, doc in sorted(parsed.items()):
        if not path.startswith("mimir/") or not isinstance(doc, dict):
            continue
        namespace = str(doc.get("namespace"))
        if namespace != plan.system and not namespace.startswith(f"{plan.system}-"):
            problems.append(f"{path}: namespace {namespace!r} is not prefixed with {plan.system!r}")
        groups = doc.get("groups") or []
        total += len(groups)
        names = [g.get("name") for g in groups]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{path}: group {name} appears twice in namespace {namespace}")
        for group in groups:
            count = len(group.get("rules") or [])
            if count > limits.max_rules_per_group:
                problems.append(
                    f"{path}: group {group.get('name')} has {count} rules, over the tenant's "
                    f"ruler.max-rules-per-rule-group ({limits.max_rules_per_group}, "
                    "spec mimir.max_rules_per_group)"
                )
    if total > limits.max_groups_per_tenant:
        problems.append(
            f"mimir/: {total} rule groups, over the tenant's ruler.max-rule-groups-per-tenant "
            f"({limits.max_groups_per_tenant}, spec mimir.max_groups_per_tenant): raise the "
            "tenant's limit in Mimir and set mimir.max_groups_per_tenant to it"
        )
    return problems
