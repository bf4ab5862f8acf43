"""Many Python threads evaluating at once get exact results (no global lock involved)."""
import threading

import numpy as np

import exprvm
from conftest import sample


def worker(index, n, results, barrier):
    a = sample("float64", n=n, seed=index)
    b = sample("float64", n=n, seed=100 + index)
    out = np.empty(n)
    barrier.wait()
    ok = True
    for _ in range(30):
        exprvm.evaluate("a * b + sqrt(a) - 2 * b", out=out)
        ok &= np.array_equal(out, a * b + np.sqrt(a) - 2 * b)
        r = exprvm.evaluate("where(a > b, a, b) * index")
        ok &= np.array_equal(r, np.where(a > b, a, b) * index)
    results[index] = ok


def run_threads(n):
    results = [None] * 8
    barrier = threading.Barrier(8)
    threads = [threading.Thread(target=worker, args=(i, n, results, barrier)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 8


def test_eight_threads_small_arrays():
    run_threads(1000)        # runs with the GIL held


def test_eight_threads_large_arrays():
    run_threads(1 << 17)     # runs with the GIL released, VM threads inside


def test_set_num_threads_while_others_evaluate(restore_threads):
    stop = threading.Event()
    failures = []

    def evaluate_until_stopped():
        a = sample("float32", n=1 << 18)
        while not stop.is_set():
            if not np.array_equal(exprvm.evaluate("a + a"), a + a):
                failures.append("mismatch")

    thread = threading.Thread(target=evaluate_until_stopped)
    thread.start()
    for n in (1, 2, 1, 2):
        exprvm.set_num_threads(n)
        assert exprvm.get_num_threads() == n
    stop.set()
    thread.join()
    assert failures == []
