"""Chapter 6, "The training loop": batch, stochastic and mini-batch gradient descent.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch6_training_loop import exercises, figures, lab

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments (with the shared widgets and figure helpers it uses), ``exercises`` its
checked exercises.
"""

from . import exercises, figures, lab

__all__ = ["lab", "figures", "exercises"]
