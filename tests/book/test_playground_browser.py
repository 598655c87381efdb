"""The Playground page of the built book in headless Chromium: the network trains in the
page with no kernel, from the saved widget state.

Opened from disk (file://) with every other request blocked, the page must train: Play
makes the loss fall, a click on the map adds a point and changes the map. The messages
for bad data (no points, one class) and for a diverging run must appear, the map must
work with the keyboard, "Show code" must show the nnkit program, and axe-core must find
nothing serious or critical in light or dark mode with the playground in use.

Chapters 6, 8 and 9 embed the playground opened on their own question: from disk, each
must show its question and its chapter's settings, and train.

(The generic tests of every page, tests/book/test_browser.py, also load these pages from
the server and from disk and run axe on them as loaded.)
"""

import pytest
from book_pages import open_page
from test_browser import AXE, AXE_JS, BLOCKING_IMPACTS, KNOWN_ERRORS

pytestmark = [pytest.mark.slow, pytest.mark.html]

ENTRY = "book/playground"
ROOT_SELECTOR = ".nnkit-playground"
MAP_PIXELS_JS = "(canvas) => canvas.toDataURL()"


# The chapters that embed the playground: the start of the question each opens on, and
# what its controls must show (by their labels).
CHAPTERS = {
    "book/06_training_loop": ("Full batch against batches of 16:",
                              {"Batch size": "16", "Optimiser": "sgd", "L2 weight decay": "0"}),
    "book/08_generalisation": ("40 noisy points, 2 × 16 ReLU units, no weight decay:",
                               {"Batch size": "full", "Momentum": "0.9", "L2 weight decay": "0"}),
    "book/09_optimisers": ("One learning rate, η = 0.01, on the spirals:",
                           {"Batch size": "full", "Optimiser": "sgd", "Momentum": "0"}),
}


def open_offline(browser, built_book, entry):
    """A page with a playground opened as a file, nothing but the file itself allowed."""
    loaded = open_page(browser, built_book.html.as_uri() + "/", entry, shots=None)
    loaded.page.locator(f"{ROOT_SELECTOR} canvas.pg-map").wait_for()
    return loaded


@pytest.fixture
def offline(browser, built_book):
    """The playground page, offline."""
    loaded = open_offline(browser, built_book, ENTRY)
    yield loaded
    loaded.page.context.close()


@pytest.fixture(params=list(CHAPTERS))
def chapter(request, browser, built_book):
    """A chapter's page with its embedded playground, offline."""
    loaded = open_offline(browser, built_book, request.param)
    yield request.param, loaded
    loaded.page.context.close()


def state(page) -> dict:
    """What the playground says about itself: epoch, last training loss, message."""
    return page.locator(ROOT_SELECTOR).evaluate(
        "(root) => ({epoch: Number(root.dataset.epoch || 0), loss: Number(root.dataset.loss),"
        " message: root.dataset.message || ''})")


def wait_for_epoch(page, epoch: int, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        f"() => Number(document.querySelector('{ROOT_SELECTOR}').dataset.epoch) >= {epoch}",
        timeout=timeout_ms)


def button(page, name: str):
    return page.locator(ROOT_SELECTOR).get_by_role("button", name=name, exact=True)


def play_lowers_the_loss(page) -> None:
    """From epoch 0: one Step, then Play to epoch 300 and Pause; the loss must fall."""
    root = page.locator(ROOT_SELECTOR)
    assert state(page)["epoch"] == 0
    button(page, "Step").click()  # epoch 1: the loss to compare with
    first = state(page)
    assert first["epoch"] == 1
    button(page, "Play").click()
    wait_for_epoch(page, 300)
    button(page, "Pause").click()
    later = state(page)
    assert later["loss"] < 0.8 * first["loss"], (first, later)
    assert "Epoch" in root.locator(".pg-status").inner_text()
    assert "Epoch" in root.locator("[aria-live]").inner_text()


def worked_offline(loaded) -> None:
    """Nothing left the machine and the console shows no unexpected error."""
    assert not loaded.blocked, f"requests left the machine: {loaded.blocked}"
    unexpected = [e for e in loaded.errors if not any(k.search(e) for k in KNOWN_ERRORS)]
    assert not unexpected, unexpected


def test_the_playground_trains_offline_and_a_click_changes_the_map(offline):
    page = offline.page
    root = page.locator(ROOT_SELECTOR)
    play_lowers_the_loss(page)

    canvas = root.locator("canvas.pg-map")
    before = canvas.evaluate(MAP_PIXELS_JS)
    points_before = canvas.get_attribute("aria-label")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.1, "y": box["height"] * 0.1})
    assert canvas.evaluate(MAP_PIXELS_JS) != before
    assert canvas.get_attribute("aria-label") != points_before
    # The run starts again on the new data: back to epoch 0, and it trains.
    assert state(page)["epoch"] == 0
    button(page, "Step").click()
    assert state(page)["epoch"] == 1
    worked_offline(offline)


