"""The content check of the knowledge base: `python -m bot knowledge check [--on DATE]`, and `make test`
(tests/unit/test_knowledge_check.py runs it on data/knowledge/).

It refuses:
- a file that is not a topic: a language (en, fr) missing, no questions, an empty question or answer, no owner;
- an id other than the file's name, or an id used twice;
- a question used twice (once lower-cased, punctuation and extra spaces removed), within a topic or across topics;
- a review overdue: `last_reviewed` more than `review_every_days` (365 by default) before the reference date;
- a name in braces that is not a published fact (bot/core_bank/facts.py);
- a follow-up that is not a service (`FOLLOW_UPS`), or more than 3;
- an answer over 640 characters (Messenger's limit for a text) once each fact is written at its longest,
  in either language;
- a follow-up's quick reply title over 20 characters (Messenger's limit), from actions/text/catalogue/.

The reference date, so that `make test` does not depend on the calendar: the date of the checkout's HEAD
commit (`git log -1 --format=%cs`) in a git checkout; else KNOWLEDGE_REVIEW_DATE (YYYY-MM-DD); else today.
A topic therefore goes overdue in the check when a commit is made after its review period, never overnight
on an unchanged checkout. `--on DATE` checks against another day (e.g. what expires next month).
"""
from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from bot.knowledge import render
from bot.knowledge.topics import (FOLLOW_UPS, KNOWLEDGE_DIR, LANGUAGES, MAX_FOLLOW_UPS, ROOT, Topic, fact_names_in,
                                  read_all)

