"""Every misuse raises a TypeError/ValueError/RuntimeError that names the problem."""

import numpy as np
import pytest

import nnkit as nk
from nnkit import activations, datasets, init, losses

X = np.random.default_rng(0).normal(size=(6, 2))
Y = np.array([0, 1, 2, 0, 1, 2])


def model():
    return nk.Sequential(nk.Dense(2, 4, rng=0), nk.ReLU(), nk.Dense(4, 3, rng=1))


def fit(**overrides):
    m = overrides.pop("model", None) or model()
    args = dict(X=X, y=Y, loss=nk.CrossEntropyLoss(),
                optimizer=nk.SGD(m.parameters(), lr=0.1), epochs=2)
    args.update(overrides)
    return nk.fit(m, **args)


X_NAN = X.copy()
X_NAN[2, 1] = np.nan
X_INF = X.copy()
X_INF[0, 0] = np.inf

CASES = [
    # --- data shape and content
    ("wrong number of features", lambda: model()(np.ones((3, 5))),
     ValueError, r"X has 5 features .* expects 2"),
    ("wrong rank for a layer", lambda: nk.Dense(2, 3)(np.ones(2)),
     ValueError, r"X must be a 2-D array .* got 1-D .*use x.reshape\(1, -1\)"),
    ("wrong rank for fit", lambda: fit(X=np.ones((2, 3, 2))),
     ValueError, r"X must be a 2-D array of shape \(n_samples, 2\), got 3-D"),
    ("strings in X", lambda: fit(X=np.array([["a", "b"]] * 6)),
     TypeError, r"X must contain numbers .* dtype <U1"),
    ("objects in X", lambda: model()(np.array([[None, 1]], dtype=object)),
     TypeError, r"X must contain numbers"),
    ("NaN into a layer", lambda: model()(X_NAN), ValueError, r"X contains 1 NaN or infinite"),
    ("strings into an activation", lambda: nk.ReLU()(np.array(["a", "b"])),
     TypeError, r"X must contain numbers"),
    ("objects into dropout", lambda: nk.Dropout(0.5)(np.array([None, 1], dtype=object)),
     TypeError, r"X must contain numbers"),
    ("validation features", lambda: fit(validation=(np.ones((3, 4)), Y[:3])),
     ValueError, r"validation X has 4 features .* expects 2"),
    ("a string as X", lambda: fit(X="data"), TypeError, r"X must be an array of numbers"),
    ("NaN in X", lambda: fit(X=X_NAN), ValueError, r"X contains 1 NaN or infinite"),
    ("inf in X", lambda: fit(X=X_INF), ValueError, r"X contains 1 NaN or infinite"),
    ("NaN in y", lambda: fit(y=np.array([0, 1, np.nan, 0, 1, 2])),
     ValueError, r"y contains 1 NaN or infinite"),
    ("mismatched lengths", lambda: fit(y=Y[:4]),
     ValueError, r"and y must have the same number of samples, got 6 and 4"),
    ("mismatched lengths for a regression", lambda: fit(
        model=nk.Sequential(nk.Dense(2, 1, rng=0)), loss=nk.MSELoss(), y=np.zeros(4)),
     ValueError, r"y has shape \(4,\) but the predictions have shape \(6, 1\)"),
    ("empty X", lambda: fit(X=np.ones((0, 2)), y=np.ones(0)), ValueError, r"no samples"),
    # --- labels
    ("label out of range", lambda: fit(y=np.array([0, 1, 3, 0, 1, 2])),
     ValueError, r"y contains label 3 but there are only 3 classes"),
    ("negative label", lambda: fit(y=np.array([0, -1, 2, 0, 1, 2])),
     ValueError, r"y contains negative label -1"),
    ("non-integer labels", lambda: fit(y=np.array([0, 0.5, 2, 0, 1, 2])),
     ValueError, r"y must contain integer class labels"),
    ("label out of range in the loss",
     lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, 7])),
     ValueError, r"target contains label 7 but there are only 3 classes"),
    ("labels of the wrong shape",
     lambda: losses.cross_entropy(np.zeros((2, 3)), np.zeros((2, 2), dtype=int)),
     ValueError, r"target must hold one integer label per sample"),
    ("one-hot rows not summing to 1",
     lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([[1, 1, 0], [0, 0, 1]])),
     ValueError, r"target rows must be one-hot"),
    ("1-D logits", lambda: losses.cross_entropy(np.zeros(3), [0, 1, 2]),
     ValueError, r"logits must be a 2-D array"),
    ("validation labels out of range",
     lambda: fit(validation=(X, np.array([0, 1, 5, 0, 1, 2]))),
     ValueError, r"validation y contains label 5"),
    ("accuracy labels out of range", lambda: nk.accuracy(np.zeros((2, 3)), [0, 4]),
     ValueError, r"y contains label 4 but there are only 3 classes"),
    ("accuracy length mismatch", lambda: nk.accuracy(np.zeros((2, 3)), [0, 1, 2]),
     ValueError, r"same number of samples, got 2 and 3"),
    ("one_hot label out of range", lambda: nk.one_hot([0, 3], 3),
     ValueError, r"y contains label 3 but there are only 3 classes"),
    ("perceptron labels not 0/1", lambda: nk.Perceptron(2).fit(X[:4], [0, 1, 2, 1]),
     ValueError, r"y contains label 2 but there are only 2 classes"),
    # --- probabilities
    ("BCE predictions above 1", lambda: losses.bce(np.array([0.5, 1.2]), np.array([0, 1])),
     ValueError, r"pred must be probabilities in \[0, 1\], got values from 0.5 to 1.2"),
    ("BCE targets below 0", lambda: losses.bce(np.array([0.5, 0.2]), np.array([-1, 1])),
     ValueError, r"target must be probabilities in \[0, 1\]"),
    ("BCE targets in fit", lambda: fit(
        model=nk.Sequential(nk.Dense(2, 1, rng=0), nk.Sigmoid()),
        loss=nk.BCELoss(), y=np.array([0, 1, 2, 0, 1, 0])),
     ValueError, r"y must be probabilities in \[0, 1\]"),
    ("loss shapes disagree", lambda: losses.mse(np.zeros((3, 2)), np.zeros((3, 3))),
     ValueError, r"target has shape \(3, 3\) but the predictions have shape \(3, 2\)"),
    # --- names
    ("unknown init", lambda: nk.Dense(2, 3, init="glorot"),
     ValueError, r"unknown init 'glorot'; valid choices are 'zeros', 'normal', 'xavier', 'he'"),
    ("init of the wrong type", lambda: nk.Dense(2, 3, init=3),
     TypeError, r"init must be a string"),
    ("init callable with the wrong shape",
     lambda: nk.Dense(2, 3, init=lambda shape, rng: np.zeros((2, 3))),
     ValueError, r"init callable returned shape \(2, 3\), expected \(n_out, n_in\) = \(3, 2\)"),
    ("unknown init_std scheme", lambda: init.init_std("lecun", 2, 3),
     ValueError, r"unknown init 'lecun'"),
    ("unknown activation", lambda: nk.get_activation("gelu"),
     ValueError, r"unknown activation 'gelu'; valid choices are 'step', 'identity', "
                 r"'sigmoid', 'tanh', 'relu', 'softmax'"),
    ("unknown gate", lambda: datasets.logic_gate("XNOR"),
     ValueError, r"unknown gate name 'XNOR'; valid choices are 'and', 'or', 'xor'"),
    ("unknown perceptron init", lambda: nk.Perceptron(2, init="he"),
     ValueError, r"unknown init 'he'; valid choices are 'zeros', 'normal'"),
    # --- hyper-parameters
    ("zero learning rate", lambda: nk.SGD(model().parameters(), lr=0),
     ValueError, r"lr must be positive, got 0.0"),
    ("negative learning rate", lambda: nk.SGD(model().parameters(), lr=-0.1),
     ValueError, r"lr must be positive, got -0.1"),
    ("infinite learning rate", lambda: nk.SGD(model().parameters(), lr=float("inf")),
     ValueError, r"lr must be finite, got inf"),
    ("NaN learning rate", lambda: nk.SGD(model().parameters(), lr=float("nan")),
     ValueError, r"lr must be finite, got nan"),
    ("learning rate as a string", lambda: nk.SGD(model().parameters(), lr="0.1"),
     TypeError, r"lr must be a number, got str"),
    ("learning rate set later", lambda: setattr(nk.SGD(model().parameters()), "lr", -1),
     ValueError, r"lr must be positive"),
    ("perceptron learning rate", lambda: nk.Perceptron(2, lr=0),
     ValueError, r"lr must be positive"),
    ("momentum of 1", lambda: nk.SGD(model().parameters(), momentum=1.0),
     ValueError, r"momentum must be in \[0, 1\), got 1.0"),
    ("SGD without parameters", lambda: nk.SGD([]), ValueError, r"params is empty"),
    ("SGD with arrays", lambda: nk.SGD([np.zeros(2)]),
     TypeError, r"params\[0\] must be an nnkit Parameter"),
    ("batch size zero", lambda: fit(batch_size=0),
     ValueError, r"batch_size must be at least 1, got 0"),
    ("batch size too large", lambda: fit(batch_size=7),
     ValueError, r"batch_size must be at most 6, got 7"),
    ("batch size float", lambda: fit(batch_size=2.5),
     TypeError, r"batch_size must be an int, got float 2.5"),
    ("negative epochs", lambda: fit(epochs=-1), ValueError, r"epochs must be at least 0"),
    ("epochs as a float", lambda: fit(epochs=1.5), TypeError, r"epochs must be an int"),
    ("perceptron epochs", lambda: nk.Perceptron(2).fit(X[:4], [0, 1, 1, 0], epochs=0),
     ValueError, r"epochs must be at least 1"),
    ("layer sizes", lambda: nk.Dense(0, 3), ValueError, r"n_in must be at least 1, got 0"),
    ("layer size float", lambda: nk.Dense(2, 3.0), TypeError, r"n_out must be an int"),
    ("dtype", lambda: nk.Dense(2, 3, dtype=np.int32),
     ValueError, r"dtype must be float32 or float64"),
    ("normal scale", lambda: nk.Dense(2, 3, init="normal", scale=0),
     ValueError, r"scale must be positive"),
    ("rng", lambda: nk.Dense(2, 3, rng="seed"),
     TypeError, r"rng must be None, an int seed or a numpy.random.Generator, got str"),
    ("dataset size", lambda: datasets.moons(n=1), ValueError, r"n must be at least 2"),
    ("negative noise", lambda: datasets.circles(noise=-0.1),
     ValueError, r"noise must be non-negative"),
    ("circle factor", lambda: datasets.circles(factor=1.5),
     ValueError, r"factor must be in \(0, 1\)"),
    ("test fraction", lambda: datasets.train_test_split(X, Y, test_fraction=1.0),
     ValueError, r"test_fraction must be in \(0, 1\)"),
    # --- objects of the wrong kind
    ("model that is not a layer",
     lambda: nk.fit(lambda x: x, X, Y, nk.MSELoss(), nk.SGD(model().parameters())),
     TypeError, r"model must be an nnkit Layer \(e.g. Sequential\), got function"),
    ("loss that is a class", lambda: fit(loss=nk.MSELoss),
     TypeError, r"loss must be an nnkit loss instance"),
    ("optimizer missing", lambda: fit(optimizer=None),
     TypeError, r"optimizer must have a step\(\) method"),
    ("callback not callable", lambda: fit(callbacks=[3]),
     TypeError, r"callbacks\[0\] must be a Callback .* or a function f\(epoch, model, history\)"),
    ("callback class instead of an instance", lambda: fit(callbacks=[nk.EvaluateTrain]),
     TypeError, r"callbacks\[0\] must be a Callback"),
    ("callbacks not a list", lambda: fit(callbacks=nk.EvaluateTrain()),
     TypeError, r"callbacks must be a list of callbacks"),
    ("early stopping without validation", lambda: fit(callbacks=[nk.EarlyStopping(3)]),
     ValueError, r"EarlyStopping \(patience\) watches the validation loss: pass validation="),
    ("patience of zero", lambda: nk.EarlyStopping(0),
     ValueError, r"patience must be at least 1, got 0"),
    ("patience as a float", lambda: nk.EarlyStopping(2.5), TypeError, r"patience must be an int"),
    ("validation not a pair", lambda: fit(validation=X), TypeError, r"validation must be a tuple"),
    ("sequential with a function", lambda: nk.Sequential(nk.Dense(2, 2), np.tanh),
     TypeError, r"layer 1 of Sequential must be an nnkit Layer"),
    ("empty sequential", lambda: nk.Sequential(), ValueError, r"at least one layer"),
    ("perceptron features", lambda: nk.Perceptron(3).predict(X),
     ValueError, r"X has 2 features but the perceptron has 3 inputs"),
    ("gradcheck in float32", lambda: nk.gradcheck(nk.Dense(2, 3, dtype=np.float32),
                                                   nk.CrossEntropyLoss(), X, Y),
     ValueError, r"gradcheck needs float64 parameters"),
    # --- order of calls
    ("dense backward before forward", lambda: nk.Dense(2, 3).backward(np.ones((1, 3))),
     RuntimeError, r"Dense.backward was called before forward: call the layer on a batch"),
    ("sequential backward before forward", lambda: model().backward(np.ones((1, 3))),
     RuntimeError, r"backward was called before forward"),
    ("activation backward before forward", lambda: activations.Sigmoid().backward(np.ones(2)),
     RuntimeError, r"Sigmoid.backward was called before forward"),
    ("loss backward before forward", lambda: nk.MSELoss().backward(),
     RuntimeError, r"MSELoss.backward was called before forward: compute the loss with "
                   r"loss\(pred, target\) first"),
    ("loss door, strings", lambda: nk.MSELoss()("a", np.zeros(2)),
     TypeError, r"pred must be an array of numbers, got a string"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_misuse_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_errors_are_raised_before_any_training():
    m = model()
    before = [p.value.copy() for p in m.parameters()]
    with pytest.raises(ValueError):
        fit(model=m, y=np.array([0, 1, 3, 0, 1, 9]))
    for b, p in zip(before, m.parameters(), strict=True):
        assert np.array_equal(b, p.value)


def test_fit_checks_its_data_once_through_the_doors(monkeypatch):
    """X goes through the model's door and y through the loss's, once each (plus once
    each for the validation pair); the training loop runs only formulas."""
    calls = []
    dense_check, loss_check = nk.Dense.check_input, nk.CrossEntropyLoss.check

    def model_door(self, X, name="X"):
        calls.append(name)
        return dense_check(self, X, name)

    def loss_door(self, pred, target, name="target"):
        calls.append(name)
        return loss_check(self, pred, target, name)

    monkeypatch.setattr(nk.Dense, "check_input", model_door)
    monkeypatch.setattr(nk.CrossEntropyLoss, "check", loss_door)
    history = fit(epochs=5, batch_size=2, validation=(X, Y))
    assert history.n_updates == 15
    assert calls == ["X", "y", "validation X", "validation y"]
