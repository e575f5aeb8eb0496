"""The medallion rules: names, keys, layers and the graph rules between them."""

import pytest
from polster.contract import layers as medallion


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("Orders", "must start with a lowercase letter"),
        ("1orders", "must start with a lowercase letter"),
        ("clean orders", "must start with a lowercase letter"),
        ("clean-orders", "must start with a lowercase letter"),
        ("../orders", "must start with a lowercase letter"),
        ("a/b", "must start with a lowercase letter"),
        ("class", "Python keyword"),
        ("x" * 49, "longer than 48"),
    ],
)
def test_bad_names_are_explained(name, problem):
    assert problem in medallion.name_problem(name)


@pytest.mark.parametrize("name", ["orders", "clean_orders_2024", "x"])
def test_good_names_pass(name):
    assert medallion.name_problem(name) is None


def test_keys_split_into_layer_and_name():
    assert medallion.split_key("silver_clean_orders") == ("silver", "clean_orders")
    with pytest.raises(ValueError, match="not a medallion asset key"):
        medallion.split_key("platinum_orders")


def problems(graph):
    return [str(violation) for violation in medallion.find_violations(graph)]


def test_a_valid_graph_has_no_violations():
    graph = {
        "bronze_orders": [],
        "bronze_customers": [],
        "silver_orders": ["bronze_orders", "bronze_customers"],
        "gold_revenue": ["silver_orders"],
    }
    assert problems(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        (
            {"bronze_a": [], "silver_b": ["bronze_a"], "gold_c": ["bronze_a"]},
            "gold_c: gold assets may depend only on silver assets, but it depends on bronze_a",
        ),
        (
            {"silver_a": ["bronze_x"], "bronze_x": [], "silver_b": ["silver_a"]},
            "silver_b: silver assets may depend only on bronze assets, but it depends on silver_a",
        ),
        (
            {"bronze_a": ["bronze_b"], "bronze_b": []},
            "bronze_a: bronze assets ingest raw data and take no upstream",
        ),
        ({"silver_a": []}, "silver_a: silver assets need at least one bronze upstream"),
        ({"gold_a": []}, "gold_a: gold assets need at least one silver upstream"),
        ({"silver_a": ["bronze_gone"]}, "silver_a: its upstream bronze_gone does not exist"),
        ({"orders": []}, "orders: the key does not start with a layer"),
        ({"silver_Bad": ["bronze_a"], "bronze_a": []}, "silver_Bad: 'Bad' must start with"),
    ],
)
def test_each_rule_is_reported_with_asset_and_fix(graph, expected):
    found = problems(graph)
    assert any(problem.startswith(expected) for problem in found), found
    assert all("Fix:" in problem for problem in found)


def test_cycles_are_found():
    graph = {"silver_a": ["silver_b"], "silver_b": ["silver_a"]}
    assert medallion.find_cycle(graph) == ["silver_a", "silver_b", "silver_a"]
    assert any("cycle: silver_a -> silver_b -> silver_a" in p for p in problems(graph))


def test_check_graph_lists_every_problem_in_one_error():
    graph = {"gold_a": ["bronze_b"], "bronze_b": [], "silver_c": []}
    with pytest.raises(medallion.LayerRuleError) as error:
        medallion.check_graph(graph)
    assert "(2 problem(s))" in str(error.value)
    assert "gold_a" in str(error.value)
    assert "silver_c" in str(error.value)


def test_a_misspelt_upstream_is_told_the_nearest_key():
    violations = medallion.find_violations({"bronze_orders": [], "silver_orders": ["bronze_ordrs"]})

    assert [str(violation) for violation in violations] == [
        "silver_orders: its upstream bronze_ordrs does not exist (did you mean bronze_orders?). "
        "Fix: create bronze_ordrs or remove it from the parameters of transform() in "
        "src/core/silver_orders.py."
    ]
