"""Whose series is it: the `service` and `tier` labels a service's series get at ingestion.

The scrape job obsgen writes for a service puts the service's name and tier on every target
(prometheus.yml `labels`, a ServiceMonitor's relabelings), so every series scraped from it
carries them. cAdvisor scrapes every container at once, so its series get theirs from
`metric_relabel_configs` on the cAdvisor job: one entry per service, built from its `container`
selector, then one per tier from the service names. That is configuration read at scrape time,
not a rule evaluated every interval, and it lets the recording rules aggregate
`by (service, tier)` once per signal for every service (prometheus/rules.py) instead of once
per service.

A service's own metrics are read through those labels when its selector names the scrape job
(`selector: {job: ...}`, the job obsgen writes for it); a service selected some other way
(`{app: checkout}` on any job) keeps recording rules of its own, reading its selector.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.prometheus.model import Relabel
from generator.spec import Service, Spec

INGESTED = ("service", "tier")  # labels every series of a service carries from its scrape
Matchers = list[tuple[str, str, str]]

_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def ingested(spec: Spec, name: str) -> dict[str, str]:
    """The labels the scrape puts on every series of service `name`."""
    return {"service": name, "tier": spec.services[name].tier}


def reads_by_job(service: Service) -> bool:
    """Whether the service's own metrics are selected by the scrape job obsgen writes for it,
    and so carry the ingested labels."""
    return "job" in service.selector


def app_labels(spec: Spec, name: str) -> dict[str, str]:
    """Labels of a series the service exposes, as Prometheus stores it."""
    service = spec.services[name]
    extra = ingested(spec, name) if reads_by_job(service) else {}
    return dict(service.selector) | extra


def box_labels(spec: Spec, name: str) -> dict[str, str]:
    """Labels of a cAdvisor series of the service's container, as Prometheus stores it."""
    return dict(spec.services[name].container) | ingested(spec, name)


def app_stranger(labels: dict[str, str], label: str) -> dict[str, str]:
    """A service's series with the value of its selector label `label` changed, as Prometheus
    stores it: another job's series carries none of this service's ingested labels."""
    changed = labels | {label: f"not-{labels[label]}"}
    return {k: v for k, v in changed.items() if k not in INGESTED} if label == "job" else changed


def box_stranger(labels: dict[str, str], label: str) -> dict[str, str]:
    """A container series with the value of its container label `label` changed: a container
    no service's selector names, so cAdvisor's relabelling gives it no service or tier."""
    changed = labels | {label: f"not-{labels[label]}"}
    return {k: v for k, v in changed.items() if k not in INGESTED}


def one_of(values: Sequence[str]) -> tuple[str, str]:
    """Operator and value matching exactly `values` (names are [a-z0-9-]: no regex escaping)."""
    return ("=", values[0]) if len(values) == 1 else ("=~", "|".join(values))


def none_of(values: Sequence[str]) -> tuple[str, str]:
    """Operator and value matching anything but `values`."""
    return ("!=", values[0]) if len(values) == 1 else ("!~", "|".join(values))


def selection(spec: Spec, covered: Sequence[str]) -> Matchers:
    """Matchers on the ingested labels selecting the series of exactly the `covered` services:
    their tiers, less the other services of those tiers, when that is shorter than naming
    every service (a rule shared by a whole tier reads `{tier="core"}`)."""
    names = sorted(covered)
    mine = set(names)
    tiers = sorted({spec.services[n].tier for n in names})
    others = sorted(n for n, s in spec.services.items() if s.tier in tiers and n not in mine)
    if len(others) >= len(names):
        return [("service", *one_of(names))]
    by_tier: Matchers = [("tier", *one_of(tiers))]
    return by_tier + ([("service", *none_of(others))] if others else [])


def re2_escape(value: str) -> str:
    """`value` as an RE2 pattern matching exactly it."""
    return "".join(f"\\{c}" if c in _RE2_SPECIAL else c for c in value)


def cadvisor_relabels(spec: Spec) -> tuple[Relabel, ...]:
    """cAdvisor's metric relabelling: each service's container gets its `service` from its
    container selector, then every service its `tier` from its name."""
    entries = []
    for name, service in sorted(spec.services.items()):
        keys = tuple(sorted(service.container))
        pattern = ";".join(re2_escape(service.container[k]) for k in keys)
        entries.append(Relabel(keys, pattern, "service", name))
    tiers: dict[str, list[str]] = {}
    for name, service in sorted(spec.services.items()):
        tiers.setdefault(service.tier, []).append(name)
    for tier, names in sorted(tiers.items()):
        entries.append(Relabel(("service",), "|".join(names), "tier", tier))
    return tuple(entries)
