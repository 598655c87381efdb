"""Chapter 1's figures: the perceptron's trace."""

import numpy as np
from matplotlib.colors import to_rgb

from nnkit.course.ch1_neuron import figures
from nnkit.perceptron import Perceptron


def test_perceptron_trace_tells_w1_and_b_apart():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 0, 0, 1])
    history = Perceptron(n_inputs=2, lr=0.5).fit(X, y, epochs=5)
    fig = figures.perceptron_frame(X, y, history, 3)
    right = fig.axes[-1]
    lines = {line.get_label(): line for line in right.get_lines()}
    w1, b = lines["$w_1$"], lines["$b$"]
    assert w1.get_linestyle() != b.get_linestyle()
    rgb = [np.array(to_rgb(c)) * 255 for c in (w1.get_color(), b.get_color())]
    assert np.abs(rgb[0] - rgb[1]).sum() > 150
