"""The wait for the registry to accept a new auth token (components/registry_login.py).

Against a registry stand-in on loopback that speaks the Docker registry auth flows (basic, and
bearer with a token service as OCIR does) and accepts the credentials only from the n-th login;
time is simulated so the backoff is checked without waiting. Answers that break off (cut short,
closed without a word, reset, not HTTP, never finished) come from a raw-socket stand-in, also on
loopback, with attempts bounded in real time. The real registry server is in
tests/integration/test_login_check.py.
"""

from __future__ import annotations

import base64
import datetime
import json
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from components.registry_login import (
    BACKOFF_SECONDS,
    NEW_TOKEN_SECONDS,
    RegistryLoginError,
    created_at,
    is_new,
    parse_challenge,
    realm_refusal,
    wait_for_login,
)
from tests.conftest import NS, TOKEN, valid_config
from tests.conftest import USER as USER_OCID
from tests.test_promotion import promoted_prod
from tools.engine.mocks import OcirMocks
from tools.engine.steps import Resource, resources_of, update
from tools.engine.types import AUTH_TOKEN, IMAGE, LOGIN_CHECK, REGISTRY_IMAGE
from tools.harness import StackRun

USER = "testns/push-user"


@dataclass
class FakeRegistry:
    """A registry's /v2/ endpoint and token service; accepts ``password`` from login ``accept_from``."""

    flow: str = "basic"
    password: str = TOKEN
    accept_from: int | None = 1
    """The login attempt from which the password works; None: never."""
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    logins: int = 0
    host: str = ""

    @property
    def accepting(self) -> bool:
        return self.accept_from is not None and self.logins >= self.accept_from


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    state = FakeRegistry()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _basic_ok(self) -> bool:
            expected = base64.b64encode(f"{USER}:{state.password}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            unauthorized = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            if state.flow == "none" and url.path == "/v2/":
                self._send(200, {})
            elif state.flow == "broken":
                self._send(404, {"errors": [{"code": "NOT_FOUND", "message": "no such route"}]})
            elif url.path == "/v2/" and state.flow == "negotiate":
                self._send(401, unauthorized, {"WWW-Authenticate": "Negotiate"})
            elif url.path == "/v2/" and state.flow == "basic":
                if self.headers.get("Authorization"):
                    state.logins += 1
                if self._basic_ok() and state.accepting:
                    self._send(200, {})
                else:
                    self._send(401, unauthorized, {"WWW-Authenticate": 'Basic realm="Registry Realm"'})
            elif url.path == "/v2/" and state.flow in ("bearer", "bearer-ftp-realm"):
                if self.headers.get("Authorization") == "Bearer issued-token":
                    self._send(200, {})
                else:
                    scheme = "ftp" if state.flow == "bearer-ftp-realm" else "http"
                    challenge = f'Bearer realm="{scheme}://{state.host}/token",service="fake.ocir.io",scope=""'
                    self._send(401, unauthorized, {"WWW-Authenticate": challenge})
            elif url.path == "/token":
                state.logins += 1
                state.token_requests.append(urllib.parse.parse_qs(url.query))
                if self._basic_ok() and state.accepting:
                    self._send(200, {"token": "issued-token", "expires_in": 300})
                else:
                    self._send(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]})
            else:
                self._send(404, {})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.host = f"127.0.0.1:{server.server_address[1]}"
    # A short poll: shutdown() waits for serve_forever to look at its flag, every 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class FakeTime:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def wait(registry: FakeRegistry, clock: FakeTime, password: str = TOKEN, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = wait_for_login(
        registry.host, USER, password, insecure=True, sleep=clock.sleep, clock=clock.clock, **kwargs
    )
    return result


@pytest.mark.parametrize("flow", ["basic", "bearer"])
def test_credentials_that_work_at_once_pass_on_the_first_attempt(registry: FakeRegistry, flow: str) -> None:
    registry.flow = flow
    clock = FakeTime()
    assert wait(registry, clock) == {"flow": flow, "attempts": 1, "waitedSeconds": 0.0}
    assert clock.sleeps == []


@pytest.mark.parametrize("flow", ["basic", "bearer"])
def test_a_late_credential_is_retried_with_backoff_until_accepted(registry: FakeRegistry, flow: str) -> None:
    registry.flow, registry.accept_from = flow, 4
    clock = FakeTime()
    result = wait(registry, clock)
    assert result == {"flow": flow, "attempts": 4, "waitedSeconds": 14.0}
    assert clock.sleeps == [2, 4, 8]


