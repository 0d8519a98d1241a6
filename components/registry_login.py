"""RegistryLoginCheck: wait, during `pulumi up`, until the registry accepts the push credentials.

OCI can take up to a minute before a new auth token works, so a push right after the token is
created may get 401. This resource sits between the token and the image push: on create (and
whenever the server, username or token changes) it logs in to the registry the way `docker login`
does, retrying with backoff until the registry accepts the credentials or the time is up (a refusal,
an unreachable registry and an answer that breaks off or takes longer than an attempt's 10 s are all
retried; the error names the last answer). It is a
Python dynamic resource, so it runs inside `pulumi up` with no extra plugin, and it speaks both
registry auth flows: basic (a registry with htpasswd auth) and bearer token (OCIR).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from ._args import Problems, check_args
from .credentials_args import RegistryAuthArgs

DEFAULT_TIMEOUT_SECONDS = 120
"""How long to wait in all: OCI documents up to a minute for a new token, twice that is the bound."""
BACKOFF_SECONDS = (2, 4, 8, 16, 20)
"""Waits between attempts; the last one repeats until the timeout."""
ATTEMPT_SECONDS = 10.0
"""The most one login attempt (its two or three requests together) may take, answers read in full."""
MAX_TIMEOUT_SECONDS = 900


def check_timeout_seconds(value: int) -> int:
    """The login wait's bound: whole seconds from 1 to 900 (15 minutes)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"must be 1 to {MAX_TIMEOUT_SECONDS}, got {value}")
    return value


