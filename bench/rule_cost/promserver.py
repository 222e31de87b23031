"""A Prometheus server of our own: 127.0.0.1, ephemeral port, temp dirs, stopped by PID.

Prometheus is started with `--web.listen-address=127.0.0.1:0`; the port the kernel picked is
read back from its log line `Listening on ... address=127.0.0.1:<port>`, so there is no race
for a port. HTTP goes through urllib to that loopback address only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

PROMETHEUS = "/usr/bin/prometheus"
_LISTENING = re.compile(r'msg="Listening on" address=127\.0\.0\.1:(\d+)')


class Prometheus:
    """One Prometheus process; use as a context manager or call stop() in a finally."""

    def __init__(self, name: str, config: Path, data: Path, log: Path, *extra: str) -> None:
        self.name = name
        self.config, self.data, self.log = config, data, log
        self.args = [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=60d",
            "--web.listen-address=127.0.0.1:0",
            *extra,
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.started = 0.0  # wall-clock time of start()

    @property
    def pid(self) -> int:
        """Process id (0 before start)."""
        return self.proc.pid if self.proc else 0

    def start(self, timeout: float = 120.0) -> Prometheus:
        """Start and wait until /-/ready answers."""
        self.started = time.time()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.port:
            self._check_alive()
            m = _LISTENING.search(self.log.read_text(errors="replace"))
            if m:
                self.port = int(m.group(1))
            elif time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no listen address in {self.log}")
            else:
                time.sleep(0.1)
        while True:
            self._check_alive()
            try:
                self.get("/-/ready", timeout=5)  # 503 (an HTTPError) until ready
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: not ready, see {self.log}")
            time.sleep(0.2)

    def _check_alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        """SIGTERM this PID, SIGKILL it after 30 s; idempotent."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> Prometheus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, loopback only."""
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, params: dict[str, str] | None = None, timeout: float = 60.0) -> bytes:
        """GET a path of this server."""
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        with urllib.request.urlopen(self.url + path + query, timeout=timeout) as r:
            body: bytes = r.read()
            return body

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path> and return its `data`."""
        doc = json.loads(self.get("/api/v1/" + path, params))
        if doc.get("status") != "success":
            raise RuntimeError(f"{self.name} {path}: {doc}")
        return doc["data"]

    def metrics(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        """This server's own /metrics, parsed: name -> [(labels, value)]."""
        return parse_metrics(self.get("/metrics").decode())

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (from /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Parse Prometheus text exposition into name -> [(labels, value)]."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(2) or ""))
        out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def scalar(metrics: dict[str, list[tuple[dict[str, str], float]]], name: str) -> float:
    """Sum of all samples of one metric name (0 when absent)."""
    return sum(v for _, v in metrics.get(name, []))
