"""nnkit: a small, readable NumPy neural-network library for the course
"Training Neural Networks".

    import nnkit as nk
    model = nk.mlp([2, 16, 3], activation="relu", rng=0)   # Dense, ReLU, Dense
    history = nk.fit(model, X, y, loss=nk.CrossEntropyLoss(),
                     optimizer=nk.SGD(model.parameters(), lr=0.1), epochs=50, batch_size=32,
                     callbacks=[nk.EvaluateTrain()])

``import nnkit`` needs only NumPy: this package is the network and nothing else.
The course's figures, live experiments and checked exercises live in
:mod:`nnkit.course`, one folder per chapter, imported explicitly.
"""

from . import activations, callbacks, datasets, init, losses, monitors, schedules
from .activations import (
    Identity,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    get_activation,
)
from .callbacks import Callback, EarlyStopping, EvaluateTrain
from .clipping import ClipGradNorm, clip_grad_norm
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .layers import Dense, Dropout, Layer, Parameter, Residual, Sequential
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Loss,
    MSELoss,
    accuracy,
    one_hot,
)
from .monitors import ActivationStats, GradientNorms, NonFinite, UpdateRatios
from .networks import mlp
from .normalization import BatchNorm, LayerNorm
from .optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp
from .perceptron import Perceptron, PerceptronHistory
from .training import DivergenceWarning, History, fit

__version__ = "0.1.0"

__all__ = [
    "activations", "callbacks", "datasets", "init", "losses", "monitors", "schedules",
    "Parameter", "Layer", "Dense", "Sequential", "Dropout",
    "BatchNorm", "LayerNorm", "Residual", "clip_grad_norm", "ClipGradNorm",
    "Step", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax", "get_activation",
    "Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW",
    "mlp",
    "fit", "History", "DivergenceWarning", "accuracy", "one_hot",
    "Callback", "EvaluateTrain", "GradientNorms", "EarlyStopping",
    "UpdateRatios", "ActivationStats", "NonFinite",
    "Perceptron", "PerceptronHistory",
    "gradcheck", "numerical_gradient", "relative_error",
]
