"""Version 1 specs keep working: their fixed `slos` (availability, latency, one min_events)
become version 2's named SLOs, and every moved field keeps pointing at the line it came from.

    slos:                               slos:
      availability:                       availability:
        errors: [...]                       sli: {ratio: {errors: [...]}}
        period: 30d               ->        period: 30d
      latency:                              min_events: 1000
        objective: 95                     latency:
        threshold: 0.5                      sli: {latency: {threshold: 0.5}}
      min_events: 1000                      objective: 95
                                            min_events: 1000

Availability keeps its objective from the tier (version 2's default); fields version 1 did
not know stay where they were written, so they are still reported as unknown there.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from generator.errors import Problem
from generator.spec.fields import Model, Objective, Positive
from generator.spec.load import Document, PathT
from generator.spec.slos import Matcher, Period

V1_FIELDS = ("availability", "latency", "min_events")
# v1 field -> whether it moves into the SLI (True) or stays on the SLO (False)
_ON_SLO = {"availability": ("period",), "latency": ("period", "objective")}
_KIND = {"availability": "ratio", "latency": "latency"}
_REQUIRED = {"availability": ("errors",), "latency": ("objective", "threshold")}


def _migrate_one(
    doc: Document, name: str, old: dict[str, Any], min_events: Any, problems: list[Problem]
) -> dict[str, Any]:
    here: PathT = ("slos", name)
    for field in _REQUIRED[name]:
        if field not in old and not difflib.get_close_matches(field, list(old), cutoff=0.6):
            problems.append(doc.problem(here, f"missing required field {field!r}"))
    kind = _KIND[name]
    sli = {k: v for k, v in old.items() if k not in _ON_SLO[name]}
    new: dict[str, Any] = {"sli": {kind: sli}}
    new |= {k: v for k, v in old.items() if k in _ON_SLO[name]}
    if min_events is not None:
        new["min_events"] = min_events
        doc.moved[(*here, "min_events")] = ("slos", "min_events")
    doc.moved[(*here, "sli", kind)] = here
    doc.moved[(*here, "sli")] = here
    return new


def migrate_v1(doc: Document) -> tuple[Document, list[Problem]]:
    """The document with a version 1 `slos` section rewritten in the version 2 shape, and
    the problems that shape cannot report as version 1 would (missing or unknown fields)."""
    data = doc.data
    if not isinstance(data, dict) or data.get("version") != 1:
        return doc, []
    slos = data.get("slos")
    if not isinstance(slos, dict):
        return doc, []  # absent or not a mapping: the model reports it
    out = dataclasses.replace(doc, data=dict(data), moved=dict(doc.moved))
    problems = [
        out.problem(
            ("slos", key),
            f"unknown field {key!r}; allowed in version 1: {', '.join(V1_FIELDS)}",
            key=True,
        )
        for key in slos
        if key not in V1_FIELDS
    ]
    if "availability" not in slos:
        problems.append(out.problem(("slos",), "missing required field 'availability'"))
    migrated: dict[str, Any] = {}
    for name in ("availability", "latency"):
        old = slos.get(name)
        if isinstance(old, dict):
            migrated[name] = _migrate_one(out, name, old, slos.get("min_events"), problems)
        elif old is not None:
            migrated[name] = old  # not a mapping: the model reports it where it is
    out.data["slos"] = migrated
    return out, problems


class AvailabilityV1(Model):
    """Version 1 availability SLO: share of requests that are not errors; objective from
    the tier. Read as the ratio SLO `availability`."""

    errors: tuple[Matcher, ...] = Field(
        min_length=1, description="Matchers selecting error requests among all requests."
    )
    period: Period = Field("30d", description="SLO period (error budget window; at most 365d).")


class LatencyV1(Model):
    """Version 1 latency SLO: share of requests served at or under `threshold`. Read as
    the latency SLO `latency`."""

    objective: Objective = Field(
        description="Percent of requests that must be at or under the threshold (95 = p95)."
    )
    threshold: Positive = Field(
        description="Latency threshold in seconds; must be a histogram bucket boundary."
    )
    period: Period = Field("30d", description="SLO period (error budget window; at most 365d).")


class SLOsV1(Model):
    """Version 1 `slos` (spec `version: 1`), read as version 2's named SLOs (docs/slo.md)."""

    availability: AvailabilityV1 = Field(description="Availability SLO of every service.")
    latency: LatencyV1 | None = Field(None, description="Latency SLO of every service.")
    min_events: Annotated[int, Field(ge=1, le=1_000_000_000)] = Field(
        1000, description="Requests a burn-rate alert's long window must hold (both SLOs)."
    )


def with_v1_slos(schema: dict[str, Any]) -> dict[str, Any]:
    """The spec's JSON Schema with `slos` accepting the version 1 shape too (editors and
    CI validating version 1 specs against the committed schema)."""
    v1 = TypeAdapter(SLOsV1).json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    defs.update(v1.pop("$defs", {}))
    defs["SLOsV1"] = v1
    slos = schema["properties"]["slos"]
    description = slos.pop("description", "")
    schema["properties"]["slos"] = {
        "anyOf": [slos, {"$ref": "#/$defs/SLOsV1"}],
        "description": f"{description} Version 1 specs write SLOsV1.",
    }
    return schema
