"""Chapter 8's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws).
The mutants are written here, apart from the checkers' own hint functions."""

import numpy as np
from mutant_bank import Bank, Mutant

import nnkit as nk
from nnkit.course.ch8_generalisation import exercises

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


SPLIT = [
    Mutant("no shuffle", split_mutant("no shuffle"), "hint", "consecutive blocks of the input"),
    Mutant("global rng", split_mutant("global rng"), "hint", "use the `rng` you are given"),
    Mutant("fresh generator", split_mutant("fresh generator"),
           "hint", "use the `rng` you are given"),
    Mutant("quarter", split_mutant("quarter"), "hint", "wrong sizes"),
    Mutant("train first", split_mutant("train first"), "hint", "dealt in another order"),
    Mutant("val is test", split_mutant("val is test"), "hint", "the same samples"),
    Mutant("all statistics", split_mutant("all statistics"),
           "hint", "statistics come from all the data"),
    Mutant("ddof 1", split_mutant("ddof 1"), "hint", "ddof=1"),
    Mutant("variance", split_mutant("variance"), "hint", "divided by the variance"),
    Mutant("all std", split_mutant("all std"),
           "hint", "standard deviation comes from all the data"),
    Mutant("all mean", split_mutant("all mean"), "hint", "mean comes from all the data"),
    Mutant("own statistics", split_mutant("own statistics"), "hint", "its own statistics"),
    Mutant("not standardised", split_mutant("not standardised"), "hint", "not standardised"),
    Mutant("centre only", split_mutant("centre only"), "hint", "centred but not scaled"),
    Mutant("divide first", split_mutant("divide first"), "hint", "subtracted after dividing"),
    Mutant("labels in input order", split_mutant("labels in input order"),
           "hint", "rows no longer match their labels"),
    Mutant("labels standardised", split_mutant("labels standardised"),
           "hint", "only X is standardised"),
    Mutant("median", split_mutant("median"), "counterexample", "wrong result on input"),
    Mutant("in place", split_mutant("in place"), "mutated", "changed its argument `X` in place"),
    Mutant("X parts first", split_mutant("X parts first"), "form", "wrong kind of result"),
    Mutant("five arrays", split_mutant("five arrays"), "form", "wrong kind of result"),
]


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


STOPPING = [
    Mutant("last tie", stopping_mutant("last tie"), "hint", "keep the first epoch"),
    Mutant("since last rise", stopping_mutant("since last rise"),
           "hint", "not since the loss last went down"),
    Mutant("patience + 1", stopping_mutant("patience + 1"), "hint", "one epoch too late"),
    Mutant("patience - 1", stopping_mutant("patience - 1"), "hint", "one epoch too early"),
    Mutant("never stops", stopping_mutant("never stops"), "hint", "training never stops"),
    Mutant("zero based", stopping_mutant("zero based"), "hint", "epochs count from 1"),
    Mutant("swapped", stopping_mutant("swapped"), "hint", "wrong way round"),
    Mutant("best of all", stopping_mutant("best of all"), "hint", "before the stop"),
    Mutant("loss not epoch", stopping_mutant("loss not epoch"), "hint", "not its loss"),
    Mutant("list", stopping_mutant("list"), "form", "wrong kind of result"),
]


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
        v_new = mu * v + g
        if kind == "no momentum":
            v_new = g
        elif kind == "decay velocity":
            v_new = mu * (1 - lam) * v + g
        elif kind == "average":
            v_new = mu * v + (1 - mu) * g
        W_new = W - lr * v_new
        if kind == "no lr":
            W_new = W - lr * v_new - lam * W
        elif kind == "after step":
            W_new = (W - lr * v_new) * (1 - lr * lam)
        elif kind == "not in velocity":
            W_new = W - lr * v_new - lr * lam * W
        elif kind == "plus":
            W_new = W + lr * v_new
        elif kind == "step before update":
            W_new = W - lr * v
        elif kind == "step by gradient":
            W_new = W - lr * g
        elif kind == "nesterov":
            W_new = W - lr * (g + mu * v_new)
        if kind == "other velocity form":
            # v ← μv − ηG, W ← W + v: what many texts and courses write.
            v_new = mu * v - lr * g
            return W + v_new, v_new
        if kind == "lr in velocity":
            v_new = mu * v + lr * g
            return W - v_new, v_new
        if kind == "old velocity":
            return W_new, v
        if kind == "single":
            return W_new
        if kind == "in place":
            W -= lr * v_new
            return W, v_new
        return W_new, v_new
    return answer


