"""Automatically checked exercises.

One module per chapter (``nnkit.exercises.neuron``, ``nnkit.exercises.learning_rate``, ...)
holds that chapter's checkers; import the one you need::

    from nnkit.exercises import neuron as ex
    ex.check_weighted_sum(weighted_sum);

Every checker runs your function on ordinary and edge cases, compares it with nnkit's
reference, prints one line (a pass, or one hint about the first thing wrong) and returns
True or False. The shared machinery lives in :mod:`nnkit.exercises._checking`.
"""

from nnkit.exercises._checking import (
    Hint,
    call_student,
    checker,
    expect,
    expect_array,
    expect_close,
)

__all__ = ["Hint", "call_student", "checker", "expect", "expect_array", "expect_close"]
