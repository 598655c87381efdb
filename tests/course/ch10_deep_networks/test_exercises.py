"""Chapter 10's exercises beyond their mutant banks: the references against nnkit's layers
and finite differences, the batch-of-one rule, the printed verdict, the quizzes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.ch10_deep_networks import exercises


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 8), st.integers(1, 4), st.integers(0, 1000), st.booleans())
def test_the_forward_reference_is_nnkit_batchnorm(n, d, seed, training):
    gen = np.random.default_rng(seed)
    X, gamma, beta = gen.normal(2, 3, (n, d)), gen.normal(size=d), gen.normal(size=d)
    mean, var = gen.normal(size=d), gen.uniform(0.5, 2, d)
    layer = nk.BatchNorm(d, eps=exercises.EPS, momentum=exercises.MOMENTUM)
    layer.gamma.value, layer.beta.value = gamma, beta
    layer.running_mean, layer.running_var = mean.copy(), var.copy()
    Y, new_mean, new_var = exercises.check_batchnorm_forward.reference(
        X, gamma, beta, mean, var, training)
    np.testing.assert_allclose(Y, layer.train(training)(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new_mean, layer.running_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new_var, layer.running_var, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(3, 6), st.integers(1, 3), st.integers(0, 1000))
def test_the_backward_reference_matches_finite_differences(n, d, seed):
    # (n = 2 is left out: both outputs are ±1 whatever X, so dX is pure ε-noise, ~1e-7.)
    gen = np.random.default_rng(seed)
    G, X, gamma = gen.normal(size=(n, d)), gen.normal(1, 2, (n, d)), gen.normal(size=d)
    layer = nk.BatchNorm(d, eps=exercises.EPS)
    layer.gamma.value = gamma
    dX, dgamma, dbeta = exercises.check_batchnorm_backward.reference(G, X, gamma)
    numeric_X = nk.numerical_gradient(lambda: np.sum(G * layer.forward(X)), X)
    numeric_gamma = nk.numerical_gradient(lambda: np.sum(G * layer.forward(X)), layer.gamma)
    assert nk.relative_error(dX, numeric_X) < 1e-6
    assert nk.relative_error(dgamma, numeric_gamma) < 1e-6
    np.testing.assert_allclose(dbeta, G.sum(axis=0))


def test_the_clip_reference_is_nnkit_clip_grad_norm():
    gen = np.random.default_rng(0)
    grads = [gen.normal(size=(3, 2)) * 4, gen.normal(size=5)]
    params = [nk.Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.copy()
    clipped, norm = exercises.check_clip.reference(grads, 1.0)
    assert norm == nk.clip_grad_norm(params, 1.0)
    for c, p in zip(clipped, params, strict=True):
        np.testing.assert_allclose(c, p.grad, rtol=1e-5)


def test_a_forward_that_ignores_the_batch_of_one_is_rejected(capsys):
    def no_error(X, gamma, beta, running_mean, running_var, training):
        if len(X) == 1 and training:
            return beta + 0 * X, running_mean, running_var
        return exercises.check_batchnorm_forward.reference(X, gamma, beta, running_mean,
                                                           running_var, training)
    assert not exercises.check_batchnorm_forward(no_error)
    assert "must raise a ValueError" in capsys.readouterr().out
    assert exercises.check_batchnorm_forward(exercises.check_batchnorm_forward.reference)
    assert capsys.readouterr().out.startswith("✔ Batch normalisation, forward")


def test_every_quiz_option_explains_itself():
    questions = exercises.quizzes()
    assert len(questions) >= 2
    for quiz in questions.values():
        assert quiz.correct
        for k, option in enumerate(quiz.options):
            assert len(option.why) > 30 and quiz.feedback(k).startswith(("✔", "✘"))
        quiz.close()
