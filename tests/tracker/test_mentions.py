"""Threshold figures are recognised in policy text, normalised, and kept with their sentence."""

import pytest

from registry.vocabulary import Metric
from tracker.mentions import Figure, find_figures


def only_figure(text: str) -> Figure:
    figures = find_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("10^26", 1e26),
        ("10**26", 1e26),
        ("10^{26}", 1e26),
        ("10(^26)", 1e26),
        ("10²⁶", 1e26),
        ("1e26", 1e26),
        ("1E+26", 1e26),
        ("1.5e25", 1.5e25),
        ("3 × 10^25", 3e25),
        ("3x10^25", 3e25),
        ("3 * 10^25", 3e25),
        ("3·10^25", 3e25),
        ("1.5×10²⁵", 1.5e25),
        ("10 to the 26th power", 1e26),
        ("ten to the twenty-sixth", 1e26),
        ("ten to the power of twenty-six", 1e26),
        ("100 septillion", 1e26),
        ("one hundred septillion", 1e26),
        ("5 octillion", 5e27),
        ("1,000,000,000,000,000,000,000,000", 1e24),
    ],
)
def test_it_reads_each_notation_of_training_compute(written, value):
    text = f"The duty covers any model trained using {written} operations in total."

    figure = only_figure(text)

    assert (figure.metric, figure.value, figure.text) == (Metric.TRAINING_COMPUTE_FLOP, value, f"{written} operations")


@pytest.mark.parametrize(
    "unit",
    [
        "FLOP",
        "FLOPs",
        "FLOP(s)",
        "flops",
        "operations",
        "floating-point operations",
        "floating point operations",
        "integer or floating-point operations",
        "computational operations",
    ],
)
def test_it_reads_each_way_of_naming_operations(unit):
    figure = only_figure(f"Labs disclose training runs of 10^25 {unit} to the office.")

    assert (figure.metric, figure.value, figure.text) == (Metric.TRAINING_COMPUTE_FLOP, 1e25, f"10^25 {unit}")


def test_it_takes_a_bare_power_of_ten_as_compute_when_the_sentence_speaks_of_training():
    figure = only_figure("A training run beyond 10^26 must be notified in advance.")

    assert (figure.metric, figure.value, figure.text) == (Metric.TRAINING_COMPUTE_FLOP, 1e26, "10^26")


def test_it_ignores_a_bare_power_of_ten_with_nothing_about_compute_around_it():
    assert find_figures("The odds of such an event are about one in 10^12 per year.") == []


def test_it_restores_a_power_of_ten_that_lost_its_superscript_in_a_pdf():
    figure = only_figure("Models trained with more than 1026 FLOPs are in scope.")

    assert (figure.metric, figure.value) == (Metric.TRAINING_COMPUTE_FLOP, 1e26)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (
            "Owners of a cluster with a theoretical maximum computing capacity of 10^20 integer or floating-point "
            "operations per second must tell the agency.",
            "10^20 integer or floating-point operations per second",
        ),
        ("Datacentres able to reach 10^20 FLOP/s are registered.", "10^20 FLOP/s"),
        ("Datacentres able to reach 1e20 OP/s are registered.", "1e20 OP/s"),
        ("Datacentres able to reach 10^20 operations per second are registered.", "10^20 operations per second"),
        ("Computing clusters with a capacity above 10^20 FLOPS are registered.", "10^20 FLOPS"),
    ],
)
def test_it_reads_a_rate_as_cluster_capacity(text, written):
    figure = only_figure(text)

    assert (figure.metric, figure.value, figure.text) == (Metric.CLUSTER_OPS_PER_SECOND, 1e20, written)


def test_it_reads_flops_as_a_count_when_the_sentence_is_about_a_trained_model():
    figure = only_figure("It applies to whoever trained a model with more than 10^26 FLOPS of computing power.")

    assert figure.metric == Metric.TRAINING_COMPUTE_FLOP


