"""OpenID Connect login: the relying party's half of the authorization code flow.

`OidcClient.begin` reads the provider's discovery document (cached), makes a
`state`, a `nonce` and a PKCE verifier, and gives the URL to send the browser to
with the S256 challenge of that verifier. What the callback must check comes back
with the browser in a short-lived cookie signed with HMAC-SHA256 (`seal`/`unseal`),
not in server memory or a table, so that any web process behind a load balancer can
finish a login another one began. `finish` exchanges the code at the token endpoint
(client secret in a Basic header or in the form) and verifies the ID token: its
signature against the provider's JWKS (cached; fetched again when a token names a
key the cache lacks), `iss`, `aud`, `exp` and `iat` within a small leeway, `nonce`.
`mozdef.auth.oidc_users` then finds or makes the local user the claims name.

Known limits:
- A user is bound to the identity (issuer and subject) that made it; a local user of
  the same name that is not (a password user) is never taken over, the login is
  refused instead (see mozdef.auth.oidc_users).
- Only asymmetric signatures are accepted (RS256/384/512, PS256, ES256/384); an ID
  token signed with the client secret (HS256) is refused.
- One login at a time per browser: a login begun in a second tab replaces the first
  one's cookie, and the first then ends with `bad_state`.
- Without a client secret (a public client) and without `state_key`, the cookie key
  is random per process: a login begun on one web process fails on another.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from mozdef.auth.roles import Role
from mozdef.config.settings import AuthSettings
from mozdef.errors import ConfigError, MozDefError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
TokenAuth = Literal["client_secret_basic", "client_secret_post"]
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
STATE_COOKIE = "mozdef_oidc"
STATE_PATH = "/api/v1/auth/oidc/"
# How long a login may take between leaving for the provider and coming back.
STATE_SECONDS = 600
_STATUS = {
    "not_configured": 404,
    "misconfigured": 500,
    "invalid_next": 400,
    "bad_state": 400,
    "missing_code": 400,
    "provider_unreachable": 502,
    "provider_error": 502,
    "disabled": 403,
    "invalid_username": 403,
    "email_not_verified": 403,
    "domain_not_allowed": 403,
    "name_taken": 403,
    "invalid_subject": 403,
}


class OidcError(MozDefError):
    """An OpenID Connect login failed; `problem` is a short code (bad_state,
    wrong_audience, provider_unreachable...), `status` the HTTP status to answer, and
    `user` the local user name when the identity got that far."""

    def __init__(self, problem: str, message: str, *, user: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = _STATUS.get(problem, 401)
        self.user = user


@dataclass(frozen=True)
class OidcOptions:
    issuer: str
    client_id: str
    client_secret: str = ""
    # Where the provider sends the browser back; empty: this server's callback route
    # as the request reached it (set it behind a proxy that rewrites the host).
    redirect_url: str = ""
    token_auth: TokenAuth = "client_secret_basic"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    username_claim: str = "preferred_username"
    # A claim naming the role (a string or a list, e.g. `groups`); a dotted path reaches
    # into objects (`realm_access.roles`). Empty: roles are managed locally.
    role_claim: str = ""
    # Claim values to roles; empty: the values themselves must be role names.
    role_map: Mapping[str, Role] = field(default_factory=dict)
    default_role: Role = "viewer"
    # E-mail domains allowed to log in (checked on the `email` claim); empty: any.
    allowed_domains: tuple[str, ...] = ()
    leeway_seconds: int = 60
    timeout_seconds: float = 10.0
    cache_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> OidcOptions | None:
        """The options `settings` give, or None when no issuer is set."""
        if not settings.oidc_issuer:
            return None
        if not settings.oidc_client_id:
            raise ConfigError("auth.oidc_client_id", "", "a client id when auth.oidc_issuer is set")
        return cls(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)


@dataclass(frozen=True)
class ProviderInfo:
    """The endpoints the discovery document names."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class LoginState:
    """What a login in progress must find again at the callback."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next: str
    started: float


def same(found: str, expected: str) -> bool:
    """Whether two secrets are equal, in time that does not tell where they differ."""
    return hmac.compare_digest(found.encode(), expected.encode())


def safe_next(path: str | None) -> str:
    """`path` when it is a path on this site (default `/`); raises OidcError otherwise,
    so that a login never ends by sending the browser elsewhere."""
    if not path:
        return "/"
    outside = path.startswith(("//", "/\\")) or "\\" in path
    if not path.startswith("/") or outside or not path.isprintable() or len(path) > 2000:
        message = f"next: expected a path on this site starting with a single '/', found {path!r}"
        raise OidcError("invalid_next", message[:300])
    return path


class OidcClient:
    def __init__(
        self,
        options: OidcOptions,
        *,
        clock: Clock = lambda: dt.datetime.now(dt.UTC),
        state_key: bytes | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.options = options
        self._clock = clock
        self._key = state_key or _state_key(options.client_secret)
        self._http = http or httpx.Client(timeout=options.timeout_seconds)
        self._provider: tuple[ProviderInfo, float] | None = None
        self._keys: tuple[KeySet, float] | None = None

    def begin(self, redirect_uri: str, next_path: str) -> tuple[str, LoginState]:
        """The provider's authorization URL for a new login, and its state to seal."""
        provider = self.provider()
        verifier = secrets.token_urlsafe(48)
        login = LoginState(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=verifier,
            redirect_uri=redirect_uri,
            next=next_path,
            started=self._clock().timestamp(),
        )
        query = {
            "response_type": "code",
            "client_id": self.options.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.options.scopes),
            "state": login.state,
            "nonce": login.nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
        endpoint = provider.authorization_endpoint
        joiner = "&" if "?" in endpoint else "?"
        return f"{endpoint}{joiner}{urllib.parse.urlencode(query)}", login

    def finish(self, login: LoginState, code: str) -> dict[str, Any]:
        """Exchange `code` for an ID token and return its claims once verified."""
        id_token = self._exchange(login, code)
        return self.verify(id_token, nonce=login.nonce)

    def seal(self, login: LoginState) -> str:
        body = _b64(orjson.dumps(dataclasses.asdict(login)))
        return f"{body}.{_b64(self._sign(body))}"

    def unseal(self, sealed: str | None) -> LoginState:
        """The state in a cookie `seal` made less than STATE_SECONDS ago."""
        if not sealed:
            raise _bad_state("no login in progress in this browser (its cookie is missing)")
        body, _, signature = sealed.partition(".")
        if not same(signature, _b64(self._sign(body))):
            raise _bad_state("the login cookie's signature does not match")
        try:
            login = LoginState(**orjson.loads(_unb64(body)))
        except (TypeError, ValueError):
            # Signed by this key but not readable: made by another version of the code.
            raise _bad_state("the login cookie cannot be read") from None
        if self._clock().timestamp() - login.started > STATE_SECONDS:
            raise _bad_state(f"the login took longer than {STATE_SECONDS} seconds")
        return login

    def provider(self) -> ProviderInfo:
        """The provider's endpoints, from its discovery document (cached)."""
        if self._provider is not None and time.monotonic() < self._provider[1]:
            return self._provider[0]
        url = self.options.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        info = _provider_info(document, url, self.options.issuer)
        self._provider = (info, time.monotonic() + self.options.cache_seconds)
        log.info("auth.oidc_discovered", extra=fields(issuer=info.issuer))
        return info

    def verify(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of `id_token` once its signature and claims check out."""
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise OidcError("bad_signature", f"the ID token is not a signed JWT: {exc}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            expected = ", ".join(ALGORITHMS)
            message = f"the ID token is signed with {algorithm!r}; expected one of {expected}"
            raise OidcError("bad_signature", message)
        try:
            claims = jwt.decode(id_token, self._key_for(kid), algorithms=[algorithm]).claims
        except JoseError as exc:
            message = f"the ID token's signature does not verify with key {kid!r}: {exc}"
            raise OidcError("bad_signature", message) from None
        self._check_claims(claims, nonce)
        return claims

    def close(self) -> None:
        self._http.close()

    def _exchange(self, login: LoginState, code: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": login.redirect_uri,
            "code_verifier": login.verifier,
        }
        headers = {"Accept": "application/json"}
        options = self.options
        if options.client_secret and options.token_auth == "client_secret_basic":
            pair = f"{_form_quote(options.client_id)}:{_form_quote(options.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = options.client_id
            if options.client_secret:
                form["client_secret"] = options.client_secret
        url = self.provider().token_endpoint
        answer = self._send(lambda: self._http.post(url, data=form, headers=headers), url)
        return _id_token(answer, url)

    def _key_for(self, kid: str | None) -> KeySet:
        """The provider's keys, fetched again when none has id `kid`."""
        keys = self._cached_keys()
        if kid is not None and not _holds(keys, kid):
            keys = self._fetch_keys()
        if kid is not None and not _holds(keys, kid):
            uri = self.provider().jwks_uri
            message = f"the ID token names key {kid!r}, which the provider's keys at {uri} lack"
            raise OidcError("bad_signature", message)
        return keys

    def _cached_keys(self) -> KeySet:
        if self._keys is not None and time.monotonic() < self._keys[1]:
            return self._keys[0]
        return self._fetch_keys()

    def _fetch_keys(self) -> KeySet:
        uri = self.provider().jwks_uri
        document = self._get_json(uri)
        try:
            keys = KeySet.import_key_set(document)
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise OidcError("provider_error", f"{uri}: expected a JWK set: {exc}") from None
        self._keys = (keys, time.monotonic() + self.options.cache_seconds)
        log.info("auth.oidc_keys_fetched", extra=fields(uri=uri, keys=len(keys.keys)))
        return keys

    def _check_claims(self, claims: Mapping[str, Any], nonce: str) -> None:
        issuer, client_id = self.options.issuer, self.options.client_id
        if claims.get("iss") != issuer:
            found = claims.get("iss")
            raise OidcError(
                "wrong_issuer", f"the ID token's issuer is {found!r}; expected {issuer!r}"
            )
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
            message = f"the ID token is for {audience!r}; expected client id {client_id!r}"
            raise OidcError("wrong_audience", message)
        self._check_times(claims)
        if not isinstance(claims.get("nonce"), str) or not same(claims["nonce"], nonce):
            message = "the ID token's nonce is not the one this login sent"
            raise OidcError("nonce_mismatch", message)
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcError("missing_claim", "the ID token has no sub claim")

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now, leeway = self._clock().timestamp(), self.options.leeway_seconds
        expires, issued = claims.get("exp"), claims.get("iat")
        for name, value in (("exp", expires), ("iat", issued)):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise OidcError("missing_claim", f"the ID token's {name}: expected a number")
        assert isinstance(expires, int | float) and isinstance(issued, int | float)
        if expires + leeway < now:
            ago = int(now - expires)
            message = f"the ID token expired {ago} seconds ago (leeway {leeway} seconds)"
            raise OidcError("expired", message)
        if issued - leeway > now:
            ahead = int(issued - now)
            message = f"the ID token was issued {ahead} seconds in the future (leeway {leeway})"
            raise OidcError("not_yet_valid", message)

    def _get_json(self, url: str) -> Any:
        answer = self._send(
            lambda: self._http.get(url, headers={"Accept": "application/json"}), url
        )
        if answer.status_code != 200:
            message = f"{url}: expected 200, found {answer.status_code}"
            raise OidcError("provider_error", message)
        return _json(answer, url)

    def _send(self, request: Callable[[], httpx.Response], url: str) -> httpx.Response:
        try:
            return request()
        except httpx.HTTPError as exc:
            log.warning("auth.oidc_unreachable", extra=fields(url=url, error=exc))
            message = f"the OpenID provider at {url} cannot be reached: {exc}"
            raise OidcError("provider_unreachable", message) from None

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()


def _state_key(client_secret: str) -> bytes:
    if not client_secret:
        return secrets.token_bytes(32)
    return hashlib.sha256(b"mozdef oidc login state\0" + client_secret.encode()).digest()


def _challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _form_quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _bad_state(reason: str) -> OidcError:
    return OidcError("bad_state", f"{reason}: start again at {STATE_PATH}login")


def _holds(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys)


def _json(answer: httpx.Response, url: str) -> Any:
    try:
        return orjson.loads(answer.content)
    except orjson.JSONDecodeError as exc:
        raise OidcError("provider_error", f"{url}: expected JSON: {exc}") from None


def _provider_info(document: Any, url: str, issuer: str) -> ProviderInfo:
    if not isinstance(document, dict):
        raise OidcError("provider_error", f"{url}: expected a JSON object")
    names = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [name for name in names if not isinstance(document.get(name), str)]
    if missing:
        raise OidcError("provider_error", f"{url}: missing {', '.join(missing)}")
    if document.get("issuer") != issuer:
        found = document.get("issuer")
        message = f"{url}: the document names issuer {found!r}; expected {issuer!r}"
        raise OidcError("provider_error", message)
    return ProviderInfo(issuer, *(document[name] for name in names))


def _id_token(answer: httpx.Response, url: str) -> str:
    if answer.status_code != 200:
        raise _refusal(answer)
    body = _json(answer, url)
    token = body.get("id_token") if isinstance(body, dict) else None
    if not isinstance(token, str):
        raise OidcError("provider_error", f"{url}: the answer holds no id_token")
    return token


def _refusal(answer: httpx.Response) -> OidcError:
    """The token endpoint's error answer (RFC 6749 section 5.2) as an OidcError."""
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        body = None
    body = body if isinstance(body, dict) else {}
    reason = f"{body.get('error', 'no error code')} {body.get('error_description', '')}"
    message = f"the token endpoint refused the code ({answer.status_code}): {reason.strip()}"
    problem = "code_refused" if 400 <= answer.status_code < 500 else "provider_error"
    return OidcError(problem, message[:500])
