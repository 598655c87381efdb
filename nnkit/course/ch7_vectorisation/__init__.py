"""Chapter 7, "Vectorisation and efficiency": the same pass as loops, vectors and matrices.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch7_vectorisation import lab, figures, exercises

``lab`` holds the chapter's teaching computations (the three implementations, FLOP
counts, timing and profiling helpers), ``figures`` its figures and live experiment (with
the shared ``Experiment`` widget), ``exercises`` its checked and thinking exercises (with
the shared ``Quiz``).
"""

from . import exercises, figures, lab

__all__ = ["lab", "figures", "exercises"]
