"""`python -m bot eval-nlu`: train NLU on data/ and score it on every held-out set.

The held-out sets are never trained on (tests/nlu/test_heldout_unseen.py guards it):

* ``tests/nlu/test_nlu_heldout.yml``, the original set (English);
* ``tests/nlu/independent_heldout_en.yml`` and ``tests/nlu/independent_heldout_fr.yml``, written
  by an author who never read data/. A set's language is the ``_<xx>`` ending of its file name
  (``_fr``), English otherwise.

``--heldout`` names one set, or several separated by commas; its default, the original set's path
(bot/__main__.py), stands for all of them, so ``python -m bot eval-nlu`` scores every set.

This module trains one NLU-only model from ``data/`` with ``config.yml`` and ``domain.yml`` (all
relative to the current directory), parses every example of every set with it and reports, for
each set and for each language (its sets together):

* per-intent precision, recall, F1 and support;
* in-scope accuracy: the share of in-scope examples whose predicted intent is
  right (``nlu_fallback`` counts as wrong);
* out-of-scope recall: the share of ``out_of_scope`` examples predicted as
  ``out_of_scope`` or ``nlu_fallback`` (either way the bot declines), also per domain when
  the set's ``out_of_scope`` blocks name one (``metadata: domain``);
* macro F1 over the intents of the set;
* the confusions (true -> predicted, count, the texts), the ten most frequent printed as counts only
  (the texts are held-out lines: whoever writes training data must not read them; report.json has them);
* parse time per message, p50 and p99, in milliseconds;
* entity extraction per entity type (exact span and type), for information.

The knowledge base (data/knowledge/, retrieval intent ``faq``) is scored apart, on
``tests/nlu/knowledge_heldout_en.yml`` and ``tests/nlu/knowledge_heldout_fr.yml`` (paraphrases written apart
from the topics, labelled ``faq/<id>``), per language: the "right answer first" rate (the topic chosen is
the right one; targets 0.90 EN, 0.85 FR), the rate at which the right answer is at least offered (first, or
second of two close ones: actions/knowledge.py CLOSE_MARGIN), and where the misses went (another topic, a
service intent, out of scope or fallback). Only figures and topic names are printed, never a line of
those sets. In the service sets, an out-of-scope line marked ``faq`` (a general bank question, ``metadata:
faq``) that goes to the knowledge base counts as declined: it is not taken by a service.

It writes the same figures to ``<out_dir>/report.json``: ``sets`` and ``languages`` hold one
section each; the top-level figures are the first set's (the original set by default), as the
one-set report had them, so readers of that report (bench/nlu.py) keep working. Every parsed
message is in ``<out_dir>/predictions.json``. It reports; it does not assert targets, and it
exits 0 once the report is written.

Scoring convention: when the table and the macro F1 are computed, a
``nlu_fallback`` prediction counts as ``out_of_scope`` (the bot declines the
message). So an out-of-scope message caught by the fallback is right, and an
in-scope message that falls back is a miss for its intent and a false positive
for ``out_of_scope``. The confusion list keeps the raw predicted labels.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import subprocess
import sys
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

logger = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
MODEL_NAME = "nlu-eval"

ORIGINAL_SET = "tests/nlu/test_nlu_heldout.yml"
# Every held-out set, scored in one run; the first one's figures are also the report's top level.
HELDOUT_SETS = (
    ORIGINAL_SET,
    "tests/nlu/independent_heldout_en.yml",
    "tests/nlu/independent_heldout_fr.yml",
)
TOP_CONFUSIONS = 10
RETRIEVAL_INTENT = "faq"
KNOWLEDGE_SETS = (
    "tests/nlu/knowledge_heldout_en.yml",
    "tests/nlu/knowledge_heldout_fr.yml",
)
KNOWLEDGE_TARGETS = {"en": 0.90, "fr": 0.85}


# --------------------------------------------------------------------------- scoring (pure)

def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def score(
    pairs: Iterable[Tuple[str, str]],
    out_of_scope: str = OUT_OF_SCOPE,
    fallback: str = FALLBACK,
) -> Dict[str, Any]:
    """The figures for a list of (true intent, predicted intent) pairs.

    Returns ``in_scope_accuracy``, ``oos_recall``, ``macro_f1`` (over the intents
    that occur as true labels), ``per_intent`` ({intent: precision, recall, f1,
    support}, for every intent seen as true or predicted, ``fallback`` being
    read as ``out_of_scope``), and the counts ``in_scope_total``,
    ``in_scope_correct``, ``oos_total``, ``oos_declined`` and ``fallbacks``.
    Empty denominators give 0.0.
    """
    pairs = list(pairs)
    in_scope = [(t, p) for t, p in pairs if t != out_of_scope]
    oos = [(t, p) for t, p in pairs if t == out_of_scope]
    in_scope_correct = sum(1 for t, p in in_scope if t == p)
    oos_declined = sum(1 for _, p in oos if p in (out_of_scope, fallback))

    # Per-intent figures with the fallback read as "the bot declined".
    declined = [(t, out_of_scope if p == fallback else p) for t, p in pairs]
    true_counts = Counter(t for t, _ in declined)
    predicted_counts = Counter(p for _, p in declined)
    hits = Counter(t for t, p in declined if t == p)
    per_intent: Dict[str, Dict[str, float]] = {}
    for intent in sorted(set(true_counts) | set(predicted_counts)):
        precision = _ratio(hits[intent], predicted_counts[intent])
        recall = _ratio(hits[intent], true_counts[intent])
        per_intent[intent] = {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "support": true_counts[intent],
        }
    scored = [row["f1"] for row in per_intent.values() if row["support"]]
    return {
        "in_scope_accuracy": _ratio(in_scope_correct, len(in_scope)),
        "oos_recall": _ratio(oos_declined, len(oos)),
        "macro_f1": _ratio(sum(scored), len(scored)),
        "per_intent": per_intent,
        "in_scope_total": len(in_scope),
        "in_scope_correct": in_scope_correct,
        "oos_total": len(oos),
        "oos_declined": oos_declined,
        "fallbacks": sum(1 for _, p in pairs if p == fallback),
    }


def confusions(
    rows: Iterable[Tuple[str, str, str]],
    out_of_scope: str = OUT_OF_SCOPE,
    fallback: str = FALLBACK,
) -> List[Dict[str, Any]]:
    """The errors among (text, true, predicted) rows, grouped by (true, predicted).

    An out-of-scope message caught by the fallback is not an error. Most
    frequent first, then by name.
    """
    groups: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for text, true, predicted in rows:
        if true == predicted or (true == out_of_scope and predicted == fallback):
            continue
        groups[(true, predicted)].append(text)
    return [
        {"true": t, "predicted": p, "count": len(texts), "texts": texts}
        for (t, p), texts in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def language_of(path: Union[str, Path]) -> str:
    """A held-out set's language: the ``_<xx>`` ending of its file name (``..._fr.yml``), else English."""
    match = re.search(r"_([a-z]{2})$", Path(path).stem)
    return match.group(1) if match else "en"


