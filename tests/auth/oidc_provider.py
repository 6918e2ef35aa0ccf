"""A small OpenID provider for the tests, over real HTTP on a free local port.

It serves a discovery document, its public keys (an RSA and an EC key), an
authorization endpoint that logs in `user` at once and sends the browser back with
a code, and a token endpoint that checks the client's secret, the redirect URI and
the PKCE verifier before returning an ID token. A test makes it misbehave through
its attributes: `tamper` changes the next ID tokens' claims (None removes one),
`sign_with` signs them with a key it does not publish, `algorithm` picks ES256.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import secrets
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

CLIENT_ID = "mozdef-web"
CLIENT_SECRET = "provider shared secret"
Key = RSAKey | ECKey


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str


@functools.cache
def rsa_key(kid: str, variant: int = 0) -> RSAKey:
    """A 2048-bit RSA key, made once per `kid` and `variant` for all the tests."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


@functools.cache
def ec_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig"})


class OidcProvider:
    def __init__(
        self,
        clock: Callable[[], dt.datetime],
        *,
        token_auth: str = "client_secret_basic",
    ) -> None:
        self.clock = clock
        self.token_auth = token_auth
        self.keys: list[Key] = [rsa_key("rsa-1"), ec_key("ec-1")]
        self.algorithm = "RS256"
        self.user: dict[str, Any] = {"sub": "u-1001", "preferred_username": "carol"}
        self.tamper: dict[str, Any] = {}
        self.sign_with: Key | None = None
        self.hits: Counter[str] = Counter()
        self.grants: dict[str, Grant] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OidcProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def rotate(self) -> None:
        """Replace the RSA key by a new one with another key id."""
        self.keys[0] = rsa_key("rsa-2")

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet(list(self.keys)).as_dict(private=False))

    def authorize(self, query: dict[str, str]) -> str:
        """The URL the browser goes back to once the user is logged in."""
        if query.get("code_challenge_method") != "S256" or query.get("response_type") != "code":
            raise ValueError("expected response_type=code and code_challenge_method=S256")
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            query["client_id"], query["redirect_uri"], query["code_challenge"], query["nonce"]
        )
        back = {"code": code, "state": query["state"]}
        return f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        grant = self.grants.pop(form.get("code", ""), None)
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "unknown code"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        return 200, {"access_token": "opaque", "token_type": "Bearer", "id_token": self._id(grant)}

    def _client_ok(self, form: dict[str, str], authorization: str | None) -> bool:
        if self.token_auth == "client_secret_post":
            return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        expected = f"{CLIENT_ID}:{urllib.parse.quote(CLIENT_SECRET, safe='')}"
        return authorization == "Basic " + base64.b64encode(expected.encode()).decode()

    def _id(self, grant: Grant) -> str:
        now = int(self.clock().timestamp())
        claims = {"iss": self.issuer, "aud": grant.client_id, "iat": now, "exp": now + 300}
        claims |= {"nonce": grant.nonce, **self.user, **self.tamper}
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.keys[0] if self.algorithm == "RS256" else self.keys[1]
        signer = self.sign_with or key
        return jwt.encode({"alg": self.algorithm, "kid": signer.kid}, claims, signer)


def _handler(provider: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            provider.hits[url.path] += 1
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            provider.hits[self.path] += 1
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            status, body = provider.token(form, self.headers.get("Authorization"))
            self._json(status, body)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
