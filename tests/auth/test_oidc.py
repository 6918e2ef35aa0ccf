"""OpenID Connect login, end to end: the app (through Starlette's test client) and a
real provider over HTTP (tests/auth/oidc_provider.py), the browser's part played by
following each redirect by hand."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.appdb import AppDb
from mozdef.auth import AttemptLimiter, Auth, install_auth
from mozdef.auth.oidc import OidcClient, OidcOptions
from mozdef.auth.roles import Role
from mozdef.config.settings import AuthSettings, Settings
from mozdef.web import auth_routes
from tests.auth.harness import FAST, PASSWORD, Clock
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, rsa_key

LOGIN = "/api/v1/auth/oidc/login"
CALLBACK = "http://testserver/api/v1/auth/oidc/callback"


@dataclass
class Site:
    client: TestClient
    auth: Auth

    def last_audit(self) -> tuple[str, str, dict[str, Any]]:
        entry = self.auth.audit.page(limit=1).entries[0]
        return entry.actor, entry.action, entry.details


def site(db: AppDb, clock: Clock, *, oidc: OidcClient | None = None, **auth: Any) -> Site:
    app = Starlette(routes=auth_routes.routes())
    settings = Settings(auth=AuthSettings(**{"secure_cookies": False, **auth}))
    limiter = AttemptLimiter(clock=lambda: clock.now.timestamp())
    services = install_auth(app, settings, db, passwords=FAST, logins=limiter, clock=clock)
    if oidc is not None:
        auth_routes.install_oidc(app, oidc)
    return Site(TestClient(app, follow_redirects=False), services)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider(clock: Clock) -> Iterator[OidcProvider]:
    running = OidcProvider(clock).start()
    yield running
    running.stop()


@pytest.fixture
def db(tmp_path: Path) -> AppDb:
    return AppDb.in_folder(tmp_path)


def oidc(provider: OidcProvider, clock: Clock, **options: Any) -> OidcClient:
    settings = OidcOptions(provider.issuer, CLIENT_ID, CLIENT_SECRET, **options)
    return OidcClient(settings, clock=clock)


@pytest.fixture
def web(db: AppDb, clock: Clock, provider: OidcProvider) -> Site:
    return site(db, clock, oidc=oidc(provider, clock))


def at_provider(start: httpx.Response) -> str:
    """Follow the app's redirect to the provider over HTTP; the URL it sends back."""
    assert start.status_code == 302, start.text
    answer = httpx.get(start.headers["location"], follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def log_in(web: Site, next_path: str = "/") -> httpx.Response:
    start = web.client.get(LOGIN, params={"next": next_path})
    answer: httpx.Response = web.client.get(at_provider(start))
    return answer


def problem(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["type"]


def test_login_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(web: Site) -> None:
    answer = web.client.get(LOGIN)

    location = urllib.parse.urlsplit(answer.headers["location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert (answer.status_code, location.path) == (302, "/authorize")
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == CALLBACK
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert query["scope"] == "openid profile email"


def test_the_login_cookie_is_httponly_lax_and_only_for_the_oidc_routes(web: Site) -> None:
    answer = web.client.get(LOGIN)

    cookie = SimpleCookie(answer.headers["set-cookie"])["mozdef_oidc"]
    assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (
        True,
        "lax",
        "/api/v1/auth/oidc/",
    )
    assert cookie["max-age"] == "600" and not cookie["secure"]


def test_the_login_cookie_is_secure_when_the_settings_ask(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    web = site(db, clock, oidc=oidc(provider, clock), secure_cookies=True)

    answer = web.client.get(LOGIN)

    assert SimpleCookie(answer.headers["set-cookie"])["mozdef_oidc"]["secure"] is True


def test_a_configured_redirect_url_is_sent_and_sets_the_cookie_path(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    callback = "https://siem.example.test/mozdef/api/v1/auth/oidc/callback"
    web = site(db, clock, oidc=oidc(provider, clock, redirect_url=callback))

    answer = web.client.get(LOGIN)

    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers["location"]).query))
    cookie = SimpleCookie(answer.headers["set-cookie"])["mozdef_oidc"]
    assert (query["redirect_uri"], cookie["path"]) == (callback, "/mozdef/api/v1/auth/oidc/")


def test_a_full_login_makes_a_session_and_goes_to_next(web: Site) -> None:
    answer = log_in(web, "/incidents?open=1")

    assert (answer.status_code, answer.headers["location"]) == (302, "/incidents?open=1")
    me = web.client.get("/api/v1/auth/me").json()
    assert (me["user"], me["role"], me["via"]) == ("carol", "viewer", "session")
    assert len(me["csrf_token"]) > 20
    assert web.last_audit() == ("carol", "login.success", {"via": "oidc", "address": "testclient"})


def test_the_session_made_by_oidc_takes_changes_with_its_csrf_token(web: Site) -> None:
    log_in(web)
    token = web.client.get("/api/v1/auth/me").json()["csrf_token"]

    refused = web.client.post("/api/v1/auth/logout")
    accepted = web.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token})

    assert (refused.status_code, accepted.status_code) == (403, 200)


def test_the_first_login_creates_the_user_with_the_default_role(web: Site) -> None:
    log_in(web)

    user = web.auth.users.get("carol")
    assert user is not None and (user.role, user.disabled) == ("viewer", False)
    [added] = web.auth.audit.page(action="user.add").entries
    assert (added.actor, added.details["role"], added.details["via"]) == ("carol", "viewer", "oidc")


def test_a_second_login_finds_the_same_user(web: Site) -> None:
    log_in(web)
    web.client.cookies.clear()
    log_in(web)

    assert [user.name for user in web.auth.users.list()] == ["carol"]
    assert len(web.auth.audit.page(action="login.success").entries) == 2


@pytest.mark.parametrize(
    ("groups", "role"),
    [(["staff", "secops"], "analyst"), (["secops", "siem-admins"], "admin"), (["staff"], "viewer")],
)
def test_the_role_claim_maps_groups_to_the_highest_role(
    db: AppDb, clock: Clock, provider: OidcProvider, groups: list[str], role: Role
) -> None:
    mapping: dict[str, Role] = {"secops": "analyst", "siem-admins": "admin"}
    web = site(db, clock, oidc=oidc(provider, clock, role_claim="groups", role_map=mapping))
    provider.user["groups"] = groups

    log_in(web)

    assert web.client.get("/api/v1/auth/me").json()["role"] == role


def test_a_role_claim_naming_a_role_sets_it_and_follows_it_later(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    web = site(db, clock, oidc=oidc(provider, clock, role_claim="mozdef_role"))
    provider.user["mozdef_role"] = "analyst"
    log_in(web)
    provider.user["mozdef_role"] = "viewer"
    web.client.cookies.clear()

    log_in(web)

    user = web.auth.users.get("carol")
    assert user is not None and user.role == "viewer"
    [change] = web.auth.audit.page(action="user.change").entries
    assert (change.details["from"], change.details["role"]) == ("analyst", "viewer")


def test_a_dotted_role_claim_reaches_into_an_object(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    web = site(db, clock, oidc=oidc(provider, clock, role_claim="realm_access.roles"))
    provider.user["realm_access"] = {"roles": ["offline", "admin"]}

    log_in(web)

    assert web.client.get("/api/v1/auth/me").json()["role"] == "admin"


def test_a_local_user_of_the_same_name_is_not_taken_over(web: Site) -> None:
    web.auth.users.add("carol", "admin", PASSWORD)

    answer = log_in(web)

    assert problem(answer) == (403, "name_taken")
    assert web.client.get("/api/v1/auth/me").status_code == 401


def test_a_user_made_by_an_oidc_login_keeps_the_role_given_locally(web: Site) -> None:
    log_in(web)
    web.auth.users.set_role("carol", "analyst")
    web.client.cookies.clear()

    log_in(web)

    assert web.client.get("/api/v1/auth/me").json()["role"] == "analyst"


def test_a_disabled_user_is_refused_and_the_refusal_recorded(web: Site) -> None:
    log_in(web)
    web.client.cookies.clear()
    web.auth.users.disable("carol")

    answer = log_in(web)

    assert problem(answer) == (403, "disabled")
    assert "mozdef_session" not in web.client.cookies
    actor, action, details = web.last_audit()
    assert (actor, action, details["via"], details["reason"]) == (
        "carol",
        "login.failure",
        "oidc",
        "disabled",
    )


def test_the_email_claim_names_the_user_from_an_allowed_domain_only(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    options = {"username_claim": "email", "allowed_domains": ("example.org",)}
    web = site(db, clock, oidc=oidc(provider, clock, **options))
    provider.user |= {"email": "carol@example.org", "email_verified": True}
    assert log_in(web).status_code == 302
    provider.user |= {"email": "mallory@elsewhere.test"}

    answer = log_in(web)

    assert problem(answer) == (403, "domain_not_allowed")
    assert "'elsewhere.test' is not one of example.org" in answer.json()["error"]["message"]


def test_an_unverified_email_is_refused(db: AppDb, clock: Clock, provider: OidcProvider) -> None:
    web = site(db, clock, oidc=oidc(provider, clock, username_claim="email"))
    provider.user |= {"email": "carol@example.org", "email_verified": False}

    assert problem(log_in(web)) == (403, "email_not_verified")


def test_a_name_claim_that_is_no_valid_user_name_is_refused(
    web: Site, provider: OidcProvider
) -> None:
    provider.user["preferred_username"] = "carol smith"

    answer = log_in(web)

    assert problem(answer) == (403, "invalid_username")
    assert "' ' at position 5 is not allowed" in answer.json()["error"]["message"]


def test_es256_id_tokens_verify(web: Site, provider: OidcProvider) -> None:
    provider.algorithm = "ES256"

    assert log_in(web).status_code == 302


def test_client_secret_post_sends_the_secret_in_the_form(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    provider.token_auth = "client_secret_post"
    web = site(db, clock, oidc=oidc(provider, clock, token_auth="client_secret_post"))

    assert log_in(web).status_code == 302


def test_a_wrong_client_secret_is_reported_as_refused_by_the_token_endpoint(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    settings = OidcOptions(provider.issuer, CLIENT_ID, "not the secret")
    web = site(db, clock, oidc=OidcClient(settings, clock=clock))

    answer = log_in(web)

    assert problem(answer) == (401, "code_refused")
    assert "(401): invalid_client" in answer.json()["error"]["message"]


def test_discovery_is_cached_and_the_keys_fetched_again_for_an_unknown_key_id(
    web: Site, provider: OidcProvider
) -> None:
    log_in(web)
    provider.rotate()
    web.client.cookies.clear()

    answer = log_in(web)

    assert answer.status_code == 302
    assert provider.hits["/.well-known/openid-configuration"] == 1
    assert provider.hits["/jwks"] == 2


def test_a_token_signed_with_another_key_is_refused(web: Site, provider: OidcProvider) -> None:
    provider.sign_with = rsa_key("rsa-1", variant=1)

    answer = log_in(web)

    assert problem(answer) == (401, "bad_signature")
    assert "does not verify with key 'rsa-1'" in answer.json()["error"]["message"]
    assert web.last_audit()[1:] == (
        "login.failure",
        {
            "via": "oidc",
            "reason": "bad_signature",
            "message": answer.json()["error"]["message"],
            "address": "testclient",
        },
    )


def test_a_token_naming_a_key_the_provider_does_not_publish_is_refused(
    web: Site, provider: OidcProvider
) -> None:
    provider.sign_with = rsa_key("rsa-9")

    answer = log_in(web)

    assert problem(answer) == (401, "bad_signature")
    assert "names key 'rsa-9', which the provider's keys" in answer.json()["error"]["message"]
    assert provider.hits["/jwks"] == 2


def test_a_token_for_another_audience_is_refused(web: Site, provider: OidcProvider) -> None:
    provider.tamper = {"aud": "someone-else"}

    answer = log_in(web)

    assert problem(answer) == (401, "wrong_audience")
    assert "expected client id 'mozdef-web'" in answer.json()["error"]["message"]


def test_a_token_for_several_audiences_needs_azp_naming_the_client(
    web: Site, provider: OidcProvider
) -> None:
    provider.tamper = {"aud": [CLIENT_ID, "another"], "azp": "another"}

    assert problem(log_in(web)) == (401, "wrong_audience")


def test_a_token_from_another_issuer_is_refused(web: Site, provider: OidcProvider) -> None:
    provider.tamper = {"iss": "https://impostor.test"}

    assert problem(log_in(web)) == (401, "wrong_issuer")


def test_an_expired_token_is_refused(web: Site, provider: OidcProvider, clock: Clock) -> None:
    now = int(clock.now.timestamp())
    provider.tamper = {"iat": now - 600, "exp": now - 120}

    answer = log_in(web)

    assert problem(answer) == (401, "expired")
    assert "expired 120 seconds ago (leeway 60 seconds)" in answer.json()["error"]["message"]


def test_a_token_expired_within_the_leeway_is_accepted(
    web: Site, provider: OidcProvider, clock: Clock
) -> None:
    now = int(clock.now.timestamp())
    provider.tamper = {"iat": now - 600, "exp": now - 30}

    assert log_in(web).status_code == 302


def test_a_token_issued_in_the_future_is_refused(
    web: Site, provider: OidcProvider, clock: Clock
) -> None:
    provider.tamper = {"iat": int(clock.now.timestamp()) + 600}

    assert problem(log_in(web)) == (401, "not_yet_valid")


def test_a_nonce_mismatch_is_refused(web: Site, provider: OidcProvider) -> None:
    provider.tamper = {"nonce": "replayed-nonce"}

    answer = log_in(web)

    assert problem(answer) == (401, "nonce_mismatch")
    assert web.last_audit()[2]["reason"] == "nonce_mismatch"


def test_a_token_without_a_nonce_is_refused(web: Site, provider: OidcProvider) -> None:
    provider.tamper = {"nonce": None}

    assert problem(log_in(web)) == (401, "nonce_mismatch")


def test_a_state_mismatch_is_refused_before_the_code_is_used(
    web: Site, provider: OidcProvider
) -> None:
    back = at_provider(web.client.get(LOGIN))
    forged = back.replace("state=", "state=x")

    answer = web.client.get(forged)

    assert problem(answer) == (400, "bad_state")
    assert provider.hits["/token"] == 0
    assert web.last_audit()[:2] == ("anonymous", "login.failure")


def test_a_callback_without_the_login_cookie_is_refused(web: Site) -> None:
    back = at_provider(web.client.get(LOGIN))
    web.client.cookies.clear()

    answer = web.client.get(back)

    assert problem(answer) == (400, "bad_state")
    assert "its cookie is missing" in answer.json()["error"]["message"]


def test_a_forged_login_cookie_is_refused(web: Site) -> None:
    back = at_provider(web.client.get(LOGIN))
    sealed = web.client.cookies["mozdef_oidc"]
    web.client.cookies.set("mozdef_oidc", sealed[:-4] + "AAAA", path="/api/v1/auth/oidc/")

    answer = web.client.get(back)

    assert problem(answer) == (400, "bad_state")
    assert "signature does not match" in answer.json()["error"]["message"]


def test_a_login_that_took_over_ten_minutes_is_refused(web: Site, clock: Clock) -> None:
    back = at_provider(web.client.get(LOGIN))
    clock.advance(minutes=11)

    answer = web.client.get(back)

    assert problem(answer) == (400, "bad_state")
    assert "longer than 600 seconds" in answer.json()["error"]["message"]


def test_a_refusal_from_the_provider_is_reported(web: Site) -> None:
    start = web.client.get(LOGIN)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["location"]).query))
    query = {"state": state["state"], "error": "access_denied", "error_description": "no"}

    answer = web.client.get(f"{CALLBACK}?{urllib.parse.urlencode(query)}")

    assert problem(answer) == (401, "provider_refused")
    assert answer.json()["error"]["message"] == "the provider refused the login: access_denied no"


def test_an_unreachable_provider_gives_502_at_login(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    web = site(db, clock, oidc=oidc(provider, clock))
    provider.stop()

    answer = web.client.get(LOGIN)

    assert problem(answer) == (502, "provider_unreachable")
    assert provider.issuer in answer.json()["error"]["message"]
    assert web.last_audit()[2]["reason"] == "provider_unreachable"


def test_a_provider_down_at_the_callback_gives_502(web: Site, provider: OidcProvider) -> None:
    back = at_provider(web.client.get(LOGIN))
    provider.stop()

    answer = web.client.get(back)

    assert problem(answer) == (502, "provider_unreachable")
    assert "/token cannot be reached" in answer.json()["error"]["message"]


@pytest.mark.parametrize("next_path", ["//evil.test/", "https://evil.test/", "/\\evil.test"])
def test_a_next_outside_this_site_is_refused(web: Site, next_path: str) -> None:
    answer = web.client.get(LOGIN, params={"next": next_path})

    assert problem(answer) == (400, "invalid_next")


def test_without_an_issuer_the_oidc_routes_answer_404_and_methods_lists_password(
    db: AppDb, clock: Clock
) -> None:
    web = site(db, clock)

    login, callback = web.client.get(LOGIN), web.client.get(CALLBACK)

    assert problem(login) == (404, "not_configured")
    assert "set auth.oidc_issuer" in login.json()["error"]["message"]
    assert problem(callback) == (404, "not_configured")
    assert web.client.get("/api/v1/auth/methods").json() == {"methods": ["password"]}


def test_the_settings_turn_oidc_on_and_methods_lists_it(
    db: AppDb, clock: Clock, provider: OidcProvider
) -> None:
    web = site(
        db,
        clock,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )

    methods = web.client.get("/api/v1/auth/methods").json()

    assert methods == {"methods": ["password", "oidc"], "oidc": {"login": LOGIN}}
    assert log_in(web).status_code == 302


def test_an_issuer_without_a_client_id_is_a_clear_500(db: AppDb, clock: Clock) -> None:
    web = site(db, clock, oidc_issuer="https://login.example.test")

    answer = web.client.get(LOGIN)

    assert problem(answer) == (500, "misconfigured")
    assert "auth.oidc_client_id" in answer.json()["error"]["message"]
