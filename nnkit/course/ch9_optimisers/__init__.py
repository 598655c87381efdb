"""Chapter 9, "Optimisers": momentum on a valley, per-parameter rates (AdaGrad, RMSProp,
Adam, AdamW), learning-rate schedules, and a fair comparison on the digits.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch9_optimisers import exercises, figures, lab, text

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments, ``exercises`` its checked exercises and "predict, then look" questions,
and ``text`` is the course's shared :mod:`nnkit.course.text` (the number formatter,
``glue``, verdicts).

The modules load when they are imported, so ``exercises`` alone does not load matplotlib.
"""

from nnkit.course import text

__all__ = ["exercises", "figures", "lab", "text"]
