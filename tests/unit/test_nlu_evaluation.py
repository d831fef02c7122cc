import pytest

from bot.nlu.evaluation import (
    HELDOUT_SETS, ORIGINAL_SET, Example, build_report, confusions, entity_scores, heldout_paths, language_of,
    oos_recall_by_domain, percentile, score, section,
)

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


# --------------------------------------------------------------------------- several held-out sets

def test_a_sets_language_is_the_ending_of_its_file_name():
    assert language_of("tests/nlu/independent_heldout_fr.yml") == "fr"
    assert language_of("tests/nlu/independent_heldout_en.yml") == "en"
    assert language_of("tests/nlu/test_nlu_heldout.yml") == "en"  # no ending: English


def test_the_default_scores_every_set_and_a_list_scores_those_named():
    assert heldout_paths(None) == heldout_paths(ORIGINAL_SET) == list(HELDOUT_SETS)
    assert HELDOUT_SETS[0] == ORIGINAL_SET  # its figures stay at the report's top level
    assert heldout_paths("tests/nlu/independent_heldout_fr.yml") == ["tests/nlu/independent_heldout_fr.yml"]
    assert heldout_paths("a.yml, b.yml,") == ["a.yml", "b.yml"]
    assert heldout_paths(["b.yml", "a.yml"]) == ["b.yml", "a.yml"]


def test_out_of_scope_recall_per_domain_counts_the_fallback_as_declined():
    rows = [
        ("weather", "out_of_scope", "out_of_scope"),
        ("weather", "out_of_scope", "nlu_fallback"),
        ("bank_faq", "out_of_scope", "check_balance"),
        ("bank_faq", "out_of_scope", "out_of_scope"),
        (None, "out_of_scope", "greet"),          # no domain: left out
        ("weather", "greet", "greet"),            # in scope: left out
    ]
    assert oos_recall_by_domain(rows) == {
        "bank_faq": {"recall": 0.5, "declined": 1, "total": 2},
        "weather": {"recall": 1.0, "declined": 2, "total": 2},
    }


def _row(text, true, predicted, **extra):
    return {"text": text, "true": true, "predicted": predicted, "ms": 1.0, "entities": [],
            "predicted_entities": []} | extra


def test_a_section_keeps_the_top_confusions_with_three_texts_each():
    rows = [_row(f"bye {i}", "greet", "goodbye") for i in range(5)]
    rows += [_row("more", "show_more", "nlu_fallback"), _row("hi", "greet", "greet")]
    rows += [_row("x and y", "check_balance", "block_card", multi_request=True),
             _row("y and x", "block_card", "block_card", multi_request=True)]
    part = section(rows, top=1)
    assert part["top_confusions"] == [
        {"true": "greet", "predicted": "goodbye", "count": 5, "texts": ["bye 0", "bye 1", "bye 2"]}]
    assert len(part["confusions"]) == 3 and len(part["confusions"][0]["texts"]) == 5
    assert part["multi_request"] == {"accuracy": 0.5, "correct": 1, "total": 2}
    assert part["counts"]["examples"] == 9
    assert "oos_recall_by_domain" not in part  # no domain given


def test_the_report_has_a_section_per_set_and_per_language_and_the_first_set_on_top():
    paths = ["orig.yml", "ind_en.yml", "ind_fr.yml"]
    examples = [
        Example("hi", "greet", heldout="orig.yml", language="en"),
        Example("weather?", "out_of_scope", heldout="orig.yml", language="en"),
        Example("hello", "greet", heldout="ind_en.yml", language="en"),
        Example("rain?", "out_of_scope", heldout="ind_en.yml", language="en", domain="weather"),
        Example("salut", "greet", heldout="ind_fr.yml", language="fr"),
        Example("pluie ?", "out_of_scope", heldout="ind_fr.yml", language="fr", domain="weather"),
    ]
    predicted = ["greet", "out_of_scope", "goodbye", "nlu_fallback", "greet", "greet"]
    parsed = [({"intent": {"name": name, "confidence": 0.9}, "entities": []}, 2.0) for name in predicted]
    report, predictions = build_report(examples, parsed, paths)

    assert list(report["sets"]) == paths
    assert report["sets"]["ind_fr.yml"]["language"] == "fr"
    assert report["sets"]["ind_en.yml"]["in_scope_accuracy"] == 0.0
    assert report["sets"]["ind_en.yml"]["oos_recall"] == 1.0  # caught by the fallback
    assert report["sets"]["ind_fr.yml"]["oos_recall_by_domain"] == {
        "weather": {"recall": 0.0, "declined": 0, "total": 1}}
    assert report["languages"]["en"]["sets"] == ["orig.yml", "ind_en.yml"]
    assert report["languages"]["en"]["counts"]["examples"] == 4
    assert report["languages"]["en"]["in_scope_accuracy"] == 0.5
    assert report["languages"]["fr"]["top_confusions"] == [
        {"true": "out_of_scope", "predicted": "greet", "count": 1, "texts": ["pluie ?"]}]
    # The one-set report's keys, for the first set (bench/nlu.py reads them).
    assert report["heldout"] == "orig.yml" and report["heldout_sets"] == paths
    assert report["in_scope_accuracy"] == report["oos_recall"] == report["macro_f1"] == 1.0
    assert report["counts"]["examples"] == 2
    assert [p["heldout"] for p in predictions] == [e.heldout for e in examples]
    assert predictions[3]["predicted"] == "nlu_fallback"


def test_the_language_detectors_entity_is_not_scored():
    text = "send 50 euros"
    examples = [Example(text, "transfer_money", entities=[("amount", 5, 7)], heldout="orig.yml", language="en")]
    entities = [{"entity": "amount", "value": "50", "start": 5, "end": 7, "extractor": "CRFEntityExtractor"},
                {"entity": "language", "value": "en", "start": 0, "end": len(text), "extractor": "LanguageDetector"}]
    parsed = [({"intent": {"name": "transfer_money", "confidence": 0.9}, "entities": entities}, 2.0)]
    report, _ = build_report(examples, parsed, ["orig.yml"])
    assert list(report["entities"]) == ["amount"]
    assert report["entities"]["amount"]["precision"] == 1.0
