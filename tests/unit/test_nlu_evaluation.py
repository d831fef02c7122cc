import pytest

from bot.nlu.evaluation import confusions, entity_scores, percentile, score

# Six messages, hand-scored below.
PAIRS = [
    ("greet", "greet"),
    ("greet", "goodbye"),
    ("goodbye", "goodbye"),
    ("out_of_scope", "nlu_fallback"),   # declined by the fallback: right
    ("out_of_scope", "greet"),
    ("check_balance", "nlu_fallback"),  # in scope, fell back: wrong
]


def test_in_scope_accuracy_counts_the_fallback_as_wrong():
    figures = score(PAIRS)
    # in scope: greet ok, greet wrong, goodbye ok, check_balance wrong
    assert figures["in_scope_accuracy"] == pytest.approx(2 / 4)
    assert (figures["in_scope_correct"], figures["in_scope_total"]) == (2, 4)


def test_out_of_scope_recall_accepts_out_of_scope_or_fallback():
    figures = score(PAIRS)
    assert figures["oos_recall"] == pytest.approx(1 / 2)
    assert (figures["oos_declined"], figures["oos_total"]) == (1, 2)
    assert figures["fallbacks"] == 2


def test_per_intent_figures_read_the_fallback_as_out_of_scope():
    per_intent = score(PAIRS)["per_intent"]
    assert per_intent["greet"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert per_intent["goodbye"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    # predicted out_of_scope (as fallback) twice: once right, once for check_balance
    assert per_intent["out_of_scope"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert per_intent["check_balance"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1})
    assert "nlu_fallback" not in per_intent


def test_macro_f1_averages_the_intents_of_the_test_set():
    assert score(PAIRS)["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.5 + 0.0) / 4)


def test_a_predicted_only_intent_gets_a_row_but_no_weight_in_macro_f1():
    figures = score([("greet", "greet"), ("greet", "help")])
    assert figures["per_intent"]["help"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # greet: P = 1/1, R = 1/2, F1 = 2/3; help is not in the test set
    assert figures["macro_f1"] == pytest.approx(2 / 3)


def test_all_right_scores_one():
    figures = score([("greet", "greet"), ("out_of_scope", "out_of_scope"), ("cancel", "cancel")])
    assert figures["in_scope_accuracy"] == figures["oos_recall"] == figures["macro_f1"] == 1.0


def test_nothing_to_score_gives_zeros_not_errors():
    figures = score([])
    assert figures["in_scope_accuracy"] == figures["oos_recall"] == figures["macro_f1"] == 0.0
    assert figures["per_intent"] == {}


def test_confusions_group_errors_and_skip_declined_out_of_scope():
    rows = [
        ("hi", "greet", "greet"),
        ("bye", "greet", "goodbye"),
        ("weather?", "out_of_scope", "nlu_fallback"),
        ("ciao", "greet", "goodbye"),
        ("how much", "check_balance", "nlu_fallback"),
    ]
    assert confusions(rows) == [
        {"true": "greet", "predicted": "goodbye", "count": 2, "texts": ["bye", "ciao"]},
        {"true": "check_balance", "predicted": "nlu_fallback", "count": 1, "texts": ["how much"]},
    ]


def test_percentile_interpolates():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0], 99) == pytest.approx(3.97)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_entity_scores_need_type_and_span_to_match():
    rows = [
        ([("amount", 5, 7), ("payee", 11, 14)], [("amount", 5, 7), ("payee", 11, 13)]),
        ([("amount", 0, 3)], [("currency", 4, 7)]),
    ]
    result = entity_scores(rows)
    assert result["amount"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert result["payee"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1})
    assert result["currency"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})
