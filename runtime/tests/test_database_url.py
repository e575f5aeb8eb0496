"""A database URL that does not parse is refused in one line that never holds the URL."""

import pytest
from polster.core.sources import SourceError
from polster.core.sources.database import database_url

PASSWORD = "DbPwSECRET1"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://dbuser:{PASSWORD}#x9@127.0.0.1:5432/crm",  # '#': a fragment
        f"postgresql://dbuser:{PASSWORD}/x9@127.0.0.1:5432/crm",  # '/': a path
        f"postgresql://dbuser:{PASSWORD}?x9@127.0.0.1:5432/crm",  # '?': a query
        f"mssql://dbuser:{PASSWORD}#@127.0.0.1:1433/crm",  # '#' right before the '@'
    ],
)
def test_an_unencoded_password_is_refused_without_the_url(monkeypatch, url):
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    with pytest.raises(SourceError) as refused:
        database_url("CRM_DATABASE_URL")
    message = str(refused.value)
    assert "CRM_DATABASE_URL in .env is not a database URL" in message
    assert "percent-encode" in message
    assert PASSWORD not in message
    assert "\n" not in message


def test_an_encoded_password_is_accepted(monkeypatch):
    url = "postgresql://dbuser:DbPw%23x9%2F%3F%40@127.0.0.1:5432/crm"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    assert database_url("CRM_DATABASE_URL") == url
