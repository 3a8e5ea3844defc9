"""The app under gunicorn on loopback, and a compact asyncio HTTP/1.1 client to drive it.

Shared by the benchmarks (bench/bench_checkin.py) and the load and fault tests (tests/load, tests/faults): the same
server start and the same client, so a figure of `make bench` and a test under load measure the same stack.

Why asyncio and not threads or `requests`: one coroutine per client costs tens of microseconds of CPU per request,
so on a 2-core machine the load generator leaves the cores to gunicorn and PostgreSQL instead of competing with them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    env: dict,
    port: int,
    *,
    workers: int,
    threads: int = 1,
    worker_class: str = "gthread",
    config: str | None = None,
    startup_seconds: float = 30,
) -> subprocess.Popen:
    """Start `gunicorn wsgi:app` on 127.0.0.1:port and return once /healthz answers 200.

    `config` is a gunicorn configuration file (server hooks), for tests that reach into the workers.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    if config:
        command += ["--config", config]
    command.append("wsgi:app")
    # gunicorn's and the app's messages go to a file, not a pipe: a pipe nobody reads while the app logs (a database
    # outage under load) fills up and stops the workers.
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_gunicorn)
    # Our own gunicorn, with arguments built above.
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)  # noqa: S603
    server.errors = errors
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start: " + stop_gunicorn(server)[-2000:])


def stop_gunicorn(server: subprocess.Popen, timeout: float = 30) -> str:
    """Stop gracefully (SIGTERM to the master) and return what gunicorn and the app wrote to stderr."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return read_errors(server, close=True)


def read_errors(server: subprocess.Popen, *, close: bool = False) -> str:
    """What gunicorn and the app have written to stderr so far."""
    errors = server.errors
    if errors.closed:
        return ""
    errors.seek(0)
    text = errors.read().decode(errors="replace")
    if close:
        errors.close()
    return text


def worker_pids(server: subprocess.Popen) -> set[int]:
    """The gunicorn master's live worker processes (Linux: the master's children)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0

    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class ConnectionLost(Exception):
    """The server closed the connection before answering (a worker killed mid-request)."""


@dataclass
class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, opened on first use and re-opened after a close.

    A request on a kept-alive connection that the server closed without a word is sent again on a new one
    (gunicorn ends idle keep-alive connections). With keep_alive=False every request has its own connection and is
    never sent twice, so a lost answer (a worker killed mid-request) is reported as ConnectionLost.
    """

    port: int
    keep_alive: bool = True
    cookies: dict[str, str] = field(default_factory=dict)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body=None,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> Response:
        head = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if not self.keep_alive:
            head["Connection"] = "close"
        body = b""
        if token:
            head["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            head["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body or method in ("POST", "PUT", "PATCH"):
            head["Content-Length"] = str(len(body))
        raw = (f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode()
        for _attempt in range(2):
            reused = self._writer is not None and self.keep_alive
            if not reused:
                self.close()
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
            started = time.perf_counter()
            try:
                self._writer.write(raw + body)
                await self._writer.drain()
                response = await self._read()
            except (ConnectionError, asyncio.IncompleteReadError, ConnectionLost) as exc:
                self.close()
                if reused and isinstance(exc, ConnectionLost | ConnectionResetError | BrokenPipeError):
                    continue
                raise ConnectionLost(f"{method} {path}: {type(exc).__name__}") from exc
            response.seconds = time.perf_counter() - started
            return response
        raise ConnectionLost(f"{method} {path}: closed twice")

    async def _read(self) -> Response:
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionLost("closed before the status line")
        headers: dict[str, str] = {}
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip(), value.strip()
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
            headers[name] = value
        lowered = {name.lower(): value for name, value in headers.items()}
        body = await self._reader.readexactly(int(lowered.get("content-length", 0)))
        if "close" in lowered.get("connection", "").lower():
            self.close()
        return Response(int(status_line.split()[1]), headers, body)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
