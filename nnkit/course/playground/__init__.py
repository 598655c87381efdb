"""The playground: a network that trains live in the page, with nnkit's arithmetic.

``Playground`` (an anywidget) holds the data, the architecture, nnkit's initial weights
and the options; its front end (``js/``) trains the network in JavaScript -- in the static
book as well as in Jupyter -- and ``to_nnkit()`` returns the trained network as an nnkit
``Sequential``.
"""

from .widget import Playground

__all__ = ["Playground"]
