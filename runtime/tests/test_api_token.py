"""An API token goes only to the API's own origin: not to another host or port a page names,
and never in clear text over the network. Real HTTP servers on 127.0.0.1."""

from collections.abc import Iterator

import pytest
from polster.core.sources import SourceError
from polster.core.sources.api import Api, fetch_records
from pytest_httpserver import HTTPServer

TOKEN = "ApiT0kenSECRET-never-elsewhere"


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second server on 127.0.0.1 (another port: another origin), like an attacker's."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ORDERS_API_TOKEN", TOKEN)
    return TOKEN


def test_a_next_page_at_another_origin_never_gets_the_token(httpserver, other_server, token):
    stolen = other_server.url_for("/steal?page=2")
    httpserver.expect_request("/v1/orders").respond_with_json({"data": [{"id": 1}], "next": stolen})
    other_server.expect_request("/steal").respond_with_json({"data": [{"id": 2}]})

    api = Api(httpserver.url_for("/v1/orders"), token_variable="ORDERS_API_TOKEN")
    with pytest.raises(SourceError) as refused:
        fetch_records(api)

    message = str(refused.value)
    assert "\n" not in message
    assert "sent a next page at another origin" in message
    assert f"127.0.0.1:{other_server.port}/steal" in message
    assert TOKEN not in message
    assert other_server.log == []  # nothing was sent there, with or without the token
    (first, _), *_ = httpserver.log
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_next_page_on_the_same_origin_gets_the_token(httpserver, token):
    httpserver.expect_request("/v1/orders").respond_with_json(
        {"data": [{"id": 1}], "next": httpserver.url_for("/v1/orders/2")}
    )
    httpserver.expect_request("/v1/orders/2").respond_with_json({"data": [{"id": 2}]})

    api = Api(httpserver.url_for("/v1/orders"), token_variable="ORDERS_API_TOKEN")
    assert fetch_records(api) == [{"id": 1}, {"id": 2}]
    assert [request.headers["Authorization"] for request, _ in httpserver.log] == [
        f"Bearer {TOKEN}"
    ] * 2


def test_without_a_token_a_next_page_elsewhere_is_followed(httpserver, other_server):
    httpserver.expect_request("/v1/orders").respond_with_json(
        {"data": [{"id": 1}], "next": other_server.url_for("/more")}
    )
    other_server.expect_request("/more").respond_with_json({"data": [{"id": 2}]})

    assert fetch_records(Api(httpserver.url_for("/v1/orders"))) == [{"id": 1}, {"id": 2}]


def test_a_token_is_never_sent_over_plain_http_to_another_machine(token):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): refused before any connection is attempted.
    api = Api("http://192.0.2.1/v1/orders", token_variable="ORDERS_API_TOKEN", attempts=1)
    with pytest.raises(SourceError, match=r"is not https: ORDERS_API_TOKEN would cross"):
        fetch_records(api)
