"""Checked and thinking exercises of chapter 8, "Does it generalise?".

=================================  ================================================================
checker                            the student writes
=================================  ================================================================
:data:`check_split`                ``split_and_standardise(X, y, rng)``: a 60/20/20 split dealt
                                   from ``rng.permutation(n)``, standardised with the training
                                   part's statistics only
:data:`check_early_stopping`       ``early_stopping(val_losses, patience)`` returning
                                   ``(stop_epoch, best_epoch)``
:data:`check_decay_step`           ``sgd_step(W, grad, velocity, lr, momentum, weight_decay)``:
                                   :math:`G = \\partial J / \\partial W + \\alpha W`,
                                   :math:`v \\leftarrow \\mu v + G`,
                                   :math:`W \\leftarrow W - \\eta v` (nnkit's and
                                   PyTorch's form, as ``nk.SGD``)
=================================  ================================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
:func:`quizzes` builds the chapter's "predict, then look" questions.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from nnkit.course.checking import Case, Exercise, Hint
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

__all__ = [
    "check_decay_step",
    "check_early_stopping",
    "check_split",
    "quizzes",
]


# ------------------------------------------------------------------------- split and standardise

def _split(X, y, rng, *, order="rng", hold=5, val_is_test=False, deal="val-test-train",
           mean_of="train", std_of="train", ddof=0, scale="std", centre_first=True,
           labels="with X", standardise_labels=False):
    """The model answer (all keywords at their defaults) or one typical slip: where the
    statistics come from, how they are applied, how the permutation is dealt out."""
    n = len(X)
    if order == "rng":
        perm = rng.permutation(n)
    elif order == "none":
        perm = np.arange(n)
    else:
        perm = as_rng(12345).permutation(n)
    k = n // hold
    if deal == "val-test-train":
        val, test, train = perm[:k], perm[k:2 * k], perm[2 * k:]
    else:
        train, val, test = perm[:n - 2 * k], perm[n - 2 * k:n - k], perm[n - k:]
    if val_is_test:
        test = val
    sources = {"train": X[train], "all": X, "own": X[train]}
    mean = sources[mean_of].mean(axis=0)
    std = sources[std_of].std(axis=0, ddof=ddof)
    divide_by = {"std": std, "variance": std ** 2, "none": np.ones_like(std),
                 "skip": std}[scale]
    parts = []
    for rows in (train, val, test):
        part = X[rows]
        if mean_of == "own":
            part = (part - part.mean(axis=0)) / part.std(axis=0)
        elif scale == "skip":
            pass
        elif centre_first:
            part = (part - mean) / divide_by
        else:
            part = part / divide_by - mean
        part_y = y[np.sort(rows)] if labels == "in input order" else y[rows]
        if standardise_labels:
            part_y = (part_y - part_y.mean()) / part_y.std()
        parts += [part, part_y]
    return tuple(parts)


def _split_reference(X, y, rng):
    return _split(X, y, rng)


def _split_case(seed: int, n: int, d: int, note: str = "") -> Case:
    """Features on different scales and offsets; labels 0..n-1 in random order, so that
    every sample can be told apart."""
    gen = as_rng(seed)
    X = gen.normal(gen.uniform(-50, 50, d), 10.0 ** gen.uniform(-1, 2, d), size=(n, d))
    return Case((X, gen.permutation(n), as_rng(seed)), note=note)


@st.composite
def _split_cases(draw):
    n = draw(st.integers(5, 40))
    d = draw(st.integers(1, 3))
    return _split_case(draw(st.integers(0, 10_000)), n, d)


def _did_not_draw(call) -> bool:
    """The student's function never drew from the generator it was given."""
    given, used = call.case.args[2], call.received[2]
    return given.bit_generator.state == used.bit_generator.state