@pytest.mark.parametrize(
    ("written", "value", "currency"),
    [
        ("$100 million", 1e8, "USD"),
        ("$100M", 1e8, "USD"),
        ("US$ 500 million", 5e8, "USD"),
        ("USD 500M", 5e8, "USD"),
        ("500 million US dollars", 5e8, "USD"),
        ("500 million dollars", 5e8, "USD"),
        ("$1.5 billion", 1.5e9, "USD"),
        ("one hundred million dollars", 1e8, "USD"),
        ("$1.5bn", 1.5e9, "USD"),
        ("$10,000,000", 1e7, "USD"),
        ("$500,000", 5e5, "USD"),
        ("€15 million", 1.5e7, "EUR"),
        ("EUR 15 million", 1.5e7, "EUR"),
        ("15 million euros", 1.5e7, "EUR"),
        ("£10m", 1e7, "GBP"),
        ("KRW 1 trillion", 1e12, "KRW"),
        ("1 trillion won", 1e12, "KRW"),
        ("¥20 billion", 2e10, "JPY"),
        ("2 billion yuan", 2e9, "CNY"),
        ("HK$80 million", 8e7, "HKD"),
    ],
)
def test_it_reads_each_way_of_writing_money_in_its_own_currency(written, value, currency):
    figure = only_figure(f"The rule reaches any model whose training cost was {written} or more.")

    assert (figure.metric, figure.value, figure.currency, figure.text) == (
        Metric.TRAINING_COST_USD,
        value,
        currency,
        written,
    )


@pytest.mark.parametrize(
    "text",
    [
        "A developer that spent $100 million on a single model must publish a safety plan.",
        "The compute cost of the final run must stay below $100 million.",
        "Renting $100 million of cloud computing for one model triggers the duty.",
        "A training run paid for with $100 million of compute is in scope.",
    ],
)
def test_it_reads_money_spent_on_compute_as_training_cost(text):
    figure = only_figure(text)

    assert (figure.metric, figure.value) == (Metric.TRAINING_COST_USD, 1e8)


@pytest.mark.parametrize(
    "text",
    [
        "The act reaches developers whose annual gross revenues exceed $500 million.",
        "Firms with a yearly turnover above $500 million must file a report.",
        "Companies with total sales of more than $500 million in the prior year are large developers.",
    ],
)
def test_it_reads_money_earned_as_developer_revenue(text):
    figure = only_figure(text)

    assert (figure.metric, figure.value) == (Metric.DEVELOPER_REVENUE_USD, 5e8)


@pytest.mark.parametrize(
    "text",
    [
        "A lab that trains a model in breach of the rules faces a fine of EUR 15 million.",
        "The regulator may impose a penalty of $10 million on any compute provider.",
        "The ministry awarded a grant of $2 billion for training researchers.",
        "A new fund of £15 million will pay for alignment research on trained models.",
        "The plan includes €20 billion of investment in computing gigafactories.",
        "The agency's budget for compute audits rose to $30 million.",
    ],
)
def test_it_skips_fines_grants_funds_and_budgets(text):
    assert find_figures(text) == []


def test_it_skips_a_cost_that_is_not_about_models_or_compute():
    assert find_figures("Laying the new cable costs $5 million per kilometre.") == []


def test_it_skips_money_with_nothing_about_compute_or_revenue_around_it():
    assert find_figures("Fraudsters tricked a clerk into sending $25 million abroad.") == []


def test_it_tells_a_revenue_threshold_from_a_fine_in_the_same_sentence():
    figure = only_figure("Developers with annual revenue above $500 million face penalties of up to $10 million.")

    assert (figure.metric, figure.text) == (Metric.DEVELOPER_REVENUE_USD, "$500 million")


def test_it_finds_compute_and_cost_in_one_sentence():
    text = "Models trained with more than 10^26 operations and a compute cost above $100 million are covered."

    figures = find_figures(text)

    assert [(f.metric, f.value, f.operator, f.text) for f in figures] == [
        (Metric.TRAINING_COMPUTE_FLOP, 1e26, "gt", "10^26 operations"),
        (Metric.TRAINING_COST_USD, 1e8, "gt", "$100 million"),
    ]


@pytest.mark.parametrize(
    ("words", "operator"),
    [
        ("more than", "gt"),
        ("greater than", "gt"),
        ("exceeding", "gt"),
        ("above", "gt"),
        ("in excess of", "gt"),
        ("at least", "gte"),
        ("not less than", "gte"),
        ("greater than or equal to", "gte"),
        ("≥", "gte"),
        ("less than", "lt"),
        ("below", "lt"),
        ("up to", "lte"),
        ("no more than", "lte"),
        ("not exceeding", "lte"),
        ("about", ""),
    ],
)
def test_it_reads_the_comparison_word_before_a_figure(words, operator):
    assert only_figure(f"The rule covers models trained on {words} 10^26 FLOP.").operator == operator


@pytest.mark.parametrize(("words", "operator"), [("or more", "gte"), ("or less", "lte"), ("and above", "gte")])
def test_it_reads_the_comparison_word_after_a_figure(words, operator):
    assert only_figure(f"The rule covers models trained on 10^26 FLOP {words}.").operator == operator


