"""Chapter 6's checkers beyond their mutant banks: the two-layer reference agrees with finite
differences, and the cost model of the fastest-settings exercise adds up."""

import copy

from nnkit.course.ch6_training_loop import exercises as ex
from nnkit.gradcheck import numerical_gradient, relative_error


def test_two_layer_reference_matches_finite_differences():
    X, y, params = ex.check_two_layer.cases[0].args
    params = copy.deepcopy(params)
    loss, grads = ex.check_two_layer.reference(X, y, params)
    for k in params:
        numeric = numerical_gradient(lambda: ex.check_two_layer.reference(X, y, params)[0],
                                     params[k])
        assert relative_error(grads[k], numeric) < 1e-6


def test_fastest_settings_cost_counts_overhead_and_examples():
    result = ex.fastest_settings_cost(32, 0.5)
    assert result["reached"] and result["cost"] <= ex.BUDGET
    assert result["overhead"] == result["updates"] * ex.COST_MODEL["overhead"]
    assert result["cost"] == result["overhead"] + result["epochs"] * 450
