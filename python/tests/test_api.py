"""numexpr's API: name lookup, multi-statement programs, re_evaluate, validate, NumExpr."""
import numpy as np
import pytest

import exprvm
from conftest import assert_matches, sample

module_level_array = np.arange(4.0)


def test_names_come_from_locals_then_globals():
    module_level_array_copy = module_level_array * 10
    assert_matches(exprvm.evaluate("module_level_array + module_level_array_copy"),
                   module_level_array * 11)


def test_local_shadows_global():
    module_level_array = np.ones(4)  # noqa: F841 (read by the expression)
    assert_matches(exprvm.evaluate("module_level_array * 2"), np.full(4, 2.0))


def test_explicit_dicts():
    a = np.arange(3.0)
    result = exprvm.evaluate("a + b", local_dict={"a": a}, global_dict={"b": 1.0})
    assert_matches(result, a + 1.0)
    # with local_dict given, names missing from it still come from the caller's globals
    assert_matches(exprvm.evaluate("a + module_level_array", local_dict={"a": np.ones(4)}),
                   module_level_array + 1)


def test_undefined_name_is_a_name_error_and_a_key_error():
    with pytest.raises(NameError) as info:
        exprvm.evaluate("1 + not_defined_anywhere")
    assert isinstance(info.value, KeyError)
    assert "not_defined_anywhere" in str(info.value)
    assert "^" in str(info.value)  # caret under the name


def test_frame_locals_do_not_keep_arrays_alive():
    import weakref

    def run():
        big = np.ones(10)
        ref = weakref.ref(big)
        exprvm.evaluate("big * 2")
        del big
        return ref

    assert run()() is None


def test_multi_statement_adam_updates_caller_arrays():
    p = sample("float32", n=1000)
    g = sample("float32", n=1000, seed=1)
    m = sample("float32", n=1000, seed=2)
    v = sample("float32", n=1000, seed=3)
    ep, em, ev = p.copy(), m.copy(), v.copy()
    em += np.float32(1 - 0.9) * (g - em)
    ev += np.float32(1 - 0.999) * (g * g - ev)
    ep -= np.float32(0.001) * em / (np.sqrt(ev) + np.float32(1e-8))
    result = exprvm.evaluate("m = m + (1 - 0.9)*(g - m); v = v + (1 - 0.999)*(g*g - v);"
                             " p = p - 0.001*m/(sqrt(v) + 1e-8)")
    assert result is None
    np.testing.assert_allclose(m, em, rtol=1e-6)
    np.testing.assert_allclose(v, ev, rtol=1e-6)
    np.testing.assert_allclose(p, ep, rtol=1e-6)


def test_temporaries_do_not_touch_the_caller():
    a = np.arange(5.0)
    t = "unrelated"
    result = exprvm.evaluate("t = a * 2\nt + 1")
    assert t == "unrelated"
    assert_matches(result, a * 2 + 1)


def test_program_runs_over_the_broadcast_shape_of_all_its_arguments():
    a = np.ones((3, 4))
    b = np.arange(4.0)
    assert_matches(exprvm.evaluate("t = a * 2; b + 1"), np.broadcast_to(b + 1, (3, 4)))
    assert_matches(exprvm.evaluate("t = a * 2; b + 1", order="C"), np.broadcast_to(b + 1, (3, 4)))


def test_target_naming_a_caller_array_is_written_with_result():
    a = np.arange(5.0)
    b = np.zeros(5)
    result = exprvm.evaluate("b = a * 2; b + 1")
    np.testing.assert_array_equal(b, a * 2)
    assert_matches(result, a * 2 + 1)


def test_re_evaluate_uses_new_values_and_same_out():
    a = np.arange(4.0)
    out = np.zeros(4)
    exprvm.evaluate("a * 2", out=out)
    a = np.arange(4.0) + 10
    assert exprvm.re_evaluate() is out
    np.testing.assert_array_equal(out, a * 2)
    np.testing.assert_array_equal(exprvm.re_evaluate(local_dict={"a": np.ones(4)}), 2.0)


def test_validate_returns_the_exception():
    a = np.arange(3.0)
    assert exprvm.validate("a + 1") is None
    assert_matches(exprvm.re_evaluate(), a + 1)
    error = exprvm.validate("a +* 1")
    assert isinstance(error, SyntaxError)
    assert isinstance(exprvm.validate("a + missing_name"), NameError)


