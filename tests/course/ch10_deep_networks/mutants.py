"""Chapter 10's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws).
The mutants are written here, apart from the checkers' own hint functions."""

import numpy as np
from mutant_bank import Bank, Mutant

import nnkit as nk
from nnkit.course.ch10_deep_networks import exercises

EPS, M = 1e-5, 0.1

# ------------------------------------------------------------------------- batch norm, forward


def forward_mutant(kind):
    def answer(X, gamma, beta, running_mean, running_var, training):
        X = np.asarray(X, dtype=float)
        n = len(X)
        if training and n < 2 and kind != "no error":
            raise ValueError("need two samples")
        if training or kind == "batch stats in eval":
            mean, var = X.mean(axis=0), X.var(axis=0)
        else:
            mean, var = running_mean, running_var
        if kind == "running stats in training" and training:
            mean, var = running_mean, running_var
        if kind == "n - 1 in normalisation" and training:
            var = X.var(axis=0, ddof=1)
        if kind == "per sample" and training:
            mean, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
        denominator = np.sqrt(var + EPS)
        if kind == "eps outside":
            denominator = np.sqrt(var) + EPS
        elif kind == "no eps":
            denominator = np.sqrt(var)
        elif kind == "variance":
            denominator = var + EPS
        Y = gamma * (X - mean) / denominator + beta
        if kind == "gamma and beta swapped":
            Y = beta * (X - mean) / denominator + gamma
        if kind == "no beta":
            Y = gamma * (X - mean) / denominator
        new_mean, new_var = running_mean, running_var
        if training or kind == "update in eval":
            unbiased = X.var(axis=0) * n / max(n - 1, 1)
            if kind == "biased running variance":
                unbiased = X.var(axis=0)
            keep = 0.9 if kind != "momentum swapped" else 0.1
            new_mean = keep * running_mean + (1 - keep) * X.mean(axis=0)
            new_var = keep * running_var + (1 - keep) * unbiased
            if kind == "in place":
                running_mean += new_mean - running_mean
                new_mean = running_mean
        return Y, new_mean, new_var
    return answer


FORWARD = [
    Mutant("no error on a batch of one", forward_mutant("no error"), "hint", "must raise"),
    Mutant("batch statistics in evaluation", forward_mutant("batch stats in eval"), "hint",
           "evaluation mode use the running"),
    Mutant("running statistics in training", forward_mutant("running stats in training"),
           "hint", "training mode normalise with the batch"),
    Mutant("n − 1 in the normalisation", forward_mutant("n - 1 in normalisation"), "hint",
           "divides by n"),
    Mutant("statistics per sample", forward_mutant("per sample"), "hint", "layer normalisation"),
    Mutant("ε outside the root", forward_mutant("eps outside"), "hint", "under the square root"),
    Mutant("no ε", forward_mutant("no eps"), "hint", "ε is missing"),
    Mutant("divided by the variance", forward_mutant("variance"), "hint", "standard deviation"),
    Mutant("γ and β swapped", forward_mutant("gamma and beta swapped"), "counterexample",
           "expected"),
    Mutant("no β", forward_mutant("no beta"), "hint", "shift β is missing"),
    Mutant("running statistics moved in evaluation", forward_mutant("update in eval"), "hint",
           "only training updates them"),
    Mutant("biased running variance", forward_mutant("biased running variance"), "hint",
           "unbiased"),
    Mutant("momentum the wrong way round", forward_mutant("momentum swapped"), "hint",
           "weight of the *new* batch"),
    Mutant("running mean changed in place", forward_mutant("in place"), "mutated",
           "running_mean"),
]


def forward_with_nnkit(X, gamma, beta, running_mean, running_var, training):
    layer = nk.BatchNorm(len(gamma), eps=EPS, momentum=M)
    layer.gamma.value, layer.beta.value = np.array(gamma), np.array(beta)
    layer.running_mean, layer.running_var = running_mean.copy(), running_var.copy()
    Y = layer.train(training)(X)
    return Y, layer.running_mean, layer.running_var


