"""`obsgen diff`: the behavioural changes between two plans, grouped as an SRE reviews them.

deepdiff compares the two plans' behaviour views (review/view.py) and says *what* moved: an
alert, panel or recorded series added or removed, or one field of it changed; an argument of
a recording rule (with the alerts and panels it changes, review/inputs.py); a receiver, scrape
job or interval. The report then quotes each changed field whole (old -> new), so a reader
never sees a diff fragment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from deepdiff import DeepDiff

from generator.core.markdown import md_code, md_text
from generator.plan import Plan
from generator.review.view import (
    ALERTS,
    INPUTS,
    NOTIFICATION,
    PANELS,
    RECEIVERS,
    RECORDS,
    SCRAPING,
    View,
    behaviour,
)

# Which group an alert's field change belongs to, in report order.
_ALERT_GROUPS = {
    "fires when": "Thresholds and `for` changed",
    "for": "Thresholds and `for` changed",
    "reaches": "Routing changed",
    "inhibited by": "Routing changed",
    "tier": "Other alert changes",
    "runbook": "Other alert changes",
    "expression": "Other alert changes",
}
# Sections of plain settings, each reported whole in its own group.
_SETTINGS = {
    NOTIFICATION: "Notification timing changed",
    RECEIVERS: "Receivers changed",
    SCRAPING: "Scraping and evaluation changed",
}
GROUPS = (
    "Alerts added",
    "Alerts removed",
    "Thresholds and `for` changed",
    "Routing changed",
    "Other alert changes",
    "Recording rules changed",
    "Notification timing changed",
    "Receivers changed",
    "Scraping and evaluation changed",
    "Dashboard panels added",
    "Dashboard panels removed",
    "Dashboard panels changed",
    "Recording rules renamed",
    "Recording rules added",
    "Recording rules removed",
)


@dataclass(frozen=True)
class Change:
    """One thing that behaves differently: a sign (+ added, - removed, ~ changed), what it
    is, a short summary, the fields that moved as (field, old, new), and notes."""

    sign: str
    subject: str
    summary: str = ""
    fields: tuple[tuple[str, str, str], ...] = ()
    notes: tuple[str, ...] = ()  # lines under the subject ("read by alert X")


@dataclass
class Report:
    """Changes per group, in GROUPS order."""

    before: str
    after: str
    groups: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))

    def empty(self) -> bool:
        """True when nothing behaves differently."""
        return not any(self.groups.values())


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "nothing"
    return str(value)


def _touched(
    diff: DeepDiff,
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict[tuple[str, str], set[str]]]:
    """(added, removed, changed fields) per (section, key), from deepdiff's tree view."""
    added, removed = set(), set()
    changed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, items in diff.items():
        for item in items:
            path = item.path(output_format="list")
            where = (str(path[0]), str(path[1]))
            if len(path) == 2 and kind == "dictionary_item_added":
                added.add(where)
            elif len(path) == 2 and kind == "dictionary_item_removed":
                removed.add(where)
            else:
                changed[where].add(str(path[2]))
    return added, removed, changed


def _alert_summary(alert: dict[str, Any]) -> str:
    timing = ", at once" if alert["for"] == "0s" else f", for {alert['for']}"
    return f"{alert['fires when']}{timing}; reaches {_text(alert['reaches'])}"


def _renames(old: View, new: View, added: set[str], removed: set[str]) -> list[tuple[str, str]]:
    """Removed and added recorded series whose rules have the same groups, labels and shape:
    the same rules under a new name (a signal renamed in the spec, say). Where several have
    one shape, the closest names pair first (api_requests:rate5m with http_requests:rate5m,
    not with http_requests_errors:rate5m)."""
    candidates = sorted(
        (-SequenceMatcher(None, gone, came).ratio(), gone, came)
        for gone in removed
        for came in added
        if old[RECORDS][gone]["rules"] == new[RECORDS][came]["rules"]
    )
    pairs, used = [], set()
    for _, gone, came in candidates:
        if gone not in used and came not in used:
            pairs.append((gone, came))
            used |= {gone, came}
    return sorted(pairs)


