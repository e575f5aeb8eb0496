"""A real Azurite blob emulator for the ADLS tests, on free loopback ports.

Azurite ignores the `startFrom` parameter of blob listings, which Azure honours and
delta-rs relies on to find new commits: from a table's third version on, every write
would fail. A small proxy in front of Azurite applies that one filter to listing
responses; everything else passes through untouched (signatures included).
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.ports import free_port

REPO = Path(__file__).resolve().parents[1]

ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key: not a secret.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
AZURITE_BLOB = REPO / "node_modules" / ".bin" / "azurite-blob"
BLOB = re.compile(rb"<Blob>.*?</Blob>", re.DOTALL)
NAME = re.compile(rb"<Name>(.*?)</Name>")


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    msg = f"nothing listens on 127.0.0.1:{port} after {timeout}s"
    raise TimeoutError(msg)


def drop_listed_before(body: bytes, start_from: str) -> bytes:
    """Remove the blobs of a listing whose name sorts before `start_from`."""
    start = start_from.encode()
    return BLOB.sub(
        lambda blob: b"" if NAME.search(blob.group(0)).group(1) < start else blob.group(0), body
    )


class ListingFix(BaseHTTPRequestHandler):
    """Forwards every request to Azurite; filters listings by their startFrom."""

    protocol_version = "HTTP/1.1"
    upstream_port = 0

    def do_request(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
            response = upstream.getresponse()
            payload = response.read()
        except OSError:
            self.send_error(502, "Azurite is not running")
            return
        finally:
            upstream.close()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if self.command == "GET" and "startFrom" in query and response.status == 200:
            payload = drop_listed_before(payload, query["startFrom"][0])
        self.send_response(response.status, response.reason)
        for header, value in response.getheaders():
            if header.lower() not in {"content-length", "transfer-encoding", "connection"}:
                self.send_header(header, value)
        if self.command == "HEAD":  # no body: keep the size Azurite announced
            self.send_header("Content-Length", response.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_request  # noqa: N815 (http.server names)

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


class Azurite:
    """Azurite's blob service plus the listing fix; `endpoint` is what projects use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.proxy: subprocess.Popen[bytes] | None = None
        self.proxy_port = free_port()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}/{ACCOUNT}"

    def start(self) -> Azurite:
        if not AZURITE_BLOB.exists():
            msg = f"{AZURITE_BLOB} is missing: run `npm ci` (make test does it)"
            raise RuntimeError(msg)
        port = free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(AZURITE_BLOB),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(port),
                "--location",
                str(self.folder),
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port)
        # Its own process: a client in this process (delta-rs) may hold the GIL while waiting.
        self.proxy = subprocess.Popen(
            [sys.executable, "-m", "tests.azurite", str(port), str(self.proxy_port)], cwd=REPO
        )
        wait_for_port(self.proxy_port)
        return self

    def create_container(self, name: str) -> None:
        from azure.storage.blob import BlobServiceClient

        client = BlobServiceClient.from_connection_string(self.connection_string)
        client.create_container(name)

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.endpoint};"
        )

    def stop(self) -> None:
        """Stop the emulator: from now on, ADLS is unreachable."""
        for process in (self.proxy, self.process):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def serve_listing_fix(upstream_port: int, port: int) -> None:
    """Run the listing fix in front of Azurite until terminated."""
    handler = type("Handler", (ListingFix,), {"upstream_port": upstream_port})
    ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()


if __name__ == "__main__":
    serve_listing_fix(int(sys.argv[1]), int(sys.argv[2]))
