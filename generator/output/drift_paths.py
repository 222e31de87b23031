"""Paths of `check`'s drift lines by name, not position: `groups[duri-core.alerts]
.rules[LatencyP95High{severity="warning"}].expr`, not `['groups'][3]['rules'][0]['expr']`.

Before comparing, every list whose items are mappings that each carry a name (a rule group's
`name`, a rule's `alert` or `record`, a scrape job's `job_name`, a panel's `title`, ...) is
turned into a mapping keyed by that name. deepdiff then pairs items by name, so an alert
inserted in the middle of a group is one added alert, not every later alert changed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

# What names an item of a list, in order of preference.
_NAME_KEYS = ("alert", "record", "name", "job_name", "title", "refId", "series", "uid")
_MARK = "\x00"  # prefixes keys made from names, so paths can write them as [name]
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name(item: dict[str, Any]) -> str | None:
    if isinstance(item.get("alertname"), str) and "eval_time" in item:  # promtool checks
        return f"{item['alertname']} at {item['eval_time']}"
    for key in _NAME_KEYS:
        if isinstance(item.get(key), str):
            return str(item[key])
    return None


def _labels_text(labels: dict[str, Any]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _names(items: list[dict[str, Any]]) -> list[str] | None:
    """A unique name per item, or None when an item has none. Items sharing a name are told
    apart by the labels that differ among them, else by their order (`#2`)."""
    names = [_name(item) for item in items]
    if any(n is None for n in names):
        return None
    plain = [str(n) for n in names]
    counts = Counter(plain)
    out = []
    for name, item in zip(plain, items, strict=True):
        if counts[name] > 1 and isinstance(item.get("labels"), dict):
            peers = [i.get("labels") or {} for n, i in zip(plain, items, strict=True) if n == name]
            differ = {k for p in peers for k in p if len({str(q.get(k)) for q in peers}) > 1}
            if differ:
                name += _labels_text({k: v for k, v in item["labels"].items() if k in differ})
        out.append(name)
    total, seen = Counter(out), Counter[str]()
    unique = []
    for name in out:
        seen[name] += 1
        unique.append(name if total[name] == 1 else f"{name}#{seen[name]}")
    return unique


def keyed(value: Any) -> Any:
    """`value` with every list of named mappings turned into a mapping by name."""
    if isinstance(value, dict):
        return {k: keyed(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [keyed(v) for v in value]
        if items and all(isinstance(i, dict) for i in items):
            names = _names(items)
            if names is not None:
                return {_MARK + n: i for n, i in zip(names, items, strict=True)}
        return items
    return value


def unkeyed(value: Any) -> Any:
    """`value` with the mappings `keyed` made turned back into lists (to quote a value)."""
    if isinstance(value, dict):
        if value and all(isinstance(k, str) and k.startswith(_MARK) for k in value):
            return [unkeyed(v) for v in value.values()]
        return {k: unkeyed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unkeyed(v) for v in value]
    return value


def path_text(path: list[Any]) -> str:
    """A deepdiff path (as a list) written `groups[name].rules[name].expr`, list positions
    without a name as `[3]`, keys that are not identifiers as `["key"]`."""
    out = ""
    for step in path:
        if isinstance(step, str) and step.startswith(_MARK):
            out += f"[{step[len(_MARK) :]}]"
        elif isinstance(step, str) and _PLAIN_KEY.match(step):
            out += f".{step}" if out else step
        elif isinstance(step, str):
            out += f'["{step}"]'
        else:
            out += f"[{step}]"
    return out


def order_changes(old: Any, new: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Lists of named items (as `keyed` made them) holding the same names in another order:
    a change for Prometheus, which evaluates a group's rules in order, and for route trees."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return []
    lines = []
    names = [k for k in old if isinstance(k, str) and k.startswith(_MARK)]
    if names and len(names) == len(old):
        common = set(old) & set(new)
        before = [k for k in old if k in common]
        after = [k for k in new if k in common]
        moved = next(
            (i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b), None
        )
        if moved is not None:
            was, now = before[moved][len(_MARK) :], after[moved][len(_MARK) :]
            where = path_text(list(path))
            lines.append(f"{where}: order changed: the spec renders {now} where out/ has {was}")
    for key in old:
        if key in new:
            lines += order_changes(old[key], new[key], (*path, key))
    return lines