def _renamed(view: View, renames: dict[str, str]) -> View:
    """`view` with recorded series renamed: keys of its records, and every expression and
    query reading them, so a rename is reported once, not as a change of each reader."""
    if not renames:
        return view
    names = re.compile(
        r"(?<![A-Za-z0-9_:])(" + "|".join(map(re.escape, sorted(renames))) + r")(?![A-Za-z0-9_:])"
    )

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return names.sub(lambda m: renames[m.group(1)], value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {n: swap(v) for n, v in value.items()}
        return value

    out: View = {section: {} for section in view}
    for section, entries in view.items():
        for key, fields in entries.items():
            keep = {"read by"} if section == RECORDS else set()
            moved = {n: v if n in keep else swap(v) for n, v in fields.items()}
            if section == RECORDS:
                key = renames.get(key, key)
            elif section == INPUTS:
                key = swap(key)
            out[section][key] = moved
    return out


def _readers(readers: list[str], verb: str) -> tuple[str, ...]:
    return tuple(f"{verb} {r}" for r in readers) or (f"{verb} nothing",)


def _settings_change(key: str, old: dict[str, Any], new: dict[str, Any]) -> Change | None:
    """The settings of a route, time interval, receiver, scrape job or Prometheus that
    moved, quoted whole."""
    names = set(old) | set(new)
    if key == "rule group intervals":  # a group added or removed says so by its rules
        names = set(old) & set(new)
    moved = tuple(
        (name, _text(old.get(name, [])), _text(new.get(name, [])))
        for name in sorted(names)
        if old.get(name) != new.get(name)
    )
    return Change("~", key, fields=moved) if moved else None


def _input_change(key: str, old: dict[str, Any], new: dict[str, Any]) -> Change | None:
    """A recording rule whose arguments moved (selector, metric, constant, window), with
    every alert and panel reading it, directly or through other rules; None when only its
    readers changed (an added alert says so itself)."""
    before, after = old["expression"], new["expression"]
    moved = tuple(
        (name, before.get(name, "nothing"), after.get(name, "nothing"))
        for name in sorted(set(before) | set(after), key=_argument_order)
        if before.get(name) != after.get(name)
    )
    if not moved:
        return None
    readers = sorted(set(old["changes"]) | set(new["changes"]))
    return Change("~", key, fields=moved, notes=_readers(readers, "changes"))


def _argument_order(name: str) -> tuple[int, str]:
    return (0 if name.endswith("expression") else 1, name)


def compare(before: Plan, after: Plan, before_name: str, after_name: str) -> Report:
    """The behavioural changes from `before` to `after`."""
    old, new = behaviour(before), behaviour(after)
    renames = _renames(
        old, new, set(new[RECORDS]) - set(old[RECORDS]), set(old[RECORDS]) - set(new[RECORDS])
    )
    old = _renamed(old, dict(renames))
    added, removed, changed = _touched(DeepDiff(old, new, view="tree"))
    report = Report(before_name, after_name)
    groups = report.groups
    for section, key in sorted(added):
        if section == ALERTS:
            groups["Alerts added"].append(Change("+", key, _alert_summary(new[ALERTS][key])))
        elif section == PANELS:
            panel = new[PANELS][key]
            steps = panel["thresholds"]
            summary = panel["type"] + (f"; thresholds {_text(steps)}" if steps else "")
            groups["Dashboard panels added"].append(Change("+", key, summary))
        elif section in _SETTINGS:
            groups[_SETTINGS[section]].append(Change("+", key))
    for section, key in sorted(removed):
        if section == ALERTS:
            groups["Alerts removed"].append(Change("-", key, _alert_summary(old[ALERTS][key])))
        elif section == PANELS:
            groups["Dashboard panels removed"].append(Change("-", key, old[PANELS][key]["type"]))
        elif section in _SETTINGS:
            groups[_SETTINGS[section]].append(Change("-", key))
    for (section, key), names in sorted(changed.items()):
        if section == ALERTS:
            if "fires when" in names:
                names = names - {"expression"}  # it follows the threshold, said in words
            by_group: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
            for name in sorted(names, key=list(_ALERT_GROUPS).index):
                quoted = (name, _text(old[ALERTS][key][name]), _text(new[ALERTS][key][name]))
                by_group[_ALERT_GROUPS[name]].append(quoted)
            for group, quotes in by_group.items():
                groups[group].append(Change("~", key, fields=tuple(quotes)))
        elif section == PANELS:
            moved = tuple(
                (name, _text(old[PANELS][key][name]), _text(new[PANELS][key][name]))
                for name in sorted(names)
            )
            groups["Dashboard panels changed"].append(Change("~", key, fields=moved))
        elif section in _SETTINGS:
            change = _settings_change(key, old[section][key], new[section][key])
            if change is not None:
                groups[_SETTINGS[section]].append(change)
        elif section == INPUTS:
            change = _input_change(key, old[INPUTS][key], new[INPUTS][key])
            if change is not None:
                groups["Recording rules changed"].append(change)
    gone = {k for s, k in removed if s == RECORDS}
    new_records = {k for s, k in added if s == RECORDS}
    for old_name, new_name in renames:
        readers = _readers(new[RECORDS][new_name]["read by"], "read by")
        groups["Recording rules renamed"].append(
            Change("~", f"{old_name} -> {new_name}", notes=readers)
        )
    for name in sorted(new_records):
        readers = _readers(new[RECORDS][name]["read by"], "read by")
        groups["Recording rules added"].append(Change("+", name, notes=readers))
    for name in sorted(gone):
        readers = _readers(old[RECORDS][name]["read by"], "was read by")
        groups["Recording rules removed"].append(Change("-", name, notes=readers))
    return report


def as_text(report: Report) -> str:
    """The report as plain text (the default)."""
    if report.empty():
        return f"No behavioural changes: {report.before} -> {report.after}\n"
    lines = [f"Behavioural changes: {report.before} -> {report.after}"]
    for group in GROUPS:
        changes = report.groups.get(group, [])
        if not changes:
            continue
        lines += ["", f"{group} ({len(changes)})"]
        for change in changes:
            head = f"  {change.sign} {change.subject}"
            lines.append(f"{head}: {change.summary}" if change.summary else head)
            lines += [f"      {name}: {old} -> {new}" for name, old, new in change.fields]
            lines += [f"      {note}" for note in change.notes]
    return "\n".join(lines) + "\n"


def as_markdown(report: Report) -> str:
    """The report as Markdown, to paste as a pull-request comment."""
    title = f"### obsgen diff: {md_code(report.before)} → {md_code(report.after)}"
    if report.empty():
        return f"{title}\n\nNo behavioural changes.\n"
    lines = [title]
    for group in GROUPS:
        changes = report.groups.get(group, [])
        if not changes:
            continue
        lines += ["", f"**{group} ({len(changes)})**", ""]  # our own titles, not spec text
        for change in changes:
            sign = {"+": "added", "-": "removed", "~": "changed"}[change.sign]
            head = f"- {sign} {md_code(change.subject)}"
            lines.append(f"{head}: {md_text(change.summary)}" if change.summary else head)
            lines += [
                f"  - {md_text(name)}: {md_text(old)} → {md_text(new)}"
                for name, old, new in change.fields
            ]
            lines += [f"  - {md_text(note)}" for note in change.notes]
    return "\n".join(lines) + "\n"
