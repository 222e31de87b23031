"""Checks of how replicas are told apart: container use is measured per replica, by the
labels of `exporters.cadvisor.replica_labels` (docs/grafana.md, "Containers")."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from generator.spec.load import PathT
from generator.spec.model import Spec


def replica_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """A replica label listed twice; a service whose container selector fixes every replica
    label (its replicas would be summed into one series against one container's limit)."""
    wanted = spec.exporters.cadvisor.replica_labels
    twice = sorted({label for label in wanted if wanted.count(label) > 1})
    if twice:
        yield (
            ("exporters", "cadvisor", "replica_labels"),
            f"{', '.join(twice)} listed more than once; give each label once",
        )
        return
    for name, service in spec.services.items():
        if set(wanted) <= set(service.container):
            yield (
                ("services", name, "container"),
                f"the container selector fixes every replica label ({', '.join(wanted)}), so "
                "all replicas would be summed and measured against one container's limit; "
                "add a label that differs between replicas (instance, pod) to "
                "exporters.cadvisor.replica_labels",
            )


def shared_container_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Two services whose container selectors can name the same container: cAdvisor's
    relabelling gives each container series one service (prometheus/ingestion.py), so the
    selectors must tell every service's containers apart. Each selector's label subsets are
    looked up among the others' (a selector has a few labels), not every pair compared."""
    owners: dict[frozenset[tuple[str, str]], list[str]] = {}
    for name, service in sorted(spec.services.items()):
        owners.setdefault(frozenset(service.container.items()), []).append(name)
    for name, service in sorted(spec.services.items()):
        items = sorted(service.container.items())
        own = frozenset(items)
        clash = sorted(  # the same selector twice is reported once, at the second service
            other
            for size in range(1, len(items) + 1)
            for subset in combinations(items, size)
            for other in owners.get(frozenset(subset), [])
            if other != name and (frozenset(subset) != own or other < name)
        )
        if clash:
            yield (
                ("services", name, "container"),
                f"the containers it selects are also selected by the container selector of "
                f"{', '.join(clash)} (cAdvisor's series get one service each); add a label or "
                "value that tells them apart",
            )
