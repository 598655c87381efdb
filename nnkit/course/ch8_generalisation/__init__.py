"""Chapter 8: does it generalise? Validation, overfitting, standardisation, early stopping,
weight decay and dropout.

    from nnkit.course.ch8_generalisation import lab, figures, exercises
"""

from . import exercises, figures, lab

__all__ = ["exercises", "figures", "lab"]
