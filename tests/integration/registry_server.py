"""Run Debian's ``docker-registry`` (distribution 2.8) on loopback with a given ``auth:`` section."""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {host}
  secret: {secret}
{auth}"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def http_status(
    url: str, authorization: str | None = None, *, method: str = "GET", headers: dict[str, str] | None = None
) -> int:
    """HTTP status of a request to ``url`` (ours, on 127.0.0.1), with an ``Authorization`` header if given."""
    sent = {**(headers or {}), **({"Authorization": authorization} if authorization else {})}
    request = urllib.request.Request(url, headers=sent, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def serve_registry(directory: Path, auth: str, *, timeout: float = 20) -> Iterator[str]:
    """Start ``docker-registry serve`` with ``auth`` (an ``auth:`` YAML section) on 127.0.0.1, wait
    until it asks for credentials, yield its ``host:port``, and stop it at the end."""
    host = f"127.0.0.1:{free_port()}"
    config = directory / "config.yml"
    config.write_text(CONFIG.format(storage=directory / "storage", host=host, secret=secrets.token_hex(16), auth=auth))
    log_path = directory / "registry.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"docker-registry exited {process.returncode}: {log_path.read_text()}")
                try:
                    if http_status(f"http://{host}/v2/") == 401:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"docker-registry did not answer on {host} within {timeout:.0f} s")
                time.sleep(0.2)
            yield host
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
