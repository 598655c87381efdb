"""Chapter 11, "When training goes wrong": the checks that come first, the monitors of
:mod:`nnkit.monitors`, and a gallery of broken runs with their signatures.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch11_debugging import exercises, figures, lab, text

``lab`` holds the chapter's runs (the first checks, the gallery), ``figures`` its figures
and live experiment, ``exercises`` its checked exercises and diagnosis questions, and
``text`` is the course's shared :mod:`nnkit.course.text` (the number formatter, ``glue``,
verdicts).

The modules load when they are imported, so ``exercises`` alone does not load matplotlib.
"""

from nnkit.course import text

__all__ = ["exercises", "figures", "lab", "text"]
