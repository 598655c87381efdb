"""Chapter 8's exercises beyond their mutant banks: the checker's printed verdict, the
references against nnkit's own early stopping and SGD step, and the thinking exercises."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.ch8_generalisation import exercises


def test_split_prints_one_passing_verdict(capsys):
    assert exercises.check_split(exercises.check_split.reference)
    assert capsys.readouterr().out.startswith("✔ Split and standardise")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.05, 2.0), min_size=3, max_size=40), st.integers(1, 6))
def test_the_stopping_rule_is_the_one_fit_uses(losses, patience):
    # Replay the losses through fit's early stopping: a model whose validation loss is
    # forced to follow `losses` stops at the same epoch and keeps the same best epoch.
    stop, best = exercises.check_early_stopping.reference(losses, patience)
    X, y = np.zeros((2, 1)), np.array([0, 1])
    model = nk.Sequential(nk.Dense(1, 2, rng=0))
    script = iter(losses)
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.1),
                     epochs=len(losses), validation=(X, y),
                     callbacks=[lambda epoch, net, h: h.val_loss.__setitem__(-1, next(script)),
                                nk.EarlyStopping(patience)])
    assert (history.epochs, history.best_epoch) == (stop, best)


def test_the_decay_reference_is_nnkit_sgd():
    # Same weights and the same velocity as nk.SGD's momentum buffer, step after step.
    gen = np.random.default_rng(0)
    p = nk.Parameter(gen.normal(size=(3, 2)))
    opt = nk.SGD([p], lr=0.1, momentum=0.8, weight_decay=0.05)
    W, v = p.value.copy(), np.zeros_like(p.value)
    for _ in range(3):
        p.grad = gen.normal(size=(3, 2))
        W, v = exercises.check_decay_step.reference(W, p.grad, v, 0.1, 0.8, 0.05)
        opt.step()
        np.testing.assert_allclose(p.value, W, rtol=1e-13)
        np.testing.assert_allclose(opt.buffers[0], v, rtol=1e-13)


def _other_form(W, grad, u, lr, momentum, weight_decay):
    u = momentum * u - lr * (grad + weight_decay * W)
    return W + u, u


def test_the_other_form_agrees_at_constant_lr_only():
    # What chapter 8 says: v ← μv − ηG, W ← W + v gives nnkit's weights while η is constant
    # and other weights once η changes (its velocity keeps the old η in its past terms).
    def run(rates):
        gen = np.random.default_rng(1)
        W = W_other = gen.normal(size=4)
        v = u = np.zeros(4)
        for lr in rates:
            noise = gen.normal(size=4)  # the gradient tanh(W) + noise depends on W
            W, v = exercises.check_decay_step.reference(W, np.tanh(W) + noise, v, lr, 0.9, 0.01)
            W_other, u = _other_form(W_other, np.tanh(W_other) + noise, u, lr, 0.9, 0.01)
        return W, W_other

    same, other = run([0.1] * 20)
    np.testing.assert_allclose(other, same, rtol=1e-10)
    changed, other = run([0.1] * 10 + [0.01] * 10)
    assert not np.allclose(other, changed, rtol=1e-3)


def test_every_quiz_option_explains_itself():
    questions = exercises.quizzes()
    assert len(questions) >= 2
    for quiz in questions.values():
        assert quiz.correct
        for k, option in enumerate(quiz.options):
            assert len(option.why) > 30 and quiz.feedback(k).startswith(("✔", "✘"))
        quiz.close()
