"""`prguard app`: register the prguard GitHub App with GitHub's manifest flow, or print its manifest.

`prguard app register --webhook-url URL` serves a page on 127.0.0.1 that POSTs the
manifest to GitHub's "new App" page; the owner confirms there; GitHub redirects
back to 127.0.0.1 with a one-time code, which is exchanged
(`POST /app-manifests/{code}/conversions`) for the App's id, private key and
webhook secret. Those go to files only (the key to a 0600 .pem, the rest to a
0600 env file); nothing secret is printed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import secrets
import sys
import threading
import webbrowser
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from prguard.cli import EXIT_OK, CliError
from prguard.github.manifest import app_manifest

DEFAULT_GITHUB_URL = "https://github.com"
DEFAULT_KEY_NAME = "prguard.private-key.pem"
CALLBACK_PATH = "/callback"
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_./:@+,=-]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("app", help="register the prguard GitHub App, print its manifest")
    commands = parser.add_subparsers(dest="app_command", required=True, metavar="ACTION")

    reg = commands.add_parser(
        "register",
        help="create the GitHub App from prguard's manifest and write its credentials to an env file",
        description=(
            "Run GitHub's App manifest flow: open a local page (127.0.0.1) in a browser signed in to "
            "GitHub, confirm the App on GitHub, and prguard writes GITHUB_APP_ID, GITHUB_PRIVATE_KEY_PATH "
            "(a 0600 .pem), GITHUB_WEBHOOK_SECRET and GITHUB_CLIENT_ID to the env file (0600). Secrets are "
            "never printed."
        ),
    )
    reg.add_argument("--webhook-url", required=True, help="public URL GitHub posts webhooks to (…/webhooks)")
    reg.add_argument("--org", metavar="ORG", help="register the App under this organisation (default: you)")
    reg.add_argument(
        "--github-url",
        default=DEFAULT_GITHUB_URL,
        metavar="URL",
        help="GitHub web URL (default https://github.com; GitHub Enterprise Server: https://HOST)",
    )
    reg.add_argument("--api-url", metavar="URL", help="REST API URL (default: derived from --github-url)")
    reg.add_argument(
        "--env-file", default=".env", type=Path, help="env file to create or update (default .env)"
    )
    reg.add_argument(
        "--key-file",
        type=Path,
        help=f"where to write the private key (default: {DEFAULT_KEY_NAME} beside the env file)",
    )
    reg.add_argument("--name", default="prguard", help="App name (unique on GitHub; default prguard)")
    reg.add_argument("--public", action="store_true", help="let other accounts install the App")
    reg.add_argument("--port", type=int, default=0, help="local port for the flow (default: any free port)")
    reg.add_argument("--no-browser", action="store_true", help="print the local URL instead of opening it")
    reg.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for GitHub (default 900)")
    reg.add_argument("--force", action="store_true", help="overwrite an existing private key file")
    reg.set_defaults(handler=run_register)

    show = commands.add_parser("manifest", help="print the App manifest (permissions and events) as JSON")
    show.add_argument("--webhook-url", help="public webhook URL to put in the manifest")
    show.add_argument("--name", default="prguard")
    show.set_defaults(handler=run_manifest)


# -- URLs ------------------------------------------------------------------------------------------


def new_app_url(github_url: str, org: str | None) -> str:
    """GitHub's "register a new App" page for a user or an organisation (github.com or GHES)."""
    base = github_url.rstrip("/")
    if org:
        return f"{base}/organizations/{quote(org, safe='')}/settings/apps/new"
    return f"{base}/settings/apps/new"


def api_url_for(github_url: str) -> str:
    """https://github.com → https://api.github.com; a GHES host → https://HOST/api/v3."""
    parts = urlsplit(github_url.rstrip("/"))
    if parts.netloc.lower() in ("github.com", "www.github.com"):
        return "https://api.github.com"
    return f"{parts.scheme}://{parts.netloc}/api/v3"