def heldout_paths(heldout: Union[None, str, Sequence[str]]) -> List[str]:
    """The held-out sets to score: every set (``HELDOUT_SETS``) for ``None`` or for ``ORIGINAL_SET``,
    the CLI's default; else the file named, or the comma-separated files named, in that order."""
    if heldout is None or heldout == ORIGINAL_SET:
        return list(HELDOUT_SETS)
    names = heldout.split(",") if isinstance(heldout, str) else list(heldout)
    return [name.strip() for name in names if name.strip()]


def oos_recall_by_domain(
    rows: Iterable[Tuple[str, str, str]],
    out_of_scope: str = OUT_OF_SCOPE,
    fallback: str = FALLBACK,
) -> Dict[str, Dict[str, Any]]:
    """Out-of-scope recall per domain from (domain, true, predicted) rows; rows without a domain,
    or in scope, are left out. Lowest recall first, then by name."""
    totals: Counter = Counter()
    declined: Counter = Counter()
    for domain, true, predicted in rows:
        if not domain or true != out_of_scope:
            continue
        totals[domain] += 1
        declined[domain] += predicted in (out_of_scope, fallback)
    table = {domain: {"recall": _ratio(declined[domain], totals[domain]), "declined": declined[domain],
                      "total": totals[domain]} for domain in totals}
    return dict(sorted(table.items(), key=lambda kv: (kv[1]["recall"], kv[0])))