def forward_by_moments(X, gamma, beta, running_mean, running_var, training):
    X = np.asarray(X, dtype=float)
    n = len(X)
    if not training:
        return (gamma * (X - running_mean) / np.sqrt(running_var + EPS) + beta,
                running_mean, running_var)
    if n == 1:
        raise ValueError("batch of one")
    mean = X.sum(axis=0) / n
    var = (X ** 2).sum(axis=0) / n - mean ** 2   # E[x²] − μ²
    var = np.maximum(var, 0.0)
    Y = gamma * (X - mean) / np.sqrt(var + EPS) + beta
    return (Y, (1 - M) * running_mean + M * mean,
            (1 - M) * running_var + M * var * n / (n - 1))


# ------------------------------------------------------------------------- batch norm, backward


def backward_mutant(kind):
    def answer(G, X, gamma):
        X = np.asarray(X, dtype=float)
        n = len(X)
        mean, var = X.mean(axis=0), X.var(axis=0, ddof=1 if kind == "n - 1" else 0)
        std = np.sqrt(var + EPS)
        X_hat = (X - mean) / std
        D = G * gamma if kind != "no gamma" else G
        dX = (n * D - D.sum(axis=0) - X_hat * (D * X_hat).sum(axis=0)) / (n * std)
        if kind == "no mean term":
            dX = (n * D - X_hat * (D * X_hat).sum(axis=0)) / (n * std)
        elif kind == "no variance term":
            dX = (n * D - D.sum(axis=0)) / (n * std)
        elif kind == "eval formula":
            dX = D / std
        elif kind == "sign":
            dX = -dX
        elif kind == "divided by variance":
            dX = dX / std
        elif kind == "transposed":
            dX = dX.T
        dgamma = (G * X_hat).sum(axis=0) if kind != "dgamma plain" else G.sum(axis=0)
        dbeta = G.sum(axis=0) if kind != "dbeta mean" else G.mean(axis=0)
        if kind == "swapped":
            dgamma, dbeta = dbeta, dgamma
        return dX, dgamma, dbeta
    return answer


BACKWARD = [
    Mutant("no gradient through the mean", backward_mutant("no mean term"), "hint",
           "through the mean"),
    Mutant("no gradient through the variance", backward_mutant("no variance term"), "hint",
           "through the variance"),
    Mutant("the evaluation-mode formula", backward_mutant("eval formula"), "hint",
           "evaluation-mode gradient"),
    Mutant("γ forgotten", backward_mutant("no gamma"), "hint", "γ is missing"),
    Mutant("dγ without X̂", backward_mutant("dgamma plain"), "hint", "Σ G ⊙ X̂"),
    Mutant("dβ the mean", backward_mutant("dbeta mean"), "hint", "not its mean"),
    Mutant("n − 1", backward_mutant("n - 1"), "hint", "n − 1"),
    Mutant("sign flipped", backward_mutant("sign"), "hint", "wrong sign"),
    Mutant("divided by σ twice", backward_mutant("divided by variance"), "counterexample",
           "expected"),
    Mutant("dγ and dβ swapped", backward_mutant("swapped"), "counterexample", "expected"),
    Mutant("dX transposed", backward_mutant("transposed"), "form", "shape"),
]


def backward_with_nnkit(G, X, gamma):
    layer = nk.BatchNorm(len(gamma), eps=EPS)
    layer.gamma.value = np.array(gamma, dtype=float)
    layer(X)
    dX = layer.backward(G)
    return dX, layer.gamma.grad, layer.beta.grad


