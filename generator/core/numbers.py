"""Exact numbers, durations and byte sizes: parsed once, printed exactly.

Every number obsgen prints goes through `fmt`, so `0.001` never becomes
`0.0009999999999999432`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNITS_S = (604800, 86400, 3600, 60, 1)
_BYTES = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|Ki|Mi|Gi|Ti|KiB|MiB|GiB|TiB|k|M|G|T|kB|MB|GB|TB)?$")
_BYTE_FACTORS = {
    None: 1,
    "B": 1,
    "Ki": 1024,
    "KiB": 1024,
    "Mi": 1024**2,
    "MiB": 1024**2,
    "Gi": 1024**3,
    "GiB": 1024**3,
    "Ti": 1024**4,
    "TiB": 1024**4,
    "k": 1000,
    "kB": 1000,
    "M": 1000**2,
    "MB": 1000**2,
    "G": 1000**3,
    "GB": 1000**3,
    "T": 1000**4,
    "TB": 1000**4,
}


def dec(value: int | float | str | Decimal) -> Decimal:
    """A Decimal equal to the number as written (floats through their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def fmt(value: Decimal | int | float) -> str:
    """Print a number exactly, without exponent or trailing zeros: 0.001, 14.4, 200."""
    d = dec(value)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    text = format(d.normalize(), "f")
    return text


def parse_duration(text: str) -> int:
    """Prometheus duration ('5m', '1h30m', '1d') -> milliseconds. ValueError if malformed."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m or not any(m.groups()):
        raise ValueError(
            f"{text!r} is not a duration; write it as Prometheus does, e.g. 30s, 5m, 1h30m, 1d"
        )
    *parts, ms = m.groups()
    total = sum(int(p) * u * 1000 for p, u in zip(parts, _UNITS_S, strict=True) if p)
    return total + (int(ms) if ms else 0)


def format_duration(ms: int) -> str:
    """Milliseconds -> the shortest Prometheus duration: 300000 -> '5m', 93600000 -> '1d2h'."""
    if ms == 0:
        return "0s"
    out = ""
    rest_s, rest_ms = divmod(ms, 1000)
    for unit, size in zip(("w", "d", "h", "m", "s"), _UNITS_S, strict=True):
        if unit == "w":
            continue  # weeks read badly in alert windows; days are clearer
        count, rest_s = divmod(rest_s, size)
        if count:
            out += f"{count}{unit}"
    if rest_ms:
        out += f"{rest_ms}ms"
    return out


def parse_bytes(value: int | str) -> int:
    """'512Mi', '1Gi', '1G' (SI), or an integer -> bytes. ValueError if malformed."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a size cannot be negative")
        return value
    m = _BYTES.match(str(value).strip())
    if not m:
        raise ValueError(f"{value!r} is not a size; write e.g. 512Mi, 1Gi or a number of bytes")
    amount = Decimal(m.group(1)) * _BYTE_FACTORS[m.group(2)]
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(amount)


# redis.conf's rule (Redis' memtoull): digits, then no unit (bytes) or one of these, any case.
_REDIS_BYTES = re.compile(r"^(\d+)(b|k|kb|m|mb|g|gb)?$", re.IGNORECASE)
_REDIS_FACTORS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}
_BINARY_BYTES = re.compile(r"^\d+(?:\.\d+)?\s*(?:Ki|Mi|Gi|Ti)B?$")


def parse_redis_bytes(value: int | str) -> int:
    """A Redis memory size -> bytes, read as Redis reads redis.conf: `1k` 1000, `1kb` 1024,
    `1m` 1000000, `1mb` 1048576, `1g`, `1gb` (any case, so `2GB` is 2 GiB), plain bytes; or
    a binary size as Kubernetes writes it (`512Mi`, `1GiB`). ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("a Redis size is a number of bytes or text such as 512mb or 2gb")
    if isinstance(value, int):
        return parse_bytes(value)
    text = value.strip()
    m = _REDIS_BYTES.match(text)
    if m:
        return int(m.group(1)) * _REDIS_FACTORS[(m.group(2) or "").lower()]
    if _BINARY_BYTES.match(text):
        return parse_bytes(text)
    raise ValueError(
        f"{value!r} is not a Redis size; write it as redis.conf does (512mb, 2gb: 1024-based; "
        "1k, 1m, 1g: 1000-based; or bytes) or as 512Mi, 2Gi"
    )
