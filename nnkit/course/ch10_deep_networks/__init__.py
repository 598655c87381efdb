"""Chapter 10, "Deep networks that train": batch and layer normalisation, residual
connections and gradient clipping, measured at depths 10, 30 and 50.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch10_deep_networks import exercises, figures, lab, text

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiment, ``exercises`` its checked exercises and "predict, then look" questions, and
``text`` is the course's shared :mod:`nnkit.course.text` (the number formatter, ``glue``,
verdicts).

The modules load when they are imported, so ``exercises`` alone does not load matplotlib.
"""

from nnkit.course import text

__all__ = ["exercises", "figures", "lab", "text"]
