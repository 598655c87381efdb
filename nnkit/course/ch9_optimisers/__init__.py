"""Chapter 9, "Optimisers": momentum on a valley, per-parameter rates (AdaGrad, RMSProp,
Adam, AdamW), learning-rate schedules, and a fair comparison on the digits.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch9_optimisers import Playground, exercises, figures, lab, text

``lab`` holds the chapter's teaching computations, ``figures`` its figures and live
experiments, ``exercises`` its checked exercises and "predict, then look" questions,
``text`` is the course's shared :mod:`nnkit.course.text` (the number formatter,
``glue``, verdicts), and ``Playground`` is :mod:`nnkit.course.playground`'s live
trainer, which the chapter opens on its own question (it loads anywidget, so only when
asked for).

The modules load when they are imported, so ``exercises`` alone does not load matplotlib.
"""

from nnkit.course import text

__all__ = ["Playground", "exercises", "figures", "lab", "text"]


def __getattr__(name):  # PEP 562: the checkers and the lab stay free of anywidget
    if name == "Playground":
        from nnkit.course.playground import Playground
        return Playground
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