def _build() -> SimpleNamespace:
    """The provider and everything it calls, defined in this function on purpose.

    Pulumi stores a dynamic provider in the state as a dill pickle and loads it in a separate
    process that cannot import this project. dill pickles a module-level class or function by
    reference (an import that would fail there) but a function's local class or function by
    value, so the provider, its helpers and its error type all live here and only the standard
    library and pulumi are imported by name.
    """
    import base64
    import contextlib
    import http.client
    import json
    import socket
    import threading
    import time
    import urllib.error
    import urllib.parse
    import urllib.request
    from collections.abc import Callable
    from typing import cast

    class RegistryLoginError(Exception):
        """The registry did not accept the credentials in time."""

    class NoAnswerError(Exception):
        """A request that got no complete HTTP answer: dropped, cut short, garbled or too slow."""

    class Answer:
        """What one login attempt found out."""

        def __init__(self, accepted: bool, flow: str, detail: str, retry: bool = True) -> None:
            self.accepted = accepted
            self.flow = flow
            self.detail = detail
            self.retry = retry

    def base_url(server: str, insecure: bool) -> str:
        host = server.strip().rstrip("/")
        if "://" in host:
            raise ValueError(f"server must be a host[:port] without a scheme, got {server!r}")
        return f"{'http' if insecure else 'https'}://{host}"

    body_limit = 65536  # bytes of an answer's body read at most (an error document or a token)

    class Watchdog:
        """One attempt's time bound: at its deadline every socket the attempt opened is shut down,
        which ends a read blocked on an answer that trickles or never comes (a socket timeout
        alone bounds each read, not the whole answer)."""

        def __init__(self, seconds: float) -> None:
            self.seconds = seconds
            self.deadline = time.monotonic() + seconds
            self.expired = False
            self._sockets: list[socket.socket] = []
            self._lock = threading.Lock()
            self._timer = threading.Timer(seconds, self._expire)
            self._timer.daemon = True

        def __enter__(self) -> Watchdog:
            self._timer.start()
            return self

        def __exit__(self, *exc_info: object) -> None:
            self._timer.cancel()

        def remaining(self) -> float:
            return max(self.deadline - time.monotonic(), 0.05)

        def track(self, sock: socket.socket) -> None:
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    self._shut(sock)

        def _expire(self) -> None:
            with self._lock:
                self.expired = True
                for sock in self._sockets:
                    self._shut(sock)

        @staticmethod
        def _shut(sock: socket.socket) -> None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    class Watched(http.client.HTTPConnection):
        """A connection whose socket the attempt's watchdog can shut (HTTPS adds TLS on top of it)."""

        def __init__(self, host: str, *, watchdog: Watchdog | None = None, **kwargs: Any) -> None:
            super().__init__(host, **kwargs)
            self.watchdog = watchdog

        def connect(self) -> None:
            super().connect()
            if self.watchdog is not None:
                self.watchdog.track(self.sock)

    class WatchedHTTPConnection(Watched):
        pass

    class WatchedHTTPSConnection(Watched, http.client.HTTPSConnection):
        pass

    class WatchedHTTPHandler(urllib.request.HTTPHandler):
        def __init__(self, watchdog: Watchdog) -> None:
            super().__init__()
            self.watchdog = watchdog

        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(WatchedHTTPConnection, req, watchdog=self.watchdog)

    class WatchedHTTPSHandler(urllib.request.HTTPSHandler):
        # urlopen's own HTTPS defaults (no context given: certificates and host names verified).
        def __init__(self, watchdog: Watchdog) -> None:
            super().__init__()
            self.watchdog = watchdog

        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(WatchedHTTPSConnection, req, watchdog=self.watchdog)

    def read_body(response: http.client.HTTPResponse, watchdog: Watchdog) -> bytes:
        """The body, up to body_limit bytes; IncompleteRead when the connection ends before the
        Content-Length or the last chunk, TimeoutError when an answer without either was cut off
        by the attempt's deadline."""
        body = b""
        while len(body) < body_limit:
            chunk = response.read(min(body_limit - len(body), 16384))
            if not chunk:
                break
            body += chunk
        if len(body) < body_limit and response.length:
            raise http.client.IncompleteRead(body, response.length)
        if watchdog.expired and response.length is None and not response.chunked:
            raise TimeoutError("cut off at the deadline")
        return body

    def request(url: str, authorization: str | None, watchdog: Watchdog) -> tuple[int, dict[str, str], bytes]:
        """GET ``url`` within the attempt's time; the status, headers and body of a complete answer.

        A connection that cannot be made raises URLError (an OSError); a connection that gives no
        complete answer (closed without one, cut short, garbled, not finished in time) raises NoAnswerError.
        """
        # Only http(s) URLs get here: base_url builds them and realms are checked in parse_challenge.
        req = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})  # noqa: S310
        opener = urllib.request.build_opener(WatchedHTTPHandler(watchdog), WatchedHTTPSHandler(watchdog))
        shown = urllib.parse.urlsplit(url)._replace(query="").geturl()
        try:
            try:
                response = opener.open(req, timeout=watchdog.remaining())
            except urllib.error.HTTPError as error:
                # urllib hands a 4xx or 5xx answer over as an error around the response.
                with error:
                    answer = cast(http.client.HTTPResponse, error.fp)
                    return error.code, dict(error.headers.items()), read_body(answer, watchdog)
            with response:
                return response.status, dict(response.headers.items()), read_body(response, watchdog)
        except (OSError, http.client.HTTPException) as error:
            if watchdog.expired or isinstance(error, TimeoutError):  # a read's timeout is the attempt's time left
                raise NoAnswerError(f"GET {shown} got no complete answer within {watchdog.seconds:.3g} s") from error
            if isinstance(error, urllib.error.URLError):
                raise  # no connection: refused, DNS, TLS
            raise NoAnswerError(f"GET {shown} got no complete answer: {describe(error)}") from error

    def describe(error: BaseException) -> str:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__

    def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
        """`Bearer realm="https://x/token",service="x"` -> ("bearer", {"realm": ..., "service": ...})."""
        scheme, _, rest = header.strip().partition(" ")
        params: dict[str, str] = {}
        for part in _split_params(rest):
            key, _, value = part.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        return scheme.lower(), params

    def _split_params(text: str) -> list[str]:
        parts, current, quoted = [], "", False
        for char in text:
            if char == '"':
                quoted = not quoted
            if char == "," and not quoted:
                parts.append(current)
                current = ""
            else:
                current += char
        if current.strip():
            parts.append(current)
        return parts

    def realm_refusal(realm: str, insecure: bool) -> str | None:
        """Why the credentials must not be sent to ``realm``, or None. The token service gets the
        password in the clear (basic auth): only over HTTPS, unless the registry itself is plain
        HTTP (a local test registry)."""
        scheme = urllib.parse.urlsplit(realm).scheme
        if scheme == "https" or (scheme == "http" and insecure):
            return None
        return f"the token realm {realm!r} is not an https URL: the password is not sent there"

    def basic(username: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def status_text(status: int, body: bytes) -> str:
        try:
            errors = json.loads(body).get("errors") or []
            message = "; ".join(str(error.get("message") or error.get("code")) for error in errors)
        except (ValueError, AttributeError):
            message = ""
        return f"HTTP {status}" + (f" ({message})" if message else "")

    def try_login(server: str, username: str, password: str, insecure: bool, timeout: float) -> Answer:
        """One `docker login`: ask /v2/ for its challenge, then answer it with the credentials; all
        of it within ``timeout`` seconds."""
        with Watchdog(timeout) as watchdog:
            return _try_login(server, username, password, insecure, watchdog)

    def _try_login(server: str, username: str, password: str, insecure: bool, watchdog: Watchdog) -> Answer:
        base = base_url(server, insecure)
        status, headers, body = request(f"{base}/v2/", None, watchdog)
        if status == 200:
            return Answer(True, "none", "the registry does not ask for credentials")
        if status != 401:
            return Answer(False, "unknown", f"GET {base}/v2/ answered {status_text(status, body)}, expected 401")
        challenge = next((value for key, value in headers.items() if key.lower() == "www-authenticate"), "")
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            status, _, body = request(f"{base}/v2/", basic(username, password), watchdog)
            if status == 200:
                return Answer(True, "basic", "accepted")
            return Answer(False, "basic", f"GET {base}/v2/ with basic auth answered {status_text(status, body)}")
        if scheme == "bearer":
            realm = params.get("realm", "")
            refusal = realm_refusal(realm, insecure)
            if refusal:
                return Answer(False, "bearer", refusal, retry=False)
            query = {"account": username, "client_id": "ocir-pulumi"}
            if params.get("service"):
                query["service"] = params["service"]
            token_url = f"{realm}{'&' if '?' in realm else '?'}{urllib.parse.urlencode(query)}"
            status, _, body = request(token_url, basic(username, password), watchdog)
            if status != 200:
                return Answer(False, "bearer", f"token service {realm} answered {status_text(status, body)}")
            try:
                document = json.loads(body)
                token = document.get("token") or document.get("access_token")
            except (ValueError, AttributeError):
                token = None
            if not token:
                return Answer(False, "bearer", f"token service {realm} answered 200 without a token")
            status, _, body = request(f"{base}/v2/", f"Bearer {token}", watchdog)
            if status == 200:
                return Answer(True, "bearer", "accepted")
            return Answer(False, "bearer", f"GET {base}/v2/ with the bearer token answered {status_text(status, body)}")
        return Answer(False, "unknown", f"unsupported auth challenge {challenge!r}", retry=False)

    def wait_for_login(
        server: str,
        username: str,
        password: str,
        *,
        insecure: bool = False,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
        attempt_seconds: float = ATTEMPT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Any]:
        """Log in until the registry accepts; raise RegistryLoginError with the last answer after
        ``timeout_seconds``. Each attempt takes at most ``attempt_seconds`` (less when the bound is
        nearer). Returns the flow, the number of attempts and the seconds waited."""
        started = clock()
        deadline = started + timeout_seconds
        attempts = 0
        while True:
            attempts += 1
            remaining = max(deadline - clock(), 1.0)
            try:
                answer = try_login(server, username, password, insecure, min(attempt_seconds, remaining))
            except NoAnswerError as error:
                # Dropped, cut short, garbled or too slow: a registry or proxy restarting, overloaded.
                answer = Answer(False, "unknown", str(error), retry=True)
            except (OSError, ValueError, http.client.HTTPException) as error:
                # Connection refused, DNS, TLS, timeouts: the registry may be briefly unreachable.
                reason = getattr(error, "reason", None) or error
                answer = Answer(False, "unknown", f"could not reach {server}: {reason}", retry=True)
            if answer.accepted:
                return {"flow": answer.flow, "attempts": attempts, "waitedSeconds": round(clock() - started, 1)}
            delay = backoff[min(attempts - 1, len(backoff) - 1)]
            if not answer.retry or clock() + delay > deadline:
                waited = round(clock() - started)
                raise RegistryLoginError(
                    f"could not log in to registry {server} as {username!r}: {attempts} "
                    f"attempt{'s' if attempts != 1 else ''} in {waited} s, the last answer: {answer.detail}. "
                    "A new OCI auth token can take up to a minute to work. If this persists, check "
                    "the login name (<namespace>/<user>, or <namespace>/<domain>/<user> for an "
                    "identity-domain user: userName, userDomain), that the user is active, and "
                    "that the token was not deleted; then run `pulumi up` again: the token is kept and "
                    "the check runs again."
                )
            sleep(delay)

    class RegistryLoginCheckProvider(ResourceProvider):
        """Create and update log in until accepted; nothing to delete."""

        serialize_as_secret_always = False

        KEYS = ("server", "username", "tokenId", "insecure")

        def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
            # Outputs never hold the password: the token's id (new on every rotation) stands for it.
            changed = [key for key in self.KEYS if olds.get(key) != news.get(key)]
            return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

        def _check(self, props: dict[str, Any]) -> dict[str, Any]:
            result = wait_for_login(
                str(props["server"]),
                str(props["username"]),
                str(props["password"]),
                insecure=bool(props.get("insecure", False)),
                timeout_seconds=float(props.get("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS)),
            )
            outs = {key: props.get(key) for key in self.KEYS}
            outs.update(result)
            return outs

        def create(self, props: dict[str, Any]) -> CreateResult:
            outs = self._check(props)
            return CreateResult(id_=f"{props['server']}/{props['username']}", outs=outs)

        def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
            return UpdateResult(outs=self._check(news))

        def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
            return ReadResult(id_, {key: value for key, value in props.items() if key != "password"})

    return SimpleNamespace(
        RegistryLoginError=RegistryLoginError,
        RegistryLoginCheckProvider=RegistryLoginCheckProvider,
        parse_challenge=parse_challenge,
        realm_refusal=realm_refusal,
        try_login=try_login,
        wait_for_login=wait_for_login,
    )


_impl = _build()
RegistryLoginError: type[Exception] = _impl.RegistryLoginError
RegistryLoginCheckProvider: type[ResourceProvider] = _impl.RegistryLoginCheckProvider
parse_challenge = _impl.parse_challenge
realm_refusal = _impl.realm_refusal
wait_for_login = _impl.wait_for_login


@dataclass
class RegistryLoginCheckArgs:
    registry: RegistryAuthArgs
    """The login to check: server (host[:port], e.g. fra.ocir.io), username and password (the auth token,
    passed on as a secret and never stored in outputs)."""
    token_id: pulumi.Input[str] | None = None
    """OCID of the auth token: a new one (rotation) runs the check again; default None."""
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    """How long to keep trying before failing the update; default 120."""
    insecure: bool = False
    """Speak plain HTTP (a local test registry); default False (HTTPS)."""


def _check_login_args(args: RegistryLoginCheckArgs, problems: Problems) -> None:
    problems.check("timeout_seconds", args.timeout_seconds, check_timeout_seconds)


class RegistryLoginCheck(Resource, module="ocir", name="RegistryLoginCheck"):
    """Succeeds once the registry accepts the credentials; fails the update with the registry's last
    answer if it has not after ``timeout_seconds``. Make the push depend on it."""

    flow: pulumi.Output[str]
    """Auth flow the registry asked for: `basic`, `bearer` or `none`."""
    attempts: pulumi.Output[int]
    """Login attempts it took."""
    waited_seconds: pulumi.Output[float]
    """Seconds from the first attempt to acceptance."""

    def __init__(self, name: str, args: RegistryLoginCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("RegistryLoginCheckArgs", _check_login_args, args)
        super().__init__(
            RegistryLoginCheckProvider(),
            name,
            {
                "server": args.registry["server"],
                "username": args.registry["username"],
                "password": pulumi.Output.secret(args.registry["password"]),
                "tokenId": args.token_id,
                "timeoutSeconds": args.timeout_seconds,
                "insecure": args.insecure,
                "flow": None,
                "attempts": None,
                "waitedSeconds": None,
            },
            opts,
        )
