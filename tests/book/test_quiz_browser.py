"""The "predict, then look" questions in the built HTML book answer with no kernel.

Every page of the toc is opened in headless Chromium from a local server, with every other
request blocked, so only the saved widget state and the page's own scripts can respond.
For each question on the page (the ``.nnkit-quiz`` widgets of :mod:`nnkit.course.quiz`):
no feedback shows before an answer is chosen; then every option is chosen in turn, through
its accessible name (the radio button labelled by the option's text), and exactly one
feedback box must show, with exactly the text the chapter's ``quizzes()`` defines for that
option. A screenshot of each question after choosing its right answer goes to
``_build/screenshots/quizzes/``.

Chromium: /usr/bin/chromium, or the path in the environment variable CHROMIUM.
"""

import importlib
import pkgutil
from pathlib import Path

import execute_notebooks as ex
import pytest

import nnkit.course

ROOT = Path(__file__).resolve().parents[2]
PAGES = [e for e in ex.toc_files(ROOT) if Path(e).name[:2].isdigit()]


def defined_quizzes():
    """Every question the chapters define, by its question text."""
    found = {}
    for info in pkgutil.iter_modules(nnkit.course.__path__):
        # the chapters' packages (ch1_neuron, ...); the playground asks no questions
        if not info.ispkg or not info.name.startswith("ch"):
            continue
        module = importlib.import_module(f"nnkit.course.{info.name}.exercises")
        if hasattr(module, "quizzes"):
            for quiz in module.quizzes().values():
                found[" ".join(quiz.question.split())] = quiz
                quiz.close()
    return found


def normalised(text):
    return " ".join(text.split())


def visible_feedback(root):
    boxes = root.locator(".nnkit-quiz-feedback")
    return [normalised(boxes.nth(i).inner_text()) for i in range(boxes.count())
            if boxes.nth(i).is_visible()]


@pytest.fixture(scope="module")
def quizzes():
    return defined_quizzes()


@pytest.mark.parametrize("n", range(1, 7))
def test_chapters_1_to_6_each_ask_at_least_two_questions(n):
    notebook = next(ROOT.glob(f"book/0{n}_*.ipynb")).read_text(encoding="utf-8")
    assert notebook.count('class=\\"nnkit-quiz-question\\"') >= 2


@pytest.mark.slow
@pytest.mark.html
@pytest.mark.parametrize("entry", PAGES)
def test_each_option_shows_its_own_feedback_without_a_kernel(pages, built_book, quizzes, entry):
    # The page as the other browser tests see it (opened once, light mode); no other
    # test touches its questions.
    page = pages(entry).page
    roots = page.locator(".nnkit-quiz")
    shots = built_book.screenshots / "quizzes"
    shots.mkdir(parents=True, exist_ok=True)
    for k in range(roots.count()):
        root = roots.nth(k)
        root.scroll_into_view_if_needed()
        question = normalised(root.locator(".nnkit-quiz-question").inner_text())
        question = question.removeprefix("Predict, then look.").strip()
        assert question in quizzes, f"{entry}: a question no chapter defines: {question!r}"
        quiz = quizzes[question]
        assert visible_feedback(root) == [], f"{entry}: feedback shows before any answer"
        for i, option in enumerate(quiz.options):
            root.get_by_role("radio", name=option.text, exact=True).check()
            page.wait_for_timeout(100)
            assert visible_feedback(root) == [normalised(quiz.feedback(i))], (entry, option)
        right = next(i for i, o in enumerate(quiz.options) if o.correct)
        root.get_by_role("radio", name=quiz.options[right].text, exact=True).check()
        root.screenshot(path=str(shots / f"{Path(entry).stem}-q{k + 1}.png"))
