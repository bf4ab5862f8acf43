"""Python threads calling evaluate, re_evaluate and NumExpr objects at once (run under
ThreadSanitizer by .ci/run when the interpreter can be: see the README's TSan section)."""
import threading

import numpy as np

import exprvm

THREADS = 4


def run_threads(worker):
    errors = []
    barrier = threading.Barrier(THREADS)

    def guarded(index):
        try:
            barrier.wait()
            worker(index)
        except Exception as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_evaluate_re_evaluate_and_numexpr_objects_concurrently():
    shared = exprvm.NumExpr("x * y + 1", signature=[("x", np.float64), ("y", np.float64)])

    def worker(index):
        for n in (100, 1 << 16):       # GIL held / released around the run
            a = np.arange(n, dtype=np.float64) + index
            b = np.full(n, 0.5)
            for _ in range(5):
                np.testing.assert_array_equal(exprvm.evaluate("a * b + index"), a * b + index)
                # re_evaluate: this thread's own last expression, new values
                np.testing.assert_array_equal(exprvm.re_evaluate(local_dict={"a": b, "b": a, "index": 1}),
                                              b * a + 1)
                np.testing.assert_array_equal(shared(a, b), a * b + 1)
                out = np.empty(n)
                shared.run(a, b, out=out)
                np.testing.assert_array_equal(out, a * b + 1)

    run_threads(worker)


def test_set_num_threads_while_python_threads_evaluate():
    saved = exprvm.set_num_threads(2)
    stop = threading.Event()

    def switcher():
        i = 0
        while not stop.is_set():
            exprvm.set_num_threads(1 + i % 3)
            i += 1

    thread = threading.Thread(target=switcher)
    thread.start()
    try:
        def worker(index):
            a = np.arange(1 << 17, dtype=np.float64) * index
            for _ in range(5):
                np.testing.assert_array_equal(exprvm.evaluate("a * 2 - 1"), a * 2 - 1)
        run_threads(worker)
    finally:
        stop.set()
        thread.join()
        exprvm.set_num_threads(saved)
