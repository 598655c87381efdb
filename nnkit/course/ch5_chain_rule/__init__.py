"""Chapter 5, "The chain rule": the computational graph, backpropagation and its cost.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch5_chain_rule import exercises, figures, lab

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments (with the shared widgets and figure helpers it uses), ``exercises`` its
checked exercises.
"""

from . import exercises, figures, lab

__all__ = ["lab", "figures", "exercises"]
