"""SLO rules shared by every service with the same SLO settings (docs/scale.md).

An SLO's rules read only the service's recorded series (its events rates over 5m, copied
from the services' recording rules, which carry `service` and `tier`; ingestion.py), and
every rule above them keeps the labels of the series it reads. So a rule written for one
service is the rule of every service it would be written alike for, once its selector
names those services instead of one: the 5m rates and every window average of an SLO are
one rule each for all the services it covers; burn rates, budgets, constants and alerts,
which carry the objective, one per distinct objective (per tier, with `objective: tier`).

Each service's rules are planned twice, for itself and for a stand-in service whose name
is `{{ $labels.service }}` (what an annotation names the service with); the stand-in's
rules, less the stand-in labels, are the shared rules, equal ones merged. The stand-in's
selector becomes the services' selection (ingestion.selection), and each shared rule keeps
the rule each covered service would have on its own (`views`): the catalogue, routing and
dashboards read those, the generated tests drive chosen services' and the mapping test
every one (promtest/slo_mapping.py).

A ratio or latency SLI of its own (another metric, `exclude`) or a gauge SLI reads the raw
series of a service its scrape job selects through the `service` label on them, summed by
service and tier (slo_sli.own_events): the same holds, one 5m rule reads every covered
service's raw series. An SLI reading what only the service's selector picks (a service
selected other than by job, a promql SLI) keeps rules of its own (slo_file.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from generator.core import slo_math as sm
from generator.prometheus.ingestion import INGESTED
from generator.prometheus.model import Rule
from generator.prometheus.sharing import (
    SERVICE_REF,
    TIER_REF,
    alike,
    finish,
    unique,
    without_stand_in,
)
from generator.prometheus.slo import plan_rules
from generator.prometheus.slo_model import SLOPlan
from generator.prometheus.slo_sli import sli_exprs
from generator.spec import Spec

# SLI shapes reading the services' recorded series, which carry the service's labels
COPIES = frozenset({"slo_copy", "slo_bucket_excess", "slo_sum"})


def shareable(spec: Spec, slo: SLOPlan) -> bool:
    """Whether the SLO's rules for this service read only series carrying its labels, and
    keep them: copies of the recorded series, or raw ones summed by service and tier."""
    by = list(INGESTED)
    return all(e.macro in COPIES or e.args.get("by") == by for e in sli_exprs(spec, slo))


def shared_slo_rules(spec: Spec, slos: Sequence[SLOPlan]) -> dict[str, list[Rule]]:
    """Per evaluation speed, the rules of these SLOs, one per distinct rule, each after the
    rules it reads: by SLO, then by place in an SLO's rules, then by first service covered;
    made unique for promtool's lint (sharing.unique)."""
    every = sorted(slos, key=lambda s: (s.service, s.slo))
    stand_ins: dict[tuple[SLOPlan, int], dict[str, list[Rule]]] = {}  # planned once each
    planned = []
    for slo in every:
        stand_in = dataclasses.replace(slo, service=SERVICE_REF, tier=TIER_REF)
        key = (stand_in, id(slo.definition))  # the definition is not compared: its identity
        if key not in stand_ins:
            rules = plan_rules(spec, stand_in)
            stand_ins[key] = {s: [without_stand_in(r) for r in rules[s]] for s in rules}
        planned.append((slo, stand_ins[key], plan_rules(spec, slo)))
    out: dict[str, list[Rule]] = {}
    for speed in sm.SPEEDS:
        entries = (
            ((slo.slo, place, slo.service), rule, view)
            for slo, shared, own in planned
            for place, (rule, view) in enumerate(zip(shared[speed], own[speed], strict=True))
        )
        out[speed] = [finish(spec, r, vs) for r, vs in unique(alike(entries))]
    return out
