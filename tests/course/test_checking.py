"""The checking framework itself: one way to compare, to count, to explain a rejection."""

import numpy as np
import pytest
from hypothesis import strategies as st

from nnkit.course.checking import Case, CheckerBug, Exercise, Hint, arrays, show


def double(x):
    return 2.0 * x


def exercise(**kwargs):
    options = dict(args=("x",), cases=[Case((np.array([1.0, -2.0]),)), Case((np.array(3.0),))])
    options.update(kwargs)
    return Exercise("Doubling", double, **options)


def test_a_right_answer_passes_and_counts_every_case(capsys):
    assert exercise().check(lambda x: x + x) is True
    assert capsys.readouterr().out == "✔ Doubling: passed (2 hand-picked cases).\n"


def test_drawn_cases_are_counted_the_same_way_and_deterministically():
    ex = exercise(strategy=arrays((3,), 10.0).map(lambda a: Case((a,))), examples=15)
    first, second = ex.verdict(double), ex.verdict(double)
    assert first.kind == "passed" and first == second
    assert 2 < first.cases <= 2 + 15
    # The message names only what the exercise fixes, never hypothesis's own count.
    assert first.message == "passed (2 hand-picked cases and up to 15 random ones)."


def test_not_attempted_and_not_callable():
    def todo(x):
        raise NotImplementedError

    assert exercise().verdict(todo).kind == "todo"
    assert exercise().verdict(lambda x: ...).kind == "todo"
    verdict = exercise().verdict(double(1.0))
    assert verdict.kind == "not_callable" and "not `my_fn()`" in verdict.message


def test_a_students_exception_names_type_input_and_message():
    verdict = exercise().verdict(lambda x: np.sum(x, axis=1))
    assert verdict.kind == "raised"
    assert verdict.message.startswith("your function raised AxisError on input x=")
    assert "out of bounds" in verdict.message


def test_a_failing_reference_is_a_checker_bug_not_the_students_fault():
    broken = Exercise("Broken", lambda x: x.missing_attribute, args=("x",),
                      cases=[Case((np.array(1.0),))])
    with pytest.raises(CheckerBug, match="reference of 'Broken' failed"):
        broken.verdict(double)


def test_a_failing_hint_is_a_checker_bug():
    def bad_test(call):
        raise KeyError("oops")

    ex = exercise(hints=[Hint("never shown", when=bad_test)])
    with pytest.raises(CheckerBug, match="hint"):
        ex.verdict(lambda x: 3.0 * x)


def test_the_input_changed_in_place_is_reported():
    def spoil(x):
        out = 2.0 * x
        x *= 0
        return out

    verdict = exercise().verdict(spoil)
    assert verdict.kind == "mutated" and "`x` in place" in verdict.message


def test_one_way_to_check_shapes_tuples_and_dicts():
    ex = Exercise("Pair", lambda x: (x, {"a": x.T}), args=("x",), returns=("first", "second"),
                  cases=[Case((np.ones((2, 3)),))])
    assert "return 2 values (first, second)" in ex.verdict(lambda x: x).message
    assert "transpose" in ex.verdict(lambda x: (x, {"a": x})).message
    assert "keys ['a']" in ex.verdict(lambda x: (x, {"b": x.T})).message
    assert "did you forget `return`" in ex.verdict(lambda x: (None, {"a": x.T})).message
    assert ex.verdict(lambda x: [x, {"a": x.T.copy()}]).kind == "passed"


def test_a_hint_must_reproduce_the_student_on_every_case():
    # x + 1 equals 2x at x = 1 only: the hint "like x + 1" must not be given to 3x,
    # which also fails elsewhere, nor to a function that agrees with x + 1 only where 2x fails.
    ex = exercise(cases=[Case((np.array(1.0),)), Case((np.array(2.0),)), Case((np.array(3.0),))],
                  hints=[Hint("you added 1", like=lambda x: x + 1)])
    assert ex.verdict(lambda x: x + 1).kind == "hint"
    assert ex.verdict(lambda x: np.where(x == 2.0, 3.0, 2.0 * x)).kind == "counterexample"


def test_generic_diagnoses_need_every_failing_case():
    assert "sign is flipped" in exercise().verdict(lambda x: -2.0 * x).message
    assert "3 times" in exercise().verdict(lambda x: 6.0 * x).message
    ex = exercise(cases=[Case((np.array([1.0, 2.0]),)), Case((np.array([5.0, 1.0]),))])
    assert "off by the same amount" in ex.verdict(lambda x: 2.0 * x + 0.5).message
    # A factor that changes from case to case is not a "constant factor".
    ex = exercise(cases=[Case((np.array(1.0),)), Case((np.array(2.0),))])
    assert ex.verdict(lambda x: 2.0 * x**2).kind == "counterexample"