def _check_http_url(url: str, option: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"{option} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


# -- the exchange and the files --------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    app_id: int
    slug: str
    html_url: str
    client_id: str
    env_file: Path
    key_file: Path
    permissions: dict[str, str]
    events: list[str]


def exchange_code(api_url: str, code: str) -> dict[str, Any]:
    """Trade the one-time code for the App's configuration (unauthenticated; the code is the credential)."""
    # the GitHub client loads only for the registration step (`prguard` start-up time)
    from prguard.github.client import GitHubClient
    from prguard.github.errors import GitHubError

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,200}", code):
        raise CliError("GitHub's redirect carried a malformed code")
    client = GitHubClient(api_url=api_url, max_attempts=1)
    try:
        data = client.post("/app-manifests/{code}/conversions", url_vars={"code": code})
    except GitHubError as exc:
        raise CliError(f"GitHub refused the manifest code ({exc}); codes work once, for one hour") from None
    missing = [k for k in ("id", "pem", "webhook_secret", "client_id") if not (data or {}).get(k)]
    if missing:
        raise CliError(
            f"GitHub's answer lacks {', '.join(missing)}; "
            "set them in the App's settings and the env file by hand"
        )
    return data


def write_credentials(
    data: dict[str, Any], *, env_file: Path, key_file: Path, api_url: str, force: bool = False
) -> Registration:
    """The PEM to a 0600 file, the ids and secret to the env file (0600, other lines kept)."""
    _write_private(key_file, str(data["pem"]), force=force)
    values = {
        "GITHUB_APP_ID": str(int(data["id"])),
        "GITHUB_PRIVATE_KEY_PATH": str(key_file.resolve()),
        "GITHUB_WEBHOOK_SECRET": str(data["webhook_secret"]),
        "GITHUB_CLIENT_ID": str(data["client_id"]),
    }
    if api_url.rstrip("/") != "https://api.github.com":
        values["GITHUB_API_URL"] = api_url.rstrip("/")
    update_env_file(env_file, values, remove=("GITHUB_PRIVATE_KEY",))
    return Registration(
        app_id=int(data["id"]),
        slug=str(data.get("slug") or ""),
        html_url=str(data.get("html_url") or ""),
        client_id=str(data["client_id"]),
        env_file=env_file,
        key_file=key_file,
        permissions=dict(data.get("permissions") or {}),
        events=list(data.get("events") or []),
    )


def update_env_file(path: Path, values: dict[str, str], remove: tuple[str, ...] = ()) -> None:
    """Set `values` in a KEY=value env file (honcho, docker compose and systemd read it), mode 0600."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip().removeprefix("export ").strip() if "=" in line else None
        if key in remove:
            continue
        if key in pending:
            out.append(f"{key}={_quote(pending.pop(key))}")
        else:
            out.append(line)
    out.extend(f"{key}={_quote(value)}" for key, value in pending.items())
    _write_private(path, "\n".join(out) + "\n", force=True)


def _quote(value: str) -> str:
    if _SAFE_VALUE.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str, *, force: bool) -> None:
    """Write a file readable by its owner only (created 0600, never world-readable for an instant)."""
    if path.exists() and not force:
        raise CliError(f"{path} exists; move it away or pass --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- the local server ------------------------------------------------------------------------------


class ManifestFlow:
    """A one-shot HTTP server on 127.0.0.1: `/` posts the manifest to GitHub, `/callback` takes the code."""

    def __init__(
        self,
        *,
        webhook_url: str,
        github_url: str = DEFAULT_GITHUB_URL,
        api_url: str | None = None,
        org: str | None = None,
        env_file: Path,
        key_file: Path,
        name: str = "prguard",
        public: bool = False,
        port: int = 0,
        force: bool = False,
    ) -> None:
        self.github_url = _check_http_url(github_url, "--github-url")
        self.api_url = _check_http_url(api_url or api_url_for(self.github_url), "--api-url")
        self.webhook_url = _check_http_url(webhook_url, "--webhook-url")
        self.org, self.name, self.public = org, name, public
        self.env_file, self.key_file, self.force = env_file, key_file, force
        self.state = secrets.token_urlsafe(24)
        self.result: Registration | None = None
        self.error: str | None = None
        self._done = threading.Event()
        handler = type("Handler", (_FlowHandler,), {"flow": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def manifest(self) -> dict[str, Any]:
        return app_manifest(
            webhook_url=self.webhook_url,
            redirect_url=self.url.rstrip("/") + CALLBACK_PATH,
            name=self.name,
            public=self.public,
        )

    def form_action(self) -> str:
        return f"{new_app_url(self.github_url, self.org)}?state={quote(self.state)}"

    def start(self) -> ManifestFlow:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="prguard-manifest", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> Registration:
        if not self._done.wait(timeout):
            raise CliError(f"no answer from GitHub within {timeout:.0f} s; run the command again")
        if self.error or self.result is None:
            raise CliError(self.error or "the registration did not complete")
        return self.result

    def start_page(self) -> str:
        manifest = html.escape(json.dumps(self.manifest()), quote=True)
        where = f"the organisation {html.escape(self.org)}" if self.org else "your account"
        return _PAGE.format(
            title="Register prguard on GitHub",
            body=(
                f"<p>This creates the <b>{html.escape(self.name)}</b> GitHub App for {where} on "
                f"{html.escape(self.github_url)} with checks (write), pull requests (write), contents "
                "(read), metadata (read) and issues (read), and webhooks for pull requests, check runs and "
                f"suites and issue comments sent to <code>{html.escape(self.webhook_url)}</code>.</p>"
                f'<form method="post" action="{html.escape(self.form_action(), quote=True)}">'
                f'<input type="hidden" name="manifest" value="{manifest}">'
                '<button type="submit">Continue to GitHub</button></form>'
                "<script>document.forms[0].submit()</script>"
            ),
        )

    def callback(self, query: dict[str, list[str]]) -> tuple[int, str]:
        """GitHub's redirect: check the state, exchange the code, write the files."""
        if self._done.is_set():
            return 409, "This registration is already finished; close this tab."
        state = (query.get("state") or [""])[0]
        code = (query.get("code") or [""])[0]
        if not secrets.compare_digest(state, self.state):
            return 400, "The state does not match this registration (a stale or forged redirect)."
        if not code:
            return 400, "GitHub's redirect carried no code."
        try:
            data = exchange_code(self.api_url, code)
            self.result = write_credentials(
                data, env_file=self.env_file, key_file=self.key_file, api_url=self.api_url, force=self.force
            )
        except (CliError, OSError) as exc:
            self.error = str(exc)
            self._done.set()
            return 502, f"Registration failed: {exc}"
        self._done.set()
        return 200, (
            f"The GitHub App <b>{html.escape(self.result.slug)}</b> (id {self.result.app_id}) is registered; "
            f"its credentials are in {html.escape(str(self.env_file))}. You can close this tab."
        )


