"""The series an expression reads are found in every kind of sub-expression, and a long
chain of `or` (a dashboard's panel over every scrape job) is read in one pass."""

from __future__ import annotations

import pytest

from generator.prometheus.promql import CHAIN_PIECE, series_names


def test_every_kind_of_sub_expression_is_read() -> None:
    expr = (
        'sum by (a) (rate(x{a="b"}[5m])) / ignoring (b) topk(3, y)'
        " + max_over_time(z[1h:5m]) - (-w offset 1d)"
        " + histogram_quantile(0.9, sum by (le) (v_bucket))"
        ' + count_values("v", {__name__="q"}) + vector(1) + scalar(s)'
    )
    assert series_names(expr) == {"x", "y", "z", "w", "v_bucket", "q", "s"}


def test_an_or_chain_over_a_thousand_jobs_names_its_series() -> None:
    chain = " or ".join(f'up{{job="svc-{i:04d}"}}' for i in range(1000))
    assert series_names(f"{chain} or absent(other)") == {"up", "other"}


def test_a_long_chain_of_or_is_read_in_pieces_and_a_term_of_the_wrong_type_still_refused() -> None:
    """A shared TargetDown holds an absent() term per service: promql-parser's memory grows
    with the square of the chain, so it is parsed in pieces sharing a term (promql.py)."""
    terms = [f'absent(up{{job="j{i}", service="s{i}"}})' for i in range(3 * CHAIN_PIECE)]
    chain = " or on (job) ".join(['up{job=~"j.*"} == 0', *terms, 'my:or:rate{x="or (y"}'])
    assert len(chain) > 4096
    assert series_names(chain) == {"up", "my:or:rate"}
    scalar = " or ".join([*terms[:CHAIN_PIECE], "1", *terms[CHAIN_PIECE:]])
    with pytest.raises(ValueError, match="not allowed in binary scalar expression"):
        series_names(scalar)