MAX_ANSWER = 640  # Messenger: a text message
MAX_TITLE = 20  # Messenger: a quick reply's title
REVIEW_DATE_ENV = "KNOWLEDGE_REVIEW_DATE"
# The locales whose writing of the facts is measured (the language's default ones).
MEASURED = (("en", "en_IE"), ("fr", "fr_FR"))
FOLLOW_UP_TITLE_KEY = "knowledge.follow_up.{}"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def reference_date(root: Path = ROOT, environ: Mapping[str, str] = os.environ) -> date:
    """HEAD's commit date in a git checkout, else KNOWLEDGE_REVIEW_DATE, else today."""
    try:
        out = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cs"], capture_output=True, text=True,
                             timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return date.fromisoformat(out.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    if environ.get(REVIEW_DATE_ENV):
        return date.fromisoformat(environ[REVIEW_DATE_ENV])
    return date.today()


def bank_facts() -> Dict[str, object]:
    """The facts the core bank publishes, from the same sources it reads: bank_facts.yml, the loan products
    it seeds and the transfer limits of the settings."""
    from bot.core_bank.facts import published_facts
    from bot.core_bank.seed import LOAN_PRODUCTS
    from bot.settings import get_settings

    settings = get_settings()
    products = [SimpleNamespace(product=p.product, apr=p.apr_percent, max_amount=p.max_amount,
                                max_term_months=p.max_term_months) for p in LOAN_PRODUCTS]
    return published_facts(products, settings.transfer_limit_per_transfer, settings.transfer_limit_daily)


def follow_up_title(name: str, language: str) -> Optional[str]:
    from actions.text import catalogue

    return catalogue.entries(language).get(FOLLOW_UP_TITLE_KEY.format(name))


def normalized(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


def longest_fill(answer: str, facts: Mapping[str, object]) -> str:
    """The answer with each fact at the longest of its writings (in the measured locales)."""
    def longest(match: "re.Match[str]") -> str:
        fact = facts[match.group(1)]
        return max((render.fact_text(fact.kind, fact.value, language, locale, match.group(1))
                    for language, locale in MEASURED),
                   key=len)

    return render.FACT_PATTERN.sub(longest, answer)


def check(folder: Path = KNOWLEDGE_DIR, on: Optional[date] = None, facts: Optional[Mapping[str, object]] = None,
          title: Callable[[str, str], Optional[str]] = follow_up_title) -> List[Problem]:
    """Every problem of the topics under `folder`, at the reference date `on` (default `reference_date()`)."""
    on = on or reference_date()
    facts = bank_facts() if facts is None else facts
    problems: List[Problem] = []
    topics: List[tuple] = []
    for item in read_all(folder):
        where = item.path.relative_to(folder).as_posix() if item.path.is_relative_to(folder) else str(item.path)
        if item.topic is None:
            problems.append(Problem(where, item.error or "not a topic"))
        else:
            topics.append((where, item.path, item.topic))

    owners: Dict[str, List[str]] = defaultdict(list)
    questions: Dict[str, List[str]] = defaultdict(list)
    for where, path, topic in topics:
        owners[topic.id].append(where)
        if topic.id != path.stem:
            problems.append(Problem(where, f"id {topic.id!r} is not the file's name ({path.stem!r})"))
        problems += [Problem(where, message) for message in topic_problems(topic, on, facts, title)]
        for language in LANGUAGES:
            for question in topic.wording(language).questions:
                questions[normalized(question)].append(f"{topic.id} ({language})")
    for topic_id, wheres in owners.items():
        if len(wheres) > 1:
            problems.append(Problem(wheres[1], f"id {topic_id!r} is also the id of {wheres[0]}"))
    for question, where in questions.items():
        if len(where) > 1:
            problems.append(Problem("questions", f"{question!r} is a question of {', '.join(where)}: keep it once"))
    return problems


def topic_problems(topic: Topic, on: date, facts: Mapping[str, object],
                   title: Callable[[str, str], Optional[str]] = follow_up_title) -> List[str]:
    problems = []
    due = topic.last_reviewed + timedelta(days=topic.review_every_days)
    if due < on:
        problems.append(f"review overdue: last reviewed {topic.last_reviewed}, every {topic.review_every_days} days, "
                        f"so due by {due} (reference date {on})")
    unknown = [name for name in topic.follow_ups if name not in FOLLOW_UPS]
    if unknown:
        problems.append(f"follow_ups {unknown} are not services ({', '.join(FOLLOW_UPS)})")
    if len(topic.follow_ups) > MAX_FOLLOW_UPS:
        problems.append(f"{len(topic.follow_ups)} follow_ups: at most {MAX_FOLLOW_UPS}")
    if len(set(topic.follow_ups)) != len(topic.follow_ups):
        problems.append("a follow-up is listed twice")
    for name in topic.follow_ups:
        if name not in FOLLOW_UPS:
            continue
        for language in LANGUAGES:
            shown = title(name, language)
            if shown is None:
                problems.append(f"follow-up {name!r} has no quick reply title in actions/text/catalogue/{language}.yml")
            elif len(shown) > MAX_TITLE:
                problems.append(f"follow-up {name!r}: its {language} title {shown!r} is over {MAX_TITLE} characters")
    for language in LANGUAGES:
        answer = topic.wording(language).answer
        names = fact_names_in(answer)
        missing = sorted({name for name in names if name not in facts})
        if missing:
            problems.append(f"{language} answer: {', '.join('{' + n + '}' for n in missing)} not a published fact "
                            f"(bot/core_bank/bank_facts.yml, bot/core_bank/facts.py)")
            continue
        filled = longest_fill(answer, facts)
        if len(filled) > MAX_ANSWER:
            problems.append(f"{language} answer: {len(filled)} characters once its facts are filled in, "
                            f"over {MAX_ANSWER}")
    return problems


def main(on: Optional[str] = None, folder: Optional[str] = None, out: Callable[[str], None] = print) -> int:
    """The CLI: prints every problem (exit 1) or a summary (exit 0)."""
    day = date.fromisoformat(on) if on else reference_date()
    where = Path(folder) if folder else KNOWLEDGE_DIR
    problems = check(where, day)
    for problem in problems:
        out(str(problem))
    count = len(read_all(where))
    if problems:
        out(f"{len(problems)} problem(s) in {count} topic file(s) (reference date {day}).")
        return 1
    out(f"{count} topic(s) pass the content check (reference date {day}).")
    return 0


def expiring(folder: Path = KNOWLEDGE_DIR, within_days: int = 30, on: Optional[date] = None) -> Sequence[str]:
    """Topics whose review falls due within `within_days` of the reference date (for the docs' tip)."""
    on = on or reference_date()
    return [item.topic.id for item in read_all(folder) if item.topic is not None
            and item.topic.last_reviewed + timedelta(days=item.topic.review_every_days) < on + timedelta(within_days)]
