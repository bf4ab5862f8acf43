"""Unicode identifiers from Python: names as Python allows them, looked up in local_dict and
in the caller's frame, and errors that name the character with the column in characters."""
import numpy as np
import pytest

import exprvm


def test_non_ascii_names_from_local_dict_and_frame():
    température = np.array([1.0, 2.0, 3.0])
    温度 = np.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(exprvm.evaluate("température * 2 + 温度"), [12, 24, 36])
    np.testing.assert_array_equal(
        exprvm.evaluate("α - Δ", local_dict={"α": np.arange(3), "Δ": 1}), [-1, 0, 1])
    assert exprvm.NumExpr("ß + 1", [("ß", np.float64)]).input_names == ("ß",)


def test_names_are_also_found_nfkc_normalised_as_python_stores_them():
    ﬁle = np.array([1.0, 2.0])  # Python's compiler stores this variable as `file`
    assert "file" in locals()
    np.testing.assert_array_equal(exprvm.evaluate("ﬁle * 2"), [2, 4])
    # full-width x (U+FF58): found as written first, else as `x`
    assert exprvm.evaluate("\uff58 + 1", local_dict={"x": 2}) == 3
    assert exprvm.evaluate("\uff58 + 1", local_dict={"\uff58": 3, "x": 2}) == 4
    with pytest.raises(NameError):
        exprvm.evaluate("ﬀ + 1", local_dict={"f": 1})


@pytest.mark.parametrize("source, message, column", [
    ("a + €", "unexpected character U+20AC", 5),
    ("é + a€b", "character U+20AC cannot be part of a name", 6),
    ("温度 + \u0663", "character U+0663 '\u0663' cannot start a name", 6),
])
def test_invalid_characters_are_syntax_errors_with_the_column_in_characters(source, message,
                                                                           column):
    with pytest.raises(SyntaxError) as error:
        exprvm.evaluate(source, local_dict={"a": 1.0, "é": 1.0, "温度": 1.0})
    assert message in str(error.value)
    assert error.value.column == column
