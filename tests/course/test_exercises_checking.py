"""The checker machinery: verdict lines, return values, and the generic diagnoses."""

import numpy as np
import pytest

from nnkit.course.checking import Hint, call_student, checker, expect, expect_array, expect_close


@checker("One update")
def check_update(student_fn):
    got = student_fn(w=1.0, grad=0.5, lr=0.1)
    expect_close(got, 0.95, what="w_new", hints={1.05: "You added the gradient."})


@checker("Doubling")
def check_double(student_fn):
    x = np.arange(6.0).reshape(2, 3)
    expect_close(call_student(student_fn, x), 2 * x, what="2x")


def run(check, fn, capsys):
    result = check(fn)
    return result, capsys.readouterr().out


def test_pass_prints_one_line_with_case_count(capsys):
    result, out = run(check_update, lambda w, grad, lr: w - lr * grad, capsys)
    assert result is True
    assert out == "✔ One update: passed (1 case).\n"


def test_hint_from_the_map_of_typical_wrong_answers(capsys):
    result, out = run(check_update, lambda w, grad, lr: w + lr * grad, capsys)
    assert result is False
    assert out == "✘ One update: You added the gradient.\n"


def test_not_attempted(capsys):
    def todo(w, grad, lr):
        raise NotImplementedError

    result, out = run(check_update, todo, capsys)
    assert result is False
    assert out.startswith("… One update: not attempted yet")


def test_student_exception_is_one_line_without_addresses(capsys):
    def broken(w, grad, lr):
        raise ValueError(f"bad object {object()}\nsecond line")

    result, out = run(check_update, broken, capsys)
    assert result is False
    assert out.count("\n") == 1
    assert "your function raised ValueError: bad object" in out
    assert "0x…" in out and "second line" in out


def test_none_result_reminds_to_return(capsys):
    _, out = run(check_update, lambda w, grad, lr: None, capsys)
    assert "forget `return`" in out


def test_non_callable_student_argument(capsys):
    result, out = run(check_update, 0.95, capsys)
    assert result is False
    assert "pass the function itself" in out and "float" in out


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda x: -2 * x, "sign is flipped"),
        (lambda x: 4 * x, "constant factor of 2"),
        (lambda x: 2 * x + 1, "off by the same 1"),
        (lambda x: (2 * x).T, "transpose"),
        (lambda x: (2 * x).ravel(), "right number of values"),
        (lambda x: 2 * x[:1], "expected shape (2, 3), got (1, 3)"),
        (lambda x: x / 0.0, "nan or inf"),
        (lambda x: [["a"] * 3] * 2, "expected numbers"),
    ],
)
def test_generic_diagnoses(wrong, phrase, capsys):
    result, out = run(check_double, wrong, capsys)
    assert result is False
    assert phrase in out, out


def test_in_place_modification_is_reported(capsys):
    def mutating(x):
        x *= 2
        return x

    _, out = run(check_double, mutating, capsys)
    assert "in place" in out


def test_output_is_deterministic(capsys):
    outs = [run(check_double, lambda x: x + 0.5, capsys)[1] for _ in range(2)]
    assert outs[0] == outs[1]


def test_custom_success_message_and_expect(capsys):
    @checker("Custom")
    def check(student_fn):
        expect(student_fn() == 3, "should be three")
        return "all good, three it is."

    assert run(check, lambda: 3, capsys) == (True, "✔ Custom: all good, three it is.\n")
    assert run(check, lambda: 4, capsys) == (False, "✘ Custom: should be three\n")


def test_scalar_expectation_accepts_single_element_array():
    assert expect_array(np.array([1.5]), shape=()).shape == ()


def test_many_values_report_the_first_difference():
    expected = np.zeros(20)
    got = expected.copy()
    got[7] = 1.0
    got[9] = 2.0
    with pytest.raises(Hint, match=r"2 of 20 values differ; first at index \(7,\)"):
        expect_close(got, expected, what="v")


def test_bad_arguments_to_the_machinery():
    with pytest.raises(TypeError, match="title"):
        checker("")
    with pytest.raises(TypeError, match="message"):
        Hint("")
    with pytest.raises(TypeError, match="hints"):
        expect_close(1.0, 2.0, hints=[1.0])
