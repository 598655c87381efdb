"""The course apparatus around the network: figures, live experiments, checked exercises.

``nnkit`` itself (the package above) is the network and needs only NumPy. This
subpackage holds everything the book adds around it. The shared modules:

* :mod:`nnkit.course.text` -- the one number formatter, ``glue`` (a run's number handed
  to the prose) and verdicts; no matplotlib, so checkers and labs stay light;
* :mod:`nnkit.course.style` -- colours, figure sizes, the axes helper, PNG rendering;
* :mod:`nnkit.course.figures` -- figures several chapters share (classes in the plane, a
  classifier's probability map, a neuron's line, loss curves);
* :mod:`nnkit.course.grid` -- a regular grid over the plane, for maps and landscapes;
* :mod:`nnkit.course.runs` -- a training run recorded for replay (losses per epoch,
  probabilities on a grid at chosen epochs);
* :mod:`nnkit.course.two_layer` -- the reference forward and backward pass of a two-layer
  ReLU/softmax network;
* :mod:`nnkit.course.widgets` -- :class:`~nnkit.course.widgets.Experiment`, live figures
  that work without a kernel;
* :mod:`nnkit.course.checking` -- the framework of the checked exercises;
* :mod:`nnkit.course.quiz` -- kernel-free "predict, then look" questions.

Each chapter has a folder ``chN_topic`` with ``lab.py`` (the chapter's teaching
computations; absent when there are none), ``figures.py`` and ``exercises.py``, and its
package exposes :mod:`nnkit.course.text`. A chapter's notebook imports all of it with one
line::

    from nnkit.course.ch3_initialization import exercises, figures, lab, text

No chapter imports another: what two chapters share lives in a shared module here.
"""