DECAY = [
    Mutant("sign", decay_mutant("sign"), "hint", "wrong sign"),
    Mutant("halved", decay_mutant("halved"), "hint", "is halved"),
    Mutant("squared", decay_mutant("squared"), "hint", "αW²"),
    Mutant("L1", decay_mutant("L1"), "hint", "L1 penalty"),
    Mutant("no decay", decay_mutant("no decay"), "hint", "there is no weight decay"),
    Mutant("no lr", decay_mutant("no lr"), "hint", "without the learning rate"),
    Mutant("after step", decay_mutant("after step"), "hint", "shrunk after the step"),
    Mutant("not in velocity", decay_mutant("not in velocity"), "hint", "left out of the velocity"),
    Mutant("no momentum", decay_mutant("no momentum"),
           "hint", "momentum term μ·velocity is missing"),
    Mutant("old velocity", decay_mutant("old velocity"), "hint", "the old one"),
    Mutant("step before update", decay_mutant("step before update"),
           "hint", "the step uses the old velocity"),
    Mutant("step by gradient", decay_mutant("step by gradient"), "hint", "the gradient G alone"),
    Mutant("nesterov", decay_mutant("nesterov"), "hint", "Nesterov's look-ahead"),
    Mutant("other velocity form", decay_mutant("other velocity form"),
           "hint", "nnkit uses PyTorch's form, v ← μv + G and then W ← W − ηv"),
    Mutant("lr in velocity", decay_mutant("lr in velocity"), "hint", "η is inside the velocity"),
    Mutant("average", decay_mutant("average"), "hint", "a moving average"),
    Mutant("plus", decay_mutant("plus"), "counterexample", "wrong result on input"),
    Mutant("decay velocity", decay_mutant("decay velocity"),
           "counterexample", "wrong result on input"),
    Mutant("single", decay_mutant("single"), "form", "wrong kind of result"),
    Mutant("in place", decay_mutant("in place"), "mutated", "changed its argument `W` in place"),
]


def split_with_nnkit(X, y, rng):
    order = rng.permutation(len(X))
    k = len(X) // 5
    val, test, train = order[:k], order[k:2 * k], order[2 * k:]
    scaler = nk.datasets.Standardizer(X[train])
    return (scaler.transform(X[train]), y[train], scaler.transform(X[val]), y[val],
            scaler.transform(X[test]), y[test])


def stopping_by_index(val_losses, patience):
    best = 0
    for i in range(len(val_losses)):
        if val_losses[i] < val_losses[best]:
            best = i
        if i - best == patience:
            return i + 1, best + 1
    return len(val_losses), best + 1


def decay_with_nnkit_sgd(W, grad, velocity, lr, momentum, weight_decay):
    # One step of nk.SGD on a Parameter whose momentum buffer starts at `velocity`.
    p = nk.Parameter(np.array(W, dtype=float))
    p.grad = np.array(grad, dtype=float)
    optimizer = nk.SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay)
    if optimizer.buffers is None:  # momentum 0 keeps no buffer: the velocity is G itself
        optimizer.step()
        return p.value, grad + weight_decay * W
    optimizer.buffers[0][...] = velocity
    optimizer.step()
    return p.value, optimizer.buffers[0]


def decay_shrink_first(W, grad, velocity, lr, momentum, weight_decay):
    v = momentum * velocity + grad + weight_decay * W
    return (1 - lr * weight_decay) * W - lr * (momentum * velocity + grad), v


def decay_through_the_other_form(W, grad, velocity, lr, momentum, weight_decay):
    # The other common form carries u = −ηv; at a constant η it takes the same steps.
    u = momentum * (-lr * velocity) - lr * (grad + weight_decay * W)
    return W + u, u / -lr


# Other ways to get early stopping wrong: rejected with a hint or a concrete counterexample.
STOPPING += [
    Mutant("stops at the end, best of all",
           lambda losses, patience: (len(losses), int(np.argmin(losses)) + 1),
           "hint", "training never stops"),
    Mutant("stops after `patience` epochs, best is the first",
           lambda losses, patience: (min(len(losses), patience), 1),
           "counterexample", "val_losses="),
    Mutant("stops at the end, best is the first", lambda losses, patience: (len(losses), 1),
           "counterexample", "val_losses="),
]



def stopping_with_tolerance(losses, patience):
    # An improvement must beat the best loss by more than 1e-4 (a common library default,
    # but not the rule the exercise states).
    best_epoch, best = 0, np.inf
    for epoch, loss in enumerate(losses, start=1):
        if loss < best - 1e-4:
            best_epoch, best = epoch, loss
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(losses), best_epoch


def stopping_peeks_ahead(losses, patience):
    # Stops only when the next epoch is no improvement either: looks one epoch past the stop.
    best_epoch, best = 0, np.inf
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best_epoch, best = epoch, loss
        if epoch - best_epoch >= patience and not (epoch < len(losses) and losses[epoch] < best):
            return epoch, best_epoch
    return len(losses), best_epoch


STOPPING += [
    Mutant("improvement needs a margin of 1e-4", stopping_with_tolerance,
           "counterexample", "val_losses="),
    Mutant("looks one epoch past the stop", stopping_peeks_ahead,
           "counterexample", "val_losses="),
]

BANKS = [
    Bank(exercises.check_split, SPLIT, {"nnkit's Standardizer": split_with_nnkit}),
    Bank(exercises.check_early_stopping, STOPPING, {"by index": stopping_by_index}),
    Bank(exercises.check_decay_step, DECAY,
         {"nk.SGD on a Parameter": decay_with_nnkit_sgd, "shrink first": decay_shrink_first,
          "through the other form": decay_through_the_other_form}),
]
