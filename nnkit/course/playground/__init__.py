"""The playground: a network that trains live in the page, with nnkit's arithmetic.

``Playground`` (an anywidget, ``widget.py``) holds the data, the architecture, nnkit's
initial weights and the options; its front end (``js/``, bundled into the widget's
``_esm``, so the saved widget state carries it) trains the network in JavaScript -- in
the static book with no kernel as well as in Jupyter -- and ``to_nnkit()`` returns the
trained network as an nnkit ``Sequential``.

* ``js/trainer.mjs`` -- nnkit's forward pass, back-propagation, losses, SGD and Adam in
  float64 JavaScript, the matrix products and ReLU also in WebAssembly (assembled in the
  same file; the JavaScript ``matmul`` is their reference and fallback); tested against
  nnkit under node (``node.py``, tests/course/playground).
* ``js/data.mjs`` -- the 2-D data sets with nnkit's formulas, for when the reader picks
  another set in a page without Python (the page's points then differ from nnkit's, and
  "Show code" writes them out).
* ``js/codegen.mjs`` -- the nnkit program that reproduces the page's run.
* ``js/widget.mjs`` and ``js/playground.css`` -- the controls, the drawings, the messages.
"""

from .widget import Playground

__all__ = ["Playground"]
