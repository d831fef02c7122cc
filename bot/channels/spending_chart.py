"""The spending chart, drawn where it is delivered: in the channel, in the Rasa server process.

actions/spending.py sends the chart's data as a custom payload (`{"spending_chart": {...}}`,
bot/dialogue_signals.py), already in the customer's words. Why the channel draws it, not the action server:
the action server stays thin (it loads the core bank's client only, tests/unit/test_process_boundaries.py),
and only the channel knows how an image reaches the customer without any public URL (Messenger: uploaded with
the message, bot/channels/messenger/output.py; web chat: a short-lived URL only the customer's own session can
open, bot/channels/web_chat/chart_images.py). matplotlib is imported on the first chart only (Agg backend, no
display), so no process loads it before a customer asks for a chart; drawing runs in a worker thread.

`chart_problem` checks a payload before anything is drawn: a payload that is not a chart is logged and dropped
by the channel (the text summary said everything already).
"""
from __future__ import annotations

import asyncio
import io
import logging
import threading
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional

from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

MAX_BARS = 12
MAX_LABEL = 60
_DRAWING = threading.Lock()  # pyplot's state is global: one chart at a time


def chart_problem(chart: Any) -> Optional[str]:
    """Why `chart` cannot be drawn, or None."""
    if not isinstance(chart, dict):
        return "not an object"
    if not isinstance(chart.get("title"), str) or not isinstance(chart.get("series"), list) or len(chart["series"]) != 2:
        return "title or series missing"
    rows = chart.get("categories")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_BARS:
        return f"categories must be 1 to {MAX_BARS}"
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            return "a category without a name"
        try:
            if Decimal(str(row.get("total"))) < 0 or Decimal(str(row.get("previous_total"))) < 0:
                return "a negative amount"
        except (InvalidOperation, ValueError):
            return "an amount that is not a number"
    return None


def _short(text: Any) -> str:
    text = str(text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def render_png(chart: Dict[str, Any]) -> bytes:
    """The chart as a PNG: one horizontal pair of bars per category (the period, the period before), the period's
    amount written beside its bar. Raises ValueError for a payload `chart_problem` refuses."""
    problem = chart_problem(chart)
    if problem is not None:
        raise ValueError(f"not a spending chart: {problem}")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # the object API: no pyplot, no global figure manager

    rows: List[Dict[str, Any]] = list(reversed(chart["categories"]))  # the largest at the top
    names = [_short(row["name"]) for row in rows]
    totals = [float(Decimal(str(row["total"]))) for row in rows]
    previous = [float(Decimal(str(row["previous_total"]))) for row in rows]
    with _DRAWING:
        figure = Figure(figsize=(7.2, 1.5 + 0.55 * len(rows)), dpi=110)
        axes = figure.add_subplot(1, 1, 1)
        positions = list(range(len(rows)))
        height = 0.38
        axes.barh([p - height / 2 for p in positions], previous, height=height, color="#c5cbd3",
                  label=_short(chart["series"][1]))
        bars = axes.barh([p + height / 2 for p in positions], totals, height=height, color="#1f5aa6",
                         label=_short(chart["series"][0]))
        axes.set_yticks(positions)
        axes.set_yticklabels(names)
        axes.set_title(_short(chart["title"]), fontsize=12, loc="left")
        widest = max(totals + previous + [1.0])
        axes.set_xlim(0, widest * 1.3)
        for bar, row in zip(bars, rows):
            shown = row.get("total_shown")
            if isinstance(shown, str) and shown:
                axes.text(bar.get_width() + widest * 0.01, bar.get_y() + bar.get_height() / 2, _short(shown),
                          va="center", fontsize=9)
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(handles[::-1], labels[::-1], loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=9,
                    frameon=False)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


async def drawn_chart(chart: Any, recipient_id: str, channel: str) -> Optional[bytes]:
    """The chart as a PNG, drawn in a worker thread; None (logged, with the customer pseudonymised) for a payload that
    is not a chart or a drawing that fails: drawing must never break the conversation, and the text before the chart
    said everything it shows."""
    problem = chart_problem(chart)
    if problem is not None:
        logger.error("%s: spending chart for %s not sent: %s", channel, pseudonym(recipient_id), problem)
        return None
    try:
        return await asyncio.to_thread(render_png, chart)
    except Exception as exc:
        logger.error("%s: spending chart for %s not drawn: %s", channel, pseudonym(recipient_id), type(exc).__name__)
        return None
