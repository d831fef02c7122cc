"""Fixtures every kind of test may use: the whole branch, started once per test session."""
import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.branch import MODEL
from tests.support.stack import Stack, running_stack

# Tests that featurize training data compute every embedding: they never read nor fill the user's embedding cache
# (bot/nlu/embedding_cache.py; its own tests give it a temporary file).
os.environ["BRANCH_EMBEDDING_CACHE"] = "off"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every process of the branch, started at the first test that needs it, stopped after the last."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before running the tests")
    with running_stack(Path(tmp_path_factory.mktemp("stack"))) as started:
        yield started
