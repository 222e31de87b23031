"""The series an expression reads are found in every kind of sub-expression, and a long
chain of `or` (a dashboard's panel over every scrape job) is read in one pass."""

from __future__ import annotations

from generator.prometheus.promql import series_names


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
