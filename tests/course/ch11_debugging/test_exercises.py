"""Chapter 11's exercises beyond their mutant banks: the references agree with nnkit's
monitors, and every diagnosis question explains each option."""

import numpy as np

import nnkit as nk
from nnkit.course.ch11_debugging import exercises
from nnkit.monitors import activation_stats, first_nonfinite


def test_first_nonfinite_reference_agrees_with_nnkits_monitor():
    model = nk.Sequential(nk.Dense(2, 3, rng=0), nk.ReLU(), nk.Dense(3, 2, rng=1))
    model.layers[2].W.value[0, 0] = np.inf
    with np.errstate(all="ignore"):
        model.forward(np.ones((4, 2)))
    index = exercises.check_first_nonfinite.reference(model.activations)
    assert first_nonfinite(model).layer == f"{index} Dense"


def test_dead_units_reference_agrees_with_the_dead_fraction():
    model = nk.Sequential(nk.Dense(2, 8, init="he", rng=0), nk.ReLU())
    model.layers[0].b.value[[1, 5]] = -50.0
    X = np.random.default_rng(0).normal(size=(40, 2))
    model.forward(X)
    dead = exercises.check_dead_units.reference(model.activations[1])
    assert dead.tolist() == [1, 5]
    assert activation_stats(model, X)["1 ReLU"].dead == len(dead) / 8


def test_the_checkers_print_one_passing_line(capsys):
    assert exercises.check_first_nonfinite(exercises.check_first_nonfinite.reference)
    assert exercises.check_dead_units(exercises.check_dead_units.reference)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith("✔") for line in out)


def test_every_diagnosis_has_one_right_answer_and_explains_every_option():
    questions = exercises.quizzes()
    assert len(questions) >= 4
    for quiz in questions.values():
        assert len(quiz.correct) == 1
        for k, option in enumerate(quiz.options):
            assert len(option.why) > 30 and quiz.feedback(k).startswith(("✔", "✘"))
        quiz.close()
