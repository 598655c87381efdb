"""Chapter 9's exercises beyond their mutant banks: the printed verdict, the references
against nnkit's own optimisers and schedules, and the thinking exercises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.ch9_optimisers import exercises, lab


def test_momentum_prints_one_passing_verdict(capsys):
    assert exercises.check_momentum_step(exercises.check_momentum_step.reference)
    assert capsys.readouterr().out.startswith("✔ One heavy-ball step")


def test_the_momentum_reference_is_nnkit_sgd():
    gen = np.random.default_rng(0)
    p = nk.Parameter(gen.normal(size=(3, 2)))
    opt = nk.SGD([p], lr=0.1, momentum=0.8)
    theta, b = p.value.copy(), np.zeros_like(p.value)
    for _ in range(4):
        p.grad = gen.normal(size=(3, 2))
        theta, b = exercises.check_momentum_step.reference(theta, b, p.grad, 0.1, 0.8)
        opt.step()
    np.testing.assert_allclose(p.value, theta, rtol=1e-13)
    np.testing.assert_allclose(opt.buffers[0], b, rtol=1e-13)


def test_the_adam_reference_is_nnkit_adam():
    gen = np.random.default_rng(1)
    p = nk.Parameter(gen.normal(size=4))
    opt = nk.Adam([p], lr=0.01, betas=(0.8, 0.99))
    theta, m, v = p.value.copy(), np.zeros(4), np.zeros(4)
    for t in range(1, 6):
        p.grad = gen.normal(size=4)
        theta, m, v = exercises.check_adam_step.reference(theta, m, v, p.grad, t, 0.01, 0.8,
                                                          0.99, 1e-8)
        opt.step()
    np.testing.assert_allclose(p.value, theta, rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.integers(2, 100), st.data())
def test_the_schedule_reference_is_nnkit_warmup_then_cosine(warmup, extra, data):
    total = warmup + extra
    t = data.draw(st.integers(0, total - 1))
    ours = nk.schedules.Warmup(warmup, then=nk.schedules.CosineDecay(total - warmup))
    assert exercises.check_warmup_cosine.reference(t, warmup, total) == pytest.approx(
        ours(t), abs=1e-12)


def test_each_quiz_has_one_right_answer_and_the_runs_agree_with_it():
    questions = exercises.quizzes()
    assert set(questions) == {"edge", "rotated", "floor"}
    for quiz in questions.values():
        assert [option.correct for option in quiz.options].count(True) == 1
        assert all(len(option.why) > 30 for option in quiz.options)
        quiz.close()
    right = {name: next(o.text for o in q.options if o.correct) for name, q in questions.items()}
    # edge: stable just below 2(1 + μ)/λ = 3.8, unstable just above, with λ = 1
    assert "3.8/λ" in right["edge"]
    assert lab.heavy_ball_converges(3.7, 0.9) and not lab.heavy_ball_converges(3.9, 0.9)
    # rotated: Adam slower on the turned valley
    assert "slower" in right["rotated"]
    aligned, turned = lab.Valley(100), lab.Valley(100, angle=np.pi / 4)
    assert lab.descend(aligned, "Adam", 0.02, 100).losses[-1] < \
        lab.descend(turned, "Adam", 0.02, 100).losses[-1]
    # floor: halving η roughly halves the floor
    assert "halves" in right["floor"]
    ratio = lab.noise_floor(0.1, steps=1500)[500:].mean() / lab.noise_floor(
        0.05, steps=1500)[500:].mean()
    assert 1.8 < ratio < 2.2