def backward_step_by_step(G, X, gamma):
    # Through the graph node by node: X̂ = (X − μ)·s, s = (σ² + ε)^(−1/2).
    X = np.asarray(X, dtype=float)
    n = len(X)
    mu = X.mean(axis=0)
    xc = X - mu
    var = (xc ** 2).mean(axis=0)
    s = (var + EPS) ** -0.5
    X_hat = xc * s
    dX_hat = G * gamma
    ds = (dX_hat * xc).sum(axis=0)
    dvar = ds * -0.5 * (var + EPS) ** -1.5
    dxc = dX_hat * s + dvar * 2 * xc / n
    dX = dxc - dxc.mean(axis=0)
    return dX, (G * X_hat).sum(axis=0), G.sum(axis=0)


# ------------------------------------------------------------------------- clipping


def clip_mutant(kind):
    def answer(grads, max_norm):
        grads_f = [np.asarray(g, dtype=float) for g in grads]
        norm = np.sqrt(sum((g ** 2).sum() for g in grads_f))
        if kind == "no sqrt":
            norm = sum((g ** 2).sum() for g in grads_f)
        if kind == "per array":
            out = [g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) else g
                   for g in grads_f]
            return out, norm
        if kind == "by value":
            return [np.clip(g, -max_norm, max_norm) for g in grads_f], norm
        if kind == "sum of norms":
            norm = sum(np.linalg.norm(g) for g in grads_f)
        if kind == "mean":
            norm = np.sqrt(np.mean(np.concatenate([g.ravel() for g in grads_f]) ** 2))
        factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
        if kind == "always":
            factor = max_norm / norm if norm > 0 else 1.0
        if kind == "half":
            factor = min(1.0, max_norm / (2 * norm)) if norm > 0 else 1.0
        out = [g * factor for g in grads_f]
        if kind == "norm after":
            return out, np.sqrt(sum((g ** 2).sum() for g in out))
        if kind == "in place":
            for g in grads:
                g *= factor
            return grads, norm
        if kind == "not applied":
            return grads_f, norm
        return out, norm
    return answer


CLIP = [
    Mutant("each array on its own", clip_mutant("per array"), "hint", "on its own"),
    Mutant("scaled up too", clip_mutant("always"), "hint", "scaled up"),
    Mutant("sum of the norms", clip_mutant("sum of norms"), "hint", "not the sum"),
    Mutant("norm after clipping", clip_mutant("norm after"), "hint", "*before* clipping"),
    Mutant("clipped by value", clip_mutant("by value"), "counterexample", "expected"),
    Mutant("no square root", clip_mutant("no sqrt"), "counterexample", "expected"),
    Mutant("root mean square", clip_mutant("mean"), "counterexample", "expected"),
    Mutant("half of τ", clip_mutant("half"), "counterexample", "expected"),
    Mutant("changed in place", clip_mutant("in place"), "mutated", "grads"),
    Mutant("factor computed, never applied", clip_mutant("not applied"), "counterexample",
           "expected"),
]


def clip_with_nnkit(grads, max_norm):
    params = []
    for g in grads:
        p = nk.Parameter(np.zeros(np.shape(g)))
        p.grad = np.array(g, dtype=float)
        params.append(p)
    norm = nk.clip_grad_norm(params, max_norm)
    return [p.grad for p in params], norm


def clip_flat(grads, max_norm):
    flat = np.concatenate([np.ravel(g).astype(float) for g in grads])
    norm = float(np.linalg.norm(flat))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [np.asarray(g, dtype=float) * scale for g in grads], norm


BANKS = [
    Bank(exercises.check_batchnorm_forward, FORWARD,
         {"E[x²] − μ²": forward_by_moments, "nnkit's BatchNorm": forward_with_nnkit}),
    Bank(exercises.check_batchnorm_backward, BACKWARD,
         {"node by node": backward_step_by_step, "nnkit's BatchNorm": backward_with_nnkit}),
    Bank(exercises.check_clip, CLIP, {"one flat vector": clip_flat, "nnkit": clip_with_nnkit}),
]
