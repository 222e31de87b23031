"""Survivors that no test can catch because the mutant means the same as the original rule
set: each rule here is an argument, checked against the rule files, not a list of names."""

from __future__ import annotations

import re
from typing import Any

from bench.mutation.mutants import MATCHER, THRESHOLD, WINDOW, Mutant, _mask, split_matchers
from bench.mutation.pieces import EXACT
from generator.core.numbers import parse_duration

_SELECTOR = re.compile(r"([A-Za-z_:][\w:]*)\{([^}]*)\}")
_AGGREGATION = re.compile(r"\b(sum|avg|count|min|max|topk|bottomk|quantile)\b\s*(by|without|\()")
_MATCHER = re.compile(r'^\s*([A-Za-z_]\w*)\s*=\s*"([^"]*)"\s*$')
# set operators that keep series without a partner: `a or b` keeps both sides' unmatched
# series, `a unless b` the left side's, so a matcher dropped from either side adds series
_KEEPS_UNMATCHED = re.compile(r"\b(or|unless)\b")
# a good-kind SLI's bad events: total - (good or 0 * total), the fallback reading the total
_GOOD_FALLBACK = re.compile(r"(?P<total>.+) - \((?P<good>.+) or 0 \* (?P=total)\)", re.S)


def _rule(docs: dict[str, Any], mutant: Mutant) -> dict[str, Any]:
    rule: dict[str, Any] = docs[mutant.file]["groups"][mutant.group]["rules"][mutant.rule]
    return rule