def test_re_evaluate_in_a_fresh_thread_is_an_error():
    import threading
    errors = []
    thread = threading.Thread(target=lambda: errors.append(
        pytest.raises(RuntimeError, exprvm.re_evaluate)))
    thread.start()
    thread.join()
    assert len(errors) == 1


# The free-name rule every host shares (exprvm::free_names): the same cases as
# tests/test_names.cpp, whose names the CLI binds. (source, free names in order of appearance)
FREE_NAME_CASES = [
    ("a + b * a", ["a", "b"]),
    ("sin(x) + cos(y)", ["x", "y"]),                    # function names are not names
    ("sum(a, axis=0)", ["a"]),                          # keyword values are constants
    ("sum(a * b, axis=None)", ["a", "b"]),              # None is not a name
    ("where(c > 0, True, False) | (c > 1)", ["c"]),     # True/False are literals
    ("t = a * 2; t + b", ["a", "b"]),                   # t is only assigned, then read
    ("m = m + g; p = p - m", ["m", "g", "p"]),          # read then assigned: still supplied
    ("x = 1; y = x + z; y", ["z"]),
]


@pytest.mark.parametrize("source,free", FREE_NAME_CASES)
def test_free_names_agree_with_the_library(source, free):
    assert exprvm.NumExpr(source).input_names == tuple(sorted(free))


def test_keyword_value_is_not_looked_up():
    # `k` is the value of axis=, a constant: not a name to find (the checker reports the axis)
    error = exprvm.validate("sum(a, axis=k)", local_dict={"a": np.arange(3.0)})
    assert not isinstance(error, NameError)
    assert "axis" in str(error)


def test_numexpr_object_with_default_signature():
    nex = exprvm.NumExpr("b * 2 + a")
    assert nex.input_names == ("a", "b")
    a, b = np.arange(3.0), np.arange(3.0) + 5
    assert_matches(nex.run(a, b), b * 2 + a)
    assert_matches(nex(a, b), b * 2 + a)
    # numexpr casts arguments to the signature (float64 by default)
    assert_matches(nex.run(np.arange(3, dtype=np.int32), b), b * 2 + np.arange(3.0))


def test_numexpr_object_with_signature_and_out():
    nex = exprvm.NumExpr("x * y", signature=[("x", np.float32), ("y", np.float32)])
    x = sample("float32")
    y = sample("float32", seed=1)
    out = np.empty_like(x)
    assert nex.run(x, y, out=out) is out
    assert_matches(out, x * y)
    with pytest.raises(TypeError):
        nex.run(x.astype(np.float64), y)  # float64 -> float32 is not 'safe'
    with pytest.raises(TypeError):
        nex.run(x)


def test_disassemble_lists_instructions():
    text = exprvm.disassemble(exprvm.NumExpr("sqrt(a) + b"))
    assert "sqrt" in text and "add" in text


def test_thread_settings(restore_threads):
    assert exprvm.ncores == exprvm.detect_number_of_cores() >= 1
    old = exprvm.get_num_threads()
    assert exprvm.set_num_threads(1) == old
    assert exprvm.get_num_threads() == 1 == exprvm.nthreads
    a = sample("float64", n=1 << 18)
    assert_matches(exprvm.evaluate("a * 2"), a * 2)
    with pytest.raises(ValueError):
        exprvm.set_num_threads(0)


def test_version_and_options():
    assert isinstance(exprvm.__version__, str) and exprvm.__version__.count(".") == 2
    a = np.arange(3.0)
    for optimization in ("none", "moderate", "aggressive"):
        assert_matches(exprvm.evaluate("a * 2 + 0", optimization=optimization), a * 2)
    assert_matches(exprvm.evaluate("a / 2", truediv="auto", sanitize=True), a / 2)
    with pytest.raises(NotImplementedError):
        exprvm.evaluate("a / 2", truediv=False)
    with pytest.raises(ValueError):
        exprvm.evaluate("a", order="Z")
    with pytest.raises(ValueError):
        exprvm.evaluate("a", casting="sometimes")
    with pytest.raises(TypeError):
        exprvm.evaluate("a", bogus=1)
    with pytest.raises(TypeError):
        exprvm.evaluate(b"a")
