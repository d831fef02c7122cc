import pytest

from tests.support.branch import Branch
from tests.support.stack import Stack


@pytest.fixture(scope="session")
def branch(stack: Stack) -> Branch:
    """The shared branch, driven as Meta would; each test uses its own Messenger user."""
    return stack.branch
