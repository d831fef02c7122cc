from pathlib import Path
from typing import Iterator

import pytest

from tests.support.branch import MODEL, Branch, running_branch


@pytest.fixture(scope="session")
def branch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Branch]:
    """The whole branch, started once per test run; each test uses its own Messenger user."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before running the tests")
    with running_branch(Path(tmp_path_factory.mktemp("branch"))) as started:
        yield started
