"""The per-call shortcuts of evaluate(): the caller's locals read in place (only where that
answers like the locals dict) and repeated calls on the same buffers running a bound program
(only while they are the very same buffers). Every answer is NumPy's."""
import gc
import weakref

import numpy as np
import pytest

import exprvm

shadowed = np.arange(4.0)  # a global that locals shadow or do not
only_global = np.full(4, 7.0)


def test_unbound_local_falls_back_to_the_global():
    def f(bind):
        if bind:
            shadowed = np.zeros(4)  # noqa: F841 (a local of f, unbound when bind is False)
        return exprvm.evaluate("shadowed + 1")

    np.testing.assert_array_equal(f(False), np.arange(4.0) + 1)
    np.testing.assert_array_equal(f(True), np.ones(4))


def test_deleted_local_is_not_found():
    def f():
        gone = np.ones(3)
        del gone
        return exprvm.evaluate("gone + 1")

    with pytest.raises(NameError, match="gone"):
        f()


def test_closure_and_cell_variables():
    outer = np.full(3, 2.0)

    def inner():
        assert outer is not None  # makes outer a free variable of inner
        return exprvm.evaluate("outer * 3")

    def with_cell():
        cell = np.full(3, 5.0)
        return exprvm.evaluate("cell + 1"), (lambda: cell)  # cell is a cell variable

    np.testing.assert_array_equal(inner(), np.full(3, 6.0))
    np.testing.assert_array_equal(with_cell()[0], np.full(3, 6.0))


def test_names_left_in_the_locals_dict_by_exec_are_found():
    def f():
        exec("injected = np.full(4, 4.0)")  # lives in the frame's locals dict only
        return exprvm.evaluate("injected + only_global")

    np.testing.assert_array_equal(f(), np.full(4, 11.0))


def test_module_level_and_class_body_callers():
    namespace = {"exprvm": exprvm, "np": np}
    exec("a = np.arange(3.0)\nr = exprvm.evaluate('a * 2')\n"
         "class C:\n    b = np.ones(2)\n    r = exprvm.evaluate('b + 1')\n", namespace)
    np.testing.assert_array_equal(namespace["r"], np.arange(3.0) * 2)
    np.testing.assert_array_equal(namespace["C"].r, np.full(2, 2.0))


def test_generator_and_comprehension_callers():
    def gen():
        x = np.arange(3.0)
        yield exprvm.evaluate("x + 1")

    assert [list(r) for r in gen()] == [[1.0, 2.0, 3.0]]
    y = np.arange(3.0)
    # k: a local of the comprehension, y: its free variable
    results = [exprvm.evaluate("y * k") for k in (1, 2) if y is not None]
    np.testing.assert_array_equal(results[1], y * 2)


def test_locals_are_not_kept_alive():
    def f():
        a = np.ones(10)
        exprvm.evaluate("a + 1")
        return weakref.ref(a)

    ref = f()
    gc.collect()
    assert ref() is None


def test_repeated_calls_read_new_contents_and_scalars():
    p = np.arange(5, dtype=np.float32)
    g = np.ones(5, dtype=np.float32)
    expected = p.copy()
    for step in range(6):
        lr = 0.5 * step              # a weak Python float: a new value every call
        scale = np.float32(step)     # a strong NumPy scalar
        g[:] = step
        exprvm.evaluate("p - lr * g + scale", out=p)
        expected = expected - np.float32(lr) * g + scale
        np.testing.assert_allclose(p, expected, rtol=1e-6)


def test_repeated_calls_follow_changed_buffers():
    p = np.zeros(8)
    for step in range(4):
        exprvm.evaluate("p + 1", out=p)
    np.testing.assert_array_equal(p, np.full(8, 4.0))
    p.shape = (2, 4)                 # same buffer, new shape: the result must follow it
    out = np.empty((2, 4))
    for _ in range(3):
        exprvm.evaluate("p * 2", out=out)
    np.testing.assert_array_equal(out, np.full((2, 4), 8.0))
    view = p.reshape(8)[::2]         # same data pointer, other strides and size
    for _ in range(3):
        r = exprvm.evaluate("view * 2")
    np.testing.assert_array_equal(r, np.full(4, 8.0))


def test_repeated_calls_with_new_arrays_at_reused_addresses():
    for n in (7, 7, 7, 9, 9, 7):
        a = np.arange(n, dtype=np.float64)   # often at the address the last one had
        b = np.full(n, 2.0)
        out = np.empty(n)
        for _ in range(3):
            exprvm.evaluate("a * b", out=out)
        np.testing.assert_array_equal(out, a * 2)
        del a, b, out