def test_each_chapter_opens_its_playground_on_its_question_and_it_trains(chapter):
    entry, loaded = chapter
    page = loaded.page
    question, controls = CHAPTERS[entry]
    assert page.locator(ROOT_SELECTOR).count() == 1, f"{entry}: one playground expected"
    root = page.locator(ROOT_SELECTOR)
    assert root.locator(".pg-question").inner_text().startswith(question)
    shown = {label: root.get_by_label(label, exact=True).input_value() for label in controls}
    assert shown == controls, entry
    play_lowers_the_loss(page)
    worked_offline(loaded)


def test_bad_data_and_a_diverging_run_get_a_message(offline):
    page = offline.page
    root = page.locator(ROOT_SELECTOR)
    button(page, "Remove all points").click()
    assert "no training points" in state(page)["message"]
    button(page, "Play").click()
    page.wait_for_timeout(300)
    assert state(page)["epoch"] == 0  # nothing to train on: it does not start
    canvas = root.locator("canvas.pg-map")
    canvas.click(position={"x": 60, "y": 60})
    assert "all of one class" in state(page)["message"]
    root.get_by_label("1", exact=True).check()
    canvas.click(position={"x": 220, "y": 220})
    assert state(page)["message"] == ""
    button(page, "Step").click()
    assert state(page)["epoch"] == 1

    # A learning rate of 10 with the squared error on ReLU units: the run blows up.
    root.get_by_label("Activation", exact=True).select_option("relu")
    root.get_by_label("Loss", exact=True).select_option("mse")
    slider = root.get_by_label("Learning rate", exact=True)
    slider.fill(slider.get_attribute("max"))  # the slider's last stop: η = 10
    assert root.locator("output[id$='-lr-out']").inner_text() == "10"
    button(page, "Play").click()
    page.wait_for_function(
        f"() => document.querySelector('{ROOT_SELECTOR}').dataset.message.includes('diverged')",
        timeout=60_000)
    assert button(page, "Play").is_visible()  # it stopped by itself
    assert "Lower the learning rate" in root.locator("[role=alert]").inner_text()


def test_the_map_works_with_the_keyboard_and_show_code_gives_nnkit_code(offline):
    """Keyboard on the map; then Adam, two steps, and the code of that run."""
    page = offline.page
    root = page.locator(ROOT_SELECTOR)
    canvas = root.locator("canvas.pg-map")
    label = canvas.get_attribute("aria-label")
    canvas.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert canvas.get_attribute("aria-label") != label
    assert "Added a point of class 0" in root.locator("[aria-live]").inner_text()
    page.keyboard.press("Delete")
    assert "Removed a point" in root.locator("[aria-live]").inner_text()

    root.get_by_label("Optimiser", exact=True).select_option("adam")
    assert root.get_by_label("Momentum", exact=True).is_disabled()
    button(page, "Step").click()
    button(page, "Step").click()
    button(page, "Show code").click()
    code = root.locator("pre.pg-code").inner_text()
    assert "import nnkit as nk" in code
    assert "optimizer = nk.Adam(model.parameters(), lr=0.1)" in code
    assert "nk.fit(model, X_train, y_train, loss, optimizer, epochs=2" in code
    # The data changed (a point added, one removed): the points are written out.
    assert "X = np.array([" in code
    assert button(page, "Hide code").get_attribute("aria-expanded") == "true"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_playground_in_use_has_no_serious_accessibility_violations(browser, built_book, mode):
    loaded = open_page(browser, built_book.html.as_uri() + "/", ENTRY, shots=None, mode=mode)
    page = loaded.page
    try:
        root = page.locator(ROOT_SELECTOR)
        root.wait_for()
        button(page, "Step").click()
        button(page, "Show code").click()
        page.wait_for_timeout(300)
        shots = built_book.screenshots / "playground"
        shots.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(shots / f"in-use-{mode}.png"))
        # The canvases follow the theme: the map's corner is dark on the dark page.
        corner = root.locator("canvas.pg-map").evaluate(
            "(c) => Array.from(c.getContext('2d').getImageData(1, 1, 1, 1).data.slice(0, 3))")
        luminance = (0.2126 * corner[0] + 0.7152 * corner[1] + 0.0722 * corner[2]) / 255
        assert (luminance < 0.5) == (mode == "dark"), (mode, corner)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_JS)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, "\n".join(f"{v['impact']} {v['id']}: {v['nodes'][:2]}"
                                       for v in blocking)
    finally:
        page.context.close()
