"""The course apparatus around the network: figures, live experiments, checked exercises.

``nnkit`` itself (the package above) is the network and needs only NumPy. This
subpackage holds everything the book adds around it, and needs matplotlib, ipywidgets
and Pillow:

* :mod:`nnkit.course.style` -- colours, figure sizes, the one number formatter, the axes
  helper, PNG rendering;
* :mod:`nnkit.course.figures` -- figures shared by several chapters (classes in the plane,
  decision regions, a neuron's line, loss curves);
* :mod:`nnkit.course.widgets` -- :class:`~nnkit.course.widgets.Experiment`, live figures
  that work without a kernel;
* :mod:`nnkit.course.checking` -- the framework of the checked exercises;
* one folder per chapter (``ch1_neuron`` ... ``ch6_training_loop``) with ``lab.py`` (the
  chapter's teaching computations), ``figures.py`` and ``exercises.py``. A chapter's
  notebook imports them with one line::

      from nnkit.course.ch3_initialization import exercises, figures, lab
"""
