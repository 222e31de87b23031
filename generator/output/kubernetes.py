"""The Kubernetes target: objects for the Prometheus Operator and Grafana's sidecars.

- a PrometheusRule per service, labelled with the spec's `kubernetes.labels` (the operator's
  ruleSelector, e.g. kube-prometheus-stack's `release`);
- a ServiceMonitor per scrape job, selecting the Services labelled `<service_label>: <job>`
  and setting `job` (and the job's static labels) as the rules select them;
- a ConfigMap per dashboard (`grafana_dashboard: "1"`, `grafana_folder` annotation) and one
  for the data source (`grafana_datasource: "1"`), whose uid is the one dashboards query;
- the Alertmanager config as the operator's `alertmanager-<name>` Secret, its secret files
  moved to where the operator mounts `spec.secrets`: /etc/alertmanager/secrets/<secret>/<key>.

Every object is checked against schemas/kubernetes.schema.json, our own schema of the fields
obsgen emits, written after the upstream CRDs it names.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from generator.alertmanager import AlertmanagerPlan
from generator.errors import OutputError
from generator.output.owners import groups_by_owner, object_name
from generator.output.rendering import Output
from generator.plan import Plan

SCHEMA = Path(__file__).resolve().parent / "schemas" / "kubernetes.schema.json"
KINDS = ("PrometheusRule", "ServiceMonitor", "ConfigMap", "Secret")
# where the operator mounts each Secret of Alertmanager.spec.secrets
SECRETS_DIR = "/etc/alertmanager/secrets"
_MOUNTED = re.compile(
    r"^/etc/alertmanager/secrets/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/([-._a-zA-Z0-9]+)$"
)


def _labels(plan: Plan, selected: bool = False, **extra: str) -> tuple[tuple[str, str], ...]:
    """obsgen's own labels; `selected` objects (rules, monitors) also carry the spec's."""
    base = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": plan.system}
    user = dict(plan.kubernetes.labels) if selected else {}
    return tuple(sorted({**base, **user, **extra}.items()))


def _secret_name(path: str) -> str:
    """A Secret name from a file's name: lower case, runs of other characters as '-'."""
    stem = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(path).name.lower()).strip("-")
    return stem[:253].strip("-") or "alertmanager-secret"


def mounted_path(path: str, field: str) -> str:
    """Where the operator mounts the secret file `path` of receiver field `field`: kept when
    it is already `/etc/alertmanager/secrets/<secret>/<key>`, else the file's name becomes the
    Secret's and the field's (`routing_key_file` -> `routing_key`) the key."""
    if _MOUNTED.fullmatch(path):
        return path
    return f"{SECRETS_DIR}/{_secret_name(path)}/{field.removesuffix('_file')}"


def operator_alertmanager(am: AlertmanagerPlan) -> tuple[AlertmanagerPlan, dict[str, str]]:
    """The Alertmanager plan with every secret file at its operator mount path, and the
    mapping from the spec's paths to the mounted ones."""
    moved: dict[str, str] = {}

    def move(pairs: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
        out = []
        for key, value in pairs:
            if key.endswith("_file") and isinstance(value, str):
                value = moved.setdefault(value, mounted_path(value, key))
            out.append((key, value))
        return tuple(out)

    receivers = tuple(
        dataclasses.replace(r, fields=move(r.fields), authorization=move(r.authorization))
        for r in am.receivers
    )
    clashes = sorted(
        {
            f"{a} and {b} would both be mounted at {target}"
            for a, target in moved.items()
            for b, other in moved.items()
            if a < b and target == other
        }
    )
    if clashes:
        raise OutputError([f"kubernetes: secret files {c}" for c in clashes])
    return dataclasses.replace(am, receivers=receivers), dict(sorted(moved.items()))


def _rule_objects(plan: Plan) -> list[Output]:
    return [
        Output(
            f"kubernetes/prometheusrules/{object_name(plan.system, service)}.yaml",
            "kubernetes/prometheusrule.yaml.j2",
            {
                "name": object_name(plan.system, service),
                "groups": groups,
                "labels": _labels(plan, selected=True),
            },
        )
        for service, groups in groups_by_owner(plan).items()
    ]


def _service_monitors(plan: Plan) -> list[Output]:
    settings = plan.kubernetes
    return [
        Output(
            f"kubernetes/servicemonitors/{object_name(plan.system, job.name)}.yaml",
            "kubernetes/servicemonitor.yaml.j2",
            {
                "name": object_name(plan.system, job.name),
                "job": job,
                "labels": _labels(plan, selected=True),
                "selector": ((settings.service_label, job.name),),
                "port": settings.metrics_port,
                "interval": plan.prometheus.scrape_interval,
            },
        )
        for job in plan.prometheus.jobs
    ]


def _grafana_objects(plan: Plan, files: dict[str, str]) -> list[Output]:
    grafana = plan.grafana
    if grafana is None:
        return []
    folder = (("grafana_folder", grafana.provider.folder),)
    outputs = [
        Output(
            f"kubernetes/dashboards/{stem}.yaml",
            "kubernetes/grafana-configmap.yaml.j2",
            {
                "name": f"grafana-dashboard-{stem}",
                "key": f"{stem}.json",
                "text": files[dashboard.path],
                "labels": _labels(plan, grafana_dashboard="1"),
                "annotations": folder,
                "what": "dashboard",
            },
        )
        for dashboard in grafana.dashboards
        for stem in [PurePosixPath(dashboard.path).stem]
    ]
    outputs.append(
        Output(
            "kubernetes/grafana-datasource.yaml",
            "kubernetes/grafana-configmap.yaml.j2",
            {
                "name": f"grafana-datasource-{plan.system}",
                "key": f"{plan.system}-datasource.yaml",
                "text": files[grafana.datasources_path],
                "labels": _labels(plan, grafana_datasource="1"),
                "annotations": (),
                "what": "datasource",
            },
        )
    )
    return outputs


def kubernetes_outputs(plan: Plan, files: dict[str, str]) -> list[Output]:
    """PrometheusRules, ServiceMonitors, Grafana ConfigMaps and the Alertmanager Secret."""
    outputs = _rule_objects(plan) + _service_monitors(plan) + _grafana_objects(plan, files)
    if plan.alertmanager is not None:
        am, moved = operator_alertmanager(plan.alertmanager)
        outputs.append(
            Output(
                "kubernetes/alertmanager-secret.yaml",
                "kubernetes/alertmanager-secret.yaml.j2",
                {
                    "name": f"alertmanager-{plan.system}",
                    "am": am,
                    "secrets": sorted({path.split("/")[4] for path in moved.values()}),
                    "secret_files": sorted(moved.values()),
                    "labels": _labels(plan),
                },
            )
        )
    return outputs


def check_objects(parsed: dict[str, Any]) -> list[str]:
    """Problems of the Kubernetes objects against our schema of the upstream kinds."""
    import jsonschema

    defs = json.loads(SCHEMA.read_text())["$defs"]
    problems: list[str] = []
    for path, doc in sorted(parsed.items()):
        if not path.startswith("kubernetes/"):
            continue
        kind = doc.get("kind") if isinstance(doc, dict) else None
        if kind not in KINDS:
            problems.append(f"{path}: kind {kind!r} is not an object obsgen emits")
            continue
        # validate against the object's own definition: a oneOf would hide the detail
        validator = jsonschema.Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{kind}"})
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{path}: {where}: {error.message}")
    return problems
