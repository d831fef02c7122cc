"""bot/nlu/uncached_training.py: with Rasa's training cache off, its training hook hashes nothing; on, as Rasa does."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.caching import LocalTrainingCache
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.training.hooks import TrainingHook

from bot.nlu import uncached_training


@pytest.fixture(autouse=True)
def installed(monkeypatch):
    monkeypatch.setattr(TrainingHook, "on_before_node", TrainingHook.on_before_node)
    monkeypatch.setattr(TrainingHook, "on_after_node", TrainingHook.on_after_node)
    uncached_training.install()


@pytest.fixture
def calls(monkeypatch):
    """What Rasa's own hook methods were called for (they are stood in for)."""
    made = []
    monkeypatch.setattr(uncached_training, "_ORIGINAL_BEFORE", lambda *args: made.append("before") or {"k": 1})
    monkeypatch.setattr(uncached_training, "_ORIGINAL_AFTER", lambda *args: made.append("after"))
    return made


def hook(tmp_path: Path, monkeypatch, size: str) -> TrainingHook:
    monkeypatch.setenv("RASA_MAX_CACHE_SIZE", size)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    return TrainingHook(cache=LocalTrainingCache(), model_storage=None, pruned_schema=GraphSchema({}))


def test_the_cache_off_nothing_is_fingerprinted(tmp_path: Path, monkeypatch, calls):
    off = hook(tmp_path, monkeypatch, "0")
    context = ExecutionContext(GraphSchema({}))
    assert off.on_before_node("node", context, {}, {"training_data": object()}) == {}
    assert off.on_after_node("node", context, {}, object(), {}) is None
    assert calls == []
    assert not (tmp_path / "cache").exists()  # nor a cache folder made


def test_the_cache_on_the_hook_is_rasas(tmp_path: Path, monkeypatch, calls):
    on = hook(tmp_path, monkeypatch, "1000")
    context = ExecutionContext(GraphSchema({}))
    assert on.on_before_node("node", context, {}, {}) == {"k": 1}
    on.on_after_node("node", context, {}, object(), {"k": 1})
    assert calls == ["before", "after"]


def test_the_knowledge_importer_installs_it(monkeypatch):
    from bot.knowledge.importer import KnowledgeImporter

    monkeypatch.setattr(TrainingHook, "on_before_node", uncached_training._ORIGINAL_BEFORE)
    KnowledgeImporter(training_data_paths=["data"])
    assert TrainingHook.on_before_node is uncached_training.on_before_node
    assert TrainingHook.on_after_node is uncached_training.on_after_node
