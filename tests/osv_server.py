"""A local stand-in for the OSV vulnerability API, so `make audit` runs for real offline.

It answers pip-audit's `POST /v1/query` ({"package": {"name", "ecosystem"}, "version"})
from a table of known vulnerabilities, records every query, and binds to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class OsvFixture:
    """What the server knows (`vulnerabilities[(name, version)]`) and what it was asked."""

    url: str = ""
    vulnerabilities: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, version: str, vuln_id: str, fixed: str) -> None:
        """Declare `name==version` vulnerable to `vuln_id`, fixed in `fixed`."""
        self.vulnerabilities.setdefault((name, version), []).append(
            {
                "id": vuln_id,
                "summary": f"{vuln_id}: a vulnerability the test declared",
                "affected": [
                    {
                        "package": {"name": name, "ecosystem": "PyPI"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                        ],
                    }
                ],
            }
        )


def handler_for(fixture: OsvFixture) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = (query["package"]["name"], query["version"])
            fixture.queries.append(key)
            vulns = fixture.vulnerabilities.get(key)
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output quiet

    return Handler


@contextmanager
def osv_server() -> Iterator[OsvFixture]:
    """Serve an OsvFixture on a free 127.0.0.1 port until the block ends."""
    fixture = OsvFixture()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fixture))
    fixture.url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
