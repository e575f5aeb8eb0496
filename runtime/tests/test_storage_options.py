"""ADLS options: the credential chosen, and the same settings for delta-rs, Polars and adlfs."""

import pytest
from polster.core import adls
from polster.core.settings import parse_settings

ADLS = {"STORAGE_BACKEND": "adls", "ADLS_ACCOUNT_NAME": "mydatalake", "ADLS_CONTAINER": "lake"}


def test_the_table_root_is_an_abfss_uri():
    settings = parse_settings({**ADLS, "ADLS_BASE_PATH": "/sales/data/"})
    assert adls.table_root(settings) == "abfss://lake@mydatalake.dfs.core.windows.net/sales/data"


def test_an_account_key_comes_first():
    settings = parse_settings({**ADLS, "ADLS_ACCOUNT_KEY": "secret-key"})
    assert adls.delta_options(settings)["account_key"] == "secret-key"
    assert adls.polars_options(settings)["max_retries"] == adls.MAX_RETRIES
    assert adls.delta_options(settings)["max_retries"] == str(adls.MAX_RETRIES)
    assert adls.credential_name(settings) == "ADLS_ACCOUNT_KEY"


def test_a_sas_token_is_used_without_its_question_mark():
    settings = parse_settings({**ADLS, "ADLS_SAS_TOKEN": "?sv=2024&sig=x"})
    options = adls.delta_options(settings)
    assert options["sas_token"] == "sv=2024&sig=x"
    assert "account_key" not in options


def test_without_a_secret_azure_identity_signs_in(monkeypatch):
    monkeypatch.setattr(adls, "identity_token", lambda: "token-from-azure-identity")
    settings = parse_settings(ADLS)
    assert adls.delta_options(settings)["bearer_token"] == "token-from-azure-identity"
    assert adls.credential_name(settings) == "Azure identity (DefaultAzureCredential)"


def test_an_http_endpoint_is_allowed_for_the_emulator():
    settings = parse_settings(
        {
            **ADLS,
            "ADLS_ACCOUNT_KEY": "k",
            "ADLS_ENDPOINT": "http://127.0.0.1:10000/devstoreaccount1/",
        }
    )
    options = adls.delta_options(settings)
    assert options["endpoint"] == "http://127.0.0.1:10000/devstoreaccount1"
    assert options["allow_http"] == "true"
    assert (
        "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
        in (adls.adlfs_options(settings)["connection_string"])
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ADLS_CONTAINER": ""}, "needs ADLS_CONTAINER"),
        ({"ADLS_ACCOUNT_NAME": "Not-Valid"}, "is not a storage account name"),
        ({"ADLS_ACCOUNT_KEY": "k", "ADLS_SAS_TOKEN": "s"}, "keep only one of them"),
    ],
)
def test_impossible_adls_settings_are_refused(env, message):
    with pytest.raises(ValueError, match=message):
        parse_settings({**ADLS, **env})
