"""`make eval-nlu`'s knowledge-base figures (bot/nlu/evaluation.py): right answer first / offered, per language."""
from bot.nlu.evaluation import Example, build_report, knowledge_outcome, knowledge_report


def parsed(intent, *ranking):
    return {"intent": {"name": intent}, "response_selector": {"faq": {"ranking": [
        {"intent_response_key": key, "confidence": confidence} for key, confidence in ranking]}}}


def test_each_outcome():
    assert knowledge_outcome("faq/a", parsed("faq", ("faq/a", 0.7), ("faq/b", 0.2)), 0.15) == "first"
    assert knowledge_outcome("faq/a", parsed("faq", ("faq/b", 0.45), ("faq/a", 0.4)), 0.15) == "offered"
    assert knowledge_outcome("faq/a", parsed("faq", ("faq/b", 0.7), ("faq/a", 0.2)), 0.15) == "other_topic"
    assert knowledge_outcome("faq/a", parsed("check_balance", ("faq/a", 0.9)), 0.15) == "service"
    assert knowledge_outcome("faq/a", parsed("nlu_fallback"), 0.15) == "declined"
    # The service the topic's answer leads to (a follow-up), started at once, is told apart from another service.
    assert knowledge_outcome("faq/a", parsed("dispute_payment"), 0.15, {"dispute_payment"}) == "its_service"
    assert knowledge_outcome("faq/a", parsed("check_balance"), 0.15, {"dispute_payment"}) == "service"


def test_the_rates_per_language_and_the_targets():
    examples = [Example("x", "faq/a", language="en"), Example("y", "faq/a", language="en"),
                Example("z", "faq/b", language="fr")]
    results = [(parsed("faq", ("faq/a", 0.9)), 1.0), (parsed("faq", ("faq/b", 0.5), ("faq/a", 0.45)), 1.0),
               (parsed("out_of_scope"), 1.0)]
    report = knowledge_report(examples, results, 0.15)
    assert report["en"]["right_first"] == 0.5 and report["en"]["right_offered"] == 1.0 and report["en"]["target"] == 0.9
    assert report["fr"]["outcomes"]["declined"] == 1 and report["fr"]["most_missed_topics"] == [("faq/b", 1)]


def test_a_general_question_held_out_as_out_of_scope_is_not_counted_stolen_when_the_knowledge_base_takes_it():
    examples = [Example("opening hours?", "out_of_scope", heldout="s_en.yml", faq=True),
                Example("weather?", "out_of_scope", heldout="s_en.yml")]
    results = [({"intent": {"name": "faq"}}, 1.0), ({"intent": {"name": "faq"}}, 1.0)]
    report, _ = build_report(examples, results, ["s_en.yml"])
    assert report["oos_recall"] == 0.5  # the faq-marked line is declined by the services; the other is a miss
