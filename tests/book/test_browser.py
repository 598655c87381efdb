"""The built HTML book in headless Chromium, with every non-local request blocked.

Each page of the toc, served from localhost and also opened as a file (file://), must
load without console errors and without trying to reach another host; its maths must
be typeset by MathJax and its widgets rendered by the html-manager from the saved
state. Every widget is then exercised generically (no chapter-specific code): each
slider is moved one step with the keyboard, each toggle and drop-down set to another
option, each Play widget started; each time the visible frame (the images and text in
the visible Output widgets) must change. Screenshots of every page and of each widget
before and after each interaction are written to ``_build/screenshots/`` for a person
to look at.

Every page is also opened with the reader's colour preference set to dark: the theme
must follow it, and axe-core (pinned in tools/web/package-lock.json) must find no
serious or critical accessibility violation in either mode. A slider must be reachable
with Tab and move with the arrow keys.

Chromium: /usr/bin/chromium, or the path in the environment variable CHROMIUM.
"""

import re
from pathlib import Path

import execute_notebooks as ex
import pytest
from book_pages import open_page

# Drives headless Chromium over the built book: minutes (skip with -m 'not slow').
pytestmark = [pytest.mark.slow, pytest.mark.html]

ROOT = Path(__file__).resolve().parents[2]
TOC_FILES = ex.toc_files(ROOT)
AXE = ROOT / "tools" / "web" / "node_modules" / "axe-core" / "axe.min.js"
MODES = ("light", "dark")
# sphinx-thebe adds its inline configuration script (`const THEBE_JS_URL = ...`) twice
# to every page, so the second copy throws this SyntaxError. It is harmless (the first
# copy defines the constant) and is the only console error tolerated.
KNOWN_ERRORS = [re.compile(r"Identifier 'THEBE_JS_URL' has already been declared")]

# Fingerprint of what a widget currently shows: the images and text of the Output
# widgets that are visible inside it (slider readouts and labels are not included,
# so a control that moves without changing the frame does not count as a change).
FRAME_JS = """(root) => {
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const parts = [];
  for (const out of root.querySelectorAll('.widget-output')) {
    if (!visible(out)) continue;
    for (const img of out.querySelectorAll('img')) if (visible(img)) parts.push(img.src);
    parts.push(out.innerText);
  }
  return parts.join('\\n');
}"""


@pytest.mark.parametrize("entry", TOC_FILES)
def test_page_loads_without_errors_or_remote_requests(pages, entry):
    loaded = pages(entry)
    assert not loaded.blocked, f"{entry} tried to load from other hosts: {loaded.blocked}"
    unexpected = [e for e in loaded.errors if not any(k.search(e) for k in KNOWN_ERRORS)]
    assert not unexpected, f"{entry}: console errors {unexpected}"


@pytest.mark.parametrize("entry", TOC_FILES)
def test_maths_is_typeset_by_mathjax(pages, entry):
    page = pages(entry).page
    sources = page.locator(".math").count()
    assert sources, f"{entry} has no maths; every page of the course should have some"
    typeset = page.locator("mjx-container").count()
    assert typeset >= sources, f"{entry}: {typeset} of {sources} formulas typeset"
    assert page.locator("mjx-merror").count() == 0, f"{entry}: MathJax reported a TeX error"


@pytest.mark.parametrize("entry", TOC_FILES)
def test_page_works_opened_from_disk(browser, built_book, entry):
    """The same page opened as a file (file://), as a reader without a web server would."""
    loaded = open_page(browser, built_book.html.as_uri() + "/", entry, shots=None)
    try:
        page = loaded.page
        assert not loaded.blocked, f"{entry} tried to load from other hosts: {loaded.blocked}"
        unexpected = [e for e in loaded.errors if not any(k.search(e) for k in KNOWN_ERRORS)]
        assert not unexpected, f"{entry} from disk: console errors {unexpected}"
        assert page.locator("mjx-container").count() >= page.locator(".math").count() > 0
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        assert widget_roots(page).count() == views
    finally:
        loaded.page.context.close()


def widget_roots(page):
    return page.locator(".widget-subarea")


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_widgets_are_rendered_from_saved_state(pages, entry):
    page = pages(entry).page
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    roots = widget_roots(page)
    assert roots.count() == views, f"{entry}: {roots.count()} of {views} widgets rendered"
    for i in range(roots.count()):
        root = roots.nth(i)
        assert root.locator(".jupyter-widgets").count() > 0, f"{entry}: widget {i} is empty"
        assert "Error displaying widget" not in root.inner_text()
        assert (
            root.locator(".widget-output img").count() > 0
            or root.locator(".widget-output").count() == 0
        ), f"{entry}: widget {i} shows no frame image"


def frame(root) -> str:
    return root.evaluate(FRAME_JS)


def snap(root, shots: Path, label: str) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(shots / f"{label}.png"))


