"""Error matchers that exclude one value (`result != "delivered"`) select some requests and
not others: they are accepted, not reported as selecting every request."""

from __future__ import annotations

from generator.core.regex import find_value
from generator.spec.checks_slo import _errors_problems
from generator.spec.slos import Matcher


def test_a_not_equal_error_matcher_does_not_select_every_request() -> None:
    matchers = [Matcher(label="result", op="!=", value="delivered")]
    assert list(_errors_problems("webhook-delivery", matchers, ("slos",))) == []
    assert find_value("result", [("result", "!=", "delivered")], False) == "delivered"


def test_matchers_that_accept_every_value_are_still_reported() -> None:
    matchers = [Matcher(label="result", op="=~", value=".*")]
    assert list(_errors_problems("x", matchers, ("slos",))) == [
        (("slos",), "these matchers select every request, so every request would count as an error")
    ]
