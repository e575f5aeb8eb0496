"""Failure alerts: one message per failed run, to Slack, Microsoft Teams or any webhook.

Both ways a run can fail build their message here, so that it has one shape: a run of
`run_polster.py` (cron, a terminal), and a run Dagster launched (the UI, a schedule, a
sensor), which its run-failure sensor reports (orchestration/alerts.py). Slack's and
Teams' incoming webhooks take a JSON POST like any webhook, so one HTTP client sends all
three. An alert that cannot be delivered is a warning: it never changes a run's outcome.

File names, column names and error texts come from data, so each destination gets them
escaped its way: Slack's `&`, `<`, `>` (no `<!channel>`, `<!here>` or `<url|text>` link),
and for Teams text runs, which Adaptive Cards never read as Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from polster.core.settings import ALERT_URL_SETTINGS, Settings

TIMEOUT_SECONDS = 10.0
SHOWN_FAILURES = 10


@dataclass(frozen=True)
class Alert:
    """What failed, where, in which run."""

    project: str
    environment: str
    run_id: str
    failed: tuple[str, ...]  # asset keys, and blocking checks as "<asset>: check <name>"
    error: str  # the first line of the first error
    run_url: str | None = None  # the run in the Dagster UI, when its address is known

    @property
    def title(self) -> str:
        return f"{self.project} ({self.environment}): run {self.run_id[:8]} failed"

    def lines(self) -> list[str]:
        failed = ", ".join(self.failed[:SHOWN_FAILURES]) or "-"
        if len(self.failed) > SHOWN_FAILURES:
            failed += f" and {len(self.failed) - SHOWN_FAILURES} more"
        return [
            f"Failed: {failed}",
            f"Error: {self.error or '-'}",
            f"Run: {self.run_url or self.run_id}",
        ]

    def text(self) -> str:
        return "\n".join([self.title, *self.lines()])


def run_url(ui_url: str, run_id: str) -> str | None:
    """The run's page in the Dagster UI at `ui_url`; None when the UI's address is unknown."""
    return f"{ui_url.rstrip('/')}/runs/{run_id}" if ui_url else None


def slack_text(text: str) -> str:
    """Text Slack shows as it is: its three control characters escaped (Slack's rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_run(text: str, **style: object) -> dict[str, Any]:
    """An Adaptive Card block of plain text: a TextRun is never read as Markdown."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def payload(kind: str, alert: Alert) -> dict[str, Any]:
    """The JSON body for `kind`: Slack's and Teams' webhook formats, or a plain object."""
    if kind == "slack":
        link = f"\n<{alert.run_url}|Open the run in Dagster>" if alert.run_url else ""
        lines = "\n".join(slack_text(line) for line in alert.lines())
        return {"text": f"*{slack_text(alert.title)}*\n" + lines + link}
    if kind == "teams":
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                text_run(alert.title, weight="Bolder"),
                *(text_run(line) for line in alert.lines()),
            ],
        }
        if alert.run_url:
            card["actions"] = [
                {"type": "Action.OpenUrl", "title": "Open the run", "url": alert.run_url}
            ]
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        return {"type": "message", "attachments": [attachment]}
    return {
        "event": "run_failed",
        "project": alert.project,
        "environment": alert.environment,
        "run_id": alert.run_id,
        "failed": list(alert.failed),
        "error": alert.error,
        "run_url": alert.run_url,
        "text": alert.text(),
    }


def send(alert: Alert, settings: Settings) -> str | None:
    """POST `alert` once to the configured destination; a warning if it was not delivered.

    None when it was delivered, or when alerts are off (POLSTER_ALERTS=none). The warning
    names the destination's host only: a webhook URL's path is its secret.
    """
    if settings.alerts == "none":
        return None
    variable = ALERT_URL_SETTINGS[settings.alerts]
    if not settings.alert_url:
        return f"the failure alert was not sent: set {variable} in .env"
    host = urlsplit(settings.alert_url).netloc.rpartition("@")[2] or "?"
    import httpx  # only when an alert is sent: every definitions load would wait for it

    try:
        response = httpx.post(
            settings.alert_url, json=payload(settings.alerts, alert), timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        reason = type(error).__name__
        return f"the failure alert was not sent: {host} did not answer ({reason}); check {variable}"
    if response.is_error:
        return (
            f"the failure alert was not sent: {host} answered HTTP {response.status_code}; "
            f"check {variable}"
        )
    return None
