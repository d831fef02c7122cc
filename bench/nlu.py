"""The bench's NLU figures: `make eval-nlu`'s held-out scores, and parse time with the shipped model.

`python -m bench.nlu OUT_DIR` (a process of its own, so TensorFlow stays out of
the load generator) runs `bot.nlu.evaluation.evaluate` as `make eval-nlu` does:
it trains an NLU-only model on data/ with config.yml (Rasa's cache off, so the
time is a full NLU training) and scores the held-out set. Then it parses the
same held-out messages with models/branch.tar.gz (the model the Rasa servers
run; never retrained here), one at a time after a warm-up, and times each parse.
Writes OUT_DIR/bench_nlu.json.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path

from bot.nlu import evaluation as nlu_evaluation

HELDOUT = "tests/nlu/test_nlu_heldout.yml"
MODEL = Path("models/branch.tar.gz")


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "eval-nlu.log", "w") as log, contextlib.redirect_stdout(log):
        nlu_evaluation.evaluate(heldout=HELDOUT, out_dir=str(out))
    report = json.loads((out / "report.json").read_text())
    examples = nlu_evaluation.load_heldout(Path(HELDOUT))
    parsed = asyncio.run(nlu_evaluation._parse_all(MODEL, examples))  # noqa: SLF001 - eval-nlu's own timed parse loop
    timings = [ms for _, ms in parsed]
    shipped = nlu_evaluation.score(
        (example.intent, (result.get("intent") or {}).get("name") or nlu_evaluation.FALLBACK)
        for example, (result, _) in zip(examples, parsed)
    )
    figures = {
        "in_scope_accuracy": round(report["in_scope_accuracy"], 4),
        "oos_recall": round(report["oos_recall"], 4),
        "macro_f1": round(report["macro_f1"], 4),
        "parse_p50_ms": round(nlu_evaluation.percentile(timings, 50), 2),
        "parse_p99_ms": round(nlu_evaluation.percentile(timings, 99), 2),
        "examples": len(examples),
        "train_nlu_s": round(report["training_seconds"], 1),
        # The same scores for models/branch.tar.gz (trained by `make train` on the same data).
        "shipped_model": {key: round(shipped[key], 4) for key in ("in_scope_accuracy", "oos_recall", "macro_f1")},
    }
    (out / "bench_nlu.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/bench/nlu"))
