"""The held-out NLU set stays unseen: no line of it, nor a near copy, is in the training data."""
import difflib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "data"  # every NLU file under it, as `rasa train` reads the folder
HELDOUT = ROOT / "tests" / "nlu" / "test_nlu_heldout.yml"
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def training_texts(folder: Path):
    """The text of every intent example under `folder`, loaded as `rasa train` loads it."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_nlu_importer_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), training_data_paths=[str(folder)])
    return [message.get("text") for message in importer.get_nlu_data().intent_examples if message.get("text")]


def examples(path: Path):
    """(intent, text) of every example in one NLU file, annotations read by Rasa's loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    for message in load_data(str(path)).intent_examples:
        yield message.get("intent"), message.get("text")


def normalized(text: str) -> str:
    text = ANNOTATION.sub(r"\1", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def one_word_apart(a: list, b: list) -> bool:
    """True when one token swapped, added or removed turns a into b."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def near_copy(a: str, b: str) -> bool:
    """Identical once normalized, one word apart (4 words or more), or 90% alike character-wise."""
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if min(len(ta), len(tb)) >= 4 and one_word_apart(ta, tb):
        return True
    if 2 * min(len(a), len(b)) < 0.9 * (len(a) + len(b)):  # cannot reach a 0.9 ratio
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9


def test_helpers_catch_copies_and_one_word_swaps():
    assert near_copy(normalized("Send [20](amount)€ to Tom!"), normalized("send 20€ to tom"))
    assert near_copy("send 20 euros to tom now", "send 30 euros to tom now")
    assert near_copy("pay my landlord the rent now", "pay my landlord the rent")
    assert not near_copy("what's my balance", "show my last transactions")


@pytest.mark.skipif(not TRAINING.exists() or not HELDOUT.exists(), reason="no NLU data")
def test_no_heldout_line_is_in_the_training_data():
    training = [normalized(text) for text in training_texts(TRAINING)]
    assert training, f"no NLU examples under {TRAINING}"
    heldout = [(text, normalized(text)) for _, text in examples(HELDOUT)]
    clashes = [(text, other) for text, mine in heldout for other in training if near_copy(mine, other)]
    assert not clashes, f"held-out lines (near) copied into data/: {clashes[:10]}"


@pytest.mark.skipif(not HELDOUT.exists(), reason="no held-out set")
def test_heldout_covers_every_intent():
    counts = {}
    for intent, _ in examples(HELDOUT):
        counts[intent] = counts.get(intent, 0) + 1
    assert counts.get("out_of_scope", 0) >= 150
    assert all(n >= 15 for n in counts.values()), counts