def test_the_bearer_flow_asks_the_realm_for_a_token_for_the_account_and_service(registry: FakeRegistry) -> None:
    registry.flow = "bearer"
    wait(registry, FakeTime())
    assert registry.token_requests == [
        {"account": [USER], "client_id": ["ocir-pulumi"], "service": ["fake.ocir.io"]},
    ]


@pytest.mark.parametrize("flow", ["basic", "bearer"])
def test_a_credential_that_never_works_fails_within_the_timeout_naming_server_user_and_answer(
    registry: FakeRegistry, flow: str
) -> None:
    registry.flow, registry.accept_from = flow, None
    clock = FakeTime()
    with pytest.raises(RegistryLoginError) as caught:
        wait(registry, clock, timeout_seconds=120)
    message = str(caught.value)
    # 0, 2, 6, 14, 30, 50, 70, 90, 110: the next wait (20 s) would end after the 120 s bound.
    assert clock.sleeps == [2, 4, 8, 16, 20, 20, 20, 20]
    assert sum(clock.sleeps) <= 120
    assert f"could not log in to registry {registry.host} as '{USER}': 9 attempts in 110 s" in message
    assert "HTTP 401 (" in message
    assert ("invalid credentials" if flow == "bearer" else "authentication required") in message
    assert "up to a minute" in message
    assert TOKEN not in message


def test_a_wrong_password_is_never_accepted(registry: FakeRegistry) -> None:
    clock = FakeTime()
    with pytest.raises(RegistryLoginError, match="3 attempts in 6 s") as caught:
        wait(registry, clock, password="not-the-token", timeout_seconds=10)
    assert "not-the-token" not in str(caught.value)
    assert registry.logins == 3


def test_the_backoff_schedule_is_bounded_and_the_last_wait_repeats(registry: FakeRegistry) -> None:
    registry.accept_from = None
    clock = FakeTime()
    with pytest.raises(RegistryLoginError):
        wait(registry, clock, timeout_seconds=300)
    assert clock.sleeps[: len(BACKOFF_SECONDS)] == list(BACKOFF_SECONDS)
    assert set(clock.sleeps[len(BACKOFF_SECONDS) :]) == {BACKOFF_SECONDS[-1]}
    assert sum(clock.sleeps) <= 300 < sum(clock.sleeps) + BACKOFF_SECONDS[-1]


def test_a_registry_without_auth_passes(registry: FakeRegistry) -> None:
    registry.flow = "none"
    assert wait(registry, FakeTime())["flow"] == "none"


def test_an_unreachable_registry_is_retried_and_then_reported() -> None:
    clock = FakeTime()
    with pytest.raises(RegistryLoginError, match=r"could not reach 127\.0\.0\.1:9: .*refused"):
        wait_for_login(
            "127.0.0.1:9", USER, TOKEN, insecure=True, timeout_seconds=5, sleep=clock.sleep, clock=clock.clock
        )
    assert clock.sleeps == [2]


def test_something_that_is_not_a_registry_is_reported(registry: FakeRegistry) -> None:
    registry.flow = "broken"
    with pytest.raises(RegistryLoginError, match=r"/v2/ answered HTTP 404 \(no such route\), expected 401"):
        wait(registry, FakeTime(), timeout_seconds=3)


@pytest.mark.parametrize(
    ("realm", "insecure", "refused"),
    [
        ("https://fra.ocir.io/20180419/docker/token", False, False),
        ("http://evil.example/token", False, True),
        ("http://127.0.0.1:5000/token", True, False),
        ("ftp://x/token", True, True),
        ("", False, True),
    ],
)
def test_credentials_go_to_a_token_realm_only_over_https_unless_the_registry_is_plain_http(
    realm: str, insecure: bool, refused: bool
) -> None:
    refusal = realm_refusal(realm, insecure)
    assert (refusal is not None) is refused
    if refusal:
        assert repr(realm) in refusal


