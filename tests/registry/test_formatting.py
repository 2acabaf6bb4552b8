"""Conditions read the way an analyst writes them."""

import pytest

from registry.formatting import condition, parse_figure


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("training_compute_flop", "gt", 1e25), "more than 10^25 FLOP of training compute"),
        (("training_compute_flop", "gte", 3e25), "at least 3 × 10^25 FLOP of training compute"),
        (("training_cost_usd", "gt", 1e8), "more than $100 million of training compute cost"),
        (("developer_revenue_usd", "gt", 5e8), "more than $500 million of developer annual revenue"),
        (("cluster_ops_per_second", "gte", 1e20), "at least 10^20 op/s of cluster capacity"),
        (("parameters", "gte", 1e10), "at least 10^10 parameters"),
        (("capability_level", "gte", 3, "CBRN-3"), "capability level at least CBRN-3"),
        (("fatalities", "gt", 50), "more than 50 deaths"),
        (("damage_usd", "gt", 1e9), "more than $1 billion of damage"),
        (
            ("modification_compute_flop", "gte", 3e25),
            "at least 3 × 10^25 FLOP of fine-tuning or other modification compute",
        ),
        (
            ("modification_cost_usd", "gt", 1e7),
            "more than $10 million of fine-tuning or other modification compute cost",
        ),
        (("distillation_cost_usd", "gt", 5e6), "more than $5 million of distillation compute cost"),
        (
            ("modification_compute_ratio", "gt", 1 / 3),
            "modification compute more than 0.333 times the original model's training compute",
        ),
        (("bio_sequence_data", "eq", 1), "trained mainly on biological sequence data"),
    ],
)
def test_condition(args, expected):
    assert condition(*args) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3e25", 3e25),
        ("3×10^25", 3e25),
        ("3 x 10^25", 3e25),
        ("3*10^25", 3e25),
        ("10^26", 1e26),
        ("10**26", 1e26),
        ("10²⁶", 1e26),
        ("30,000,000", 3e7),
        ("1.5E+26", 1.5e26),
    ],
)
def test_parse_figure_reads_figures_as_people_type_them(typed, expected):
    assert parse_figure(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "1e999", "nan", "inf", "1,00", "5²", "10^", "3e25" * 30])
def test_parse_figure_refuses_what_is_not_a_figure_and_says_how_to_write_one(typed):
    with pytest.raises(ValueError, match="3e25, 3×10\\^25"):
        parse_figure(typed)


def test_parse_figure_says_a_negative_figure_is_negative():
    with pytest.raises(ValueError, match="'-1' is negative"):
        parse_figure("-1")
