"""nnkit: a small, readable NumPy neural-network library for the course
"Training Neural Networks".

    import nnkit as nk
    model = nk.Sequential(nk.Dense(2, 16, init="he", rng=0), nk.ReLU(),
                          nk.Dense(16, 3, rng=1))
    history = nk.fit(model, X, y, loss=nk.CrossEntropyLoss(),
                     optimizer=nk.SGD(model.parameters(), lr=0.1), epochs=50, batch_size=32)

``import nnkit`` needs only NumPy: this package is the network and nothing else.
The course's figures, live experiments and checked exercises live in
:mod:`nnkit.course`, one folder per chapter, imported explicitly.
"""

from . import activations, datasets, init, losses
from .activations import (
    Identity,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    get_activation,
)
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .layers import Dense, Layer, Parameter, Sequential
from .losses import BCELoss, CrossEntropyLoss, Loss, MSELoss
from .optim import SGD
from .perceptron import Perceptron, PerceptronHistory
from .training import (
    DivergenceWarning,
    History,
    accuracy,
    activation_statistics,
    fit,
    iterate_minibatches,
    one_hot,
)

__version__ = "0.1.0"

__all__ = [
    "activations", "datasets", "init", "losses",
    "Parameter", "Layer", "Dense", "Sequential",
    "Step", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax", "get_activation",
    "Loss", "MSELoss", "BCELoss", "CrossEntropyLoss",
    "SGD",
    "fit", "History", "DivergenceWarning", "accuracy", "one_hot", "iterate_minibatches",
    "activation_statistics",
    "Perceptron", "PerceptronHistory",
    "gradcheck", "numerical_gradient", "relative_error",
]
