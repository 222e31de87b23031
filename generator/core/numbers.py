"""Exact numbers, durations and byte sizes: parsed once, printed exactly.

Every number obsgen prints goes through `fmt`, so `0.001` never becomes
`0.0009999999999999432`.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation, localcontext

# Prometheus and Alertmanager read durations into Go's time.Duration (int64 nanoseconds):
# promtool and amtool refuse anything longer than this (106751d23h47m16s854ms).
MAX_DURATION_MS = (2**63 - 1) // 1_000_000
# Spec numbers: within +-10^15 and to 12 decimal places, so every sum or product of two of
# them stays exact in Decimal's 28 digits, and a value like 1e309 or 1e-300 is refused.
MAX_MAGNITUDE = Decimal(10) ** 15
MAX_DECIMALS = 12
# No machine has an exbibyte of memory; a larger size is a typo.
MAX_SIZE_BYTES = 1024**6

_DIGITS = r"(\d{1,20})"
_DURATION = re.compile(
    rf"^(?:{_DIGITS}w)?(?:{_DIGITS}d)?(?:{_DIGITS}h)?(?:{_DIGITS}m)?(?:{_DIGITS}s)?(?:{_DIGITS}ms)?$"
)
_UNITS_S = (604800, 86400, 3600, 60, 1)
_BYTES = re.compile(
    r"^(\d{1,20}(?:\.\d{1,20})?)\s*(B|Ki|Mi|Gi|Ti|KiB|MiB|GiB|TiB|k|M|G|T|kB|MB|GB|TB)?$"
)
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


def check_number(d: Decimal) -> Decimal:
    """`d` if it is a finite spec number within the limits; ValueError naming the limit."""
    if not d.is_finite():
        raise ValueError("must be a finite number")
    if d.copy_abs() >= MAX_MAGNITUDE:
        raise ValueError("must lie strictly between -10^15 and 10^15")
    if d != d.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        raise ValueError(f"must have at most {MAX_DECIMALS} decimal places")
    return d


@functools.lru_cache(maxsize=1 << 16)  # a spec's numbers recur in every service's rules
def fmt(value: Decimal | int | float) -> str:
    """Print a number exactly, without exponent or trailing zeros: 0.001, 14.4, 200."""
    d = dec(value)
    with localcontext() as ctx:
        # exact whatever the number's length: the default 28 digits would round (or raise)
        ctx.prec = max(28, len(d.as_tuple().digits) + max(0, int(d.adjusted())) + 2)
        if d == d.to_integral_value():
            return str(d.quantize(Decimal(1)))
        return format(d.normalize(), "f")


def parse_duration(text: str) -> int:
    """Prometheus duration ('5m', '1h30m', '1d') -> milliseconds. ValueError if malformed."""
    if not isinstance(text, str):  # a spec's value of another type: refused below, uncached
        return _parse_duration.__wrapped__(text)
    return _parse_duration(text)


@functools.lru_cache(maxsize=1 << 12)  # a spec's few durations, read for every service
def _parse_duration(text: str) -> int:
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m or not any(m.groups()):
        raise ValueError(
            f"{text!r} is not a duration; write it as Prometheus does, e.g. 30s, 5m, 1h30m, 1d"
        )
    *parts, ms = m.groups()
    total = sum(int(p) * u * 1000 for p, u in zip(parts, _UNITS_S, strict=True) if p)
    total += int(ms) if ms else 0
    if total > MAX_DURATION_MS:
        raise ValueError(
            f"must be at most {format_duration(MAX_DURATION_MS)} (about 292 years), the "
            "longest duration Prometheus and Alertmanager accept"
        )
    return total


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
        if value > MAX_SIZE_BYTES:
            raise ValueError("must be at most 1Ei (an exbibyte)")
        return value
    m = _BYTES.match(str(value).strip())
    if not m:
        raise ValueError(f"{value!r} is not a size; write e.g. 512Mi, 1Gi or a number of bytes")
    amount = Decimal(m.group(1)) * _BYTE_FACTORS[m.group(2)]
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    if amount > MAX_SIZE_BYTES:
        raise ValueError("must be at most 1Ei (an exbibyte)")
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