check_split = Exercise(
    "Split and standardise without a leak",
    _split_reference,
    args=("X", "y", "rng"),
    returns=("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"),
    mutable=("rng",),
    cases=[_split_case(0, 10, 2), _split_case(1, 23, 1), _split_case(2, 50, 3)],
    strategy=_split_cases(),
    examples=20,
    rtol=1e-9,
    atol=1e-9,
    hints=[
        Hint("the statistics come from all the data — a leak: the validation and test rows "
             "moved the mean and standard deviation the model's inputs are scaled with. "
             "Compute them on the training rows only.",
             like=lambda X, y, rng: _split(X, y, rng, mean_of="all", std_of="all")),
        Hint("the mean comes from all the data — a leak: use the training rows' mean.",
             like=lambda X, y, rng: _split(X, y, rng, mean_of="all")),
        Hint("the standard deviation comes from all the data — a leak: use the training "
             "rows' standard deviation.",
             like=lambda X, y, rng: _split(X, y, rng, std_of="all")),
        Hint("each part was standardised with its own statistics: the validation and test "
             "parts must be scaled with the training part's mean and standard deviation, "
             "or they set their own scale.",
             like=lambda X, y, rng: _split(X, y, rng, mean_of="own")),
        Hint("the parts are not standardised: subtract the training mean and divide by the "
             "training standard deviation.",
             like=lambda X, y, rng: _split(X, y, rng, scale="skip")),
        Hint("the parts are centred but not scaled: also divide by the training standard "
             "deviation.", like=lambda X, y, rng: _split(X, y, rng, scale="none")),
        Hint("divided by the variance: divide by the standard deviation, its square root.",
             like=lambda X, y, rng: _split(X, y, rng, scale="variance")),
        Hint("the standard deviation divides by n − 1 (ddof=1); use np.std's default, which "
             "divides by n.", like=lambda X, y, rng: _split(X, y, rng, ddof=1)),
        Hint("the mean is subtracted after dividing: compute (X − mean) / std.",
             like=lambda X, y, rng: _split(X, y, rng, centre_first=False)),
        Hint("the parts are consecutive blocks of the input: shuffle first with "
             "rng.permutation(n), or any order in the data (by date, by class) ends up in "
             "the split.", like=lambda X, y, rng: _split(X, y, rng, order="none")),
        Hint("the labels stay in the order of the input while the rows of X are shuffled, so "
             "rows no longer match their labels: index X and y with the same rows.",
             like=lambda X, y, rng: _split(X, y, rng, labels="in input order")),
        Hint("the labels were standardised too: only X is standardised; y is only split.",
             like=lambda X, y, rng: _split(X, y, rng, standardise_labels=True)),
        Hint("the validation and the test part are the same samples — a leak between them: "
             "deal out `order[:k]`, `order[k:2k]` and `order[2k:]` with k = n // 5.",
             like=lambda X, y, rng: _split(X, y, rng, val_is_test=True)),
        Hint("the parts have the wrong sizes: validation and test get n // 5 samples each, "
             "training the rest.", like=lambda X, y, rng: _split(X, y, rng, hold=4)),
        Hint("the permutation is dealt in another order: the first n // 5 indices go to "
             "validation, the next n // 5 to test, the rest to training.",
             like=lambda X, y, rng: _split(X, y, rng, deal="train-val-test")),
        Hint("use the `rng` you are given (order = rng.permutation(n)), not NumPy's global "
             "random functions or a new generator: only then is the split reproducible from "
             "its seed.", when=_did_not_draw),
    ],
)


# ----------------------------------------------------------------------------- early stopping

def _stopping(val_losses, patience, *, ties="first", count="since best", late=0,
              stops=True, best_of="seen", base=1, report="epochs"):
    """The model answer (defaults) or one slip: keeping the last of tied losses, counting
    epochs since the loss last rose, stopping one epoch late or early or never, looking
    past the stop for the best epoch, counting from 0, returning a loss."""
    best_epoch, best = 0, float("inf")
    rises, previous = 0, float("inf")
    stop = len(val_losses)
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best or (ties == "last" and loss == best):
            best_epoch, best = epoch, loss
        if count == "since rise":
            rises = rises + 1 if loss >= previous else 0
            previous = loss
            if stops and rises >= patience:
                stop = epoch
                break
        elif stops and epoch - best_epoch >= patience + late:
            stop = epoch
            break
    if best_of == "all":
        best_epoch = int(np.argmin(val_losses)) + 1
    if report == "loss":
        return stop, best
    if report == "swapped":
        return best_epoch, stop
    return stop - 1 + base, best_epoch - 1 + base


