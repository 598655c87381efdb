"""Chapter 4, "Loss functions": losses, their gradients and the output layers they pair with.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch4_loss_functions import exercises, figures, text

``figures`` holds the chapter's figures and live experiments, ``exercises`` its checked
exercises and "predict, then look" questions, and ``text`` is the course's shared
:mod:`nnkit.course.text` (the number formatter, ``glue``). There is no ``lab``: what
the chapter computes is written out in its cells or is the network itself.

The modules load when they are imported, so ``exercises`` alone does not load matplotlib.
"""

from nnkit.course import text

__all__ = ["exercises", "figures", "text"]
