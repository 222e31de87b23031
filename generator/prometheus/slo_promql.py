"""The promql SLI kind: the user's bad and total event rates, `$selector` expanded for one
service and each summed to one series; and the checks that refuse an expression obsgen
could not record or test (docs/slo.md)."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from generator.prometheus.promql import nodes, series_names
from generator.prometheus.selector_expr import expand, probe, selector_expr_problems
from generator.spec import PathT, PromqlSLI, Spec

SIDES = ("errors", "total")
EXAMPLE = "rate(grpc_server_handled_total{$selector}[5m])"
# Functions that yield a series with no input series at all: an SLI built on one would
# record events while the service sends nothing (missing data read as data), and its
# recording rule would write where the generated tests feed the recorded rates instead.
FROM_NOTHING = frozenset({"vector", "absent", "absent_over_time"})


def promql_rates(spec: Spec, sli: PromqlSLI, service: str) -> tuple[str, str]:
    """The SLI's errors and total expressions for one service, `$selector` expanded."""
    return expand(sli.errors.strip(), spec, service), expand(sli.total.strip(), spec, service)


def promql_sli_metrics(sli: PromqlSLI) -> frozenset[str]:
    """The metrics the SLI's two expressions read."""
    return frozenset(series_names(probe(sli.errors)) | series_names(probe(sli.total)))


def _from_nothing(text: str) -> list[str]:
    """Functions of FROM_NOTHING the expression calls, sorted."""
    return sorted(
        {
            node.func.name
            for node in nodes(promql_parser.parse(text))
            if isinstance(node, promql_parser.Call) and node.func.name in FROM_NOTHING
        }
    )


def _shape_problem(text: str) -> str | None:
    """Why an expression that parses cannot be one of the SLI's rates, or None."""
    checked = probe(text)
    try:
        promql_parser.parse(f"sum({checked})")
    except Exception as exc:  # the parser raises a bare exception type with its message
        return (
            f"is not an instant vector ({exc}); write events per second over 5m, "
            f"e.g. {EXAMPLE}, which obsgen sums to one series per service"
        )
    calls = _from_nothing(checked)
    if calls:
        named = ", ".join(f"{c}()" for c in calls)
        return (
            f"calls {named}, which yields a series without any input series: missing data "
            "would be recorded as events; leave it out (obsgen reads absent errors as 0 "
            "while `total` has series)"
        )
    return None


def promql_sli_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of every promql SLI (a spec check run before planning): `$selector`, parse,
    catalogue metrics, and a shape obsgen can sum and test."""
    for name, slo in sorted(spec.slos.items()):
        sli = slo.sli.promql
        if sli is None:
            continue
        for side in SIDES:
            text = getattr(sli, side)
            path: PathT = ("slos", name, "sli", "promql", side)
            problems = list(selector_expr_problems(spec, text, path, "SLI", EXAMPLE))
            yield from problems
            if not problems and (problem := _shape_problem(text)):
                yield path, problem
