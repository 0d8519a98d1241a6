"""The sample app: the recipe's service, on a current LTS, non-root, with a swappable base image."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.stackfiles import PROJECT_DIR

APP = PROJECT_DIR / "app"
NODE = shutil.which("node")


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    if NODE is None:
        pytest.skip("node is not installed on this machine; the container test (tests/integration) covers the app")
    process = subprocess.Popen(
        [NODE, str(APP / "app.js")],
        env={**os.environ, "PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = json.loads(process.stdout.readline())
    port = int(re.fullmatch(r"listening on (\d+)", first["msg"])[1])  # type: ignore[index]
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def get(port: int, path: str = "/") -> tuple[int, str, dict[str, object]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status, response.headers["Content-Type"], json.loads(response.read())


def test_every_request_gets_json_hostname_random_and_arch_and_is_logged(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = server
    status, content_type, first = get(port)
    _, _, second = get(port, "/anything/else?x=1")
    assert status == 200
    assert content_type == "application/json"
    assert set(first) == {"hostname", "random", "arch"}
    assert first["hostname"] == os.uname().nodename
    # Node's names for the machine's CPU (the integration tests run the arm64 image too).
    assert first["arch"] == {"x86_64": "x64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    assert isinstance(first["random"], float)
    assert 0 <= first["random"] < 1
    assert first["random"] != second["random"]
    assert process.stdout is not None
    logged = [json.loads(process.stdout.readline()) for _ in range(2)]
    assert [(line["method"], line["path"], line["status"]) for line in logged] == [
        ("GET", "/", 200),
        ("GET", "/anything/else?x=1", 200),
    ]


def test_the_service_stops_cleanly_on_sigterm(server: tuple[subprocess.Popen[str], int]) -> None:
    process, _ = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0


def dockerfile_instructions() -> list[tuple[str, str]]:
    lines = (APP / "Dockerfile").read_text().splitlines()
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1] if " " in line else "")
        for line in lines
        if line.strip() and not line.lstrip().startswith("#") and not line.startswith(" ")
    ]


def test_dockerfile_base_image_is_a_build_argument_with_a_current_lts_default() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0][0] == "ARG"
    name, default = instructions[0][1].split("=", 1)
    assert (name, instructions[1]) == ("NODE_IMAGE", ("FROM", "${NODE_IMAGE}"))
    major = int(re.fullmatch(r"node:(\d+)-alpine", default)[1])  # type: ignore[index]
    assert major >= 24
    assert major % 2 == 0  # even majors are the LTS lines


def test_dockerfile_runs_the_app_as_a_non_root_user_on_8080() -> None:
    instructions = dict(dockerfile_instructions()[1:])
    user = instructions["USER"].split(":")[0]
    assert user not in {"root", "0"}
    assert instructions["EXPOSE"] == "8080"
    assert json.loads(instructions["CMD"]) == ["node", "app.js"]
    # No `# syntax=` directive: BuildKit would pull a frontend image from Docker Hub.
    assert not (APP / "Dockerfile").read_text().lower().startswith("# syntax")


def test_the_code_is_the_last_layer_and_owned_by_root() -> None:
    """A change to app.js must rebuild one layer only: nothing may follow the COPY of the code."""
    instructions = dockerfile_instructions()
    assert instructions[-1] == ("COPY", "app.js ./")
    assert [kind for kind, _ in instructions].count("COPY") == 1
    # No --chown: the files stay root's, read-only to the user the service runs as.
    assert "--chown" not in instructions[-1][1]


def test_only_the_code_is_in_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in (APP / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns == ["*", "!app.js"]


def test_app_files_exist_where_the_stacks_build_them() -> None:
    assert (Path(APP) / "package.json").is_file()
    assert json.loads((APP / "package.json").read_text())["main"] == "app.js"
