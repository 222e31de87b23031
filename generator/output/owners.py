"""Which service owns each rule group, and the object names targets derive from it."""

from __future__ import annotations

from generator.plan import Plan
from generator.prometheus import Group


def owner(group: Group, system: str) -> str:
    """The service a rule group belongs to: the `service` label all its rules carry."""
    services = {dict(rule.labels).get("service") for rule in group.rules}
    only = services.pop() if len(services) == 1 else None
    return only or system


def groups_by_owner(plan: Plan) -> dict[str, list[Group]]:
    """Every rule group of the plan, per owning service, in rule-file order."""
    owned: dict[str, list[Group]] = {}
    for rule_file in plan.rule_files:
        for group in rule_file.groups:
            owned.setdefault(owner(group, plan.system), []).append(group)
    return dict(sorted(owned.items()))


def object_name(system: str, service: str) -> str:
    """Name of a service's object or namespace: `<system>-<service>`, unless the service name
    already starts with the system's (duri-core, not duri-duri-core)."""
    return (
        service if service.startswith(f"{system}-") or service == system else f"{system}-{service}"
    )
