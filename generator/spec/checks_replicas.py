"""Checks of how replicas are told apart: container use is measured per replica, by the
labels of `exporters.cadvisor.replica_labels` (docs/grafana.md, "Containers")."""

from __future__ import annotations

from collections.abc import Iterator

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
