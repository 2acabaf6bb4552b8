"""Threshold figures are recognised in policy text, normalised, and kept with their sentence."""

import json
from pathlib import Path

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
    ("written", "value"),
    [
        ("10 26 integer or floating-point operations", 1e26),
        ("10 25 FLOPs", 1e25),
        ("1025 floating-point operations", 1e25),
        ("10. 25 floating-point operations", 1e25),
        ("10º26 FLOP", 1e26),
        ("10°26 FLOP", 1e26),
        ("10 ^ 26 FLOP", 1e26),
        ("3 x 1025 operations", 3e25),
    ],
)
def test_it_reads_each_way_a_pdf_or_web_page_flattens_an_exponent(written, value):
    text = f"A developer must notify the office of any model trained with greater than {written}. Others need not."

    figure = only_figure(text)

    assert (figure.metric, figure.value, figure.operator, figure.text) == (
        Metric.TRAINING_COMPUTE_FLOP,
        value,
        "gt",
        written,
    )
    assert figure.sentence == text.removesuffix(" Others need not.")


def test_it_reads_a_bare_flattened_power_after_a_comparison_in_a_sentence_about_computation():
    figure = only_figure(
        "A model is presumed to have high-impact capabilities when the computation used for its training, measured "
        "in floating-point operations, is greater than 1025."
    )

    assert (figure.metric, figure.value, figure.operator, figure.text) == (
        Metric.TRAINING_COMPUTE_FLOP,
        1e25,
        "gt",
        "1025",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Regulation (EU) 2024/1689 sets rules for models trained with large amounts of computation.",
        "Standards for computing hardware are adopted under Regulation (EU) No 1025/2012.",
        "Section 1026 of the code sets out the compute reporting duty.",
        "See 12 CFR 1026 for the disclosure rules that apply to computing loans.",
        "At least 1020 students trained on the new computing curriculum last year.",
        "The draft of 10. 25 pages on compute was circulated to member states.",
        "From 2025 the compute rules apply, and by 2026 they cover more than 1025 firms in computing.",
    ],
)
def test_it_reads_no_power_into_citations_article_numbers_years_and_counts(text):
    assert find_figures(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The largest run in the study used 3,640 petaflop/s-days of compute.", 3640 * 1e15 * 86400),
        ("The largest run in the study used 3,640 PFLOP/s-days of compute.", 3640 * 1e15 * 86400),
        ("The largest run in the study used 3,640 pfs-days of compute.", 3640 * 1e15 * 86400),
        ("The rule covers models trained with 100 billion petaflops of compute.", 1e26),
        ("The rule covers models trained with 10^11 petaFLOPs of compute.", 1e26),
    ],
)
def test_it_reads_training_compute_counted_in_petaflops(text, value):
    figure = only_figure(text)

    assert figure.metric == Metric.TRAINING_COMPUTE_FLOP
    assert figure.value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "Data centres with a capacity of 100 exaFLOP/s must report their customers.",
        "Data centres able to reach 100 EFLOP/s must report their customers.",
        "A cluster of 100 ExaFLOPS must report its customers.",
        "A supercomputer of 100,000 petaflops must report its customers.",
    ],
)
def test_it_reads_cluster_capacity_in_exaflops_and_petaflops(text):
    figure = only_figure(text)

    assert (figure.metric, figure.value) == (Metric.CLUSTER_OPS_PER_SECOND, pytest.approx(1e20))


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
        ("CHF 20 million", 2e7, "CHF"),
        ("₹800 million", 8e8, "INR"),
        ("one hundred million dollars ($100,000,000)", 1e8, "USD"),
        ("€20 million (about $21.5 million)", 2e7, "EUR"),
    ],
)
def test_it_reads_each_way_of_writing_money_in_its_own_currency(written, value, currency):
    figure = only_figure(f"The rule reaches any model whose training cost was {written} or more.")

    assert (figure.metric, figure.value, figure.currency, figure.text) == (
        Metric.TRAINING_COST_USD,
        value,
        currency,
        written.split(" (")[0],
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
        "The court awarded $30 million in damages against the developer of the model.",
        "The price of a training cluster rose to $400 million.",
        "The tariff on chips for training models rose to $5 million per shipment.",
        "The lab trained its new model and its shares rose 12% to $260.",
        "An hour of GPU compute for training now costs $2.",
        "Losses above $500 million caused by a model count as a critical harm.",
        "The company was fined €15 million ($15.6 million) for training a model on personal data.",
    ],
)
def test_it_skips_fines_grants_funds_budgets_prices_and_damages(text):
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
        ("no fewer than", "gte"),
        ("at or above", "gte"),
        ("meets or exceeds", "gte"),
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


def test_it_reads_parameter_sizes_listed_before_their_unit():
    figures = find_figures("The open family comes in 8B, 70B and 405B parameter sizes.")

    assert [(f.metric, f.value, f.text) for f in figures] == [
        (Metric.PARAMETERS, 8e9, "8B"),
        (Metric.PARAMETERS, 7e10, "70B"),
        (Metric.PARAMETERS, 4.05e11, "405B parameter"),
    ]


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


# Sentences written for this project, one notation or trap each, labelled with the figures a reader would note.
HELD_OUT = [
    json.loads(line)
    for line in (Path(__file__).parent.parent / "fixtures" / "mentions" / "sentences.jsonl").read_text().splitlines()
]


@pytest.mark.parametrize("sentence", HELD_OUT, ids=[sentence["id"] for sentence in HELD_OUT])
def test_it_finds_the_labelled_figures_of_each_sentence_and_nothing_else(sentence):
    found = [(f.metric, f.value, f.operator, f.currency) for f in find_figures(sentence["text"])]

    expected = [
        (f["metric"], pytest.approx(f["value"], rel=0.01), f["operator"], f["currency"]) for f in sentence["figures"]
    ]
    assert found == expected
