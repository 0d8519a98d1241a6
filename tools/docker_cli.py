"""Run the ``docker`` CLI against one engine, with the output captured and errors that say what failed.

Used by the offline base image (tools/node_base.py), the integration tests and the benchmarks, which
all talk to a private engine (tools/local-dockerd.sh) through ``DOCKER_HOST`` rather than the
machine's default one.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping


class DockerError(RuntimeError):
    """A docker command exited non-zero; the message holds the command and its output."""

    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        output = (result.stderr or "").strip() or (result.stdout or "").strip()
        super().__init__(f"`{' '.join(args)}` exited {result.returncode}: {output}")


def docker_env(host: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a docker command: ours, with ``DOCKER_HOST`` and ``extra`` on top."""
    env = dict(os.environ)
    if host:
        env["DOCKER_HOST"] = host
    env.update(extra or {})
    return env


def docker(
    *args: str,
    host: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = 600,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``docker <args>`` and return the completed process (text output captured).

    ``host`` is the engine (``unix://...``), defaulting to the caller's ``DOCKER_HOST``; ``env``
    adds variables such as ``DOCKER_CONFIG`` or ``DOCKER_BUILDKIT``. With ``check`` a non-zero
    exit raises DockerError.
    """
    command = ["docker", *args]
    result = subprocess.run(
        command,
        env=docker_env(host, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )
    if check and result.returncode != 0:
        raise DockerError(command, result)
    return result


def engine_answers(host: str | None = None, timeout: float = 10) -> tuple[bool, str]:
    """Whether the engine answers ``docker info``, and why not when it does not."""
    try:
        result = docker("info", "--format", "{{.ServerVersion}}", host=host, check=False, timeout=timeout)
    except FileNotFoundError:
        return False, "the docker CLI is not installed"
    except subprocess.TimeoutExpired:
        return False, f"`docker info` did not answer within {timeout:g}s"
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        return False, lines[-1] if lines else f"`docker info` exited {result.returncode}"
    return True, result.stdout.strip()


def image_exists(ref: str, host: str | None = None) -> bool:
    return docker("image", "inspect", ref, host=host, check=False).returncode == 0
