"""Compiled templates kept between runs, as Python keeps .pyc files.

Compiling the built-in templates costs more than rendering them (about 0.2 s of a cold
`obsgen generate` of spec/duri.yaml). Jinja's bytecode cache stores each compiled template
keyed by its name and path and checked against a digest of its source, so an edited
template (a built-in one or a `--templates` override) is compiled again, never served
stale. The cache lives in `$OBSGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/obsgen`, else
`~/.cache/obsgen`; `OBSGEN_CACHE_DIR=off` turns it off. It is only an optimisation: a
directory that cannot be created or written means templates are compiled every run, and
so does one that another user owns or anyone else may write to (compiled templates are
code, loaded as such).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache whose failures to write cost speed, never the run."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def cache_dir() -> Path | None:
    """Where compiled templates are kept, or None when caching is off."""
    chosen = os.environ.get("OBSGEN_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "obsgen"


def bytecode_cache(sandboxed: bool = True) -> jinja2.BytecodeCache | None:
    """The cache of one environment, sandboxed (overrides) or not (the built-in templates
    alone): its own subdirectory per Jinja version and environment, since compiled code is
    only reused by the code generator that wrote it."""
    root = cache_dir()
    if root is None:
        return None
    directory = root / f"jinja-{jinja2.__version__}-{'sandboxed' if sandboxed else 'builtin'}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not _private(directory):
        return None
    # the name says which code generator compiled it: output/sandbox.py bounds `~` in the code
    return _BestEffortCache(str(directory), "%s.bounded.cache" if sandboxed else "%s.cache")


def _private(directory: Path) -> bool:
    """Whether only we can put files in `directory`: compiled templates are code, so a
    directory another user could write to (or one we cannot) is not used."""
    try:
        info = directory.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    if info.st_mode & 0o022:  # group- or world-writable
        return False
    return os.access(directory, os.W_OK | os.X_OK)
