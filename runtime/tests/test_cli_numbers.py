"""Numbers given to polster's commands: a negative or huge one is one line, not delta-rs's
OverflowError traceback."""

import pytest
from polster.tooling import cli


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "bronze_orders", "--limit=-5"],
        ["history", "bronze_orders", "--limit", "99999999999999999999999"],
        ["show", "bronze_orders", "--limit", "99999999999999999999999"],
        ["show", "bronze_orders", "--version=-1"],
        ["restore", "bronze_orders", "--version", "99999999999999999999999", "--yes"],
    ],
)
def test_a_negative_or_huge_count_is_a_usage_error_in_one_line(store, capsys, argv):
    with pytest.raises(SystemExit) as refused:
        cli.main(argv)

    assert refused.value.code == 2
    errors = capsys.readouterr().err.splitlines()
    assert "is not a whole number from 0 to 2,147,483,647" in errors[-1], errors
    assert "Traceback" not in "\n".join(errors)


def test_a_huge_retention_is_one_line(capsys):
    assert cli.main(["vacuum", "bronze_orders", "--retain", "99999999999999999h", "--force"]) == 1
    errors = capsys.readouterr().err
    assert errors.startswith("error: --retain '99999999999999999h' is too long"), errors
    assert errors.count("\n") == 1, errors
