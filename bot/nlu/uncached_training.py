"""`rasa train` with Rasa's training cache off (`RASA_MAX_CACHE_SIZE=0`) hashes nothing it would not keep.

Rasa's `TrainingHook` fingerprints every node's inputs before it runs and its output after, to store the output in
its training cache (`.rasa/cache`): for the NLU nodes that is the whole training data with every feature added so
far, hashed value by value in Python, about twice per node. Measured on `rasa train` here (cProfile, the sentence
embeddings kept: bot/nlu/embedding_cache.py): 97 s of 339 s in the hooks' fingerprints, all on the one thread that
trains. When the cache is off, `LocalTrainingCache.cache_output` drops what the hook computed for it; `install()`
makes the hook skip the computation then, and only then (the cache on, nothing changes).

`make test` turns the cache off in a checkout that has none yet (a fresh clone, CI: nothing in it to reuse, nothing
that would be reused) and trains with `--force` (no fingerprint run either). Installed by the knowledge base's
importer (bot/knowledge/importer.py), which every `rasa train` of this project builds before the graph runs.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.training.hooks import TrainingHook

_ORIGINAL_BEFORE = TrainingHook.on_before_node  # Rasa's own
_ORIGINAL_AFTER = TrainingHook.on_after_node


def cache_disabled(hook: TrainingHook) -> bool:
    is_disabled = getattr(getattr(hook, "_cache", None), "_is_disabled", None)
    return bool(callable(is_disabled) and is_disabled())


def on_before_node(self: TrainingHook, node_name: Text, execution_context: ExecutionContext,
                   config: Dict[Text, Any], received_inputs: Dict[Text, Any]) -> Dict:
    if cache_disabled(self):
        return {}
    return _ORIGINAL_BEFORE(self, node_name, execution_context, config, received_inputs)


def on_after_node(self: TrainingHook, node_name: Text, execution_context: ExecutionContext,
                  config: Dict[Text, Any], output: Any, input_hook_data: Dict) -> None:
    if cache_disabled(self):
        return None
    return _ORIGINAL_AFTER(self, node_name, execution_context, config, output, input_hook_data)


def install() -> None:
    """Rasa's training hook skips its fingerprints when the training cache is off (idempotent)."""
    TrainingHook.on_before_node = on_before_node  # type: ignore[method-assign]
    TrainingHook.on_after_node = on_after_node  # type: ignore[method-assign]
