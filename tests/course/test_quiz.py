"""The kernel-free "predict, then look" question: structure, links, feedback, accessibility."""

import html
import re

import ipywidgets as w
import pytest
from ipywidgets.embed import dependency_state, embed_data

from nnkit.course.quiz import RIGHT, WRONG, Option, Quiz


def make_quiz(question="Which learning rate diverges on L(w) = 5(w - 1)^2?"):
    return Quiz(
        question,
        [
            Option("η = 0.15", False, "1 - 10η = -0.5: the jumps shrink, so it converges."),
            Option("η = 0.2", False, "1 - 10η = -1: it bounces between two points for ever."),
            Option("η = 0.25", True, "1 - 10η = -1.5: each jump is 1.5 times the last."),
        ],
    )


def visible_text(html_value):
    return html.unescape(re.sub(r"<[^>]+>", "", html_value))


def saved_state(quiz):
    """The widget state as the static page receives it (what html-manager replays)."""
    state = dependency_state(quiz.widget)
    return embed_data(views=[quiz.widget], state=state)["manager_state"]["state"]


def test_widget_tree_question_choices_feedback():
    quiz = make_quiz()
    header, choices, stack = quiz.widget.children
    assert isinstance(header, w.HTML) and "Which learning rate diverges" in header.value
    assert isinstance(choices, w.RadioButtons) and choices is quiz.choices
    assert isinstance(stack, w.Stack) and stack is quiz.feedback_stack
    assert list(choices.options) == [("η = 0.15", 0), ("η = 0.2", 1), ("η = 0.25", 2)]
    assert len(stack.children) == 3
    # Nothing is chosen and no feedback shows until the reader commits to an answer.
    assert choices.index is None and stack.selected_index is None
    quiz.close()


def test_choice_index_is_jslinked_to_the_feedback_stack():
    quiz = make_quiz()
    state = saved_state(quiz)
    links = [m["state"] for m in state.values() if m["model_name"] == "LinkModel"]
    expected = {
        "source": [f"IPY_MODEL_{quiz.choices.model_id}", "index"],
        "target": [f"IPY_MODEL_{quiz.feedback_stack.model_id}", "selected_index"],
    }
    assert [{"source": s["source"], "target": s["target"]} for s in links] == [expected]
    # No Python callback: the quiz adds no observer to the radio buttons' index.
    plain = w.RadioButtons(options=["a", "b"], index=None)
    def observers(widget):
        return len(widget._trait_notifiers.get("index", {}).get("change", []))
    assert observers(quiz.choices) == observers(plain)
    plain.close()
    quiz.close()


def test_every_option_reaches_its_own_feedback():
    quiz = make_quiz()
    state = saved_state(quiz)
    stack_children = state[quiz.feedback_stack.model_id]["state"]["children"]
    seen = set()
    for i, option in enumerate(quiz.options):
        # What jslink does in the browser: index i selects child i of the stack.
        child_id = stack_children[i].removeprefix("IPY_MODEL_")
        text = visible_text(state[child_id]["state"]["value"])
        assert text.startswith(RIGHT if option.correct else WRONG)
        assert option.why in text
        assert quiz.feedback(i) == quiz.feedback(option.text) == text
        seen.add(text)
    assert len(seen) == len(quiz.options)
    assert quiz.correct == ["η = 0.25"]
    quiz.close()


def test_accessible_names_and_live_regions():
    quiz = make_quiz()
    assert quiz.choices.description == "Your prediction"
    assert "choose one option" in quiz.choices.tooltip
    for child in quiz.feedback_stack.children:
        assert 'role="status"' in child.value and 'aria-live="polite"' in child.value
    quiz.close()


def test_text_is_escaped_in_html():
    quiz = Quiz("Is 1 < 2 & 3 > 2?", [Option("yes <b>", True, "both hold & so"),
                                      Option("no", False, "1 < 2 is true")])
    assert "1 &lt; 2 &amp; 3 &gt; 2" in quiz.widget.children[0].value
    assert "both hold &amp; so" in quiz.feedback_stack.children[0].value
    quiz.close()


def test_show_displays_the_widget_with_a_plain_text_fallback(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, **kwargs: shown.append(data)
    quiz = make_quiz()
    quiz.show()
    assert len(shown) == 1
    data = shown[0]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == quiz.widget.model_id
    assert data["text/plain"].splitlines() == [
        "Predict, then look: Which learning rate diverges on L(w) = 5(w - 1)^2?",
        "  (a) η = 0.15",
        "  (b) η = 0.2",
        "  (c) η = 0.25",
    ]
    quiz.close()
    with pytest.raises(RuntimeError, match="closed"):
        quiz.show()


def test_rebuilding_the_same_question_closes_the_old_widgets():
    first = make_quiz()
    first_ids = {first.widget.model_id, first.choices.model_id, first.feedback_stack.model_id}
    second = make_quiz()
    assert first.widget is None
    live = w.Widget.get_manager_state()["state"]
    assert first_ids.isdisjoint(live)
    assert second.widget.model_id in live
    second.close()
    assert second.widget is None


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Option("", True, "why"), ValueError, "Option.text"),
        (lambda: Option("a", 1, "why"), TypeError, "True or False"),
        (lambda: Option("a", True, " "), ValueError, "explanation"),
        (lambda: Option("x" * 86, True, "why"), ValueError, "over 85"),
        (lambda: Quiz("", [Option("a", True, "x"), Option("b", False, "y")]), ValueError,
         "question"),
        (lambda: Quiz("q", [Option("a", True, "x")]), ValueError, "2 to 6 options"),
        (lambda: Quiz("q", [Option("a", True, "x"), Option("a", False, "y")]), ValueError,
         "same text"),
        (lambda: Quiz("q", [Option("a", False, "x"), Option("b", False, "y")]), ValueError,
         "at least one option must be correct"),
        (lambda: Quiz("q", ["a", "b"]), TypeError, "Option objects"),
        (lambda: Quiz("q", "ab"), TypeError, "list of Option"),
    ],
)
def test_bad_definitions_are_refused_with_a_clear_message(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_feedback_lookup_rejects_unknown_choices():
    quiz = make_quiz()
    with pytest.raises(ValueError, match="not one of the options"):
        quiz.feedback("η = 9")
    with pytest.raises(ValueError, match="choice must be at most 2"):
        quiz.feedback(3)
    quiz.close()


CHAPTERS = ["ch1_neuron", "ch2_learning_rate", "ch3_initialization", "ch4_loss_functions",
            "ch5_chain_rule", "ch6_training_loop"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_ask_two_questions_each_with_one_right_answer_and_every_option_explained(
    chapter,
):
    import importlib

    questions = importlib.import_module(f"nnkit.course.{chapter}.exercises").quizzes()
    assert len(questions) >= 2
    for quiz in questions.values():
        assert len(quiz.correct) == 1, quiz
        for option in quiz.options:
            assert len(option.why) > 40, option
        quiz.close()
