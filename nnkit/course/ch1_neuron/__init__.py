"""Chapter 1, "The neuron": the perceptron rule over logic gates.

The chapter's notebook imports its apparatus with one line::

    from nnkit.course.ch1_neuron import exercises, figures

``figures`` holds the chapter's figures and live experiments (with the shared widgets
and figure helpers it uses), ``exercises`` its checked exercises. There is no ``lab``:
what the chapter computes is written out in its cells or is the network itself.
"""

from . import exercises, figures

__all__ = ["figures", "exercises"]
