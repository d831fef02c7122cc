"""Training data is encoded two batches at a time when the process may use two cores (bot/nlu/transformer.py)."""
import threading

import pytest

from bot.nlu import transformer
from bot.nlu.transformer import run_batches


def test_batches_run_side_by_side_on_two_cores_and_come_back_in_order(monkeypatch):
    monkeypatch.setattr(transformer.os, "sched_getaffinity", lambda pid: {0, 1})
    together = threading.Barrier(2, timeout=30)  # broken (an error) unless two batches run at once

    def encode(batch):
        together.wait()
        return [value * 10 for value in batch]

    assert run_batches([[1], [2], [3], [4]], encode) == [[10], [20], [30], [40]]


def test_one_batch_or_one_core_runs_in_the_calling_thread(monkeypatch):
    caller = threading.get_ident()
    threads = []

    def encode(batch):
        threads.append(threading.get_ident())
        return batch

    assert run_batches([[1]], encode) == [[1]]
    monkeypatch.setattr(transformer.os, "sched_getaffinity", lambda pid: {0})
    assert run_batches([[1], [2], [3]], encode) == [[1], [2], [3]]
    assert set(threads) == {caller}


def test_an_error_in_a_batch_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(transformer.os, "sched_getaffinity", lambda pid: {0, 1})

    def encode(batch):
        if batch == [2]:
            raise ValueError("bad batch")
        return batch

    with pytest.raises(ValueError, match="bad batch"):
        run_batches([[1], [2], [3]], encode)