def test_repeated_calls_still_check_writability():
    p = np.zeros(4)
    for _ in range(3):
        exprvm.evaluate("p + 1", out=p)
    p.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        exprvm.evaluate("p + 1", out=p)
    np.testing.assert_array_equal(p, np.full(4, 3.0))


def test_repeated_overlapping_updates_match_numpy():
    for _ in range(2):
        a = np.arange(10.0)
        expected = a.copy()
        for _ in range(4):
            src, dst = a[:-1], a[1:]         # dst overlaps src shifted by one
            exprvm.evaluate("src * 2", out=dst)
            expected[1:] = expected[:-1] * 2
        np.testing.assert_array_equal(a, expected)


def test_repeated_programs_with_targets_and_re_evaluate():
    m, v = np.zeros(6, np.float32), np.zeros(6, np.float32)
    grad = np.linspace(-1, 1, 6, dtype=np.float32)
    m_ref, v_ref = m.copy(), v.copy()
    for _ in range(5):
        exprvm.evaluate("m = m + 0.1 * (grad - m); v = v + 0.001 * (grad * grad - v)")
        m_ref = m_ref + np.float32(0.1) * (grad - m_ref)
        v_ref = v_ref + np.float32(0.001) * (grad * grad - v_ref)
    np.testing.assert_allclose(m, m_ref, rtol=1e-6)
    np.testing.assert_allclose(v, v_ref, rtol=1e-6)
    out = np.empty(6, np.float32)
    exprvm.evaluate("m + v", out=out)
    for _ in range(3):
        m += 1
        exprvm.re_evaluate()
    np.testing.assert_allclose(out, m + v, rtol=1e-6)


def test_repeated_numexpr_object_calls():
    ex = exprvm.NumExpr("x * y", signature=[("x", np.float64), ("y", np.float64)])
    x, y, out = np.arange(4.0), np.full(4, 3.0), np.empty(4)
    for step in range(4):
        y[:] = step
        ex(x, y, out=out)
        np.testing.assert_array_equal(out, x * step)
    assert ex(x, 2.0).tolist() == (x * 2).tolist()


def test_numexpr_object_calling_conventions():
    ex = exprvm.NumExpr("x * y", signature=[("x", np.float64), ("y", np.float64)])
    x, y = np.arange(3.0), np.ones(3)
    out = np.empty(3)
    assert ex(x, y, out=out, order="C", casting="safe", ex_uses_vml=False) is out
    for result in (ex(x, y), ex.run(x, y), ex.__call__(x, y), exprvm.NumExpr.run(ex, x, y)):
        np.testing.assert_array_equal(result, x)
    assert callable(ex)
    with pytest.raises(TypeError, match=r"takes 2 arguments \(the signature's\), 1 given"):
        ex(x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        ex.run(x, y, bogus=1)
    with pytest.raises(ValueError, match="order must be"):
        ex(x, y, order="Q")
    with pytest.raises(TypeError, match="cannot be cast"):
        ex(x, np.ones(3, np.complex128))
    with pytest.raises(TypeError):
        exprvm.NumExpr.run(3, x, y)


def test_numexpr_subclass_instances_run():
    class Doubling(exprvm.NumExpr):
        def __init__(self):
            super().__init__("2 * a", signature=[("a", np.float64)])

    np.testing.assert_array_equal(Doubling()(np.arange(3.0)), np.arange(3.0) * 2)


@pytest.mark.parametrize("threads", [1, 2])
def test_outputs_off_a_cache_line_match_numpy(threads, restore_threads):
    # NumPy's large arrays start 16 bytes into a page; a run peels the elements before the
    # output's first cache line (the JIT's whole-range calls too). Sizes around chunk edges.
    exprvm.set_num_threads(threads)
    rng = np.random.default_rng(15)
    for n in (1023, 1024, 1025, 4100, 40000, 70001):
        for offset in (0, 4, 16, 36):
            buffers = [np.empty(n + 32, np.float32) for _ in range(2)]
            p, g = (b[(offset - b.ctypes.data % 64) % 64 // 4:][:n] for b in buffers)
            p[:] = rng.standard_normal(n)
            g[:] = rng.standard_normal(n)
            expected = p - g
            for _ in range(2):  # the second run is the JIT's (tiered) for n >= 4096
                exprvm.evaluate("p - g", out=p)
                np.testing.assert_array_equal(p, expected)
                expected = p - g
