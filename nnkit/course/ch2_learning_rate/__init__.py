"""Chapter 2, "The learning rate": gradient descent on losses small enough to draw.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch2_learning_rate import exercises, figures, lab

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments (with the shared widgets and figure helpers it uses), ``exercises`` its
checked exercises.
"""

from . import exercises, figures, lab

__all__ = ["lab", "figures", "exercises"]
