"""Conditions read the way an analyst writes them."""

import pytest

from registry.formatting import condition


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("training_compute_flop", "gt", 1e25), "> 10^25 FLOP"),
        (("training_compute_flop", "gte", 3e25), "≥ 3 × 10^25 FLOP"),
        (("training_cost_usd", "gt", 1e8), "> $100 million"),
        (("developer_revenue_usd", "gt", 5e8), "> $500 million"),
        (("cluster_ops_per_second", "gte", 1e20), "≥ 10^20 op/s"),
        (("parameters", "gte", 1e10), "≥ 10^10 parameters"),
        (("capability_level", "gte", 3, "CBRN-3"), "≥ CBRN-3"),
        (("fatalities", "gt", 50), "> 50 deaths"),
        (("damage_usd", "gt", 1e9), "> $1 billion"),
        (("bio_sequence_data", "eq", 1), "trained mainly on biological sequence data"),
    ],
)
def test_condition(args, expected):
    assert condition(*args) == expected