def _stopping_reference(val_losses, patience):
    return _stopping(val_losses, patience)


@st.composite
def _stopping_cases(draw):
    # Losses on a coarse grid, so that ties and plateaus are common.
    losses = draw(st.lists(st.integers(1, 12), min_size=1, max_size=16))
    patience = draw(st.integers(1, 5))
    return Case(([v / 10 for v in losses], patience))


check_early_stopping = Exercise(
    "Early stopping",
    _stopping_reference,
    args=("val_losses", "patience"),
    returns=("stop_epoch", "best_epoch"),
    cases=[
        Case(([0.9, 0.7, 0.6, 0.65, 0.64, 0.66, 0.7, 0.5], 3), note="a late improvement"),
        Case(([0.9, 0.7, 0.6, 0.65, 0.64, 0.66, 0.7, 0.5], 5)),
        Case(([1.0, 0.8, 0.8, 0.8, 0.9], 2), note="ties are not improvements"),
        Case(([0.5, 0.4, 0.3, 0.2], 1), note="it never stops"),
        Case(([0.5], 3)),
        Case(([0.6, 0.5, 0.55, 0.52, 0.51, 0.58, 0.6], 2),
             note="the loss falls again, but not below its best"),
        Case(([0.5, 0.49995, 0.6, 0.6], 2), note="an improvement smaller than 1e-4 counts"),
        Case(([0.9, 0.8, 0.85, 0.86, 0.7], 2),
             note="a new lowest loss right after the stop is never seen"),
    ],
    strategy=_stopping_cases(),
    hints=[
        Hint("epochs count from 1: the first entry of val_losses is epoch 1.",
             like=lambda v, p: _stopping(v, p, base=0)),
        Hint("the pair is the wrong way round: return (stop_epoch, best_epoch).",
             like=lambda v, p: _stopping(v, p, report="swapped")),
        Hint("best_epoch should be the epoch number, not its loss.",
             like=lambda v, p: _stopping(v, p, report="loss")),
        Hint("on a tie keep the first epoch: an equal loss is no improvement.",
             like=lambda v, p: _stopping(v, p, ties="last")),
        Hint("count the epochs since the best loss so far, not since the loss last went "
             "down: a loss that falls but stays above the best is no improvement.",
             like=lambda v, p: _stopping(v, p, count="since rise")),
        Hint("one epoch too late: stop at the first epoch e with e − best_epoch = patience.",
             like=lambda v, p: _stopping(v, p, late=1)),
        Hint("one epoch too early: stop at the first epoch e with e − best_epoch = patience.",
             like=lambda v, p: _stopping(v, p, late=-1)),
        Hint("training never stops: stop once `patience` epochs have passed without a new "
             "lowest loss.", like=lambda v, p: _stopping(v, p, stops=False)),
        Hint("best_epoch must come from the epochs before the stop: the ones after it are "
             "never trained.", like=lambda v, p: _stopping(v, p, best_of="all")),
    ],
)


# ----------------------------------------------------------------------------- weight decay

def _decay(W, grad, velocity, lr, momentum, weight_decay, *, penalty="l2", factor=1.0,
           in_velocity=True, shrink="before", keep_momentum=True, step="new velocity",
           return_old=False):
    """The model answer (defaults), nnkit's form G = ∂J/∂W + αW, v ← μv + G, W ← W − ηv,
    or one slip in the decay term, in where it enters, in the momentum or in the step."""
    decay = {"l2": W, "square": W ** 2, "l1": np.sign(W), "none": 0.0 * W}[penalty]
    g = grad + factor * weight_decay * decay if in_velocity else grad
    v = (momentum * velocity if keep_momentum else 0.0) + g
    direction = {"new velocity": v, "old velocity": velocity, "gradient": g,
                 "look-ahead": g + momentum * v}[step]
    W_new = W - lr * direction
    if not in_velocity:
        W_new = (W_new - lr * weight_decay * W if shrink == "before"
                 else W_new * (1 - lr * weight_decay) if shrink == "after"
                 else W_new - weight_decay * W)
    return W_new, (velocity if return_old else v)


def _decay_reference(W, grad, velocity, lr, momentum, weight_decay):
    return _decay(W, grad, velocity, lr, momentum, weight_decay)


