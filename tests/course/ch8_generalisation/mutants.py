"""Chapter 8's checkers: the model answers and other correct answers pass, and every
mutant in the banks below is rejected for the reason it deserves: a declared hint, or a
concrete counterexample, or a changed input. The mutants are written here, apart from the
checkers' own hint functions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.ch8_generalisation import exercises

COUNTEREXAMPLE = ("counterexample",)


def assert_rejected(check, answer, expected, kinds=("hint",)):
    result = check.verdict(answer)
    assert not result.passed, result.message
    assert result.kind in kinds, (result.kind, result.message)
    assert expected in result.message, result.message
    return result


# ------------------------------------------------------------------------- split and standardise

def split_mutant(kind):
    def answer(X, y, rng):
        n = len(X)
        k = n // 4 if kind == "quarter" else n // 5
        if kind == "no shuffle":
            order = np.arange(n)
        elif kind == "global rng":
            order = np.random.permutation(n)
        elif kind == "fresh generator":
            order = np.random.default_rng(0).permutation(n)
        else:
            order = rng.permutation(n)
        val, test, train = order[:k], order[k:2 * k], order[2 * k:]
        if kind == "train first":
            train, val, test = order[:n - 2 * k], order[n - 2 * k:n - k], order[n - k:]
        if kind == "val is test":
            test = val
        mean, std = X[train].mean(axis=0), X[train].std(axis=0)
        if kind == "all statistics":
            mean, std = X.mean(axis=0), X.std(axis=0)
        elif kind == "ddof 1":
            std = X[train].std(axis=0, ddof=1)
        elif kind == "variance":
            std = X[train].var(axis=0)
        elif kind == "all std":
            std = X.std(axis=0)
        elif kind == "all mean":
            mean = X.mean(axis=0)
        elif kind == "median":
            mean = np.median(X[train], axis=0)
        out = []
        for rows in (train, val, test):
            part = X[rows]
            if kind == "own statistics":
                part = (part - part.mean(axis=0)) / part.std(axis=0)
            elif kind == "divide first":
                part = part / std - mean
            elif kind == "centre only":
                part = part - mean
            elif kind != "not standardised":
                part = (part - mean) / std
            labels = y[np.sort(rows)] if kind == "labels in input order" else y[rows]
            if kind == "labels standardised":
                labels = (labels - labels.mean()) / labels.std()
            out += [part, labels]
        if kind == "in place":
            X -= X.mean(axis=0)
        if kind == "X parts first":
            out = [out[0], out[2], out[4], out[1], out[3], out[5]]
        if kind == "five arrays":
            out = out[:5]
        return tuple(out)
    return answer


SPLIT_MUTANTS = {
    "no shuffle": ("consecutive blocks of the input", ("hint",)),
    "global rng": ("use the `rng` you are given", ("hint",)),
    "fresh generator": ("use the `rng` you are given", ("hint",)),
    "quarter": ("wrong sizes", ("hint",)),
    "train first": ("dealt in another order", ("hint",)),
    "val is test": ("the same samples", ("hint",)),
    "all statistics": ("statistics come from all the data", ("hint",)),
    "ddof 1": ("ddof=1", ("hint",)),
    "variance": ("divided by the variance", ("hint",)),
    "all std": ("standard deviation comes from all the data", ("hint",)),
    "all mean": ("mean comes from all the data", ("hint",)),
    "own statistics": ("its own statistics", ("hint",)),
    "not standardised": ("not standardised", ("hint",)),
    "centre only": ("centred but not scaled", ("hint",)),
    "divide first": ("subtracted after dividing", ("hint",)),
    "labels in input order": ("rows no longer match their labels", ("hint",)),
    "labels standardised": ("only X is standardised", ("hint",)),
    "median": ("wrong result on input", COUNTEREXAMPLE),
    "in place": ("changed its argument `X` in place", ("mutated",)),
    "X parts first": ("wrong kind of result", ("form",)),
    "five arrays": ("wrong kind of result", ("form",)),
}


@pytest.mark.parametrize("kind", SPLIT_MUTANTS)
def test_split_mutants_are_rejected_with_their_hint(kind):
    expected, kinds = SPLIT_MUTANTS[kind]
    assert_rejected(exercises.check_split, split_mutant(kind), expected, kinds)


def test_split_accepts_correct_answers(capsys):
    assert exercises.check_split(exercises.check_split.reference)
    assert capsys.readouterr().out.startswith("✔ Split and standardise")

    def with_nnkit(X, y, rng):
        order = rng.permutation(len(X))
        k = len(X) // 5
        val, test, train = order[:k], order[k:2 * k], order[2 * k:]
        scaler = nk.datasets.Standardizer(X[train])
        return (scaler.transform(X[train]), y[train], scaler.transform(X[val]), y[val],
                scaler.transform(X[test]), y[test])

    assert exercises.check_split.verdict(with_nnkit).passed


# ----------------------------------------------------------------------------- early stopping

def stopping_mutant(kind):
    def answer(losses, patience):
        best_epoch, best = 0, np.inf
        rises, previous = 0, np.inf
        stop = len(losses)
        for epoch, loss in enumerate(losses, start=1):
            if (loss <= best) if kind == "last tie" else (loss < best):
                best_epoch, best = epoch, loss
            if kind == "since last rise":
                rises = rises + 1 if loss >= previous else 0
                previous = loss
                if rises >= patience:
                    stop = epoch
                    break
                continue
            limit = {"patience + 1": patience + 1, "patience - 1": patience - 1}.get(
                kind, patience)
            if kind != "never stops" and epoch - best_epoch >= limit:
                stop = epoch
                break
        if kind == "zero based":
            return stop - 1, best_epoch - 1
        if kind == "swapped":
            return best_epoch, stop
        if kind == "best of all":
            return stop, int(np.argmin(losses)) + 1
        if kind == "loss not epoch":
            return stop, best
        if kind == "list":
            return [stop, best_epoch, patience]
        return stop, best_epoch
    return answer


STOPPING_MUTANTS = {
    "last tie": ("keep the first epoch", ("hint",)),
    "since last rise": ("not since the loss last went down", ("hint",)),
    "patience + 1": ("one epoch too late", ("hint",)),
    "patience - 1": ("one epoch too early", ("hint",)),
    "never stops": ("training never stops", ("hint",)),
    "zero based": ("epochs count from 1", ("hint",)),
    "swapped": ("wrong way round", ("hint",)),
    "best of all": ("before the stop", ("hint",)),
    "loss not epoch": ("not its loss", ("hint",)),
    "list": ("wrong kind of result", ("form",)),
}


@pytest.mark.parametrize("kind", STOPPING_MUTANTS)
def test_stopping_mutants_are_rejected_with_their_hint(kind):
    expected, kinds = STOPPING_MUTANTS[kind]
    assert_rejected(exercises.check_early_stopping, stopping_mutant(kind), expected, kinds)


@pytest.mark.parametrize("answer", [
    lambda losses, patience: (len(losses), int(np.argmin(losses)) + 1),
    lambda losses, patience: (min(len(losses), patience), 1),
    lambda losses, patience: (len(losses), 1),
])
def test_other_stopping_mistakes_get_a_counterexample_or_a_hint(answer):
    result = exercises.check_early_stopping.verdict(answer)
    assert not result.passed
    assert result.kind in ("hint", "counterexample", "generic"), result.message
    if result.kind == "counterexample":
        assert "val_losses=" in result.message and "expected" in result.message


def test_stopping_accepts_another_correct_answer():
    def by_index(val_losses, patience):
        best = 0
        for i in range(len(val_losses)):
            if val_losses[i] < val_losses[best]:
                best = i
            if i - best == patience:
                return i + 1, best + 1
        return len(val_losses), best + 1

    assert exercises.check_early_stopping.verdict(by_index).passed


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
                     epochs=len(losses), validation=(X, y), patience=patience,
                     callback=lambda epoch, net, h: h.val_loss.__setitem__(-1, next(script)))
    assert (history.epochs, history.best_epoch) == (stop, best)


# ----------------------------------------------------------------------------- weight decay

def decay_mutant(kind):
    def answer(W, grad, v, lr, mu, lam):
        g = grad + lam * W
        if kind == "sign":
            g = grad - lam * W
        elif kind == "halved":
            g = grad + lam * W / 2
        elif kind == "squared":
            g = grad + lam * W ** 2
        elif kind == "L1":
            g = grad + lam * np.sign(W)
        elif kind in ("no decay", "no lr", "after step", "not in velocity", "decay velocity"):
            g = grad
        v_new = mu * v - lr * g
        if kind == "no momentum":
            v_new = -lr * g
        elif kind == "decay velocity":
            v_new = mu * (1 - lam) * v - lr * g
        W_new = W + v_new
        if kind == "no lr":
            W_new = W + v_new - lam * W
        elif kind == "after step":
            W_new = (W + v_new) * (1 - lr * lam)
        elif kind == "not in velocity":
            W_new = W + v_new - lr * lam * W
        elif kind == "minus":
            W_new = W - v_new
        if kind == "torch buffer":
            buffer = mu * v + grad + lam * W
            return W - lr * buffer, buffer
        if kind == "old velocity":
            return W_new, v
        if kind == "single":
            return W_new
        if kind == "in place":
            W += v_new
            return W, v_new
        return W_new, v_new
    return answer


DECAY_MUTANTS = {
    "sign": ("wrong sign", ("hint",)),
    "halved": ("is halved", ("hint",)),
    "squared": ("λW²", ("hint",)),
    "L1": ("L1 penalty", ("hint",)),
    "no decay": ("there is no weight decay", ("hint",)),
    "no lr": ("without the learning rate", ("hint",)),
    "after step": ("shrunk after the step", ("hint",)),
    "not in velocity": ("left out of the velocity", ("hint",)),
    "no momentum": ("momentum term μ·velocity is missing", ("hint",)),
    "torch buffer": ("PyTorch's internal convention", ("hint",)),
    "old velocity": ("the old one", ("hint",)),
    "minus": ("wrong result on input", COUNTEREXAMPLE),
    "decay velocity": ("wrong result on input", COUNTEREXAMPLE),
    "single": ("wrong kind of result", ("form",)),
    "in place": ("changed its argument `W` in place", ("mutated",)),
}


@pytest.mark.parametrize("kind", DECAY_MUTANTS)
def test_decay_mutants_are_rejected_with_their_hint(kind):
    expected, kinds = DECAY_MUTANTS[kind]
    assert_rejected(exercises.check_decay_step, decay_mutant(kind), expected, kinds)


def test_decay_accepts_another_correct_answer():
    def shrink_first(W, grad, velocity, lr, momentum, weight_decay):
        v = momentum * velocity - lr * grad - lr * weight_decay * W
        return W + v, v

    assert exercises.check_decay_step.verdict(shrink_first).passed


def test_the_decay_reference_is_nnkit_sgd():
    gen = np.random.default_rng(0)
    p = nk.Parameter(gen.normal(size=(3, 2)))
    opt = nk.SGD([p], lr=0.1, momentum=0.8, weight_decay=0.05)
    W, v = p.value.copy(), np.zeros_like(p.value)
    for _ in range(3):
        p.grad = gen.normal(size=(3, 2))
        W, v = exercises.check_decay_step.reference(W, p.grad, v, 0.1, 0.8, 0.05)
        opt.step()
    np.testing.assert_allclose(p.value, W, rtol=1e-13)


# ----------------------------------------------------------------------------- banks and quizzes

def test_every_bank_has_at_least_ten_mutants(capsys):
    banks = {"split_and_standardise": SPLIT_MUTANTS, "early_stopping": STOPPING_MUTANTS,
             "sgd_step": DECAY_MUTANTS}
    for name, bank in banks.items():
        assert len(bank) >= 10, name
        with capsys.disabled():
            print(f"\n{name}: {len(bank)} mutants, every one rejected (see the tests above)")


def test_every_quiz_option_explains_itself():
    questions = exercises.quizzes()
    assert len(questions) >= 2
    for quiz in questions.values():
        assert quiz.correct
        for k, option in enumerate(quiz.options):
            assert len(option.why) > 30 and quiz.feedback(k).startswith(("✔", "✘"))
        quiz.close()