def changed(page, root, before, timeout_ms=3000) -> bool:
    """Wait until the widget's visible frame differs from ``before``."""
    waited = 0
    while waited <= timeout_ms:
        if frame(root) != before:
            return True
        page.wait_for_timeout(100)
        waited += 100
    return False


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_every_control_changes_the_visible_frame(pages, built_book, entry):
    loaded = pages(entry)
    page = loaded.page
    shots = built_book.screenshots / loaded.name
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views == 0:
        return  # a page without widgets has nothing to exercise
    roots = widget_roots(page)
    assert roots.count() == views, f"{entry}: {roots.count()} of {views} widgets rendered"
    exercised = 0
    for w in range(roots.count()):
        root = roots.nth(w)
        if root.locator(".nnkit-playground").count():
            exercised += 1  # the playground: test_playground_browser.py exercises it
            continue
        root.scroll_into_view_if_needed()

        handles = root.locator(".noUi-handle")
        for j in range(handles.count()):
            handle = handles.nth(j)
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            before = frame(root)
            snap(root, shots, f"w{w}-slider{j}-before")
            handle.focus()
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            assert changed(page, root, before), f"{entry} widget {w}: slider {j} changed nothing"
            snap(root, shots, f"w{w}-slider{j}-after")
            exercised += 1

        toggles = root.locator(".widget-toggle-buttons")
        for j in range(toggles.count()):
            other = toggles.nth(j).locator("button:not(.mod-active)").first
            before = frame(root)
            snap(root, shots, f"w{w}-toggle{j}-before")
            other.click()
            assert changed(page, root, before), f"{entry} widget {w}: toggle {j} changed nothing"
            snap(root, shots, f"w{w}-toggle{j}-after")
            exercised += 1

        menus = root.locator(".widget-dropdown select")
        for j in range(menus.count()):
            menu = menus.nth(j)
            values = menu.locator("option").evaluate_all("os => os.map(o => o.value)")
            current = menu.input_value()
            before = frame(root)
            menu.select_option(next(v for v in values if v != current))
            assert changed(page, root, before), f"{entry} widget {w}: menu {j} changed nothing"
            exercised += 1

        plays = root.locator(".widget-play")
        for j in range(plays.count()):
            play = plays.nth(j)
            before = frame(root)
            snap(root, shots, f"w{w}-play{j}-before")
            toggle = play.locator("button").first  # play, and pause while playing
            toggle.click()
            moved = changed(page, root, before, timeout_ms=5000)
            snap(root, shots, f"w{w}-play{j}-after")
            toggle.click()  # pause, so that the frame stands still for what follows
            assert moved, f"{entry} widget {w}: Play {j} did not advance the frame"
            exercised += 1
    assert exercised, f"{entry} shows widgets but none has a control to exercise"


# The axe-core rule results that fail the test (axe's own impact levels).
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + '  ' + n.html.slice(0, 160)),
  }));
}"""


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("entry", TOC_FILES)
def test_no_serious_accessibility_violations(pages, entry, mode):
    """axe-core on the rendered page (widgets included): nothing serious or critical."""
    if not AXE.is_file():
        pytest.fail(f"no {AXE}: run `python tools/sphinx_ext/vendor_assets.py` (npm ci)")
    page = pages(entry, mode).page
    page.wait_for_timeout(300)  # let the theme's colour transitions finish
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_JS)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}), {len(v['nodes'])} nodes, e.g. {v['nodes'][0]}"
        for v in blocking
    )
    assert not blocking, f"{entry} in {mode} mode:\n{report}"


LUMINANCE_JS = """(el) => {
  const rgb = getComputedStyle(el).color.match(/[\\d.]+/g).slice(0, 3).map(Number);
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}"""


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_theme_and_widgets_follow_the_readers_colour_preference(pages, entry, mode):
    """The theme takes the reader's preference; widget text is light on dark, dark on light."""
    page = pages(entry, mode).page
    assert page.evaluate("() => document.documentElement.dataset.theme") == mode
    labels = page.locator(".widget-subarea .widget-label")
    if labels.count() == 0:
        return  # a page without labelled widgets
    text = labels.first.evaluate(LUMINANCE_JS)
    page_background = page.evaluate(
        "() => getComputedStyle(document.body).backgroundColor"
    )
    if mode == "dark":
        assert text > 0.6, f"{entry}: widget labels are dark ({text:.2f}) on the dark page"
    else:
        assert text < 0.4, f"{entry}: widget labels are light ({text:.2f}) on {page_background}"


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_a_slider_is_reached_with_tab_and_moved_with_the_arrow_keys(pages, entry):
    page = pages(entry, "dark").page
    with_sliders = widget_roots(page).filter(has=page.locator('[role="slider"]'))
    if with_sliders.count() == 0:
        return  # a page without sliders
    root = with_sliders.first
    handle = root.locator('[role="slider"]').first
    handle.scroll_into_view_if_needed()
    # Clicking plain text sets where Tab starts from, as a reader's click would.
    label = root.locator(".widget-slider .widget-label").first
    label.click()
    for _ in range(12):
        page.keyboard.press("Tab")
        if handle.evaluate("(h) => h === document.activeElement"):
            break
    else:
        pytest.fail(f"{entry}: Tab from the slider's label never reached the slider")
    assert handle.get_attribute("aria-labelledby") or handle.get_attribute("aria-label")
    before_value = handle.get_attribute("aria-valuenow")
    before = frame(root)
    at_end = before_value == handle.get_attribute("aria-valuemax")
    page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    assert changed(page, root, before), f"{entry}: the arrow key did not change the frame"
    assert handle.get_attribute("aria-valuenow") != before_value
