"""PromQL written in the spec with `$selector` (custom alerts, promql SLIs): the placeholder
expanded to a covered service's selector matchers, and the checks every such expression
passes before anything is planned from it."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator

from generator.prometheus.promql import BUILTIN_SERIES, series_names
from generator.spec import PathT, Spec

SELECTOR = "$selector"  # stands for the covered service's selector matchers
_PROBE = 'obsgen="x"'  # what `$selector` becomes while an expression is only checked


def expand(text: str, spec: Spec, service: str) -> str:
    """`text` with `$selector` replaced by the service's selector matchers, each value a
    PromQL string literal (a quote in a selector value cannot end it)."""
    selector = sorted(spec.services[service].selector.items())
    matchers = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in selector)
    return text.replace(SELECTOR, matchers)


def probe(text: str) -> str:
    """`text` with `$selector` replaced by a placeholder matcher, for checks that do not
    depend on which service it covers."""
    return text.replace(SELECTOR, _PROBE)


def selector_expr_problems(
    spec: Spec, text: str, path: PathT, what: str, example: str
) -> Iterator[tuple[PathT, str]]:
    """Why an expression is refused: no `$selector` (every covered service would get the same
    `what`), it does not parse, or it reads a metric outside the catalogue (and `up`,
    `ALERTS`). `example` shows a selector in use, for the hint."""
    if SELECTOR not in text:
        yield (
            path,
            f"does not use $selector: every covered service would get the same {what}; "
            f"select the service's series, e.g. {example}",
        )
    try:
        names = series_names(probe(text))
    except ValueError as exc:
        yield path, str(exc)
        return
    unknown = sorted(names - set(spec.metrics) - BUILTIN_SERIES)
    if unknown:
        close = [m for n in unknown for m in difflib.get_close_matches(n, spec.metrics, 1, 0.9)]
        hint = f"did you mean {', '.join(close)}? If not, add it" if close else "add it"
        yield (
            path,
            f"reads {', '.join(unknown)}, not in the metric catalogue (`metrics:`); {hint}",
        )
