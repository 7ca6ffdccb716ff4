"""One process at a time recomputes a cached figure; the others serve the copy they have."""

import threading
import time

import pytest
from django.core.cache import cache

from common.caching import cache_read_refreshed, cached_value, refreshing_lock_key

KEY = "test:caching:figure"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


class Counting:
    """A computation that records each time it runs."""

    def __init__(self, value: object, seconds: float = 0.0) -> None:
        self.value = value
        self.seconds = seconds
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self) -> object:
        with self._lock:
            self.runs += 1
        time.sleep(self.seconds)
        return self.value


def read(compute, **options):
    return cache_read_refreshed(key=KEY, compute=compute, fresh_seconds=3600, **options)


def test_a_fresh_copy_is_served_without_computing():
    cached_value(key=KEY, fresh_until=time.time() + 3600, value="old", keep_seconds=3600)
    compute = Counting("new")
    assert read(compute) == "old"
    assert compute.runs == 0


def test_a_stale_copy_is_recomputed_by_the_caller_that_takes_the_lock():
    cached_value(key=KEY, fresh_until=time.time() - 1, value="old", keep_seconds=3600)
    compute = Counting("new")
    assert read(compute) == "new"
    assert compute.runs == 1
    assert cache.get(refreshing_lock_key(KEY)) is None  # released
    assert read(Counting("newer")) == "new"  # and fresh again


def test_while_another_process_recomputes_a_stale_copy_the_others_serve_it():
    cached_value(key=KEY, fresh_until=time.time() - 1, value="old", keep_seconds=3600)
    cache.add(refreshing_lock_key(KEY), 1, 60)  # another process is recomputing
    compute = Counting("new")
    assert read(compute) == "old"
    assert compute.runs == 0


def test_with_no_copy_the_others_wait_for_the_one_computing():
    cache.add(refreshing_lock_key(KEY), 1, 60)  # another process is computing

    def other_process_finishes():
        time.sleep(0.3)
        cached_value(key=KEY, fresh_until=time.time() + 60, value="theirs", keep_seconds=60)

    finisher = threading.Thread(target=other_process_finishes)
    finisher.start()
    compute = Counting("mine")
    try:
        assert read(compute, wait_seconds=30) == "theirs"
    finally:
        finisher.join()
    assert compute.runs == 0


def test_with_no_copy_and_a_refresher_that_never_finishes_the_caller_computes_after_waiting():
    cache.add(refreshing_lock_key(KEY), 1, 60)  # held by a process that died
    compute = Counting("mine")
    assert read(compute, wait_seconds=0.1) == "mine"
    assert compute.runs == 1


def test_a_failing_computation_releases_the_lock():
    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        read(broken)
    assert cache.get(refreshing_lock_key(KEY)) is None
    assert read(Counting("new")) == "new"


def test_sixteen_concurrent_readers_of_an_empty_cache_compute_it_once():
    compute = Counting({"orders": 7}, seconds=0.3)
    start = threading.Barrier(16)
    results: list[object] = []

    def reader():
        start.wait()
        results.append(read(compute, wait_seconds=30))

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert compute.runs == 1
    assert results == [{"orders": 7}] * 16


def test_sixteen_concurrent_readers_of_a_stale_copy_recompute_it_once():
    cached_value(key=KEY, fresh_until=time.time() - 1, value="old", keep_seconds=3600)
    compute = Counting("new", seconds=0.3)
    start = threading.Barrier(16)
    results: list[object] = []

    def reader():
        start.wait()
        results.append(read(compute))

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert compute.runs == 1
    assert sorted(results) == ["new"] + ["old"] * 15
