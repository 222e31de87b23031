"""prometheus/rules/health.yml: missing data and the monitoring watching itself."""

from __future__ import annotations

from generator.core import conventions as cv
from generator.prometheus.health import disk_fill, monitoring_alerts
from generator.prometheus.health_sharing import health_rules
from generator.prometheus.model import Group, RuleFile
from generator.spec import Spec


def health_file(spec: Spec) -> RuleFile | None:
    """health.yml: target-down and absent alerts (the services' shared, health_sharing.py),
    then the monitoring's own (None when off)."""
    if not spec.health.enabled:
        return None
    targets, metrics = health_rules(spec)
    groups = [
        Group(cv.group(spec.name, "targets", "health"), tuple(targets)),
        Group(cv.group(spec.name, "metrics", "health"), tuple(metrics)),
        Group(
            cv.group(spec.name, "monitoring", "health"),
            (*monitoring_alerts(spec), disk_fill(spec)),
        ),
    ]
    return RuleFile(cv.HEALTH_FILE, tuple(groups))
