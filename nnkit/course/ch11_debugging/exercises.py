"""Checked and thinking exercises of chapter 11, "When training goes wrong".

=================================  ================================================================
checker                            the student writes
=================================  ================================================================
:data:`check_first_nonfinite`      ``first_nonfinite(outputs)``: the index of the first array in
                                   the list (the layers' outputs in forward order) holding a NaN,
                                   +inf or −inf; None if every value is finite
:data:`check_dead_units`           ``dead_units(A)``: for ReLU outputs A (samples × units), the
                                   indices of the units that output 0 for every sample, as a
                                   NumPy array in increasing order
=================================  ================================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
:func:`quizzes` builds the chapter's diagnosis questions: which bug is behind the
monitors of a mystery run.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import strategies as st

from nnkit.course.checking import Case, Exercise, Hint
from nnkit.course.quiz import Option, Quiz

__all__ = ["check_dead_units", "check_first_nonfinite", "quizzes"]


# ----------------------------------------------------------------------------- first non-finite

def _first(outputs, bad):
    """The index of the first output where ``bad(array)`` holds, else None."""
    for i, a in enumerate(outputs):
        if bad(np.asarray(a, dtype=np.float64)):
            return i
    return None


def _first_reference(outputs):
    return _first(outputs, lambda a: not np.isfinite(a).all())


def _same_index(got, expected) -> bool:
    if expected is None:
        return got is None
    return (isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_))
            and int(got) == expected)


_SPECIALS = (np.nan, np.inf, -np.inf)


@st.composite
def _output_lists(draw):
    n_layers = draw(st.integers(0, 5))
    outputs = []
    for _ in range(n_layers):
        shape = draw(st.sampled_from([(1,), (3,), (2, 3), (4, 2)]))
        a = draw(st.lists(st.floats(-1e3, 1e3), min_size=int(np.prod(shape)),
                          max_size=int(np.prod(shape))))
        a = np.array(a).reshape(shape)
        if draw(st.integers(0, 3)) == 0:
            a.flat[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from(_SPECIALS))
        outputs.append(a)
    return Case((outputs,))


# Wrong tests and answers the hints recognise.
def _has_nan_or_plus_inf(a):
    return bool((a == np.inf).any() or np.isnan(a).any())


def _beyond_threshold(a):
    return not (np.abs(a) < 1e6).all()


def _first_value_bad(a):
    return a.size > 0 and not np.isfinite(a.flat[0])


def _last_reference(outputs):
    bad = [i for i, a in enumerate(outputs) if not np.isfinite(np.asarray(a, float)).all()]
    return bad[-1] if bad else None


def _one_based(outputs):
    found = _first_reference(outputs)
    return None if found is None else found + 1


def _acts_like(wrong):
    """A hint's test: the student returned what the wrong function ``wrong`` returns (the
    answers compared as indices, so that None and 0 stay apart)."""
    return lambda call: _same_index(call.got, wrong(*copy.deepcopy(call.case.args)))


def _when_returns(value):
    return lambda call: call.expected is None and _same_index(call.got, value)


check_first_nonfinite = Exercise(
    "The first layer with a NaN or inf",
    _first_reference,
    args=("outputs",),
    same=_same_index,
    cases=[
        Case(([np.array([1.0, 2.0])],), note="every value finite"),
        Case(([np.array([[0.5, np.nan]])],)),
        Case(([np.array([1.0]), np.array([2.0, np.inf]), np.array([np.nan])],),
             note="the NaN of layer 2 follows the inf of layer 1"),
        Case(([np.array([3.0, -2.0]), np.array([[1.0], [-np.inf]])],), note="−inf counts too"),
        Case(([np.array([1, 2, 3]), np.array([0, 5])],), note="integer outputs"),
        Case(([[1.0, 2.0], [float("nan"), 0.0]],), note="plain lists"),
        Case(([np.array([1e308, 1e308]), np.array([np.inf])],),
             note="1e308 is finite, though the sum of the two overflows"),
        Case(([np.array([np.nan, 1.0]), np.array([1.0])],), note="the NaN is in layer 0"),
        Case(([],), note="no layers"),
        Case(([np.float64(2.0), np.float64(np.nan)],), note="single numbers"),
        Case(([np.array([1.0, -5.0]), np.array([2.0, 1e7])],),
             note="a large value is not a NaN or inf"),
    ],
    strategy=_output_lists(),
    hints=[
        Hint("−inf is non-finite too: test every value with np.isfinite.",
             when=_acts_like(lambda outputs: _first(outputs, _has_nan_or_plus_inf))),
        Hint("NaN is not the only non-finite value: +inf and −inf count too (np.isfinite "
             "tells all three apart from numbers).",
             when=_acts_like(lambda outputs: _first(outputs, lambda a: np.isnan(a).any()))),
        Hint("a NaN is non-finite too, not only ±inf: use np.isfinite.",
             when=_acts_like(lambda outputs: _first(outputs, lambda a: np.isinf(a).any()))),
        Hint("the forward pass runs from index 0 up: return the first such layer, not the last.",
             when=_acts_like(_last_reference)),
        Hint("indices count from 0: the first array of the list is layer 0.",
             when=_acts_like(_one_based)),
        Hint("a sum overflows to inf when the values are merely large: test every value "
             "with np.isfinite, not their sum.",
             when=_acts_like(lambda outputs: _first(outputs, lambda a: not np.isfinite(a.sum())))),
        Hint("a large value is not a NaN or inf: test with np.isfinite, not a threshold.",
             when=_acts_like(lambda outputs: _first(outputs, _beyond_threshold))),
        Hint("look at every value of each array, not only its first.",
             when=_acts_like(lambda outputs: _first(outputs, _first_value_bad))),
        Hint("when every value is finite, return None (not −1: −1 is a valid index in Python, "
             "the last layer).", when=_when_returns(-1)),
        Hint("when every value is finite, return None, not the number of layers.",
             when=lambda call: call.expected is None and call.got is not None
             and _same_index(call.got, len(call.case.args[0]))),
        Hint("when every value is finite, return None, not False (False == 0 in Python, "
             "layer 0).", when=lambda call: call.expected is None and call.got is False),
    ],
)


# ----------------------------------------------------------------------------- dead units

def _dead_reference(A):
    return np.flatnonzero((np.asarray(A) == 0).all(axis=0))


@st.composite
def _relu_outputs(draw):
    n = draw(st.integers(1, 6))
    units = draw(st.integers(1, 6))
    values = draw(st.lists(st.sampled_from([0.0, 0.0, 0.0, 1e-300, 1e-3, 0.5, 2.0, 7.0]),
                           min_size=n * units, max_size=n * units))
    return Case((np.array(values).reshape(n, units),))


check_dead_units = Exercise(
    "Dead units",
    _dead_reference,
    args=("A",),
    cases=[
        Case((np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]]),),
             note="unit 2 is 0 for one sample only: alive"),
        Case((np.array([[0.0, 0.5]]),), note="one sample"),
        Case((np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.1]]),), note="no unit dead"),
        Case((np.zeros((3, 4)),), note="every unit dead"),
        Case((np.array([[0, 3, 0], [0, 0, 1], [0, 1, 0]]),), note="integer outputs"),
        Case((np.array([[0.0, 1e-300, 0.0], [0.0, 0.0, 1e-3]]),),
             note="1e-300 is small but not 0: that unit still learns"),
        Case((np.array([[0.0], [0.0], [2.0], [0.0]]),), note="one unit, alive for one sample"),
        Case((np.array([[0.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 5.0]], dtype=np.float32),),
             note="float32"),
        Case((np.array([[0.0, np.inf], [0.0, 0.0]]),), note="an overflowing unit is alive"),
        Case((np.array([[0.0, 5e-324], [0.0, 0.0]]),),
             note="5e-324, the smallest positive float, is not 0 either"),
    ],
    strategy=_relu_outputs(),
    hints=[
        Hint("a unit is dead only if it is 0 for *every* sample: use .all(axis=0), not .any.",
             like=lambda A: np.flatnonzero((np.asarray(A) == 0).any(axis=0))),
        Hint("rows are samples and columns are units: reduce over axis 0.",
             like=lambda A: np.flatnonzero((np.asarray(A) == 0).all(axis=1))),
        Hint("return the indices of the dead units (np.flatnonzero of the mask), not the mask.",
             like=lambda A: (np.asarray(A) == 0).all(axis=0)),
        Hint("return the indices of the dead units, not how many there are.",
             like=lambda A: int((np.asarray(A) == 0).all(axis=0).sum())),
        Hint("return the indices of the dead units, not their fraction.",
             like=lambda A: float((np.asarray(A) == 0).all(axis=0).mean())),
        Hint("one sample is not enough evidence: a unit is dead when it is 0 for every sample, "
             "not just the first.", like=lambda A: np.flatnonzero(np.asarray(A)[0] == 0)),
        Hint("a tiny positive output is not 0: the unit still passes a gradient. Compare with "
             "0 exactly.", like=lambda A: np.flatnonzero((np.asarray(A) < 1e-3).all(axis=0))),
        Hint("indices count from 0: the first column is unit 0.",
             like=lambda A: np.flatnonzero((np.asarray(A) == 0).all(axis=0)) + 1),
        Hint("those are the live units; return the dead ones, 0 for every sample.",
             like=lambda A: np.flatnonzero(~(np.asarray(A) == 0).all(axis=0))),
    ],
)


# ----------------------------------------------------------------------------- diagnosis

def quizzes() -> dict[str, Quiz]:
    """The chapter's diagnosis questions: the monitors of a mystery run (and its printed
    loss at initialisation) are shown just before each; the student names the bug."""
    return {
        "flat zero": Quiz(
            "Mystery run A: read its four panels and its loss at initialisation. Which bug?",
            [
                Option("Dead ReLUs", True,
                       "The dead fraction is 1 already at epoch 0, before any step. A ReLU "
                       "that outputs 0 for every input passes back exactly 0, so no weight "
                       "matrix gets a gradient (every norm is marked ▼, exactly 0) and the "
                       "weights never move. Only the output layer's biases, which need no "
                       "input, still learn: that is why the loss still moves a little."),
                Option("A learning rate far too high", False,
                       "A rate far too high can kill ReLUs too (mystery C), but only through "
                       "its first huge steps: the units are alive at epoch 0 and the update "
                       "ratios of epoch 1 are far above 1e-3. Here they were dead before "
                       "the first step and no weight ever moved."),
                Option("A vanishing gradient in a deep sigmoid net", False,
                       "A vanishing gradient is small, not exactly 0, and it shrinks layer by "
                       "layer; here every weight gradient is exactly 0 from the first epoch."),
                Option("Labels shuffled apart from their inputs", False,
                       "With shuffled labels the network still receives gradients and "
                       "updates its weights; it just finds nothing to learn."),
            ],
            label="Your diagnosis",
        ),
        "spread": Quiz(
            "Mystery run B: read its four panels and its loss at initialisation. Which bug?",
            [
                Option("A vanishing gradient in a deep sigmoid net", True,
                       "The gradient norms fan out over orders of magnitude, each layer's "
                       "smaller than the next one's, smallest at the first: each sigmoid layer "
                       "multiplies the backward signal by σ'(z) ≤ 1/4 (and by a weight "
                       "matrix). The units are not flat, the steps of the last layers are "
                       "near 1e-3, and yet the loss stays near ln C."),
                Option("Unscaled inputs", False,
                       "Unscaled inputs start the loss at more than 10 ln C and make the "
                       "update ratios of epoch 1 huge in every layer; this run starts below "
                       "2 ln C, and its first layer's steps are tiny."),
                Option("Softmax applied before the loss", False,
                       "A double softmax puts a floor under the loss at about 0.55 but lets "
                       "the network learn; this loss stays near ln C ≈ 1.10, and a floor does "
                       "not make the gradients shrink from layer to layer."),
                Option("Dead ReLUs", False,
                       "Dead ReLUs give gradients of exactly 0 and a dead fraction of 1; "
                       "here no unit is dead and every gradient is above 0."),
            ],
            label="Your diagnosis",
        ),
        "huge steps": Quiz(
            "Mystery run C: read its four panels and its loss at initialisation. Which bug?",
            [
                Option("A learning rate far too high", True,
                       "The loss at initialisation is normal, so data and model start well. "
                       "In epoch 1 the update ratios are far above 0.1 — steps about as large "
                       "as the weights — and the loss jumps above where it began. Those steps "
                       "knock the ReLUs dead: almost none was dead at epoch 0, almost all are "
                       "after epoch 1, and from epoch 2 every gradient is exactly 0 (the "
                       "weights coast on their momentum, each step 0.9 times the one before, "
                       "so the update ratios fall to nothing)."),
                Option("Dead ReLUs", False,
                       "The units do end dead, but they were alive at epoch 0: the first "
                       "epoch killed them. A bad initialisation kills them before any step "
                       "(mystery A), and then no weight ever moves."),
                Option("Unscaled inputs", False,
                       "That run ends the same way, but its loss at initialisation is far "
                       "above ln C, many times 1.1; this one starts near ln C."),
                Option("Labels shuffled apart from their inputs", False,
                       "Shuffled labels leave the steps near 1e-3 and the units alive; the "
                       "loss just stays near ln C."),
            ],
            label="Your diagnosis",
        ),
        "healthy but blind": Quiz(
            "Mystery run D: read its four panels and its loss at initialisation. Which bug?",
            [
                Option("Labels shuffled apart from their inputs", True,
                       "Everything inside the network works: steps near 1e-3, units alive, "
                       "gradients that reach the first layer. The loss stays near ln C "
                       "because there is no relation between inputs and labels to learn "
                       "(the gallery prints how close it ends to the input-independent "
                       "baseline)."),
                Option("Dead ReLUs", False,
                       "Dead ReLUs show a dead fraction of 1 and gradients of exactly 0; "
                       "here the units are alive and the weights move."),
                Option("A forgotten eval() with dropout", False,
                       "A forgotten eval() spoils evaluation by hand only; fit evaluates in "
                       "evaluation mode, and the training itself learns normally."),
                Option("A learning rate far too high", False,
                       "That shows as update ratios far above 0.1 in epoch 1 and a loss that "
                       "jumps above where it began; these ratios stay near 1e-3."),
            ],
            label="Your diagnosis",
        ),
    }