def _other_form(form):
    """Momentum written another way: the other common velocity form (v ← μv − ηG,
    W ← W + v), η inside the velocity (v ← μv + ηG, W ← W − v), or a moving average of
    the gradients (v ← μv + (1 − μ)G, W ← W − ηv)."""
    def step(W, grad, velocity, lr, momentum, weight_decay):
        g = grad + weight_decay * W
        if form == "velocity":
            v = momentum * velocity - lr * g
            return W + v, v
        if form == "lr inside":
            v = momentum * velocity + lr * g
            return W - v, v
        v = momentum * velocity + (1 - momentum) * g
        return W - lr * v, v
    return step


@st.composite
def _decay_cases(draw):
    shape = draw(st.sampled_from([(2,), (3,), (2, 3)]))
    gen = as_rng(draw(st.integers(0, 10_000)))
    lr = draw(st.sampled_from([0.01, 0.1, 0.5]))
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
    decay = draw(st.sampled_from([0.0, 1e-3, 0.1, 0.5]))
    return Case((gen.normal(size=shape), gen.normal(size=shape), gen.normal(size=shape),
                 lr, momentum, decay))


def _like(**slip):
    return lambda *args: _decay(*args, **slip)


check_decay_step = Exercise(
    "SGD with momentum and weight decay",
    _decay_reference,
    args=("W", "grad", "velocity", "lr", "momentum", "weight_decay"),
    returns=("W_new", "velocity_new"),
    cases=[
        Case((np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), 0.1, 0.0, 0.5),
             note="no gradient, no velocity: only the decay acts"),
        Case((np.array([2.0, -1.0, 4.0]), np.array([0.3, 0.3, -0.2]), np.zeros(3), 0.1, 0.0,
              0.01)),
        Case((np.array([2.0, -1.0]), np.array([0.3, -0.2]), np.array([0.1, 0.05]), 0.05, 0.9,
              0.0), note="no decay: plain momentum"),
        Case((np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.1, 0.2], [-0.3, 0.0]]),
              np.array([[0.05, 0.0], [0.1, -0.2]]), 0.2, 0.5, 0.1)),
    ],
    strategy=_decay_cases(),
    rtol=1e-9,
    atol=1e-12,
    hints=[
        Hint("the decay term has the wrong sign: the penalty (α/2)‖W‖² has gradient +αW, "
             "which pulls W towards 0.", like=_like(factor=-1.0)),
        Hint("the decay term is halved: the gradient of (α/2)‖W‖² is αW.",
             like=_like(factor=0.5)),
        Hint("the decay term is doubled: the gradient of (α/2)‖W‖² is αW, not 2αW.",
             like=_like(factor=2.0)),
        Hint("there is no weight decay: add αW to the gradient.", like=_like(penalty="none")),
        Hint("the decay term is αW², but the gradient of (α/2)‖W‖² is αW.",
             like=_like(penalty="square")),
        Hint("α·sign(W) is the gradient of an L1 penalty; weight decay (L2) adds αW.",
             like=_like(penalty="l1")),
        Hint("the decay −αW is applied without the learning rate: add αW to the gradient, "
             "then step with η.", like=_like(in_velocity=False, shrink="unscaled")),
        Hint("the weights are shrunk after the step; the decay uses the current W and enters "
             "the gradient before the step.", like=_like(in_velocity=False, shrink="after")),
        Hint("the decay is applied to W but left out of the velocity; add αW to the gradient, "
             "so that the momentum carries it too.", like=_like(in_velocity=False)),
        Hint("the momentum term μ·velocity is missing from the new velocity.",
             like=_like(keep_momentum=False)),
        Hint("the velocity you return is the old one: return the updated velocity too.",
             like=_like(return_old=True)),
        Hint("the step uses the old velocity: first v ← μv + G, then W ← W − ηv with the "
             "new v.", like=_like(step="old velocity")),
        Hint("the step uses the gradient G alone: with momentum W moves by the new velocity, "
             "W ← W − ηv.", like=_like(step="gradient")),
        Hint("that is Nesterov's look-ahead step, W ← W − η(G + μv) with the new v "
             "(nk.SGD(..., nesterov=True)); plain momentum steps by the new velocity, W ← W − ηv.",
             like=_like(step="look-ahead")),
        Hint("that is the other common form of momentum, v ← μv − ηG and W ← W + v. nnkit "
             "uses PyTorch's form, v ← μv + G and then W ← W − ηv: the velocity sums "
             "gradients and η enters only the step. The two velocities differ by the factor "
             "−η, so from the same velocity the two forms take different steps.",
             like=_other_form("velocity")),
        Hint("η is inside the velocity (v ← μv + ηG, W ← W − v); in nnkit's form the velocity "
             "sums the gradients alone, v ← μv + G, and η enters only the step W ← W − ηv.",
             like=_other_form("lr inside")),
        Hint("that is a moving average, μv + (1 − μ)G; momentum adds the whole gradient, "
             "v ← μv + G.", like=_other_form("average")),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises

def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "selection": Quiz(
            "24 settings are tried on data whose labels are coin flips, and the one with the "
            "best accuracy on a 50-point test set is kept. What does that test set report for "
            "the winner?",
            [
                Option("About 50 %, because the labels are random", False,
                       "Each setting's expected test accuracy is 50 %, but each measured one is "
                       "50 % plus noise of about ±7 points on 50 samples; the best of 24 noisy "
                       "numbers sits well above their mean."),
                Option("Clearly more than 50 %", True,
                       "Choosing the maximum of 24 noisy scores selects the luckiest one; on "
                       "fresh data the luck is gone. That is why the test set is looked at "
                       "once."),
                Option("Less than 50 %", False,
                       "Some settings do score below 50 %, but the one kept is the one that "
                       "scored highest."),
            ],
        ),
        "gap": Quiz(
            "A network with two hidden layers of 64 units is trained on only 20 noisy points "
            "for 200 epochs of full-batch gradient descent (with momentum). What do you "
            "expect of its validation loss?",
            [
                Option("It falls with the training loss all the way", False,
                       "The training loss can be driven to almost zero by memorising 20 "
                       "points; nothing forces the validation loss to follow."),
                Option("It falls at first, then rises while the training loss keeps falling",
                       True,
                       "Early on the network learns the broad shape that every point shares; "
                       "then it bends its boundary around individual noisy points, which "
                       "helps on those 20 and hurts everywhere else."),
                Option("It stays at ln 2, the loss of a coin flip", False,
                       "The network does learn something: the rough shape of the two moons is "
                       "found within a few epochs, so the validation loss first drops below "
                       "ln 2."),
            ],
        ),
        "curvature": Quiz(
            "Gradient descent on a least-squares loss whose Hessian has condition number κ, "
            "with the learning rate 1/λ_max. Roughly how many steps does the flattest "
            "direction need to shrink its error by a factor e ≈ 2.7?",
            [
                Option("About 1, whatever κ is", False,
                       "Only the steepest direction converges that fast; the step that keeps "
                       "it stable is far too small for the flattest one."),
                Option("About κ steps", True,
                       "With η = 1/λ_max the flattest direction shrinks by 1 − λ_min/λ_max = "
                       "1 − 1/κ per step, and (1 − 1/κ)^κ ≈ 1/e."),
                Option("About log κ steps", False,
                       "Plain gradient descent needs a number of steps proportional to κ; "
                       "methods such as conjugate gradients need about √κ, none of them "
                       "log κ."),
            ],
        ),
        "dropout": Quiz(
            "A Dropout layer with p = 0.5 (inverted dropout) receives the activations "
            "[2, 4, 6] in evaluation mode. What does it return?",
            [
                Option("[2, 4, 6]", True,
                       "In evaluation mode inverted dropout is the identity: the 1/(1 − p) "
                       "scaling during training already made the expected activation equal "
                       "to the input."),
                Option("[1, 2, 3]", False,
                       "Scaling by 1 − p at test time is what the original dropout did; "
                       "inverted dropout scales by 1/(1 − p) during training instead, so "
                       "evaluation needs no change."),
                Option("About half of them set to 0, the others doubled", False,
                       "That is training mode. Evaluation is deterministic: every unit takes "
                       "part."),
            ],
        ),
    }
