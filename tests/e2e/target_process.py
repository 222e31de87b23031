"""A scrape target served by a process of its own, so a scenario can kill it by PID (as an
exporter crashes) and start it again on the same port (as a supervisor restarts it).

The process serves the same synthetic node_exporter as the rest of the rig (exporter.py):
its counters are the integral of fixed rates since `since`, so a restarted process goes on
where the stopped one would have been, with no counter reset.

Run as `python -m tests.e2e.target_process PORT SINCE` from the repository root.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.e2e import servers
from tests.e2e.exporter import NodeSignals, serve

# the repository root, where `-m tests.e2e.target_process` finds the package (not imported
# from tests.conftest: the process starts again mid-run, and that would load all of obsgen)
ROOT = Path(__file__).resolve().parents[2]


class TargetProcess:
    """The node exporter in its own process on a fixed 127.0.0.1 port; stopped by its PID."""

    def __init__(self, since: float, log: Path) -> None:
        self.since = since
        self.log = log
        self.port = servers.free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The PID of the running process (None while stopped)."""
        with self._lock:
            return self._proc.pid if self._proc is not None else None

    def start(self) -> int:
        """Start the process, wait until it serves /metrics; return its port."""
        argv = [sys.executable, "-m", "tests.e2e.target_process", str(self.port), repr(self.since)]
        with self._lock:
            if self._proc is not None:
                raise RuntimeError(f"the target on port {self.port} is already running")
            with self.log.open("ab") as out:
                proc = subprocess.Popen(
                    argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            try:
                servers.wait_ready(
                    "target", proc, f"http://127.0.0.1:{self.port}/metrics", self.log, 30
                )
            except RuntimeError:
                servers.stop(proc)
                raise
            self._proc = proc
        return self.port

    def stop(self) -> int | None:
        """Stop the process by its PID (its process group); return that PID (None if stopped)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return None
        servers.stop(proc)
        return proc.pid

    def running(self) -> bool:
        """Whether the process is alive."""
        with self._lock:
            return self._proc is not None and self._proc.poll() is None


def main(port: int, since: float) -> None:
    """Serve the synthetic node exporter on 127.0.0.1:`port` until killed."""
    serve(NodeSignals(since).samples, time.time, port)
    threading.Event().wait()  # until SIGTERM (or SIGKILL) ends the process


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
