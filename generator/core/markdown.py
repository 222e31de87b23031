"""Escaping for Markdown outputs (the alert catalogue, `obsgen diff --format markdown`).

Every value from the spec reaches Markdown through one of these, so no spec string can open
a link, an HTML tag or emphasis, or break a table cell (GitHub-flavoured Markdown splits
table cells at `|` before anything else, even inside code spans, unless it is escaped).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote

# Characters that can start Markdown structure inside a line (CommonMark lets a backslash
# escape any ASCII punctuation, so escaping these is always safe).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")
_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"


def md_text(value: object) -> str:
    """Plain text, with every character that could start Markdown structure escaped."""
    return _escaped(str(value))


@functools.lru_cache(maxsize=1 << 14)  # the catalogue writes each service's name in many rows
def _escaped(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", text))


def md_code(value: object) -> str:
    """A code span holding `value` (fenced with more backticks than it contains; pipes
    escaped for table cells, line breaks as spaces)."""
    text = _BREAKS.sub(" ", str(value)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_url(value: object) -> str:
    """A link target: characters outside a URL's own set percent-encoded (no spaces,
    parentheses, brackets or pipes remain to end the link or a table cell)."""
    return quote(str(value), safe=_URL_SAFE)


def md_comment(value: object) -> str:
    """Text safe inside an HTML comment: no line breaks, and no `--` to end it early."""
    text = _BREAKS.sub(" ", str(value))
    while "--" in text:
        text = text.replace("--", "- -")
    return text