def section(rows: Sequence[Dict[str, Any]], top: int = TOP_CONFUSIONS) -> Dict[str, Any]:
    """The figures of one set, or of one language's sets, from its parsed rows.

    A row: ``text``, ``true``, ``predicted``, ``ms`` (parse time), ``entities`` (true spans),
    ``predicted_entities`` (spans), and optionally ``domain`` and ``multi_request`` (from the
    example's intent block).
    """
    figures = score((row["true"], row["predicted"]) for row in rows)
    errors = confusions((row["text"], row["true"], row["predicted"]) for row in rows)
    timings = [row["ms"] for row in rows]
    multi = [row for row in rows if row.get("multi_request")]
    result = {
        "examples": len(rows),
        "in_scope_accuracy": figures["in_scope_accuracy"],
        "oos_recall": figures["oos_recall"],
        "macro_f1": figures["macro_f1"],
        "parse_p50_ms": percentile(timings, 50),
        "parse_p99_ms": percentile(timings, 99),
        "per_intent": figures["per_intent"],
        "top_confusions": [dict(item, texts=item["texts"][:3]) for item in errors[:top]],
        "confusions": errors,
        "entities": entity_scores((row["entities"], row["predicted_entities"]) for row in rows),
        "counts": {key: figures[key] for key in
                   ("in_scope_total", "in_scope_correct", "oos_total", "oos_declined", "fallbacks")}
                  | {"examples": len(rows)},
    }
    domains = oos_recall_by_domain((row.get("domain"), row["true"], row["predicted"]) for row in rows)
    if domains:
        result["oos_recall_by_domain"] = domains
    if multi:
        right = sum(1 for row in multi if row["true"] == row["predicted"])
        result["multi_request"] = {"accuracy": _ratio(right, len(multi)), "correct": right, "total": len(multi)}
    return result


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


Span = Tuple[str, int, int]  # (entity type, start, end)


def entity_scores(rows: Iterable[Tuple[Iterable[Span], Iterable[Span]]]) -> Dict[str, Dict[str, float]]:
    """Per entity type precision/recall/F1/support from (true spans, predicted spans) per message.

    A prediction is right when its type, start and end all match a true span.
    """
    tp: Counter = Counter()
    n_true: Counter = Counter()
    n_pred: Counter = Counter()
    for true_spans, predicted_spans in rows:
        true_set, predicted_set = set(true_spans), set(predicted_spans)
        for entity, _, _ in true_set:
            n_true[entity] += 1
        for span in predicted_set:
            n_pred[span[0]] += 1
            if span in true_set:
                tp[span[0]] += 1
    result = {}
    for entity in sorted(set(n_true) | set(n_pred)):
        precision, recall = _ratio(tp[entity], n_pred[entity]), _ratio(tp[entity], n_true[entity])
        result[entity] = {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
                          "support": n_true[entity]}
    return result


# --------------------------------------------------------------------------- training, parsing

@dataclass
class Example:
    text: str
    intent: str
    entities: List[Span] = field(default_factory=list)
    heldout: str = ""  # the set's path as given
    language: str = "en"
    domain: Optional[str] = None  # `metadata: domain` of the example's intent block
    multi_request: bool = False  # `metadata: multi_request` of the example's intent block
    faq: bool = False  # `metadata: faq` of the example's intent block: a general question the knowledge base may take


