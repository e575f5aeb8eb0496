"""Write the catalog site into a folder, all at once, without a secret in it; serve it.

The site is built in a temporary folder beside the output and then put in its place, so
that an interrupted build leaves the previous site (or none), never half of one. The
output folder is replaced only when it is a catalog this command wrote (it holds MARKER).
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from polster.contract.errors import PolsterError
from polster.contract.options import option
from polster.tooling.catalog.render import STATIC_FILES

MARKER = ".polster-catalog"
# Settings whose values are secrets (ADLS keys, SAS and API tokens, database and webhook
# URLs with their passwords): none of them may appear in any file of the site.
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|SAS|CREDENTIAL|_URL$|_URI$")
SHORTEST_SECRET = 6
HIDDEN = "[secret hidden]"


def secret_values(environment: Mapping[str, str]) -> list[str]:
    """The values of the secret settings (longest first), and the password of any URL
    among them."""
    values = set()
    for name, value in environment.items():
        if not SECRET_NAME.search(name.upper()) or len(value) < SHORTEST_SECRET:
            continue
        values.add(value)
        password = urlsplit(value).password if "://" in value else None
        if password and len(password) >= SHORTEST_SECRET:
            values.update({password, unquote(password)})
    return sorted(values, key=len, reverse=True)


def without_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret hidden, as written and as the pages write it (escaped for
    HTML, "&" as "&amp;"; in a link to a column, percent-encoded; in data.js's JSON)."""
    for secret in secrets:
        written = (secret, html.escape(secret), quote(secret, safe=""), *json_forms(secret))
        for form in dict.fromkeys(written):
            text = text.replace(form, HIDDEN)
    return text


def json_forms(secret: str) -> tuple[str, ...]:
    """`secret` inside a JSON string, as data.js writes it (ASCII, "<" escaped)."""
    written = json.dumps(secret, ensure_ascii=True)[1:-1]
    return written, written.replace("<", "\\u003c")


def write_site(output: Path, files: Mapping[str, str], secrets: Iterable[str] = ()) -> Path:
    """Write `files` (relative path -> text) and the static files as the site at `output`;
    returns its index.html."""
    foreign = output.exists() and not (output / MARKER).exists()
    if foreign and (not output.is_dir() or any(output.iterdir())):
        msg = (
            f"{output} exists and is not a catalog polster docs wrote: choose another "
            f"folder ({option('--output', 'DIR')}), or remove it first"
        )
        raise PolsterError(msg)
    secrets = list(secrets)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(without_secrets(text, secrets), encoding="utf-8")
        static = resources.files("polster.tooling.catalog") / "static"
        for name in STATIC_FILES:
            (staging / name).write_bytes((static / name).read_bytes())
        (staging / MARKER).write_text("written by polster docs; replaced by the next build\n")
        staging.chmod(0o755)
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
            os.replace(output, old / output.name)
            os.replace(staging, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output / "index.html"


def serve(site: Path, port: int) -> None:
    """Serve the site on http://127.0.0.1:`port` until Ctrl-C (this machine only)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        msg = (
            f"cannot serve the catalog on 127.0.0.1:{port} ({error.strerror or error}): "
            f"choose another port ({option('--port', '8001')})"
        )
        raise PolsterError(msg) from None
    with server:
        print(f"Serving the catalog on http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped serving the catalog.")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        return
