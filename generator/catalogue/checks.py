"""Output checks of the alert catalogue: every alert of every service is in a row, and every
plot drawn is an SVG document the catalogue links to."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import Any

from generator.catalogue.model import Catalogue
from generator.core.markdown import md_text
from generator.prometheus import AlertRule

_ROW = re.compile(r"^\| (?P<alert>[^|]+?) \| (?P<services>[^|]+?) \| ")
_SVG = "{http://www.w3.org/2000/svg}svg"


def _rows(text: str) -> Counter[tuple[str, str]]:
    """(alert, service) of every service each row of the catalogue's alert table names."""
    rows: Counter[tuple[str, str]] = Counter()
    table = text.split("\n## Alerts\n", 1)[-1].split("\n## ", 1)[0]
    for line in table.splitlines():
        m = _ROW.match(line)
        if m and m["alert"] not in ("Alert", "---"):
            for service in m["services"].split(", "):
                rows[(m["alert"], service)] += 1
    return rows


def check_catalogue(
    catalogue: Catalogue | None, alerts: Sequence[AlertRule], parsed: dict[str, Any]
) -> list[str]:
    """Every alert of the rule files is in a row (a row per alert at most: alerts alike in
    every column but service and tier share one); plots parse as SVG and are linked."""
    if catalogue is None:
        return []
    text = parsed.get(catalogue.path)
    if not isinstance(text, str):
        return [f"{catalogue.path}: not rendered"]
    want = Counter((md_text(a.alert), md_text(a.label("service"))) for a in alerts)
    got = _rows(text)
    problems = [
        f"{catalogue.path}: {alert} of {service}: {got[(alert, service)]} rows for "
        f"{want[(alert, service)]} alerting rules"
        for alert, service in sorted(want | got)
        if not 1 <= got[(alert, service)] <= want[(alert, service)]
    ]
    for plot in sorted({p.path for slo in catalogue.slos for p in slo.plots}):  # one per tier
        if f"]({plot})" not in text:
            problems.append(f"{catalogue.path}: no link to {plot}")
        svg = parsed.get(plot)
        if svg is None:
            problems.append(f"{plot}: linked from {catalogue.path} but not drawn")
            continue
        try:
            root = ET.fromstring(svg.encode("utf-8"))
        except ET.ParseError as exc:
            problems.append(f"{plot}: not XML: {exc}")
            continue
        if root.tag != _SVG:
            problems.append(f"{plot}: root element is {root.tag}, not svg")
    return problems
