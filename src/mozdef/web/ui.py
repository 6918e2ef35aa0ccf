"""The incident handlers' web app: its pages, its static files, and the headers that
keep what attackers write into events from running in a handler's browser.

Every page answers the same HTML shell; the shell loads `/static/js/main.js`, which
picks the page's module by the path and builds the page from the REST API, so that
a deep link or a reload shows the same page. The URL carries a page's state
(`/search?q=...&start=15m` runs that search on load). There is no build step: the
files under `static/` are the ES modules and CSS the browser runs.

A page loaded without a live session is sent to `/login?next=<path and query>`;
the login page follows `next` only when it is a path of this site. The pages and
static files are open routes (they hold no data): the data comes from /api/v1,
behind the session cookie and, on every change, the CSRF header.

Each answer here carries a Content-Security-Policy that allows scripts, styles and
connections from this origin only (WebSockets to this host included), no inline
script or style, no framing; with `X-Content-Type-Options: nosniff` and
`Referrer-Policy: same-origin`. The pages build every node from data with
`textContent` and `setAttribute`, and link only http(s) URLs found in events.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mozdef.auth import COOKIE, Auth, requires
from mozdef.errors import AppDbError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

STATIC_ROOT = Path(__file__).parent / "static"
SHELL = STATIC_ROOT / "index.html"
LOGIN = "/login"
# Every page path; `{id}` parts are read by the page's module.
PAGES = (
    "/alerts",
    "/alerts/{alert_id}",
    "/search",
    "/incidents",
    "/incidents/{case_id}",
    "/investigations",
    "/investigations/{case_id}",
    "/blocklist",
    "/watchlist",
    "/rules",
    "/health",
    "/metrics",
    "/audit",
)
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
# A Host header fit to name this site in the policy; any other is left out of it.
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    """The policy of every page and static file; `host` (the request's Host header)
    adds WebSocket connections to this site, which `'self'` leaves out in some
    browsers."""
    connect = "'self'"
    if host and _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        )
    )


def secured(response: Response, request: Request) -> Response:
    """`response` with the security headers of the web app."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request.headers.get("host"))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


def _shell(request: Request) -> Response:
    answer = FileResponse(SHELL, media_type="text/html; charset=utf-8")
    answer.headers["Cache-Control"] = "no-store"
    return secured(answer, request)


def login_url(request: Request) -> str:
    """The login page, asked to come back to this page (its path and query)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN}?next={quote(target, safe='')}"


async def _logged_in(request: Request) -> bool:
    """Whether the request carries a live session. Without auth installed (an app
    built for tests) every caller is; while the database cannot say, the page is
    served and its API calls answer for themselves."""
    auth: Auth | None = getattr(request.app.state, "auth", None)
    if auth is None:
        return True
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return False
    try:
        return await run_in_threadpool(auth.sessions.resolve, session_id) is not None
    except AppDbError as exc:
        log.warning("ui.session_check_failed", extra=fields(path=request.url.path, error=exc))
        return True


@requires("open")
async def page(request: Request) -> Response:
    if not await _logged_in(request):
        return secured(RedirectResponse(login_url(request), status_code=303), request)
    return _shell(request)


@requires("open")
async def login_page(request: Request) -> Response:
    return _shell(request)


def static_file(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None for anything else: a path
    leaving the folder, a hidden file, a folder, a type not served."""
    parts = Path(relative).parts
    if not parts or any(part.startswith(".") or part in ("/", "\\") for part in parts):
        return None
    base = root.resolve()
    found = (base / relative).resolve()
    if not found.is_relative_to(base) or not found.is_file():
        return None
    return found if found.suffix in MEDIA_TYPES else None


def _etag(path: Path) -> str:
    stat = path.stat()
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


@requires("open")
async def static(request: Request) -> Response:
    relative = request.path_params["path"]
    found = await run_in_threadpool(static_file, STATIC_ROOT, relative)
    if found is None:
        missing = PlainTextResponse(f"no static file {relative!r}", status_code=404)
        return secured(missing, request)
    etag = await run_in_threadpool(_etag, found)
    if request.headers.get("if-none-match") == etag:
        answer: Response = Response(status_code=304, headers={"ETag": etag})
    else:
        answer = FileResponse(found, media_type=MEDIA_TYPES[found.suffix])
        answer.headers["ETag"] = etag
    # The files change with the package, under the same names: revalidate each time.
    answer.headers["Cache-Control"] = "no-cache"
    return secured(answer, request)


def routes() -> list[BaseRoute]:
    """The pages and static files; mounted after the API routes."""
    return [
        Route(LOGIN, login_page, methods=["GET"]),
        *(Route(path, page, methods=["GET"]) for path in PAGES),
        Route("/static/{path:path}", static, methods=["GET"]),
    ]