def test_a_refused_realm_fails_at_once_without_sending_the_password(registry: FakeRegistry) -> None:
    registry.flow = "bearer-ftp-realm"
    clock = FakeTime()
    with pytest.raises(RegistryLoginError, match=r"1 attempt in 0 s, the last answer: the token realm 'ftp://"):
        wait(registry, clock)
    assert registry.token_requests == []
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Basic realm="Registry Realm"', ("basic", {"realm": "Registry Realm"})),
        (
            'Bearer realm="https://fra.ocir.io/20180419/docker/token",service="fra.ocir.io",scope=""',
            ("bearer", {"realm": "https://fra.ocir.io/20180419/docker/token", "service": "fra.ocir.io", "scope": ""}),
        ),
        (
            'Bearer realm="https://a/token",scope="repository:x/y:pull,push"',
            ("bearer", {"realm": "https://a/token", "scope": "repository:x/y:pull,push"}),
        ),
        ("", ("", {})),
    ],
)
def test_parse_challenge(header: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_challenge(header) == expected


def test_an_unknown_challenge_fails_at_once(registry: FakeRegistry) -> None:
    registry.flow = "negotiate"
    clock = FakeTime()
    with pytest.raises(
        RegistryLoginError, match="1 attempt in 0 s, the last answer: unsupported auth challenge 'Negotiate"
    ):
        wait(registry, clock)
    assert clock.sleeps == []


# --- answers that break off ------------------------------------------------------------------

ATTEMPT = 0.25
"""Seconds an attempt may take in these tests when the answer never ends (ATTEMPT_SECONDS in real
use); the other faults end an attempt at once, and get 5 s so that a busy machine cannot cut it."""
HANGS = {"trickle", "stall"}

FAULTS = {
    # what the server does with a connection -> what the last answer names
    "truncated": "IncompleteRead",  # Content-Length larger than what is sent, then close
    "truncated-chunked": "IncompleteRead",  # a chunk announced, not all sent, then close
    "silent": "RemoteDisconnected",  # reads the request, closes without answering
    "reset": "ConnectionResetError",  # reads the request, resets the connection
    "bad-status": "BadStatusLine",  # answers something that is not HTTP
    "trickle": f"within {ATTEMPT:g} s",  # headers, then a body one byte at a time that never ends
    "stall": f"within {ATTEMPT:g} s",  # headers, then nothing
}


@dataclass
class FlakyRegistry:
    """A registry's /v2/ endpoint with basic auth, on a raw socket: connection ``n`` (from 0) does
    what ``faults[n]`` says (a FAULTS key; None: answers properly), every later one ``then``."""

    host: str = ""
    faults: list[str | None] = field(default_factory=list)
    then: str | None = None
    connections: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def next_fault(self) -> str | None:
        self.connections += 1
        n = self.connections - 1
        return self.faults[n] if n < len(self.faults) else self.then


def _answer(request: bytes) -> tuple[str, bytes]:
    """What a working registry answers: 200 for the right basic credentials, else the challenge."""
    expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    headers = [line.partition(":") for line in request.decode("latin-1").split("\r\n")[1:]]
    authorization = next((value.strip() for name, _, value in headers if name.lower() == "authorization"), "")
    if authorization == expected:
        return "200 OK", b"{}"
    body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
    return '401 Unauthorized\r\nWWW-Authenticate: Basic realm="flaky"', body


def _until_closed(conn: socket.socket, stopping: threading.Event, send: bytes = b"") -> None:
    """Send ``send`` every 20 ms (or nothing) until the client goes away or the server stops."""
    conn.settimeout(0.02)
    while not stopping.is_set():
        try:
            if send:
                conn.sendall(send)
            if conn.recv(1) == b"":
                return
        except TimeoutError:
            continue
        except OSError:
            return


@pytest.fixture
def flaky() -> Iterator[FlakyRegistry]:
    state = FlakyRegistry()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            fault = state.next_fault()
            status, body = _answer(request)
            head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n"
            if fault is None:
                conn.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            elif fault == "truncated":
                conn.sendall(f"{head}Content-Length: {len(body) + 50}\r\n\r\n".encode() + body[: len(body) // 2])
            elif fault == "truncated-chunked":
                conn.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n{len(body):x}\r\n".encode() + body[:2])
            elif fault == "silent":
                pass
            elif fault == "reset":
                # Closed here with a zero linger: a reset (socketserver would shut it down cleanly first).
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif fault == "bad-status":
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            elif fault == "trickle":
                conn.sendall(f"{head}Content-Length: 100000\r\n\r\n".encode())
                _until_closed(conn, state.stopping, send=b" ")
            elif fault == "stall":
                conn.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
                _until_closed(conn, state.stopping)
            else:
                raise AssertionError(f"unknown fault {fault!r}")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    state.host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield state
    state.stopping.set()
    server.shutdown()
    server.server_close()


def wait_flaky(registry: FlakyRegistry, clock: FakeTime, **kwargs: Any) -> tuple[dict[str, Any], float]:
    faults = {*registry.faults, registry.then}
    kwargs.setdefault("attempt_seconds", ATTEMPT if faults & HANGS else 5.0)
    started = time.monotonic()
    result: dict[str, Any] = wait_for_login(
        registry.host, USER, TOKEN, insecure=True, sleep=clock.sleep, clock=clock.clock, **kwargs
    )
    return result, time.monotonic() - started


def test_a_working_flaky_registry_accepts_at_once(flaky: FlakyRegistry) -> None:
    # The stand-in itself: without faults it is a registry with basic auth.
    clock = FakeTime()
    assert wait_flaky(flaky, clock)[0] == {"flow": "basic", "attempts": 1, "waitedSeconds": 0.0}
    assert flaky.connections == 2


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("broken", ["challenge", "login"])
def test_an_answer_that_breaks_off_is_retried_until_the_registry_recovers(
    flaky: FlakyRegistry, fault: str, broken: str
) -> None:
    # The first attempt's first request (the challenge) or second (the login with the credentials) breaks off.
    flaky.faults = [fault] if broken == "challenge" else [None, fault]
    clock = FakeTime()
    result, elapsed = wait_flaky(flaky, clock)
    assert result == {"flow": "basic", "attempts": 2, "waitedSeconds": 2.0}
    assert clock.sleeps == [2]
    # One attempt that ended at its bound at most, then one that worked.
    assert elapsed < ATTEMPT + 1


@pytest.mark.parametrize(("fault", "named"), FAULTS.items())
def test_an_answer_that_never_completes_fails_within_the_bound_naming_it(
    flaky: FlakyRegistry, fault: str, named: str
) -> None:
    flaky.then = fault
    clock = FakeTime()
    started = time.monotonic()
    with pytest.raises(RegistryLoginError) as caught:
        wait_flaky(flaky, clock, timeout_seconds=5)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    # Attempts at 0 and 2 s; the next wait (4 s) would end after the 5 s bound.
    assert clock.sleeps == [2]
    assert f"2 attempts in 2 s, the last answer: GET http://{flaky.host}/v2/ got no complete answer" in message
    assert named in message
    assert TOKEN not in message
    # Each attempt within its own bound, however long the answer would have gone on.
    assert elapsed < 2 * ATTEMPT + 1


def test_an_answer_that_never_ends_is_cut_at_the_attempts_bound(flaky: FlakyRegistry) -> None:
    flaky.faults = ["trickle"]
    clock = FakeTime()
    started = time.monotonic()
    with pytest.raises(RegistryLoginError, match=f"got no complete answer within {ATTEMPT:g} s"):
        wait_flaky(flaky, clock, timeout_seconds=1)
    assert ATTEMPT - 0.05 <= time.monotonic() - started < ATTEMPT + 0.5


# --- the dynamic provider -------------------------------------------------------------------


# --- while the token is new ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12-01 09:00:00.123456789 +0000 UTC", "2026-12-01T09:00:00+00:00"),  # Go's time.Time.String()
        ("2026-12-01 10:00:00 +0100 CET", "2026-12-01T10:00:00+01:00"),
        ("2026-12-01T09:00:00.5Z", "2026-12-01T09:00:00+00:00"),
        ("2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00+00:00"),
        ("yesterday", None),
        (None, None),
    ],
)
def test_when_the_token_was_created_is_read_as_oci_writes_it(written: str | None, expected: str | None) -> None:
    created = created_at(written)
    assert (created.isoformat() if created else None) == expected


def test_a_token_is_new_for_fifteen_minutes_and_when_its_time_cannot_be_read() -> None:
    now = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    assert is_new("2026-12-01 08:46:00 +0000 UTC", now)
    assert not is_new("2026-12-01 08:44:00 +0000 UTC", now)
    assert is_new("2026-12-01 09:05:00 +0000 UTC", now)  # a clock behind OCI's: wait rather than push early
    assert is_new("", now)
    assert NEW_TOKEN_SECONDS == 900


OLD = "2020-01-01 00:00:00.000000 +0000 UTC"


class Recording:
    """A registry stand-in that records, with each login, what had been registered when it came."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.calls: list[tuple[str, str, list[str]]] = []

    def __call__(self, server: str, username: str, password: str, **options: Any) -> dict[str, Any]:
        from pulumi.runtime.settings import get_monitor

        registered = [r.type for r in getattr(get_monitor(), "registrations", [])]
        self.calls.append((server, username, registered))
        if not self.accept:
            raise RegistryLoginError(f"could not log in to registry {server} as {username!r}: refused")
        return {"flow": "test", "attempts": 1, "waitedSeconds": 0.0}


def test_a_new_token_is_accepted_before_anything_is_pushed(run: Callable[..., StackRun]) -> None:
    registry = Recording()
    result = run(valid_config(images=[{"name": "api", "tag": "1.0"}, {"name": "web", "tag": "2.0"}]), registry=registry)
    ((server, username, registered),) = registry.calls
    assert (server, username) == ("fra.ocir.io", "testns/looked-up-user")
    assert AUTH_TOKEN in registered
    assert IMAGE not in registered  # no push had been declared yet: each waits for the accepted password
    for image in result.of_type(IMAGE):
        assert image.plain["registry"]["password"] == TOKEN
        assert image.secret_inputs == ["registry.password"]
    assert result.outputs["authToken"].secret
    assert [r for r in result.resources if r.type.startswith("pulumi-python:dynamic")] == []


def test_promoted_images_wait_for_the_accepted_password_too() -> None:
    registry = Recording()
    result = promoted_prod(registry=registry)
    assert len(registry.calls) == 1
    assert REGISTRY_IMAGE not in registry.calls[0][2]
    assert result.one(REGISTRY_IMAGE).plain["authConfig"]["password"] != ""


@pytest.mark.parametrize("kind", ["preview", "old token", "no wait"])
def test_no_login_in_a_preview_for_an_old_token_or_without_a_timeout(run: Callable[..., StackRun], kind: str) -> None:
    registry = Recording()
    options: dict[str, Any] = {"registry": registry}
    if kind == "preview":
        options.update(preview=True)
    if kind == "old token":
        options.update(mocks=OcirMocks(token=TOKEN, token_created=OLD))
    result = run(valid_config(), **options) if kind != "no wait" else _without_wait(registry)
    assert result.error is None
    assert registry.calls == []


def _without_wait(registry: Recording) -> StackRun:
    from components import OcirProject
    from tests.test_components import project_args
    from tools.harness import evaluate

    return evaluate(lambda: OcirProject("p-team", project_args(login_timeout_seconds=0)), registry=registry)


def test_a_refused_login_fails_the_update_before_any_push(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(), registry=Recording(accept=False), raise_errors=False)
    assert isinstance(result.error, RegistryLoginError)
    assert "refused" in str(result.error)
    assert IMAGE not in [r.type for r in result.resources]


def _refusing() -> Callable[..., dict[str, Any]]:
    def refuse(server: str, username: str, password: str, **options: Any) -> dict[str, Any]:
        # The real wait's message, as it names the arguments in the context the component was declared in.
        from components._args import label

        raise RegistryLoginError(f"check {label('RegistryCredentialsArgs', 'user_name')}")

    return refuse


def test_the_wait_names_the_arguments_of_whoever_declared_the_credentials(run: Callable[..., StackRun]) -> None:
    from components import RegistryCredentials
    from tools.harness import evaluate

    in_program = run(valid_config(), registry=_refusing(), raise_errors=False)
    assert str(in_program.error) == f"check {NS}:userName"

    def credentials() -> None:
        RegistryCredentials("ci", {"user_ocid": USER_OCID, "registry_server": "fra.ocir.io", "namespace": "ns"})

    alone = evaluate(credentials, registry=_refusing(), raise_errors=False)
    assert str(alone.error) == "check RegistryCredentialsArgs.user_name"


@pytest.mark.parametrize("seconds", [-1, 901, True])
def test_the_timeout_is_bounded(seconds: int) -> None:
    from components import RegistryCredentials

    args: Any = {"user_ocid": USER_OCID, "registry_server": "fra.ocir.io", "namespace": "ns"}
    with pytest.raises(ValueError, match=r"RegistryCredentialsArgs.login_timeout_seconds: must be 0 \(no wait\)"):
        RegistryCredentials("ci", {**args, "login_timeout_seconds": seconds})


def test_upgrading_removes_the_old_login_check_and_nothing_else(run: Callable[..., StackRun]) -> None:
    """A stack deployed with the former RegistryLoginCheck (a dynamic resource) holds it in its state: the update
    deletes it, which calls nothing remote (the dynamic provider had no delete), and keeps everything else."""
    current = run(valid_config())
    project = current.one("ocir:index:OcirProject")
    state = {r.urn: r for r in resources_of(current.resources)}
    check = Resource(
        LOGIN_CHECK,
        f"urn:pulumi:test::ocir::ocir:index:OcirProject${LOGIN_CHECK}::{project.name}-login-check",
        {"server": "fra.ocir.io", "username": "testns/looked-up-user", "tokenId": "ocid1.credential.oc1..one"},
    )
    upgraded = update({**state, check.urn: check}, resources_of(current.resources))
    assert [(s.op, s.type) for s in upgraded.steps if s.op != "same"] == [("delete", LOGIN_CHECK)]
    assert upgraded.one(LOGIN_CHECK).removes is None
    assert upgraded.stopped == []
