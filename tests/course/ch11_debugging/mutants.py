"""Chapter 11's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws).
The mutants are written here, apart from the checkers' own hint functions."""

import math

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch11_debugging import exercises

# ----------------------------------------------------------------------------- first non-finite


def nonfinite_mutant(kind):
    def answer(outputs):
        found = []
        for i, out in enumerate(outputs):
            a = np.array(out, dtype=float)
            if kind == "nan only":
                bad = bool(np.isnan(a).any())
            elif kind == "inf only":
                bad = bool(np.isinf(a).any())
            elif kind == "plus inf":
                bad = bool(np.any(a == math.inf)) or bool(np.any(a != a))
            elif kind == "sum":
                bad = not math.isfinite(float(np.sum(a)))
            elif kind == "max":
                bad = a.size > 0 and not math.isfinite(float(np.max(a)))
            elif kind == "threshold":
                bad = bool(np.any(~(np.abs(a) < 1e6)))
            elif kind == "first value":
                bad = a.size > 0 and not math.isfinite(float(a.ravel()[0]))
            else:
                bad = not np.all(np.isfinite(a))
            if bad:
                found.append(i)
        if kind == "last":
            return found[-1] if found else None
        if kind == "one based":
            return found[0] + 1 if found else None
        if kind == "minus one":
            return found[0] if found else -1
        if kind == "count":
            return found[0] if found else len(outputs)
        if kind == "false":
            return found[0] if found else False
        if kind == "list":
            return found
        return found[0] if found else None
    return answer


NONFINITE = [
    Mutant("NaN only", nonfinite_mutant("nan only"), "hint", "+inf and −inf count too"),
    Mutant("inf only", nonfinite_mutant("inf only"), "hint", "a NaN is non-finite too"),
    Mutant("+inf and NaN", nonfinite_mutant("plus inf"), "hint", "−inf is non-finite too"),
    Mutant("the last", nonfinite_mutant("last"), "hint", "not the last"),
    Mutant("1-based", nonfinite_mutant("one based"), "hint", "count from 0"),
    Mutant("the sum", nonfinite_mutant("sum"), "hint", "not their sum"),
    Mutant("the max", nonfinite_mutant("max"), "hint", "−inf is non-finite too"),
    Mutant("a threshold", nonfinite_mutant("threshold"), "hint", "not a threshold"),
    Mutant("first value only", nonfinite_mutant("first value"), "hint", "not only its first"),
    Mutant("-1 when finite", nonfinite_mutant("minus one"), "hint", "not −1"),
    Mutant("len when finite", nonfinite_mutant("count"), "hint", "not the number of layers"),
    Mutant("False when finite", nonfinite_mutant("false"), "hint", "not False"),
    Mutant("every index", nonfinite_mutant("list"), "counterexample", "expected"),
]


def nonfinite_by_comprehension(outputs):
    bad = [i for i, a in enumerate(outputs) if not np.isfinite(np.asarray(a, float)).all()]
    return bad[0] if bad else None


def nonfinite_numpy_int(outputs):
    flags = [bool(np.all(np.isfinite(np.asarray(a, dtype=float)))) for a in outputs]
    return np.int64(flags.index(False)) if False in flags else None


# ----------------------------------------------------------------------------- dead units


def dead_mutant(kind):
    def answer(A):
        A = np.asarray(A)
        zero = A == 0
        if kind == "any":
            mask = zero.any(axis=0)
        elif kind == "rows":
            mask = zero.all(axis=1)
        elif kind == "first sample":
            mask = zero[0]
        elif kind == "near zero":
            mask = (A < 1e-3).all(axis=0)
        elif kind == "alive":
            mask = ~zero.all(axis=0)
        elif kind == "mean close":
            mask = np.isclose(A.mean(axis=0), 0.0)
        elif kind == "max below":
            mask = A.max(axis=0) < 1e-6
        elif kind == "below 1e-300":
            mask = (A < 1e-300).all(axis=0)
        else:
            mask = zero.all(axis=0)
        if kind == "mask":
            return mask
        if kind == "count":
            return int(mask.sum())
        if kind == "fraction":
            return float(mask.mean())
        if kind == "one based":
            return np.flatnonzero(mask) + 1
        if kind == "list":
            return [int(i) for i in np.flatnonzero(mask)]
        return np.flatnonzero(mask)
    return answer


DEAD = [
    Mutant("any sample", dead_mutant("any"), "hint", "for *every* sample"),
    Mutant("over units", dead_mutant("rows"), "hint", "reduce over axis 0"),
    Mutant("the mask", dead_mutant("mask"), "hint", "not the mask"),
    Mutant("the count", dead_mutant("count"), "hint", "not how many"),
    Mutant("the fraction", dead_mutant("fraction"), "hint", "not their fraction"),
    Mutant("first sample", dead_mutant("first sample"), "hint", "not just the first"),
    Mutant("near zero", dead_mutant("near zero"), "hint", "tiny positive output"),
    Mutant("1-based", dead_mutant("one based"), "hint", "count from 0"),
    Mutant("the live units", dead_mutant("alive"), "hint", "those are the live units"),
    Mutant("mean close to 0", dead_mutant("mean close"), "hint", "tiny positive output"),
    Mutant("max below 1e-6", dead_mutant("max below"), "hint", "tiny positive output"),
    Mutant("below 1e-300", dead_mutant("below 1e-300"), "form", "is not 0 either"),
    Mutant("a list", dead_mutant("list"), "form", "list"),
]


def dead_by_max(A):
    return np.where(np.asarray(A).max(axis=0) == 0)[0]


def dead_by_any(A):
    return np.flatnonzero(~np.asarray(A).astype(bool).any(axis=0))


def dead_by_loop(A):
    A = np.asarray(A)
    return np.array([j for j in range(A.shape[1]) if not np.any(A[:, j])], dtype=int)


BANKS = [
    Bank(exercises.check_first_nonfinite, NONFINITE,
         {"comprehension": nonfinite_by_comprehension, "NumPy integer": nonfinite_numpy_int}),
    Bank(exercises.check_dead_units, DEAD,
         {"column max": dead_by_max, "not any": dead_by_any, "a loop": dead_by_loop}),
]