def _recorded_labels(docs: dict[str, Any], name: str) -> list[dict[str, str]]:
    return [
        {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
        for doc in docs.values()
        for group in doc.get("groups") or []
        for rule in group.get("rules") or []
        if rule.get("record") == name
    ]


_TIERS = re.compile(r'^\s*tier\s*(=~|=)\s*"([a-z0-9|-]+)"\s*$')
_TIER_IN_EXPR = re.compile(r'\btier\s*(=~|=)\s*"([a-z0-9|-]+)"')
_BY = re.compile(r"\b(?:sum|avg|count|min|max)\s+by\s*\(([^)]*)\)")
_BARE_AGGREGATION = re.compile(r"\b(?:sum|avg|count|min|max)\s*\(")


def _recorded_tiers(docs: dict[str, Any], name: str) -> set[str] | None:
    """The tiers every series recorded as `name` can carry: a rule's static tier, or the
    tiers its own tier matchers select when every aggregation in it keeps the tier (None
    when some rule's series may carry another tier, or none)."""
    tiers: set[str] = set()
    rules = [
        rule
        for doc in docs.values()
        for group in doc.get("groups") or []
        for rule in group.get("rules") or []
        if rule.get("record") == name
    ]
    for rule in rules:
        static = (rule.get("labels") or {}).get("tier")
        if static is not None:
            tiers.add(str(static))
            continue
        expr = str(rule["expr"])
        matched = _TIER_IN_EXPR.findall(expr)
        keeps = all("tier" in [x.strip() for x in by.split(",")] for by in _BY.findall(expr))
        if not matched or not keeps or _BARE_AGGREGATION.search(expr):
            return None
        for _, values in matched:
            tiers.update(values.split("|"))
    return tiers if rules else None


def _widens_the_good_fallback(mutant: Mutant, expr: str) -> bool:
    """The mutant changes only the fallback of `total - (good or 0 * total)`, so that it
    reads the same series or more, as long or longer: a matcher dropped or a longer window."""
    found = _GOOD_FALLBACK.fullmatch(expr.strip())
    if not found or mutant.field != "expr":
        return False
    head = f"{found['total']} - ({found['good']} or 0 * "
    new = str(mutant.value).strip()
    if not new.startswith(head) or not new.endswith(")"):
        return False
    if mutant.category == MATCHER:
        return True
    if mutant.category == WINDOW:
        old, changed = mutant.what.rsplit(": ", 1)[1].split(" -> ")
        return parse_duration(changed) > parse_duration(old)
    return False


_UNLESS_ON = re.compile(r"^(?P<left>.*) unless on \((?P<on>[^)]*)\) (?P<right>.*)$")


def _only_unless_widened(expr: str, changed: str, dropped: str) -> bool:
    """Whether the drop of `dropped` (label op value) changed only the right operand of
    `A unless on (L) B`, with its label in L and `A` still selecting with it."""
    before, after = _UNLESS_ON.match(expr), _UNLESS_ON.match(changed)
    found = re.match(r"(\w+)\s*(=~|!~|!=|=)", dropped)
    if not (before and after and found):
        return False
    on = {x.strip() for x in before.group("on").split(",")}
    return (
        after.group("left") == before.group("left")
        and after.group("on") == before.group("on")
        and found.group(1) in on
        and dropped in before.group("left")
    )


def why_equivalent(mutant: Mutant, docs: dict[str, Any]) -> str | None:
    """Why the mutant cannot change any alert or recorded value, or None if it can."""
    rule = _rule(docs, mutant)
    expr = str(rule["expr"])
    if _widens_the_good_fallback(mutant, expr):
        return (
            "only the fallback of total - (good or 0 * total) reads more series or a longer "
            "window: while the total is present the fallback is 0 either way (present "
            "whenever the total is), and while it is absent so is the difference"
        )
    if mutant.category == MATCHER:
        dropped = mutant.what.rsplit(": drop ", 1)[1]
        if _only_unless_widened(expr, str(mutant.value), dropped):
            return (
                "only the right operand of `unless on (...)` reads more series: unless only "
                "removes left series, and the left operand still selects with this matcher on "
                "a label it joins on, so the extra right series match no left one"
            )
        # aggregations keep the series apart only when each groups by the dropped label:
        # then the extra series make groups of their own, which find no partner either
        dropped_label = re.match(r"\w+", dropped)
        grouped = _BY.findall(expr)
        apart = (
            dropped_label is not None
            and len(grouped) == len(_AGGREGATION.findall(expr))
            and all(dropped_label.group(0) in [x.strip() for x in b.split(",")] for b in grouped)
        )
        one_to_one = (not _AGGREGATION.search(expr) or apart) and not _KEEPS_UNMATCHED.search(
            _mask(expr)
        )
        if apart and _GOOD_FALLBACK.fullmatch(expr.strip()) and expr.count(dropped) == 3:
            return (
                "in total - (good or 0 * total), every sum grouping by this matcher's label, "
                "dropping it from one operand adds only groups of other values: the outer "
                "total's find no partner on the right, and the right's (good's, kept by "
                "`or`, or the fallback's) none on the left, so `-` drops them"
            )
        if expr.count(dropped) > 1 and one_to_one:
            return (
                "the other operand still selects with this matcher, and the binary operators "
                "match label sets one to one (or on the service) and drop what finds no "
                "partner (no or, no unless; any aggregation groups by the matcher's label), "
                "so the extra series find no partner"
            )
        tiered = _TIERS.match(dropped)
        selectors = [m for m in _SELECTOR.finditer(expr) if dropped in m.group(2)]
        if tiered and selectors:
            allowed = set(tiered.group(2).split("|"))
            sources = sorted({sel.group(1) for sel in selectors})
            found = [_recorded_tiers(docs, n) for n in sources]
            if all(t is not None and t <= allowed for t in found):
                return (
                    f"every series recorded as {', '.join(sources)} carries one of the tiers "
                    f"{dropped} selects (each rule recording it selects only those, and keeps "
                    "the tier)"
                )
        exact = _MATCHER.match(dropped)
        if exact and selectors:
            label, value = exact.groups()
            names, narrowed = set(), False
            for sel in selectors:
                names.add(sel.group(1))
                others = [x.strip() for x in split_matchers(sel.group(2))]
                if dropped not in others:
                    break
                others.remove(dropped)
                kept = {g[1]: g[2] for x in others if (g := EXACT.match(x))}
                narrowed |= bool(kept)
                recorded = [
                    x
                    for x in _recorded_labels(docs, sel.group(1))
                    if all(x.get(k, v) == v for k, v in kept.items())
                ]
                if not recorded or any(x.get(label) != value for x in recorded):
                    break
            else:
                shown = ", ".join(sorted(names))
                if narrowed:
                    return (
                        f"every series recorded as {shown} that the selector's other "
                        f"matchers select has {dropped}"
                    )
                return f"every series recorded as {shown} has {dropped}"
    if mutant.category == THRESHOLD and re.fullmatch(r"vector\([\d.]+\)", expr.strip()):
        annotations = " ".join(str(v) for v in (rule.get("annotations") or {}).values())
        if "$value" not in annotations:
            return "a constant alert fires whatever its value, and no annotation prints it"
    return None
