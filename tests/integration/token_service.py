"""A Docker registry token service: the bearer flow OCIR uses, for a real registry in tests.

A distribution registry configured with ``auth: token`` answers ``/v2/`` with
``WWW-Authenticate: Bearer realm=...,service=...``; the client then asks the realm for a token with
basic credentials and presents the token to the registry. This service issues RS256 JWTs signed
by a self-signed certificate that the registry trusts (``rootcertbundle``), carrying the
certificate in the ``x5c`` header as distribution 2.8 verifies it. Users can be made to work only
from a given time, like a new OCI auth token, and be limited to the repositories whose names start with
given prefixes, like a group an OCI policy lets manage only `target.repo.name = /<prefix>-*/` (the token then
grants nothing on any other repository, so the registry refuses the pull or push), and to some actions only:
a user allowed only `pull`, like a group an OCI policy lets only `read repos`, gets tokens whose `access` claim
grants `pull` alone, and the registry refuses its pushes (distribution's token auth compares the actions a
request needs with the claim's: registry/auth/token/accesscontroller.go, `Authorized`).
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ISSUER = "ocir-test-token-service"
SERVICE = "ocir-test-registry"


@dataclass
class TokenRequest:
    account: str | None
    service: str | None
    scope: list[str]
    granted: bool
    access: list[dict[str, Any]] = field(default_factory=list)
    """The `access` claim of the token issued (empty when none was)."""


@dataclass
class TokenService:
    """Issues tokens to users whose basic credentials match and whose time has come."""

    directory: Path
    realm: str = ""
    users: dict[str, tuple[str, float]] = field(default_factory=dict)
    repositories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per user limited to some repositories: the name prefixes (``<namespace>/<prefix>-``) it may use."""
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per user limited to some actions (``("pull",)`` for a read-only user): the only ones its tokens grant."""
    requests: list[TokenRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = datetime.datetime.now(datetime.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.certificate = self.directory / "token-signer.pem"
        self.certificate.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def add_user(
        self,
        username: str,
        password: str,
        *,
        works_after: float = 0.0,
        repositories: tuple[str, ...] | None = None,
        actions: tuple[str, ...] | None = None,
    ) -> None:
        """A user whose password is accepted from ``works_after`` seconds from now; with ``repositories``, allowed
        only on repositories whose names start with one of them; with ``actions``, only those (``("pull",)``)."""
        self.users[username] = (password, time.monotonic() + works_after)
        if repositories is not None:
            self.repositories[username] = repositories
        if actions is not None:
            self.actions[username] = actions

    def auth_config(self) -> str:
        """The registry config's ``auth:`` section that trusts this service."""
        return (
            "auth:\n"
            "  token:\n"
            f"    realm: {self.realm}\n"
            f"    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n"
            f"    rootcertbundle: {self.certificate}\n"
        )

    def issue(self, account: str, scopes: list[str]) -> str:
        return self.sign(account, self.access(account, scopes))

    def access(self, account: str, scopes: list[str]) -> list[dict[str, Any]]:
        """What a token for ``account`` grants of ``scopes``: the user's repositories and actions only."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            allowed = self.repositories.get(account)
            if allowed is not None and not name.startswith(allowed):
                continue  # outside the user's repositories: the token grants nothing there
            if kind == "repository" and name:
                asked = [action for action in actions.split(",") if action]
                granted = [action for action in asked if action in self.actions.get(account, asked)]
                access.append({"type": kind, "name": name, "actions": granted})
        return access

    def sign(self, account: str, access: list[dict[str, Any]]) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": account,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        der = self._cert.public_bytes(serialization.Encoding.DER)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"x5c": [base64.b64encode(der).decode()]})

    def _granted(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            username, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return None
        known = self.users.get(username)
        if known is None or not secrets.compare_digest(known[0], password) or time.monotonic() < known[1]:
            return None
        return username

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                account = service._granted(self.headers.get("Authorization"))
                scopes = [scope for value in query.get("scope", []) for scope in value.split(" ")]
                request = TokenRequest(
                    query.get("account", [None])[0], query.get("service", [None])[0], scopes, bool(account)
                )
                service.requests.append(request)
                body: dict[str, object]
                if url.path != "/token":
                    status, body = 404, {"errors": [{"code": "NOT_FOUND", "message": "no such route"}]}
                elif account is None:
                    status, body = 401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]}
                else:
                    request.access = service.access(account, scopes)
                    token = service.sign(account, request.access)
                    status, body = 200, {"token": token, "access_token": token, "expires_in": 300}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self._server.server_address[1]}/token"
        # A short poll: stop()'s shutdown() waits for serve_forever to look at its flag, every 0.5 s by default.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
