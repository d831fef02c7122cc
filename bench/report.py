"""bench/results/latest.md and latency.png from the figures in latest.json; a py-spy profile's summary."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

FIGURES = ("ack_p50_ms", "ack_p99_ms", "reply_p50_ms", "reply_p95_ms", "reply_p99_ms",
           "replies_per_s", "sent", "lost", "duplicated", "errors")
# For these, lower is better: the ratio shown is baseline / ours ("× better"). Throughput: ours / baseline.
LOWER_IS_BETTER = ("ack_p50_ms", "ack_p99_ms", "reply_p50_ms", "reply_p95_ms", "reply_p99_ms")


def ratios(levels: Dict[str, Dict[str, Dict[str, Any]]]) -> Dict[str, Dict[str, Optional[float]]]:
    """Per concurrency: ours against the baseline, each as "how many times better" (>1: ours is better)."""
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for level, ours in levels.get("ours", {}).items():
        base = levels.get("builtin", {}).get(level)
        if base is None:
            continue
        row: Dict[str, Optional[float]] = {}
        for key in LOWER_IS_BETTER:
            row[f"{key}_x_better"] = _div(base[key], ours[key])
        row["replies_per_s_x"] = _div(ours["replies_per_s"], base["replies_per_s"])
        out[level] = row
    return out


def _div(a: float, b: float) -> Optional[float]:
    return round(a / b, 2) if b else None


def write_markdown(results: Dict[str, Any], md_path: Path, png_path: Path) -> None:
    plotted = plot(results, png_path)
    lines: List[str] = [
        "# Benchmark results",
        "",
        f"Measured {results['measured_at']} on: {results['machine']}.",
        "Absolute times on this shared machine are noisy; the ratios (both connectors, same run) are what count.",
        "How it is measured, and what each side runs: [bench/README.md](../README.md).",
        "",
    ]
    nlu = results.get("nlu")
    if nlu:
        lines += [
            "## NLU (held-out set, `make eval-nlu`)",
            "",
            "| in-scope accuracy | out-of-scope recall | macro F1 | parse p50 | parse p99 | examples |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| {nlu['in_scope_accuracy']:.1%} | {nlu['oos_recall']:.1%} | {nlu['macro_f1']:.3f} | "
            f"{nlu['parse_p50_ms']:.1f} ms | {nlu['parse_p99_ms']:.1f} ms | {nlu['examples']} |",
            "",
            f"Shipped model (models/branch.tar.gz) on the same set: in-scope {nlu['shipped_model']['in_scope_accuracy']:.1%}, "
            f"out-of-scope recall {nlu['shipped_model']['oos_recall']:.1%}, macro F1 {nlu['shipped_model']['macro_f1']:.3f}.",
            "",
        ]
    lines += ["## Messenger load", ""]
    header = "| N | connector | ack p50 | ack p99 | reply p50 | reply p95 | reply p99 | replies/s | sent | lost | dup | errors |"
    lines += [header, "| " + " | ".join(["---"] * 12) + " |"]
    messenger = results["messenger"]
    for level in sorted({int(k) for side in messenger.values() for k in side}):
        for connector in ("ours", "builtin"):
            f = messenger.get(connector, {}).get(str(level))
            if f is None:
                continue
            lines.append(
                f"| {level} | {connector} | {f['ack_p50_ms']:.1f} ms | {f['ack_p99_ms']:.1f} ms | {f['reply_p50_ms']:.0f} ms | "
                f"{f['reply_p95_ms']:.0f} ms | {f['reply_p99_ms']:.0f} ms | {f['replies_per_s']:.2f} | {f['sent']} | "
                f"{f['lost']} | {f['duplicated']} | {f['errors']} |"
            )
    lines += [
        "",
        "Every conversation ends with one webhook carrying two messaging events (as Meta batches them). "
        "Rasa's facebook channel handles only the first event of a webhook: the reply to the second never "
        "comes, so its `lost` is one per conversation (5, 10 and 50 conversations at N = 1, 10, 50).",
    ]
    lines += ["", "Ours against the baseline, × better (baseline ÷ ours for times, ours ÷ baseline for replies/s):", ""]
    lines += ["| N | ack p50 | ack p99 | reply p50 | reply p95 | reply p99 | replies/s |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for level, row in sorted(results.get("ratios", {}).items(), key=lambda kv: int(kv[0])):
        cells = [row.get(f"{key}_x_better") for key in LOWER_IS_BETTER] + [row.get("replies_per_s_x")]
        lines.append(f"| {level} | " + " | ".join("–" if c is None else f"{c:.2f}×" for c in cells) + " |")
    lines += [""]
    if plotted:
        lines += [f"![reply and acknowledgement latency against concurrency]({png_path.name})", ""]
    calibration = results.get("calibration") or {}
    if calibration:
        lines += ["Replies each turn brings (calibration, one event per webhook):", ""]
        script = results.get("setup", {}).get("script", [])
        lines += ["| turn | " + " | ".join(calibration) + " |", "| --- | " + " | ".join("---" for _ in calibration) + " |"]
        for index, label in enumerate(script):
            cells = [str(c["replies_per_turn"][index]) for c in calibration.values()]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines += [""]
        notes = [(c, lvl, f["error_notes"]) for c, side in messenger.items() for lvl, f in side.items() if f.get("error_notes")]
        if notes:
            lines += ["Errors seen (first few):", ""] + [f"- {c} N={lvl}: {'; '.join(n)}" for c, lvl, n in notes] + [""]
    cost = results["cost"]
    lines += [
        "## Cost",
        "",
        "| process | peak RSS |",
        "| --- | --- |",
        *[f"| {name} | {mb:.0f} MB |" for name, mb in cost["rss_mb"].items()],
        "",
        f"Training (NLU only, cache off, as `make eval-nlu`): {cost['train_s']} s. "
        f"Start to first answered message: ours {cost['first_reply_s']} s, baseline {cost.get('first_reply_s_builtin')} s.",
        "",
    ]
    md_path.write_text("\n".join(lines))


def plot(results: Dict[str, Any], png_path: Path) -> bool:
    """Latency percentiles against concurrency, both connectors (matplotlib, Agg: no display)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    messenger = results["messenger"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    styles = {"ours": "tab:blue", "builtin": "tab:red"}
    for connector, side in messenger.items():
        levels = sorted(int(k) for k in side)
        if not levels:
            continue
        for key, dash in (("reply_p50_ms", ":"), ("reply_p95_ms", "--"), ("reply_p99_ms", "-")):
            left.plot(levels, [side[str(n)][key] for n in levels], dash, marker="o", color=styles.get(connector),
                      label=f"{connector} {key.split('_')[1]}")
        for key, dash in (("ack_p50_ms", ":"), ("ack_p99_ms", "-")):
            right.plot(levels, [side[str(n)][key] for n in levels], dash, marker="o", color=styles.get(connector),
                       label=f"{connector} {key.split('_')[1]}")
    for axis, title in ((left, "webhook → reply at the Graph API"), (right, "webhook acknowledgement")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        ticks = sorted({int(k) for side in messenger.values() for k in side})
        axis.set_xticks(ticks)
        axis.set_xticklabels([str(t) for t in ticks])
        axis.set_xlabel("concurrent conversations")
        axis.set_ylabel("ms")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    fig.suptitle(f"Messenger latency, ours vs Rasa's facebook channel ({results['measured_at']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return True


_IDLE_LEAVES = ("select (selectors.py", "_worker (concurrent/futures/thread.py:81)", "wait (threading.py",
                "get (queue.py", "_wait_for_tstate_lock (threading.py")


def profile_summary(raw: str, top: int = 40) -> str:
    """py-spy's raw (collapsed) stacks → the functions with the most samples, inclusive and self.

    Samples of a thread waiting (the event loop in select, a worker on its queue or a lock)
    are counted apart as idle; the rest are split between the main thread (the event
    loop: Sanic, Rasa, our connector) and the other threads.
    """
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = idle = in_threads = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        if frames[-1].startswith(_IDLE_LEAVES):
            idle += count
            continue
        if frames[0].startswith("_bootstrap (threading.py"):
            in_threads += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    busy = max(total - idle, 1)
    out = [f"py-spy samples: {total}; {idle} idle (waiting), {total - idle} busy: "
           f"{total - idle - in_threads} on the main thread (event loop), {in_threads} in other threads", "",
           f"Top {top} by inclusive share of busy samples:"]
    out += [f"{100 * n / busy:6.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    out += ["", f"Top {top} by self share of busy samples:"]
    out += [f"{100 * n / busy:6.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(out) + "\n"


def profile_shares(raw: str, parts: Dict[str, str]) -> Dict[str, float]:
    """The share of busy samples (percent) whose stack contains each part's marker."""
    totals: Counter = Counter()
    busy = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit() or stack.split(";")[-1].startswith(_IDLE_LEAVES):
            continue
        busy += int(count_text)
        for name, marker in parts.items():
            if marker in stack:
                totals[name] += int(count_text)
    return {name: round(100 * totals[name] / max(busy, 1), 1) for name in parts}
