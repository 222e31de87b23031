"""The Grafana part of the Plan: dashboards, panels, queries and provisioning, decided.

Templates under templates/grafana/ only lay these out as JSON/YAML; every title, query
shape, unit, threshold and grid position is chosen here, by the plan functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.prometheus import Expr

# What a threshold colour means; the template writes the names Grafana knows.
OK, WARNING, CRITICAL, REFERENCE, TARGET = "green", "orange", "red", "blue", "purple"


@dataclass(frozen=True)
class Step:
    """A threshold step: from `value` upwards (None = from minus infinity) use `color`."""

    value: Decimal | None
    color: str


@dataclass(frozen=True)
class Target:
    """One PromQL query of a panel."""

    ref_id: str
    expr: Expr
    legend: str
    instant: bool = False  # tables of current values query one instant, not a range


@dataclass(frozen=True)
class Reference:
    """A constant line (target, baseline, limit) drawn dashed in a fixed colour."""

    legend: str
    color: str


@dataclass(frozen=True)
class Link:
    """A data link: clicking a value (a table row, a series) opens `url`, in which Grafana
    fills `${__data.fields.<column>}` / `${__field.labels.<label>}` from what was clicked."""

    title: str
    url: str


@dataclass(frozen=True)
class SeriesSteps:
    """Threshold steps for the series displayed as `name` (an override of the panel's)."""

    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Grid:
    """Grid position: 24 columns wide, rows of 30 px."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Panel:
    """A panel (timeseries, stat, gauge, table) or a row header (type "row")."""

    id: int
    type: str
    title: str
    grid: Grid
    description: str = ""
    targets: tuple[Target, ...] = ()
    unit: str = "short"
    decimals: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    steps: tuple[Step, ...] = (Step(None, OK),)
    references: tuple[Reference, ...] = ()
    time_from: str | None = None  # relative window overriding the dashboard's ("7d")
    interval: str | None = None  # minimum query step, the floor of $__interval
    columns: tuple[str, ...] = ()  # tables: label columns shown, in order
    value_column: str = ""  # tables: show the value under this name, cell coloured by steps
    key: str = ""  # stable name of what the panel shows, for tests and docs ("latency")
    links: tuple[Link, ...] = ()
    series_steps: tuple[SeriesSteps, ...] = ()  # per-series thresholds (SLIs vs objectives)

    @property
    def draws_thresholds(self) -> bool:
        """True when the steps carry alert thresholds (more than the base step)."""
        return len(self.steps) > 1


@dataclass(frozen=True)
class Variable:
    """A dashboard template variable: a data source picker or a fixed list of values."""

    name: str
    label: str
    type: str  # "datasource" | "custom"
    query: str
    options: tuple[str, ...] = ()
    current: tuple[str, str] = ("", "")  # (text, value)
    include_all: bool = False  # an "All" option first; in a regex matcher it means every value


@dataclass(frozen=True)
class Dashboard:
    """One dashboard JSON file."""

    path: str
    kind: str
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    refresh: str
    time_from: str
    variables: tuple[Variable, ...]
    panels: tuple[Panel, ...]
    datasource_ref: str  # "${datasource}": every panel and target queries the picked source
    link_title: str  # the dashboard links menu lists every dashboard tagged `link_tags`
    link_tags: tuple[str, ...]
    schema_version: int

    def panel(self, key: str) -> Panel:
        """The panel showing `key` (raises KeyError when absent)."""
        for panel in self.panels:
            if panel.key == key:
                return panel
        raise KeyError(key)


@dataclass(frozen=True)
class Datasource:
    """The provisioned Prometheus data source."""

    name: str
    uid: str
    url: str
    scrape_interval: str  # Grafana's timeInterval: keeps $__rate_interval >= 4 scrapes


@dataclass(frozen=True)
class Provider:
    """The dashboard file provider."""

    name: str
    folder: str
    folder_uid: str
    path: str


@dataclass(frozen=True)
class GrafanaPlan:
    """Every Grafana file obsgen writes."""

    dashboards: tuple[Dashboard, ...]
    datasource: Datasource
    provider: Provider
    datasources_path: str
    providers_path: str

    def dashboard(self, kind: str) -> Dashboard:
        """The dashboard of one kind (raises KeyError when the spec produced none)."""
        for dashboard in self.dashboards:
            if dashboard.kind == kind:
                return dashboard
        raise KeyError(kind)
