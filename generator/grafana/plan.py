"""Spec + planned rules -> GrafanaPlan: the dashboards, the data source and the provider.

Dashboards read thresholds from the planned alert rules, so a spec number moves the alert
and the panel line together. Dashboard names, uids and file paths come from conventions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator.core import conventions as cv
from generator.grafana.infra import datastore_panels, infrastructure_panels
from generator.grafana.model import Dashboard, Datasource, GrafanaPlan, Panel, Provider, Variable
from generator.grafana.overview import overview_panels
from generator.grafana.panels import PlannedAlerts, grafana_range
from generator.grafana.service import service_panels
from generator.prometheus import RuleFile, SLOPlan
from generator.spec import Spec

# Grafana 11.0's dashboard schema version: 11.x loads it unchanged and 12.x migrates it to
# 42 without touching anything obsgen emits (v40-v42 only normalise refresh, drop
# timepicker.time_options and add hideFrom.tooltip, none of which we write).
SCHEMA_VERSION = 39

PanelsOf = Callable[[Spec, PlannedAlerts, Sequence[SLOPlan]], tuple[Panel, ...]]

# kind -> (title, description, panels); the order is the order of the files' listing
KINDS: tuple[tuple[str, str, str, PanelsOf], ...] = (
    (
        "overview",
        "Overview",
        "Alerts firing now, every service's RED signals and SLOs.",
        overview_panels,
    ),
    (
        "service",
        "Service",
        "One service ($service): now, traffic, errors and latency against the alert lines, "
        "today against the regression window, resources and the weekly-review trends.",
        service_panels,
    ),
    (
        "infrastructure",
        "Infrastructure",
        "Containers against their limits, nodes and network.",
        lambda spec, alerts, _slos: infrastructure_panels(spec, alerts),
    ),
    (
        "datastores",
        "Datastores",
        "Postgres connections and tuples; Redis memory, hit ratio and clients.",
        lambda spec, alerts, _slos: datastore_panels(spec, alerts),
    ),
)


def _datasource(spec: Spec) -> Datasource:
    ds = spec.dashboards.datasource
    return Datasource(
        name=ds.name or cv.datasource_name(spec.name),
        uid=ds.uid or cv.datasource_uid(spec.name),
        url=ds.url,
        scrape_interval=spec.prometheus.scrape_interval,
    )


def _variables(kind: str, spec: Spec, datasource: Datasource) -> tuple[Variable, ...]:
    picker = Variable(
        name=cv.DATASOURCE_VARIABLE,
        label="Data source",
        type="datasource",
        query="prometheus",
        current=(datasource.name, datasource.uid),
    )
    if kind == "overview":
        tiers = tuple(sorted(spec.tiers))
        tier = Variable(
            name=cv.TIER_VARIABLE,
            label="Tier",
            type="custom",
            # tier names are [a-z0-9-], like service names
            query=",".join(tiers),
            options=tiers,
            current=("All", cv.ALL_VALUE),
            include_all=True,
        )
        return (picker, tier)
    if kind != "service":
        return (picker,)
    names = tuple(sorted(spec.services))
    service = Variable(
        name=cv.SERVICE_VARIABLE,
        label="Service",
        type="custom",
        # service names are [a-z0-9-]: no comma or colon can split them in Grafana's list
        query=",".join(names),
        options=names,
        current=(names[0], names[0]),
    )
    return (picker, service)


def _wanted(kind: str, spec: Spec) -> bool:
    return kind != "datastores" or bool(spec.datastores)


def plan_grafana(
    spec: Spec, rule_files: Sequence[RuleFile], slos: Sequence[SLOPlan] = ()
) -> GrafanaPlan:
    """Decide every dashboard and provisioning file of `spec`, reading the planned alerts
    (thresholds) and SLOs (objectives, burn factors)."""
    alerts = PlannedAlerts(a for f in rule_files for a in f.alerts())
    datasource = _datasource(spec)
    board = spec.dashboards
    dashboards = tuple(
        Dashboard(
            path=cv.dashboard_file(spec.name, kind),
            kind=kind,
            uid=cv.dashboard_uid(spec.name, kind),
            title=f"{spec.name} / {title}",
            description=description,
            tags=(spec.name, kind),
            refresh=grafana_range(board.refresh),
            time_from=f"now-{grafana_range(board.time_range)}",
            variables=_variables(kind, spec, datasource),
            panels=panels(spec, alerts, slos),
            datasource_ref=f"${{{cv.DATASOURCE_VARIABLE}}}",
            link_title=f"{spec.name} dashboards",
            link_tags=(spec.name,),
            schema_version=SCHEMA_VERSION,
        )
        for kind, title, description, panels in KINDS
        if _wanted(kind, spec)
    )
    provider = Provider(
        name=spec.name,
        folder=board.folder or spec.name,
        folder_uid=cv.folder_uid(spec.name),
        path=board.path or cv.dashboards_dir(spec.name),
    )
    return GrafanaPlan(
        dashboards=dashboards,
        datasource=datasource,
        provider=provider,
        datasources_path=cv.grafana_datasources_file(spec.name),
        providers_path=cv.grafana_providers_file(spec.name),
    )
