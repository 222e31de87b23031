"""Redis `maxmemory` is read as Redis reads redis.conf (`1k` = 1000 bytes, `1kb` = 1024, any
case), binary sizes as Kubernetes writes them still work, and anything else is a located
error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.core.numbers import parse_redis_bytes
from generator.plan import read_spec
from tests.conftest import FIXTURES

BASE = (FIXTURES / "diff" / "every_field.yaml").read_text(encoding="utf-8")
LINE = "    maxmemory: 512Mi"


@pytest.mark.parametrize(
    ("written", "size"),
    [
        ("2gb", 2 * 1024**3),
        ("2GB", 2 * 1024**3),
        ("2Gb", 2 * 1024**3),
        ("512mb", 512 * 1024**2),
        ("512MB", 512 * 1024**2),
        ("1kb", 1024),
        ("1k", 1000),
        ("1K", 1000),
        ("3m", 3_000_000),
        ("2g", 2_000_000_000),
        ("2G", 2_000_000_000),
        ("100b", 100),
        ("536870912", 536870912),
        (536870912, 536870912),
        ("512Mi", 512 * 1024**2),
        ("1Gi", 1024**3),
        ("1GiB", 1024**3),
        ("1.5Gi", 3 * 512 * 1024**2),
    ],
)
def test_maxmemory_is_read_as_redis_reads_it(written: str | int, size: int, tmp_path: Path) -> None:
    value = written if isinstance(written, int) else f'"{written}"'
    (tmp_path / "spec.yaml").write_text(BASE.replace(LINE, f"    maxmemory: {value}"))
    spec, _ = read_spec(tmp_path / "spec.yaml", "spec.yaml")
    assert spec.datastores["cache"].maxmemory == size
    assert parse_redis_bytes(written) == size


@pytest.mark.parametrize("written", ["1.5gb", "2 gb", "1tb", "1T", "2gib", "lots", "-1mb", "0"])
def test_a_size_redis_would_not_read_is_a_located_error(
    written: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spec.yaml").write_text(BASE.replace(LINE, f'    maxmemory: "{written}"'))
    line = BASE.splitlines().index(LINE) + 1
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["validate", "spec.yaml"])
    assert res.exit_code == 2
    assert res.output.startswith(f"spec.yaml:{line}:16: datastores.cache.maxmemory: ")
    assert len(res.output.splitlines()) == 1 and "Traceback" not in res.output


def test_the_message_says_how_to_write_a_redis_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"write it as redis.conf does \(512mb, 2gb"):
        parse_redis_bytes("1.5gb")