def test_without_a_matching_hint_the_smallest_failing_case_is_shown():
    ex = exercise(cases=[], strategy=st.integers(0, 1000).map(lambda k: Case((float(k),))))
    verdict = ex.verdict(lambda x: 2.0 * x if x < 17 else 0.0)
    assert verdict.kind == "counterexample"
    assert verdict.message == "wrong result on input x=17: expected 34, returned 0."


def test_nan_where_the_answer_is_finite_says_so():
    verdict = exercise().verdict(lambda x: np.where(x > 0, np.nan, 2.0 * x))
    assert verdict.kind == "counterexample" and "overflow" in verdict.message


@pytest.mark.parametrize(
    "value, text",
    [(0.1 + 0.2, "0.3"), (-0.0, "0"), (np.float32(1.5), "1.5"), (True, "True"),
     (np.array([1.0, 2.5]), "[1, 2.5]"), (np.zeros((4, 4)), "an array of shape (4, 4)"),
     ((1, "a"), "(1, 'a')"), ({"k": 2.0}, "{'k': 2}"), (None, "None"),
     (np.random.default_rng(0), "a numpy Generator")],
)
def test_show_writes_values_as_a_student_types_them(value, text):
    assert show(value) == text


def test_exercise_definitions_are_validated():
    with pytest.raises(TypeError, match="exactly one of like"):
        Hint("message")
    with pytest.raises(TypeError, match="2 args"):
        Exercise("t", double, args=("a", "b"), cases=[Case((1.0,))])
    with pytest.raises(ValueError, match="at least one case"):
        Exercise("t", double, args=("x",))


# ---- issue 21: lists for arrays, float32 look-alikes, a scalar for an array, no answer shown


def test_a_list_where_an_array_is_asked_is_the_wrong_form_unless_allowed():
    ex = exercise()
    for wrong in (lambda x: (2.0 * x).tolist(), lambda x: tuple(2.0 * x)):
        verdict = ex.verdict(lambda x, wrong=wrong: wrong(x) if np.ndim(x) else 2.0 * x)
        assert verdict.kind == "form", verdict
        assert "return a NumPy array" in verdict.message
    allowed = exercise(lists_ok=True).verdict(lambda x: (2.0 * x).tolist())
    assert allowed.kind == "passed", allowed
    # A 0-d result is a number: a Python float for it is fine.
    assert exercise().verdict(lambda x: (2.0 * x).tolist()).kind == "form"
    scalar = Exercise("Scalar", lambda x: np.float64(2.0 * x), args=("x",), cases=[Case((1.5,))])
    assert scalar.verdict(lambda x: 2.0 * x).kind == "passed"


def test_a_float32_result_that_looks_right_is_shown_with_the_digits_that_differ():
    ex = Exercise("Third", lambda x: x / 3.0, args=("x",), cases=[Case((np.array([1.0]),))],
                  rtol=1e-9)
    verdict = ex.verdict(lambda x: (x / 3.0).astype(np.float32))
    assert verdict.kind == "counterexample", verdict
    expected = verdict.message.split("expected ")[1].split(", returned")[0]
    returned = verdict.message.split("returned ")[1].split(" (float32)")[0]
    assert expected != returned, verdict.message
    assert "your result is float32, the expected one float64" in verdict.message


def test_a_scalar_where_an_array_is_asked_gets_no_axis_hint():
    ex = Exercise("One", lambda x: np.array([x]), args=("x",), cases=[Case((2.0,))])
    verdict = ex.verdict(lambda x: x)
    assert verdict.kind == "form", verdict
    assert "expected shape (1,) (an array), got a single number" in verdict.message
    assert "axis" not in verdict.message and "keepdims" not in verdict.message
    listed = Exercise("Path", lambda x: [x], args=("x",), cases=[Case((2.0,))])
    assert "(a list), got a single number" in listed.verdict(lambda x: x).message


def test_a_pen_and_paper_exercise_never_prints_the_answer():
    ex = Exercise("By hand", lambda: (-4.0, 1.4), returns=("grad", "w_new"), reveal=False,
                  cases=[Case(())])
    for wrong in [(-4.0, 1.5), (-2.0, 0.7), (-8.0, 2.8), (1.0, 1.0)]:
        verdict = ex.verdict(lambda wrong=wrong: wrong)
        assert verdict.kind == "counterexample", verdict
        assert "-4" not in verdict.message and "1.4" not in verdict.message, verdict.message
        assert "returned" in verdict.message
    shown = Exercise("Shown", lambda: (-4.0, 1.4), returns=("grad", "w_new"), cases=[Case(())])
    assert "expected 1.4" in shown.verdict(lambda: (-4.0, 1.5)).message
