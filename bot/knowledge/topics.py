"""A topic file of the knowledge base (data/knowledge/<area>/<id>.yml) and its loader.

The model holds what a file must have to be read at all (both languages, their questions and
answer, an owner, a review date); the rules between files and against the bank's facts are the
content check's (bot/knowledge/check.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import List, Optional, Tuple, Union

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, validator

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"
LANGUAGES = ("en", "fr")
RETRIEVAL_INTENT = "faq"
RESPONSE_PREFIX = f"utter_{RETRIEVAL_INTENT}"
DEFAULT_REVIEW_DAYS = 365
# The services an answer may offer as quick replies after it (each an intent of domain.yml).
FOLLOW_UPS = ("check_balance", "recent_transactions", "block_card", "order_card", "loan_inquiry", "loan_status",
              "transfer_money", "human_handoff", "dispute_payment", "book_appointment")
MAX_FOLLOW_UPS = 3
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


def _text(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class Wording(BaseModel):
    """One language of a topic: how customers ask, and the answer."""

    questions: List[str] = Field(..., min_items=1)
    answer: str

    class Config:
        extra = Extra.forbid

    _non_empty_answer = validator("answer", allow_reuse=True)(_text)

    @validator("questions", each_item=True)
    def _non_empty_question(cls, value: str) -> str:
        return _text(value)


class Topic(BaseModel):
    id: str = Field(..., regex=ID_PATTERN)
    owner: str
    last_reviewed: date
    review_every_days: int = Field(DEFAULT_REVIEW_DAYS, gt=0)
    follow_ups: List[str] = []
    en: Wording
    fr: Wording

    class Config:
        extra = Extra.forbid
        frozen = True

    _non_empty_owner = validator("owner", allow_reuse=True)(_text)

    def wording(self, language: str) -> Wording:
        return self.fr if language == "fr" else self.en

    @property
    def intent(self) -> str:
        """The retrieval intent's full name: faq/<id>."""
        return f"{RETRIEVAL_INTENT}/{self.id}"

    @property
    def response(self) -> str:
        return f"{RESPONSE_PREFIX}/{self.id}"


@dataclass(frozen=True)
class TopicFile:
    path: Path
    topic: Optional[Topic]  # None: the file could not be read as a topic
    error: Optional[str] = None


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        parts.append(f"{where}: {'missing' if item['type'] == 'value_error.missing' else item['msg']}")
    return "; ".join(parts)


def topic_paths(folder: Path = KNOWLEDGE_DIR) -> List[Path]:
    return sorted(list(folder.rglob("*.yml")) + list(folder.rglob("*.yaml"))) if folder.is_dir() else []


def read_topic_file(path: Path) -> TopicFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return TopicFile(path, None, f"not readable YAML: {error}")
    if not isinstance(data, dict):
        return TopicFile(path, None, "not a topic (a YAML mapping is expected)")
    try:
        return TopicFile(path, Topic.parse_obj(data))
    except ValidationError as error:
        return TopicFile(path, None, _explain(error))


def read_all(folder: Path = KNOWLEDGE_DIR) -> List[TopicFile]:
    return [read_topic_file(path) for path in topic_paths(folder)]


def load_topics(folder: Path = KNOWLEDGE_DIR) -> List[Topic]:
    """Every topic under `folder`; a file that is not a valid topic raises ValueError naming it."""
    topics = []
    for item in read_all(folder):
        if item.topic is None:
            raise ValueError(f"{item.path}: {item.error} (python -m bot knowledge check)")
        topics.append(item.topic)
    return topics


FACT_PATTERN = re.compile(r"\{([^{}]*)\}")


def fact_names_in(answer: str) -> List[str]:
    """The names in braces of an answer, in order."""
    return FACT_PATTERN.findall(answer)


def knowledge_dirs(training_paths: Union[None, str, List[str]]) -> List[Path]:
    """The knowledge folders of Rasa's training paths (a list, or one path as `rasa data validate` gives it):
    `<path>/knowledge` of each folder given (data/ by default), or the path itself when it is a knowledge folder."""
    found: List[Path] = []
    if isinstance(training_paths, (str, Path)):
        training_paths = [str(training_paths)]
    for raw in training_paths or [str(ROOT / "data")]:
        path = Path(raw)
        candidate = path if path.name == "knowledge" else path / "knowledge"
        if candidate.is_dir() and candidate.resolve() not in [p.resolve() for p in found]:
            found.append(candidate)
    return found


def split_id(name: str) -> Tuple[str, str]:
    """"faq/pin_forgotten" -> ("faq", "pin_forgotten")."""
    intent, _, topic = name.partition("/")
    return intent, topic
