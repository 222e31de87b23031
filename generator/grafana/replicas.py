"""Legends of container panels: one line per replica, named by cAdvisor's replica labels
(`exporters.cadvisor.replica_labels`), since container use is recorded per replica."""

from __future__ import annotations

from generator.prometheus import replica_labels
from generator.spec import Spec


def replica_legend(spec: Spec, first: str) -> str:
    """`first` (a word or a legend template such as {{service}}), then the replica labels:
    'CPU {{instance}}/{{name}}'."""
    return f"{first} " + "/".join(f"{{{{{label}}}}}" for label in replica_labels(spec))