def test_it_reads_no_comparison_from_a_word_further_back_in_the_sentence():
    figure = only_figure("Above all, the office keeps a register of models trained on 10^26 FLOP.")

    assert figure.operator == ""


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("tens of billions of parameters", 1e10),
        ("175 billion parameters", 1.75e11),
        ("1.8 trillion parameters", 1.8e12),
        ("1.8T parameters", 1.8e12),
        ("70B parameters", 7e10),
        ("405B-parameter", 4.05e11),
        ("70-billion-parameter", 7e10),
    ],
)
def test_it_reads_parameter_counts(written, value):
    figure = only_figure(f"The order names any {written} model released to the public.")

    assert (figure.metric, figure.value, figure.currency, figure.text) == (Metric.PARAMETERS, value, "", written)


def test_it_reads_a_parameter_count_whose_unit_follows_the_comparison():
    figure = only_figure("The duty applies to models with 10^12 or more parameters.")

    assert (figure.metric, figure.value, figure.operator, figure.text) == (Metric.PARAMETERS, 1e12, "gte", "10^12")


@pytest.mark.parametrize(
    "text",
    [
        "From 2026 the compute rules apply to every developer.",
        "Article 51 of the act defines training compute.",
        "At least 25% of training compute must go to safety testing.",
        "Questions about compute reporting go to 555-0100 or +1 202 555 0199.",
        "Version 3.1.2 of the training library fixed the bug.",
        "On 10/26/2025 the office updated its compute guidance.",
        "Llama 3.1 405B was trained on 15 trillion tokens.",
        "The army ran 2,500 operations in 2024.",
        "The forecast says 300 million jobs could change.",
        "Seoul's compute plan in 2024 won wide support.",
    ],
)
def test_it_ignores_numbers_that_are_not_thresholds(text):
    assert find_figures(text) == []


def test_its_offsets_and_sentence_point_into_the_document():
    text = "Scope.\n\nA developer must notify the office before training with more than 3 × 10^25 FLOP. Thanks."

    figure = only_figure(text)

    assert (figure.start, figure.end) == (74, 88)
    assert text[figure.start : figure.end] == figure.text == "3 × 10^25 FLOP"
    assert figure.sentence == "A developer must notify the office before training with more than 3 × 10^25 FLOP."
    assert text[figure.sentence_start :].startswith(figure.sentence)


def test_it_keeps_abbreviations_and_decimals_inside_the_sentence():
    text = (
        "Nothing else applies. The U.S. rule (see Sec. 4.2, Art. 51 and No. 14110, e.g. clusters) covers "
        "runs of 1.5e25 FLOP. Dr. Lee agreed!"
    )

    figure = only_figure(text)

    assert figure.sentence == (
        "The U.S. rule (see Sec. 4.2, Art. 51 and No. 14110, e.g. clusters) covers runs of 1.5e25 FLOP."
    )


def test_it_ends_a_sentence_at_a_paragraph_break_without_a_full_stop():
    figure = only_figure("Reporting duties\n\nTraining runs above 10^26 FLOP are reported")

    assert figure.sentence == "Training runs above 10^26 FLOP are reported"


def test_it_joins_a_sentence_wrapped_over_two_lines():
    figure = only_figure("Any model trained using a quantity of computing power greater than\n10^26 FLOP is covered.")

    assert figure.sentence.startswith("Any model trained")


def test_it_cuts_a_very_long_sentence_to_a_window_around_the_figure():
    text = "word " * 600 + "training with 10^26 FLOP " + "word " * 600

    figure = only_figure(text)

    assert "training with 10^26 FLOP" in figure.sentence
    assert len(figure.sentence) <= 1000
    assert text[figure.sentence_start :].startswith(figure.sentence)


def test_it_returns_figures_in_document_order_without_duplicates():
    text = "Revenue must stay under 1 trillion won. Runs above US$ 100 million in compute cost are covered."

    figures = find_figures(text)

    assert [f.text for f in figures] == ["1 trillion won", "US$ 100 million"]


def test_it_gives_each_figure_its_unit_in_the_document_currency():
    cost, revenue = find_figures("A compute cost over €50 million and annual sales over $1 billion are both reported.")

    assert (cost.unit, revenue.unit) == ("EUR", "USD/year")
    assert only_figure("Runs above 10^26 FLOP are covered.").unit == "FLOP"


def test_it_handles_a_large_document():
    paragraph = (
        "Section 3. Developers of models trained with more than 10^26 operations, at a compute cost above "
        "$100 million, must file a report. The office (see Art. 5) may also fine them EUR 1 million. "
        "Nothing else in this paragraph, dated 2025, is a threshold.\n\n"
    )
    text = paragraph * (1_000_000 // len(paragraph))

    figures = find_figures(text)

    assert len(figures) == 2 * (1_000_000 // len(paragraph))
