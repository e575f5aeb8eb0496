"""Failure alerts: the message's shape for each destination, sent to a real local receiver."""

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from polster.core.alerts import Alert, payload, send
from polster.core.settings import parse_settings

ALERT = Alert(
    project="shop",
    environment="prod",
    run_id="0123456789abcdef",
    failed=("silver_orders", "silver_orders: check unique_order_id"),
    error="silver_orders was not published: blocking check unique_order_id failed",
    run_url="http://127.0.0.1:3000/runs/0123456789abcdef",
)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    """A real HTTP server on 127.0.0.1 that keeps the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/secret-path", received
    server.shutdown()
    server.server_close()


def test_the_message_names_what_failed_where():
    assert ALERT.text().splitlines() == [
        "shop (prod): run 01234567 failed",
        "Failed: silver_orders, silver_orders: check unique_order_id",
        "Error: silver_orders was not published: blocking check unique_order_id failed",
        "Run: http://127.0.0.1:3000/runs/0123456789abcdef",
    ]


@pytest.mark.parametrize("kind", ["slack", "teams", "webhook"])
def test_each_destination_gets_its_format(kind):
    body = json.dumps(payload(kind, ALERT))
    assert "unique_order_id" in body
    assert ALERT.run_url in body


def test_one_post_reaches_the_receiver(receiver):
    url, received = receiver
    settings = parse_settings({"POLSTER_ALERTS": "webhook", "POLSTER_ALERT_WEBHOOK_URL": url})
    assert send(ALERT, settings) is None
    assert received == [payload("webhook", ALERT)]


def test_an_unreachable_destination_is_a_warning_without_the_secret(receiver):
    url, received = receiver
    settings = parse_settings({"POLSTER_ALERTS": "slack", "POLSTER_ALERT_SLACK_WEBHOOK_URL": url})
    gone = replace(settings, alert_url="http://127.0.0.1:9/hooks/secret-path")
    warning = send(ALERT, gone)
    assert warning is not None
    assert warning.startswith("the failure alert was not sent: 127.0.0.1:9 did not answer")
    assert "secret-path" not in warning
    assert received == []


# What a file name, a CSV header or an error text could carry into an alert.
HOSTILE = replace(
    ALERT,
    failed=("bronze_<!channel>", "bronze_x: check <!here>"),
    error="header <https://evil.example|click me> [open](https://evil.example) **now** & <@U1>",
)


def test_slack_gets_data_escaped_no_mention_or_link(receiver):
    url, received = receiver
    settings = parse_settings({"POLSTER_ALERTS": "slack", "POLSTER_ALERT_SLACK_WEBHOOK_URL": url})
    assert send(HOSTILE, settings) is None

    (message,) = received
    text = message["text"]
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<https://evil.example|" not in text
    assert "<@U1>" not in text
    assert "bronze_&lt;!channel&gt;" in text
    assert "&amp; &lt;@U1&gt;" in text
    # The one link is ours: the run in the Dagster UI.
    assert text.count("<") == 1
    assert text.endswith(f"<{HOSTILE.run_url}|Open the run in Dagster>")


def test_teams_gets_data_as_plain_text_runs(receiver):
    url, received = receiver
    settings = parse_settings({"POLSTER_ALERTS": "teams", "POLSTER_ALERT_TEAMS_WEBHOOK_URL": url})
    assert send(HOSTILE, settings) is None

    (message,) = received
    body = message["attachments"][0]["content"]["body"]
    # Adaptive Cards read Markdown in a TextBlock, never in a TextRun.
    assert {block["type"] for block in body} == {"RichTextBlock"}
    runs = [inline for block in body for inline in block["inlines"]]
    assert {run["type"] for run in runs} == {"TextRun"}
    assert f"Error: {HOSTILE.error}" in [run["text"] for run in runs]
