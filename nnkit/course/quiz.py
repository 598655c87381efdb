"""Thinking exercises that work without a kernel: "predict, then look" questions.

A :class:`Quiz` is a multiple-choice question asked *before* the cell that reveals the
answer. The reader picks an option and at once sees why it is right or wrong. Every
option's feedback is built in advance as its own ``HTML`` widget; the feedback widgets sit
in a ``Stack`` whose ``selected_index`` is ``jslink``-ed to the ``index`` of the
``RadioButtons`` holding the options. ``jslink`` runs in the browser, so the question
answers in a live notebook *and* in the static HTML book, where the saved widget state is
replayed with no Python at all (the same mechanism as :class:`nnkit.course.widgets.Experiment`)::

    from nnkit.course.quiz import Option, Quiz

    Quiz(
        "Gradient descent on L(w) = 5(w − 1)²: which learning rate makes it diverge?",
        [
            Option("η = 0.15", False, "1 − 10η = −0.5: it overshoots, but each jump is smaller."),
            Option("η = 0.25", True, "1 − 10η = −1.5: every jump is 1.5 times the last."),
        ],
    ).show()

Nothing is selected at first, so no feedback shows until the reader commits to an answer.
Every control has an accessible name: the radio inputs are labelled by their option text,
the group by its description and tooltip, and each feedback box is an ARIA live region
(``role="status"``) so that a screen reader announces it when it appears.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from nnkit.validation import check_int

__all__ = ["MAX_OPTION_CHARS", "Option", "Quiz", "RIGHT", "WRONG"]

RIGHT = "✔ Right."
WRONG = "✘ Not quite."

# Okabe-Ito bluish green and vermillion for the feedback's left border; the verdict is
# also spelled out in words (RIGHT/WRONG), so colour is never the only cue.
_RIGHT_COLOUR = "#009E73"
_WRONG_COLOUR = "#D55E00"
_MAX_OPTIONS = 6
# A radio button's label does not wrap: a longer text would overlap the next option (and
# take its clicks). The explanation belongs in ``why``, which wraps.
MAX_OPTION_CHARS = 85

# Questions built in this kernel whose widgets are still open, by question text, so that
# re-running a cell replaces its question instead of piling up widgets in the saved state.
_LIVE: dict[str, Quiz] = {}


@dataclass(frozen=True)
class Option:
    """One answer to a :class:`Quiz`: its text, whether it is right, and why.

    ``why`` explains the verdict (for a wrong option: what makes it wrong, not just that it
    is); it is shown after the verdict "✔ Right." or "✘ Not quite.".
    """

    text: str
    correct: bool
    why: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError(f"Option.text: expected a non-empty string, got {self.text!r}")
        if len(self.text) > MAX_OPTION_CHARS:
            raise ValueError(
                f"Option.text: {len(self.text)} characters, over {MAX_OPTION_CHARS} (one line "
                f"of the widget); move the explanation into `why`: {self.text!r}"
            )
        if not isinstance(self.correct, bool):
            raise TypeError(
                f"Option.correct of {self.text!r}: expected True or False, got {self.correct!r}"
            )
        if not isinstance(self.why, str) or not self.why.strip():
            raise ValueError(
                f"Option.why of {self.text!r}: every option needs an explanation of why it "
                "is right or wrong"
            )

    @property
    def feedback(self) -> str:
        """The text shown when this option is chosen: the verdict, then the reason."""
        return f"{RIGHT if self.correct else WRONG} {self.why}"


class Quiz:
    """A kernel-free multiple-choice question with feedback for every option.

    Parameters
    ----------
    question : str
        The question, plain text (Unicode maths such as η, σ′(z), 2/λ is fine).
    options : sequence of Option
        Two to six options with distinct texts; at least one must be correct.
    label : str
        The accessible name of the group of options (also shown beside them).

    ``widget`` is the ``VBox`` shown by :meth:`show`; ``choices`` the ``RadioButtons``;
    ``feedback_stack`` the ``Stack`` of one ``HTML`` feedback widget per option.
    """

    def __init__(self, question: str, options: Sequence[Option], label: str = "Your prediction"):
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"question: expected a non-empty string, got {question!r}")
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
            raise TypeError(
                f"options: expected a list of Option objects, got {type(options).__name__}"
            )
        options = list(options)
        for option in options:
            if not isinstance(option, Option):
                raise TypeError(f"options: expected Option objects, got {type(option).__name__}")
        if not 2 <= len(options) <= _MAX_OPTIONS:
            raise ValueError(
                f"options: a question needs 2 to {_MAX_OPTIONS} options, got {len(options)}"
            )
        texts = [o.text for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError(f"options: two options have the same text ({texts})")
        if not any(o.correct for o in options):
            raise ValueError("options: at least one option must be correct")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"label: expected a non-empty string, got {label!r}")
        self.question = question
        self.options = options
        self.label = label
        self.widget = None
        self._build_widget()

    @property
    def correct(self) -> list[str]:
        """The texts of the correct options."""
        return [o.text for o in self.options if o.correct]

    def feedback(self, choice: int | str) -> str:
        """The feedback shown for option ``choice`` (its position or its text)."""
        if isinstance(choice, str):
            texts = [o.text for o in self.options]
            if choice not in texts:
                raise ValueError(f"choice: {choice!r} is not one of the options {texts}")
            choice = texts.index(choice)
        choice = check_int(choice, "choice", low=0, high=len(self.options) - 1)
        return self.options[choice].feedback

    def _build_widget(self) -> None:
        import ipywidgets as w

        previous = _LIVE.get(self.question)
        if previous is not None:
            previous.close()
        header = w.HTML(
            value=(
                '<div class="nnkit-quiz-question"><b>Predict, then look.</b> '
                f"{html.escape(self.question)}</div>"
            )
        )
        self.choices = w.RadioButtons(
            options=[(o.text, i) for i, o in enumerate(self.options)],
            index=None,
            description=self.label,
            tooltip=f"{self.label}: choose one option to see why it is right or wrong",
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.feedback_stack = w.Stack(
            children=[w.HTML(value=_feedback_html(o)) for o in self.options],
            selected_index=None,
        )
        self._link = w.jslink((self.choices, "index"), (self.feedback_stack, "selected_index"))
        self.widget = w.VBox(
            [header, self.choices, self.feedback_stack],
            layout=w.Layout(border="1px solid #dddddd", padding="6px", max_width="720px"),
        )
        self.widget.add_class("nnkit-quiz")
        _LIVE[self.question] = self

    def close(self) -> None:
        """Close every widget of this question (they leave the saved widget state)."""
        if self.widget is None:
            return
        self._link.close()
        for child in self.feedback_stack.children:
            child.close()
        for part in (*self.widget.children, self.widget):
            part.close()
        self.widget = None
        if _LIVE.get(self.question) is self:
            del _LIVE[self.question]

    def text(self) -> str:
        """The question and its options as plain text (what a viewer without widgets shows)."""
        lines = [f"Predict, then look: {self.question}"]
        lines += [f"  ({chr(ord('a') + i)}) {o.text}" for i, o in enumerate(self.options)]
        return "\n".join(lines)

    def show(self) -> None:
        """Display the question; a viewer that cannot render widgets shows :meth:`text`."""
        if self.widget is None:
            raise RuntimeError("show: this question was closed; build it again")
        from IPython.display import display

        display(
            {
                "application/vnd.jupyter.widget-view+json": {
                    "version_major": 2,
                    "version_minor": 0,
                    "model_id": self.widget.model_id,
                },
                "text/plain": self.text(),
            },
            raw=True,
        )

    def __repr__(self) -> str:
        return f"Quiz({self.question!r}, options={len(self.options)})"


def _feedback_html(option: Option) -> str:
    colour = _RIGHT_COLOUR if option.correct else _WRONG_COLOUR
    verdict = RIGHT if option.correct else WRONG
    return (
        f'<div class="nnkit-quiz-feedback" role="status" aria-live="polite" '
        f'style="border-left: 4px solid {colour}; padding: 2px 8px; white-space: normal;">'
        f"<b>{html.escape(verdict)}</b> {html.escape(option.why)}</div>"
    )
