"""The login check (components/registry_login.py) against a real registry server, in real time.

Both auth flows: Debian's docker-registry with htpasswd (basic), and the same server with
``auth: token`` behind a token service (bearer, as OCIR). A credential that only starts working
a few seconds after the check begins stands for a new OCI auth token; one that never works must
fail the check cleanly, with the registry's answer and without the password.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from components.registry_login import RegistryLoginCheckProvider, RegistryLoginError
from tests.integration.conftest import NAMESPACE, Credential, Registry, TokenRegistry
from tests.integration.registry_server import http_status
from tests.integration.token_service import SERVICE, TokenService

LATE = 4.0
"""Seconds before a late credential starts working."""


def new_user() -> Credential:
    return Credential(f"{NAMESPACE}/user-{secrets.token_hex(4)}", secrets.token_urlsafe(24))


def check(host: str, user: Credential, timeout: int, password: str | None = None) -> tuple[dict[str, Any], float]:
    """What `pulumi up` runs: the provider's create, with the inputs the program gives it."""
    started = time.monotonic()
    result = RegistryLoginCheckProvider().create(
        {
            "server": host,
            "username": user.username,
            "password": password if password is not None else user.password,
            "tokenId": "ocid1.credential.oc1..test",
            "insecure": True,
            "timeoutSeconds": timeout,
        }
    )
    assert result.outs is not None
    return result.outs, time.monotonic() - started


def refused(host: str, user: Credential, timeout: int, password: str | None = None) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(RegistryLoginError) as caught:
        check(host, user, timeout, password)
    return str(caught.value), time.monotonic() - started


# --- basic: docker-registry with htpasswd ---------------------------------------------------


def test_basic_a_late_credential_is_waited_for(registry: Registry) -> None:
    user = new_user()
    timer = threading.Timer(LATE, registry.add_user, (user.username, user.password))
    timer.start()
    try:
        outs, elapsed = check(registry.host, user, timeout=60)
    finally:
        timer.cancel()
    assert outs["flow"] == "basic"
    # Attempts at 0, 2, 6 s: refused twice, then accepted once the user exists.
    assert outs["attempts"] == 3
    # waitedSeconds is rounded to 0.1 s.
    assert LATE <= outs["waitedSeconds"] <= elapsed + 0.05 < 20


def test_basic_a_credential_that_never_works_fails_cleanly(registry: Registry) -> None:
    user = new_user()
    message, elapsed = refused(registry.host, user, timeout=5)
    assert elapsed < 10
    assert f"could not log in to registry {registry.host} as '{user.username}': 2 attempts" in message
    assert "with basic auth answered HTTP 401 (authentication required)" in message
    assert user.password not in message


def test_basic_a_wrong_password_for_a_real_user_is_refused(registry: Registry) -> None:
    user = new_user()
    registry.add_user(user.username, user.password)
    assert check(registry.host, user, timeout=5)[0]["attempts"] == 1
    message, _ = refused(registry.host, user, timeout=3, password="not-" + user.password)
    assert "HTTP 401" in message


# --- bearer: docker-registry with token auth, as OCIR -----------------------------------------


def test_bearer_the_registry_challenges_for_a_token_from_the_service(token_registry: TokenRegistry) -> None:
    user = new_user()
    token_registry.tokens.add_user(user.username, user.password)
    outs, _ = check(token_registry.host, user, timeout=10)
    assert (outs["flow"], outs["attempts"]) == ("bearer", 1)
    last = token_registry.tokens.requests[-1]
    assert (last.account, last.service, last.granted) == (user.username, SERVICE, True)


def test_bearer_a_late_credential_is_waited_for(token_registry: TokenRegistry) -> None:
    user = new_user()
    token_registry.tokens.add_user(user.username, user.password, works_after=LATE)
    before = len(token_registry.tokens.requests)
    outs, elapsed = check(token_registry.host, user, timeout=60)
    assert (outs["flow"], outs["attempts"]) == ("bearer", 3)
    # waitedSeconds is rounded to 0.1 s.
    assert LATE <= outs["waitedSeconds"] <= elapsed + 0.05 < 20
    granted = [request.granted for request in token_registry.tokens.requests[before:]]
    assert granted == [False, False, True]


def test_bearer_a_credential_that_never_works_fails_cleanly(token_registry: TokenRegistry) -> None:
    user = new_user()
    message, elapsed = refused(token_registry.host, user, timeout=5)
    assert elapsed < 10
    assert f"token service {token_registry.tokens.realm} answered HTTP 401 (invalid credentials)" in message
    assert user.password not in message


def bearer_status(host: str, token: str) -> int:
    return http_status(f"http://{host}/v2/", f"Bearer {token}")


def test_bearer_the_registry_itself_verifies_the_tokens(token_registry: TokenRegistry, tmp_path: Path) -> None:
    """So a bearer check that passes means the registry accepted the token, not only the service."""
    assert bearer_status(token_registry.host, token_registry.tokens.issue("someone", [])) == 200
    untrusted = TokenService(tmp_path)  # the same claims, signed with a key the registry does not trust
    assert bearer_status(token_registry.host, untrusted.issue("someone", [])) == 401
