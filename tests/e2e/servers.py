"""Real Prometheus and Alertmanager processes on 127.0.0.1, stopped by PID whatever happens.

Each server runs in its own process group (start_new_session), so teardown signals the
group by the server's PID: no helper it forked survives, and nothing else is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    """An ephemeral 127.0.0.1 port that was free a moment ago (the server binds it next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, timeout: float = 5) -> Any:
    """GET a 127.0.0.1 URL and decode its JSON body."""
    assert url.startswith("http://127.0.0.1:"), url  # the test talks to nothing else
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a server log, for failure messages."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running(
    name: str, argv: Sequence[str], ready_url: str, log: Path, timeout: float = 30
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `argv`, wait until `ready_url` answers 200, and stop it on exit, even on error."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_ready(name, proc, ready_url, log, timeout)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM the process group led by `proc`, SIGKILL it after `grace` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)


def wait_ready(
    name: str, proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float
) -> None:
    """Until `url` answers 200; fails with the log's tail if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log_tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready after {timeout}s:\n{log_tail(log)}")


def prometheus_argv(binary: str, config: Path, data: Path, port: int) -> list[str]:
    """Prometheus serving only on 127.0.0.1:`port`, with its TSDB in `data`."""
    return [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url=http://127.0.0.1:{port}",
        # Alerts firing at the first evaluation go out before Prometheus has discovered its
        # Alertmanager and are only resent after this delay (default 1m): seconds, like
        # every other timer of the fixture.
        "--rules.alert.resend-delay=5s",
        "--log.level=warn",
    ]


def alertmanager_argv(binary: str, config: Path, data: Path, port: int) -> list[str]:
    """Alertmanager on 127.0.0.1:`port`; an empty cluster address turns gossip (0.0.0.0) off."""
    return [
        binary,
        f"--config.file={config}",
        f"--storage.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url=http://127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]


def query(prometheus: str, expr: str) -> list[Mapping[str, Any]]:
    """An instant PromQL query against the test's Prometheus."""
    url = f"{prometheus}/api/v1/query?query={urllib.parse.quote(expr)}"
    result: list[Mapping[str, Any]] = get_json(url)["data"]["result"]
    return result