class _FlowHandler(BaseHTTPRequestHandler):
    flow: ManifestFlow

    def log_message(self, format: str, *args: Any) -> None:  # the query string carries the code
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._reply(200, self.flow.start_page())
        elif parts.path == CALLBACK_PATH:
            status, message = self.flow.callback(parse_qs(parts.query))
            self._reply(status, _PAGE.format(title="prguard", body=f"<p>{message}</p>"))
        else:
            self._reply(404, _PAGE.format(title="Not found", body="<p>Not found.</p>"))

    def _reply(self, status: int, page: str) -> None:
        body = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
    "<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto}}</style>"
    "</head><body><h1>{title}</h1>{body}</body></html>"
)


# -- the commands ----------------------------------------------------------------------------------


def run_register(args: argparse.Namespace) -> int:
    env_file: Path = args.env_file
    key_file: Path = args.key_file or env_file.resolve().parent / DEFAULT_KEY_NAME
    if key_file.exists() and not args.force:
        raise CliError(
            f"{key_file} exists (another App's key?); move it away, pick --key-file, or pass --force"
        )
    flow = ManifestFlow(
        webhook_url=args.webhook_url,
        github_url=args.github_url,
        api_url=args.api_url,
        org=args.org,
        env_file=env_file,
        key_file=key_file,
        name=args.name,
        public=args.public,
        port=args.port,
        force=args.force,
    ).start()
    try:
        print(f"Open {flow.url} in a browser signed in to GitHub and confirm the App.", file=sys.stderr)
        print(
            "(On a remote machine: ssh -L PORT:127.0.0.1:PORT there, then open the URL locally.)",
            file=sys.stderr,
        )
        if not args.no_browser:
            webbrowser.open(flow.url)
        result = flow.wait(args.timeout)
    finally:
        flow.stop()
    print(f"Registered the GitHub App {result.slug} (id {result.app_id}).")
    print(
        f"Wrote GITHUB_APP_ID, GITHUB_PRIVATE_KEY_PATH, GITHUB_WEBHOOK_SECRET, GITHUB_CLIENT_ID to {env_file}"
    )
    print(f"Private key: {key_file} (mode 0600)")
    if result.html_url:
        print(f"Install it on your repositories: {result.html_url}/installations/new")
    return EXIT_OK


def run_manifest(args: argparse.Namespace) -> int:
    kwargs: dict[str, Any] = {"name": args.name}
    if args.webhook_url:
        kwargs["webhook_url"] = _check_http_url(args.webhook_url, "--webhook-url")
    sys.stdout.write(json.dumps(app_manifest(**kwargs), indent=2) + "\n")
    return EXIT_OK
