"""Grafana: the overview, service, infrastructure and datastore dashboards and their
provisioning, planned from the spec and the planned rules, and their checks.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.grafana.checks import check_grafana, check_grafana_schemas
from generator.grafana.model import GrafanaPlan, Panel
from generator.grafana.plan import plan_grafana

__all__ = ["GrafanaPlan", "Panel", "check_grafana", "check_grafana_schemas", "plan_grafana"]
