"""The catalogue's time-to-fire plots: one SVG per tier and SLO, written without a plotting
library, byte-stable, valid XML, with every curve drawn where its numbers say."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from generator.catalogue import plots
from generator.catalogue.model import BurnColumn, CatalogueSLO, SLOPlot
from generator.catalogue.plan import assert_shared_plots
from generator.catalogue.svg import Axis, Chart, Line, render_svg
from generator.core.numbers import parse_duration
from generator.errors import OutputError
from generator.output import validate_outputs
from generator.pipeline import Build
from tests.conftest import (
    DURI_OUT,
    DURI_SPEC,
    ROOT,
    render_spec,
    run_cli,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
SPLIT_SPEC = ROOT / "examples" / "split" / "spec"


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


@pytest.fixture(scope="module")
def split() -> Build:
    return render_spec(SPLIT_SPEC, ROOT / "examples" / "split" / "out")


def _svgs(build: Build) -> dict[str, ET.Element]:
    return {p: ET.fromstring(t) for p, t in build.files.items() if p.startswith("plots/")}


def _plotted(build: Build) -> plots.Plotted:
    catalogue = build.plan.catalogue
    assert catalogue is not None
    return plots.Plotted(catalogue, build.plan.slos, build.plan.source)


def _entry(build: Build, path: str) -> tuple[SLOPlot, CatalogueSLO]:
    """The plot at `path` and the time-to-fire table that links it."""
    assert build.plan.catalogue is not None
    return next((p, e) for e in build.plan.catalogue.slos for p in e.plots if p.path == path)


def _log_axis(ticks: dict[str, float], low: str, high: str, to_value: float) -> float:
    """The data value at pixel `to_value`, interpolated in log space between two labelled
    ticks as the SVG itself places them (independent of svg_plot's own scale)."""
    v_low, v_high = _tick_value(low), _tick_value(high)
    share = (to_value - ticks[low]) / (ticks[high] - ticks[low])
    return 10 ** (math.log10(v_low) + share * (math.log10(v_high) - math.log10(v_low)))


def _tick_value(label: str) -> float:
    if label.endswith("%"):
        return float(label[:-1])
    return parse_duration(label) / 1000


def _tick_positions(root: ET.Element) -> tuple[dict[str, float], dict[str, float]]:
    """Tick label -> pixel: x ticks are centred under the axis, y ticks end left of it."""
    xs, ys = {}, {}
    for text in root.iterfind("svg:text", NS):
        if text.get("text-anchor") == "middle" and (text.text or "").endswith("%"):
            xs[text.text or ""] = float(text.get("x", "nan"))
        elif text.get("text-anchor") == "end":
            ys[text.text or ""] = float(text.get("y", "nan"))
    return xs, ys


def _polylines(root: ET.Element) -> dict[str, ET.Element]:
    return {line.findtext("svg:title", "", NS): line for line in root.iterfind("svg:polyline", NS)}


def test_polyline_points_sit_where_the_curves_numbers_say(duri: Build) -> None:
    for path, root in _svgs(duri).items():
        xs, ys = _tick_positions(root)
        lines = _polylines(root)
        for curve in plots.curves(_plotted(duri), *_entry(duri, path)):
            pixels = [
                tuple(map(float, pair.split(",")))
                for pair in lines[curve.label].get("points", "").split()
            ]
            assert len(pixels) == len(curve.points), (path, curve.label)
            for (px, py), (rate, seconds) in zip(pixels, curve.points, strict=True):
                assert _log_axis(xs, "1%", "100%", px) == pytest.approx(rate, rel=2e-3)
                assert _log_axis(ys, "1m", "1w", py) == pytest.approx(seconds, rel=2e-3)


def test_each_curve_at_a_total_outage_is_the_catalogue_figure(duri: Build) -> None:
    assert duri.plan.catalogue is not None
    for entry in duri.plan.catalogue.slos:
        for plot in entry.plots:
            rows = {  # the service's burn alerts of the SLO, by long window
                a.burn.long: a
                for a in duri.plan.catalogue.alerts
                if a.burn
                and any(dict(own)["service"] == plot.service for own in a.labels)
                and dict(a.labels[0])["slo"] == entry.slo
            }
            curves = plots.curves(_plotted(duri), plot, entry)
            assert len(curves) == len(rows)
            for curve in curves:
                row = rows[curve.label.split()[1].split("/")[0]]  # "page 1h/5m (14.4x)"
                assert row.burn is not None and row.burn.outage is not None
                rate, seconds = curve.points[-1]
                assert rate == 100
                assert seconds == parse_duration(row.burn.outage) / 1000, curve.label


def test_the_legend_names_every_burn_alert_of_the_slo(duri: Build) -> None:
    for path, root in _svgs(duri).items():
        slo = next(s for s in duri.plan.slos if s.tier == _entry(duri, path)[0].tier)
        texts = [t.text or "" for t in root.iterfind("svg:text", NS)]
        windows = [f"{b.long}/{b.short}" for b in slo.burns]
        legend = [t for t in texts if re.match(r"(page|ticket) ", t)]
        assert [t.split()[1] for t in legend] == windows, path
        assert set(legend) == set(_polylines(root)), path


def _hue(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "red" if red > max(green, blue) else "blue" if blue > max(red, green) else "other"


def test_page_curves_are_red_ticket_curves_blue_and_the_slower_window_dashed(
    duri: Build,
) -> None:
    for path, root in _svgs(duri).items():
        by_kind: dict[str, list[ET.Element]] = {"page": [], "ticket": []}
        for label, line in _polylines(root).items():
            by_kind[label.split()[0]].append(line)
            assert _hue(line.get("stroke", "")) == ("red" if label.startswith("page") else "blue")
        for lines in by_kind.values():
            fast, slow = lines  # in burn order: the faster window first
            assert fast.get("stroke-dasharray") is None, path
            assert slow.get("stroke-dasharray") is not None, path
            assert fast.get("stroke") != slow.get("stroke"), path


def test_every_plot_is_an_svg_document_with_everything_inside_its_viewbox(
    duri: Build,
) -> None:
    for path, root in _svgs(duri).items():
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        _, _, width, height = map(float, root.get("viewBox", "").split())
        assert (root.get("width"), root.get("height")) == (f"{width:g}", f"{height:g}")
        for element in root.iter():
            for a in ("x", "x1", "x2"):
                assert 0 <= float(element.get(a, "0")) <= width, (path, element.attrib)
            for a in ("y", "y1", "y2"):
                assert 0 <= float(element.get(a, "0")) <= height, (path, element.attrib)
            for pair in element.get("points", "").split():
                x, y = map(float, pair.split(","))
                assert 0 <= x <= width and 0 <= y <= height, (path, pair)


def test_the_title_names_the_tier_objective_period_and_budget(duri: Build) -> None:
    for path, root in _svgs(duri).items():
        plot, entry = _entry(duri, path)
        title = root.findtext("svg:title", "", NS)
        m = re.fullmatch(r"tier (\S+), (\S+): (\S+)% over (\S+) \(error budget (\S+)\)", title)
        assert m is not None, title
        assert (m[1], m[2], m[4]) == (plot.tier, entry.slo, entry.period)
        assert (Decimal(m[3]), Decimal(m[5])) == (entry.objective, entry.budget)


def test_user_text_in_a_chart_is_xml_escaped() -> None:
    # spec names cannot hold these (lower-case names), but the chart writer must not rely on it
    odd = "<&\"'> tier"
    chart = Chart(
        title=odd,
        x=Axis(odd, ((1.0, "1%"), (100.0, "100%"))),
        y=Axis("y", ((60.0, "1m"), (600.0, "10m"))),
        lines=(Line(odd, "#c0392b", False, ((1.0, 60.0), (100.0, 600.0))),),
        note="a -- b",
    )
    root = ET.fromstring(render_svg(chart))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert root.findtext("svg:title", "", NS) == odd
    assert texts.count(odd) == 3  # legend, title, x label
    assert root.find("svg:polyline/svg:title", NS) is not None


def test_plots_are_drawn_where_no_plotting_library_can_be_imported(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None; from pathlib import Path;"
        "from generator.pipeline import build; b = build(Path(sys.argv[1]), Path(sys.argv[2]));"
        "print(sum(p.startswith('plots/') for p in b.files))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(DURI_SPEC), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(res.stdout) == len(render_spec(DURI_SPEC, DURI_OUT).plan.slos)


def test_there_is_one_plot_per_tier_and_slo_shared_by_the_tiers_services(split: Build) -> None:
    tiers = {s.tier for s in split.plan.slos}
    kinds = {s.slo for s in split.plan.slos}
    want = {f"plots/{tier}-{kind}.svg" for tier in tiers for kind in kinds}
    assert set(_svgs(split)) == want
    assert len(want) < len(split.plan.slos)  # two of the example's services share a tier
    assert split.plan.catalogue is not None
    for entry in split.plan.catalogue.slos:
        for plot in entry.plots:
            assert plot.path == f"plots/{plot.tier}-{entry.slo}.svg"
            assert plot.service in entry.services


def test_services_of_one_tier_get_identical_curves(split: Build) -> None:
    assert split.plan.catalogue is not None
    shared = 0
    for entry in split.plan.catalogue.slos:
        for plot in entry.plots:
            tier = [s.service for s in split.plan.slos if (s.tier, s.slo) == (plot.tier, entry.slo)]
            first = plots.curves(_plotted(split), plot, entry)
            for service in tier:
                drawn = plots.curves(_plotted(split), replace(plot, service=service), entry)
                assert drawn == first, service
            shared += len(tier) > 1
    assert shared, "the split example has a tier with two services"


def _columns(build: Build) -> list[tuple[BurnColumn, ...]]:
    """Per SLO of the plan (with burn alerts), the columns of the table that shows it."""
    assert build.plan.catalogue is not None
    tables = build.plan.catalogue.slos
    return [
        next(e.columns for e in tables if s.service in e.services and e.slo == s.slo)
        for s in build.plan.slos
    ]


def test_the_planner_refuses_services_of_one_tier_with_different_plot_inputs(
    split: Build,
) -> None:
    slos = list(split.plan.slos)
    columns = _columns(split)
    assert_shared_plots(slos, columns)  # as planned: no complaint
    twin = next(
        i for i, s in enumerate(slos) if any((o.tier, o.slo) == (s.tier, s.slo) for o in slos[:i])
    )
    slos[twin] = replace(slos[twin], min_events=slos[twin].min_events + 1)
    with pytest.raises(AssertionError, match=re.escape(f"plots/{slos[twin].tier}-")):
        assert_shared_plots(slos, columns)


def test_catalogue_links_resolve_to_the_plot_files_generate_writes(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copy(DURI_SPEC, tmp_path / "spec" / "duri.yaml")
    res = run_cli("generate", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    links = set(re.findall(r"\]\((plots/[^)]+\.svg)\)", (out / "ALERTS.md").read_text()))
    written = {p.relative_to(out).as_posix() for p in (out / "plots").iterdir()}
    assert links == written
    assert len(written) == 8  # DuRi: four tiers, availability and latency each


def test_check_names_a_hand_edited_plot_as_drift(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copy(DURI_SPEC, tmp_path / "spec" / "duri.yaml")
    shutil.copytree(DURI_OUT, tmp_path / "out")
    svg = tmp_path / "out" / "plots" / "core-availability.svg"
    svg.write_text(svg.read_text().replace("#c0392b", "#000000"))
    res = run_cli("check", cwd=tmp_path)
    assert res.returncode == 1
    assert "  plots/core-availability.svg: changed" in res.stdout


def test_a_missing_plot_is_one_problem_however_many_services_share_it(split: Build) -> None:
    catalogue = split.plan.catalogue
    assert catalogue is not None
    tiers = [(s.tier, s.slo) for s in split.plan.slos]
    shared = next(f"plots/{t}-{s}.svg" for t, s in sorted(set(tiers)) if tiers.count((t, s)) > 1)
    files = {k: v for k, v in split.files.items() if k != shared}
    with pytest.raises(OutputError) as caught:
        validate_outputs(split.plan, files)
    assert caught.value.messages == [f"{shared}: linked from ALERTS.md but not drawn"]
