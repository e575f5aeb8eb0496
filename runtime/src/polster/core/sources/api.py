"""HTTP APIs as a source: JSON records, page after page, with retries and timeouts.

`fetch_records(url)` follows the pagination the API offers: a `Link: <...>; rel="next"`
header, a `next` URL in the body, or (with `page_parameter`) page numbers until a page
comes back empty. It retries 429, 5xx and connection errors a bounded number of times,
waiting longer each time (or as long as `Retry-After` asks), and sends a bearer token
when the token's variable is set in `.env`: only to the API's own origin (scheme, host and
port of its URL), never over plain http except to this machine. A page that points to
another origin is refused rather than followed with or without the token.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import polars as pl

from polster.core.settings import secret
from polster.core.sources import SourceError

# Where APIs commonly put the list of records in a JSON object.
RECORD_KEYS = ("data", "items", "results", "records")
SECRET_PARAMETERS = ("token", "key", "secret", "password", "signature", "sig", "auth")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Api:
    """How to call one API: its first page, token variable, records key and limits."""

    url: str
    token_variable: str | None = None  # e.g. "ORDERS_API_TOKEN", read from .env
    records_key: str | None = None  # None: a top-level list, or data/items/results/records
    page_parameter: str | None = None  # e.g. "page": number the pages 1, 2, ... instead
    params: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0  # seconds per request
    attempts: int = 4  # per page, the first one included
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_pages: int = 10_000


def fetch_records(api: Api) -> list[dict[str, Any]]:
    """Every record of every page, in order; SourceError (one line) when that fails."""
    token = secret(api.token_variable) if api.token_variable else ""
    if token and httpx.URL(api.url).scheme != "https" and not loopback(api.url):
        msg = (
            f"{safe_url(api.url)} is not https: {api.token_variable} would cross the network "
            "in clear text; use the API's https:// URL"
        )
        raise SourceError(msg)
    records: list[dict[str, Any]] = []
    headers = {"Accept": "application/json"}
    # The token is added per request, to the API's own origin only (see get); httpx drops
    # it on a redirect to another origin.
    with httpx.Client(headers=headers, timeout=api.timeout, follow_redirects=True) as client:
        for page in pages(client, api, token):
            records.extend(page)
    return records


def records_frame(records: list[dict[str, Any]], api: Api) -> pl.DataFrame:
    """Records as rows (nested objects become structs), each with _source and _ingested_at."""
    rows = pl.from_dicts(records, infer_schema_length=None) if records else pl.DataFrame()
    return rows.with_columns(
        pl.lit(safe_url(api.url)).alias("_source"),
        pl.lit(datetime.now(UTC)).cast(pl.Datetime("us", "UTC")).alias("_ingested_at"),
    )


def pages(client: httpx.Client, api: Api, token: str) -> Iterator[list[dict[str, Any]]]:
    """The records of each page, following the API's pagination."""
    url: str | None = api.url
    params = dict(api.params)
    number = 1
    for _ in range(api.max_pages):
        if api.page_parameter:
            params[api.page_parameter] = str(number)
        response = get(client, api, url or api.url, params, token)
        try:
            body = response.json()
        except ValueError:
            msg = f"{safe_url(str(response.url))} did not send JSON: check the URL"
            raise SourceError(msg) from None
        records = records_of(body, api.records_key, safe_url(str(response.url)))
        if api.page_parameter:
            if not records:
                return
            yield records
            number += 1
            continue
        yield records
        url = next_url(response, body)
        params = {}  # a next link carries its own query
        if url is None:
            return
    msg = f"{safe_url(api.url)} has more than {api.max_pages} pages: raise max_pages"
    raise SourceError(msg)


def get(
    client: httpx.Client, api: Api, url: str, params: dict[str, str], token: str
) -> httpx.Response:
    """One page, retried on 429, 5xx and connection errors with a growing wait."""
    target = httpx.URL(url).copy_merge_params(params)  # keeps the URL's own query
    shown = safe_url(str(target))
    headers = {}
    if token:
        if origin(str(target)) != origin(api.url):
            msg = (
                f"{safe_url(api.url)} sent a next page at another origin ({shown}): "
                f"{api.token_variable} goes only to {origin_text(api.url)}, so the pages "
                "stop here; check the API's pagination, or use page_parameter"
            )
            raise SourceError(msg)
        headers["Authorization"] = f"Bearer {token}"
    seen: list[str] = []
    for attempt in range(1, api.attempts + 1):
        try:
            response = client.get(target, headers=headers)
        except httpx.TransportError as error:
            seen.append(type(error).__name__)
            wait = api.backoff * 2 ** (attempt - 1)
        else:
            if response.status_code in (401, 403):
                raise SourceError(refused(response.status_code, shown, api.token_variable, token))
            if response.status_code not in RETRY_STATUSES:
                if response.is_error:
                    msg = f"GET {shown} failed: HTTP {response.status_code} (not retried)"
                    raise SourceError(msg)
                return response
            seen.append(str(response.status_code))
            wait = retry_after(response) or api.backoff * 2 ** (attempt - 1)
        if attempt < api.attempts:
            time.sleep(min(wait, 60.0))
    msg = (
        f"GET {shown} failed {api.attempts} times ({', '.join(seen)}), retried with backoff: "
        "check that the API is up and the URL is right, then run again"
    )
    raise SourceError(msg)


def refused(status: int, shown: str, variable: str | None, token: str) -> str:
    if variable and not token:
        return f"GET {shown} was refused (HTTP {status}): set {variable} in .env"
    if variable:
        return f"GET {shown} refused the token in {variable} (HTTP {status}): renew it in .env"
    return f"GET {shown} was refused (HTTP {status}): the API needs credentials"


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def records_of(body: Any, key: str | None, shown: str) -> list[dict[str, Any]]:
    """The list of records in one page's JSON: a top-level list, or the list under `key`."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for candidate in (key,) if key else RECORD_KEYS:
            if isinstance(body.get(candidate), list):
                return body[candidate]
    where = f"under {key!r}" if key else f"at the top or under {', '.join(RECORD_KEYS)}"
    msg = f"{shown} sent no list of records {where}: set records_key to where they are"
    raise SourceError(msg)


def next_url(response: httpx.Response, body: Any) -> str | None:
    """The next page's URL: from the Link header, else a `next` field, else None."""
    link = response.links.get("next", {}).get("url")
    if link:
        return urljoin(str(response.url), link)
    if isinstance(body, dict):
        candidate = body.get("next") or (body.get("links") or {}).get("next")
        if isinstance(candidate, str) and candidate:
            return urljoin(str(response.url), candidate)
    return None


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL (the default port made explicit)."""
    parsed = httpx.URL(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host.lower(), parsed.port or default


def origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


def loopback(url: str) -> bool:
    """Whether the URL's host is this machine."""
    host = httpx.URL(url).host.lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def safe_url(url: str) -> str:
    """The URL without credentials: no user:password, secret-looking parameters blanked."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [
            (name, "***" if any(word in name.lower() for word in SECRET_PARAMETERS) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