def load_heldout(path: Path) -> List[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        spans = [(e["entity"], int(e["start"]), int(e["end"])) for e in message.get("entities") or []]
        block = ((message.get("metadata") or {}).get("intent")) or {}
        examples.append(Example(text=message.get("text"), intent=message.get_full_intent(), entities=spans,
                                heldout=str(path), language=language_of(path), domain=block.get("domain"),
                                multi_request=bool(block.get("multi_request")), faq=bool(block.get("faq"))))
    return examples


def train(project: Path, out_dir: Path, config: Path) -> Tuple[Path, float]:
    """Trains an NLU-only model in a fresh process, the cache off; returns its path and the seconds taken."""
    log_path = out_dir / "train.log"
    command = [
        sys.executable, "-m", "rasa", "train", "nlu",
        "--config", str(config),
        "--nlu", str(project / "data"),
        "--domain", str(project / "domain.yml"),
        "--out", str(out_dir),
        "--fixed-model-name", MODEL_NAME,
    ]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_MAX_CACHE_SIZE="0",
               TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    print(f"Training NLU: {' '.join(command[2:])}  (log: {log_path})", flush=True)
    started = time.perf_counter()
    with log_path.open("w") as log:
        completed = subprocess.run(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    model = out_dir / f"{MODEL_NAME}.tar.gz"
    if completed.returncode != 0 or not model.exists():
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"rasa train nlu failed (exit {completed.returncode}):\n" + "\n".join(tail))
    return model, seconds


async def _parse_all(model: Path, examples: Sequence[Example]) -> List[Tuple[Dict[str, Any], float]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged to stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation noise from Rasa's dependencies
        agent = Agent.load(str(model))
        await agent.parse_message("warm up")  # the first call builds the graph; keep it out of the timings
        results = []
        for example in examples:
            started = time.perf_counter()
            parsed = await agent.parse_message(example.text)
            results.append((parsed, (time.perf_counter() - started) * 1000.0))
    return results


# --------------------------------------------------------------------------- report

def build_report(
    examples: Sequence[Example],
    parsed: Sequence[Tuple[Dict[str, Any], float]],
    paths: Sequence[str],
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The report's sections (``sets``, ``languages``, the first set's figures at the top level) and
    the predictions, from the examples of every set and their parse results, in the same order."""
    rows = []
    predictions = []
    for example, (result, ms) in zip(examples, parsed):
        predicted = (result.get("intent") or {}).get("name") or FALLBACK
        if predicted == RETRIEVAL_INTENT and example.intent == OUT_OF_SCOPE and example.faq:
            predicted = OUT_OF_SCOPE  # a general question taken by the knowledge base: not stolen by a service
        rows.append({
            "heldout": example.heldout, "language": example.language, "text": example.text,
            "true": example.intent, "predicted": predicted, "ms": ms, "entities": example.entities,
            "predicted_entities": [(e["entity"], int(e["start"]), int(e["end"]))  # not the message's language
                                   for e in result.get("entities") or [] if e.get("extractor") != "LanguageDetector"],
            "domain": example.domain, "multi_request": example.multi_request,
        })
        predictions.append({
            "heldout": example.heldout, "language": example.language,
            "text": example.text, "true": example.intent, "predicted": predicted,
            "confidence": (result.get("intent") or {}).get("confidence"),
            "ranking": [(r.get("name"), round(r.get("confidence", 0.0), 4))
                        for r in result.get("intent_ranking") or []],
            "entities": [{"entity": e["entity"], "value": e.get("value"), "text": example.text[e["start"]:e["end"]]}
                         for e in result.get("entities") or []],
        })
    sets = {path: dict(section([row for row in rows if row["heldout"] == path]), language=language_of(path))
            for path in paths}
    languages = {}
    for language in dict.fromkeys(language_of(path) for path in paths):
        members = [path for path in paths if language_of(path) == language]
        languages[language] = dict(section([row for row in rows if row["language"] == language]), sets=members)
    first = sets[paths[0]]
    report = {key: first[key] for key in ("in_scope_accuracy", "oos_recall", "macro_f1", "parse_p50_ms",
                                          "parse_p99_ms", "per_intent", "confusions", "entities", "counts")}
    report.update(heldout=paths[0], heldout_sets=list(paths), sets=sets, languages=languages)
    return report, predictions


def _print_intents(per_intent: Dict[str, Dict[str, float]]) -> None:
    width = max([len("intent")] + [len(name) for name in per_intent])
    print(f"  {'intent':<{width}}  precision  recall     f1  support")
    for name, row in per_intent.items():
        print(f"  {name:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}  "
              f"{row['support']:7d}")


def _print_confusions(top: List[Dict[str, Any]], total: int) -> None:
    if not top:
        print("  No confusions.")
        return
    print(f"  Top confusions (true -> predicted, count; {total} kinds in all; the held-out lines only in report.json):")
    for item in top:
        print(f"    {item['true']} -> {item['predicted']}: {item['count']}")


def _print_section(title: str, part: Dict[str, Any]) -> None:
    counts = part["counts"]
    print()
    print(f"== {title}: {counts['examples']} examples")
    _print_intents(part["per_intent"])
    print(f"  in-scope accuracy   {part['in_scope_accuracy']:.3f}  "
          f"({counts['in_scope_correct']}/{counts['in_scope_total']}; nlu_fallback counts as wrong)")
    print(f"  out-of-scope recall {part['oos_recall']:.3f}  "
          f"({counts['oos_declined']}/{counts['oos_total']} predicted out_of_scope or nlu_fallback)")
    print(f"  macro F1            {part['macro_f1']:.3f}  (nlu_fallback read as out_of_scope)")
    print(f"  nlu_fallback        {counts['fallbacks']} of {counts['examples']} messages")
    print(f"  parse time          p50 {part['parse_p50_ms']:.1f} ms, p99 {part['parse_p99_ms']:.1f} ms")
    if part.get("multi_request"):
        multi = part["multi_request"]
        print(f"  several requests    {multi['accuracy']:.3f}  ({multi['correct']}/{multi['total']} got the first one)")
    if part.get("oos_recall_by_domain"):
        worst = [f"{name} {row['declined']}/{row['total']}" for name, row in part["oos_recall_by_domain"].items()
                 if row["declined"] < row["total"]][:8]
        print(f"  out of scope, worst domains: {', '.join(worst) or 'none missed'}")
    if part.get("entities"):
        print("  entities (exact type and span)  precision  recall     f1  support")
        for name, row in part["entities"].items():
            print(f"    {name:<29}  {row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}  "
                  f"{row['support']:7d}")
    _print_confusions(part["top_confusions"], len(part["confusions"]))


def _print_report(report: Dict[str, Any]) -> None:
    for path, part in report["sets"].items():
        _print_section(f"{path} ({part['language']})", part)
    for language, part in report["languages"].items():
        if len(part["sets"]) > 1:
            _print_section(f"language {language}: {', '.join(part['sets'])}", part)
    print()
    print(f"Training time {report['training_seconds']:.0f} s. Summary:")
    width = max(len(name) for name in list(report["sets"]) + ["language xx"])
    print(f"  {'held-out set':<{width}}  examples  in-scope acc  OOS recall  macro F1")
    lines = [(name, part) for name, part in report["sets"].items()]
    lines += [(f"language {language}", part) for language, part in report["languages"].items()]
    for name, part in lines:
        print(f"  {name:<{width}}  {part['counts']['examples']:8d}  {part['in_scope_accuracy']:12.3f}  "
              f"{part['oos_recall']:10.3f}  {part['macro_f1']:8.3f}")
    print()


def evaluate(heldout: Union[None, str, Sequence[str]] = None, out_dir: str = "var/nlu-eval",
             config: str = "config.yml", model: Optional[str] = None) -> int:
    """Trains on data/ with `config` (paths relative to the current directory), scores every held-out
    set (`heldout_paths`: all of them by default) with that one model, and writes
    `<out_dir>/report.json` and `<out_dir>/predictions.json`. Another `config` tries a pipeline
    before config.yml adopts it. `model`: a model already trained, scored as it is (no training)."""
    project = Path.cwd()
    paths = heldout_paths(heldout)
    if not paths:
        raise ValueError("no held-out set to score")
    out = Path(out_dir)
    if not out.is_absolute():
        out = project / out
    out.mkdir(parents=True, exist_ok=True)
    for noisy in ("tensorflow", "absl", "rasa", "matplotlib", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)

    examples: List[Example] = []
    for path in paths:
        loaded = load_heldout(Path(path))
        for example in loaded:
            example.heldout = path
        print(f"Held-out set: {len(loaded)} examples, {len({e.intent for e in loaded})} intents, "
              f"language {language_of(path)} ({path})")
        examples += loaded
    if model is None:
        trained, training_seconds = train(project, out, project / config)
        print(f"Trained in {training_seconds:.0f} s: {trained}")
    else:
        trained, training_seconds = Path(model), 0.0
        if not trained.is_file():
            raise FileNotFoundError(f"no model at {model}")
        print(f"Scoring the trained model {trained} (not trained here)")

    knowledge_examples: List[Example] = []
    if heldout is None or heldout == ORIGINAL_SET:  # every set: the knowledge base's too, when written
        for path in KNOWLEDGE_SETS:
            if Path(path).exists():
                loaded = load_heldout(Path(path))
                print(f"Knowledge held-out set: {len(loaded)} examples, language {language_of(path)} ({path})")
                knowledge_examples += loaded

    parsed = asyncio.run(_parse_all(trained, examples + knowledge_examples))
    knowledge_parsed, parsed = parsed[len(examples):], parsed[:len(examples)]
    report, predictions = build_report(examples, parsed, paths)
    report.update(training_seconds=training_seconds, model=str(trained), config=str(config) if model is None else None)
    _print_report(report)
    if knowledge_examples:
        from actions.knowledge import CLOSE_MARGIN

        report["knowledge"] = knowledge_report(knowledge_examples, knowledge_parsed, CLOSE_MARGIN)
        print_knowledge(report["knowledge"])
        print()
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "predictions.json").write_text(json.dumps(predictions, indent=2, ensure_ascii=False) + "\n")
    print(f"Report written to {out / 'report.json'}")
    return 0


# --------------------------------------------------------------------------- knowledge base

def topic_ranking(result: Dict[str, Any]) -> List[Tuple[str, float]]:
    """The knowledge topics ranked for a parsed message (KnowledgeSelector's `response_selector.faq`)."""
    selection = (result.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    return [(r.get("intent_response_key"), float(r.get("confidence", 0.0))) for r in selection.get("ranking") or []]


def knowledge_outcome(true: str, result: Dict[str, Any], close_margin: float,
                      its_services: Iterable[str] = ()) -> str:
    """What the bot does with a knowledge question: "first" (the right answer), "offered" (the right one among
    two close ones offered), "other_topic", "its_service" (the service the topic's answer leads to, one of its
    follow-ups, started at once: "how do I contest this payment?" -> dispute_payment), "service" (another intent),
    or "declined" (out of scope, fallback)."""
    intent = (result.get("intent") or {}).get("name") or FALLBACK
    if intent in (OUT_OF_SCOPE, FALLBACK):
        return "declined"
    if intent != RETRIEVAL_INTENT:
        return "its_service" if intent in its_services else "service"
    ranking = topic_ranking(result)
    if ranking and ranking[0][0] == true:
        return "first"
    if len(ranking) >= 2 and ranking[1][0] == true and ranking[0][1] - ranking[1][1] < close_margin:
        return "offered"
    return "other_topic"


def knowledge_section(rows: Sequence[Tuple[str, str]], target: Optional[float],
                      known: Optional[set] = None) -> Dict[str, Any]:
    """From (true topic, outcome) rows: the rates, the counts, and the topics most often missed (names only).
    `known`: the topics data/knowledge/ has; a held-out line of a topic not written yet is counted apart too."""
    outcomes = Counter(outcome for _, outcome in rows)
    missed = Counter(true for true, outcome in rows if outcome != "first")
    total = len(rows)
    on_known = [outcome for true, outcome in rows if known is None or true in known]
    return {
        "right_first_on_written_topics": _ratio(on_known.count("first"), len(on_known)),
        "examples_on_written_topics": len(on_known),
        "examples": total,
        "topics": len({true for true, _ in rows}),
        "right_first": _ratio(outcomes["first"], total),
        "right_offered": _ratio(outcomes["first"] + outcomes["offered"], total),
        # Not the target's figure: the right answer, or the service that answer leads to, started at once.
        "right_or_its_service_first": _ratio(outcomes["first"] + outcomes["its_service"], total),
        "target": target,
        "outcomes": {key: outcomes[key]
                     for key in ("first", "offered", "other_topic", "its_service", "service", "declined")},
        "most_missed_topics": missed.most_common(10),
    }


def knowledge_report(examples: Sequence[Example], parsed: Sequence[Tuple[Dict[str, Any], float]],
                     close_margin: float) -> Dict[str, Any]:
    from bot.knowledge.topics import load_topics

    topics = load_topics(Path("data") / "knowledge")
    known = {topic.intent for topic in topics}
    # A follow-up that is a service the customer could be taken to directly (a person is not: that is a handoff).
    services = {topic.intent: {name for name in topic.follow_ups if name != "human_handoff"} for topic in topics}
    by_language: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for example, (result, _) in zip(examples, parsed):
        outcome = knowledge_outcome(example.intent, result, close_margin, services.get(example.intent, ()))
        by_language[example.language].append((example.intent, outcome))
    return {language: knowledge_section(rows, KNOWLEDGE_TARGETS.get(language), known)
            for language, rows in by_language.items()}


def print_knowledge(report: Dict[str, Any]) -> None:
    print()
    print("== Knowledge base held-out sets (figures only; the lines are never printed)")
    for language, part in report.items():
        target = f", target {part['target']:.2f}" if part["target"] is not None else ""
        verdict = "" if part["target"] is None else ("  OK" if part["right_first"] >= part["target"] else "  BELOW TARGET")
        outcomes = ", ".join(f"{key} {value}" for key, value in part["outcomes"].items())
        print(f"  {language}: right answer first {part['right_first']:.3f}{target}{verdict}; right answer offered "
              f"{part['right_offered']:.3f}  ({part['examples']} examples, {part['topics']} topics; {outcomes})")
        print(f"      right answer, or the service it leads to, first: {part['right_or_its_service_first']:.3f}")
        if part["examples_on_written_topics"] != part["examples"]:
            print(f"      on the topics data/knowledge/ has: right answer first {part['right_first_on_written_topics']:.3f} "
                  f"({part['examples_on_written_topics']} examples)")
        if part["most_missed_topics"]:
            print("      most missed: " + ", ".join(f"{name} {count}" for name, count in part["most_missed_topics"]))
