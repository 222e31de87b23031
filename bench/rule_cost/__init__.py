"""Benchmark (issue 3 item 5): evaluation cost of our SLO rules vs Sloth-shaped rules.

Run on demand, not part of the test suite: `python -m bench.rule_cost --help`.
"""
