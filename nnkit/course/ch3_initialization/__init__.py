"""Chapter 3, "Weight initialization": a deep network's layers at initialisation.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch3_initialization import exercises, figures, lab

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments (with the shared widgets and figure helpers it uses), ``exercises`` its
checked exercises.
"""

from . import exercises, figures, lab

__all__ = ["lab", "figures", "exercises"]
