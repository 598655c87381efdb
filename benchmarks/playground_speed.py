"""How fast the playground trains in the page, next to nnkit in Python.

Side by side on this machine: the page's trainer (nnkit/course/playground/js/trainer.mjs,
JavaScript with its matrix products in WebAssembly) in headless Chromium and ``nk.fit``
in Python train the same 2-16-16-1 network (ReLU, BCE on logits, SGD, lr 0.1) on the
same 200 moons, full batch, from the same nnkit weights, for --epochs epochs after one
warm-up epoch; the final losses must agree to 1e-9. The same work on both sides: the
page's epoch also computes the per-layer gradient norms it plots, nk.fit's does not;
neither evaluates a validation set; each nk.fit call measures an initial loss (one
forward pass per slice: with the defaults about 0.1 % more work for Python). Each
repeat times the two in turns, --slices slices of its epochs each (nk.fit, the page,
nk.fit, ...), so that both meet the same load on a shared machine; its ratio is page /
nk.fit in epochs per second, and the summary gives the ratios' minimum and median.
Then the frames per second the playground draws while it trains (its default speed, 10
epochs per frame, and as fast as possible). A measurement, not a test: the numbers
depend on the machine and its load.

    python benchmarks/playground_speed.py [--epochs 3000] [--repeats 5] [--slices 10]

Needs Chromium (/usr/bin/chromium or $CHROMIUM) and Playwright, as the browser tests do.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import nnkit as nk
from nnkit.course.playground import Playground
from nnkit.course.playground.widget import JS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES = [2, 16, 16, 1]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>playground speed</title>
<style>{css}</style></head><body><main><div id="root"></div></main>
<script type="module">
// The trainer as the page gets it: from a blob, as anywidget loads its module.
const load = (source) =>
  import(URL.createObjectURL(new Blob([source], {{type: "text/javascript"}})));
window.trainerModule = load({trainer});
window.widgetModule = load({bundle});
</script></body></html>"""

START_JS = """async (spec) => {
  const { Trainer } = await window.trainerModule;
  window.trainer = new Trainer(spec);
  window.trainer.step();  // the first epoch also measures the initial loss; warm-up
}"""

SLICE_JS = """(epochs) => {
  const start = performance.now();
  for (let e = 0; e < epochs; e++) window.trainer.step();
  const seconds = (performance.now() - start) / 1000;
  return { seconds, loss: window.trainer.history.epochLoss.at(-1) };
}"""

FPS_JS = """async ([state, speed]) => {
  const mod = await window.widgetModule;
  const root = document.getElementById("root");
  root.replaceChildren();
  const model = { get: (k) => state[k], set() {}, save_changes() {}, on() {}, off() {} };
  mod.default.render({ model, el: root });
  const select = [...root.querySelectorAll("select")].find((s) => s.id.endsWith("-speed"));
  select.value = String(speed);
  select.dispatchEvent(new Event("change"));
  [...root.querySelectorAll("button")].find((b) => b.textContent === "Play").click();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return { fps: Number(root.dataset.fps), epoch: Number(root.dataset.epoch) };
}"""


def repeat(page, spec, X, y, epochs: int, slices: int) -> tuple[float, float]:
    """One repeat: `epochs` epochs on each side after a warm-up epoch, in `slices` turns
    (nk.fit, then the page, and again), so that both meet the same load. Returns the
    epochs per second of nk.fit and of the page; checks that their losses agree."""
    model = nk.mlp(SIZES, activation="relu", rng=0)
    optimizer = nk.SGD(model.parameters(), lr=0.1)
    nk.fit(model, X, y, nk.BCEWithLogitsLoss(), optimizer, epochs=1)  # warm-up
    page.evaluate(START_JS, spec)
    python_seconds = page_seconds = 0.0
    for part in np.array_split(np.arange(epochs), slices):
        start = time.perf_counter()
        history = nk.fit(model, X, y, nk.BCEWithLogitsLoss(), optimizer, epochs=len(part))
        python_seconds += time.perf_counter() - start
        run = page.evaluate(SLICE_JS, len(part))
        page_seconds += run["seconds"]
    np.testing.assert_allclose(run["loss"], history.epoch_loss[-1], rtol=1e-9)
    return epochs / python_seconds, epochs / page_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slices", type=int, default=10)
    args = parser.parse_args()

    X, y = nk.datasets.moons(200, noise=0.2, rng=0)
    model = nk.mlp(SIZES, activation="relu", rng=0)
    dense = [layer for layer in model if isinstance(layer, nk.Dense)]
    spec = {"sizes": SIZES, "activation": "relu", "loss": "bce_logits",
            "weights": [d.W.value.tolist() for d in dense],
            "biases": [d.b.value.tolist() for d in dense],
            "X": X.tolist(), "y": y.tolist(), "optimizer": {"name": "sgd", "lr": 0.1}}

    pg = Playground(n=200, hidden_layers=2, width=16, activation="relu", seed=0)
    state = {k: getattr(pg, k) for k in ("settings", "points", "initial", "question")}
    trainer = (JS / "trainer.mjs").read_text(encoding="utf-8")
    html = PAGE.format(css=pg._css, trainer=json.dumps(trainer), bundle=json.dumps(pg._esm))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        page_file = Path(folder) / "speed.html"
        page_file.write_text(html, encoding="utf-8")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(page_file.as_uri())
        print(f"network {'-'.join(map(str, SIZES))}, 200 points, full batch, {args.epochs} epochs "
              f"per repeat in {args.slices} turns, {args.repeats} repeats")
        rows = []
        for number in range(1, args.repeats + 1):
            python_rate, page_rate = repeat(page, spec, X, y, args.epochs, args.slices)
            rows.append((python_rate, page_rate, page_rate / python_rate))
            print(f"repeat {number}: nk.fit {python_rate:8.0f} epochs/s, page {page_rate:8.0f} "
                  f"epochs/s, ratio {page_rate / python_rate:5.2f}", flush=True)
        fps = {speed: page.evaluate(FPS_JS, [state, speed]) for speed in (10, 0)}
        browser.close()

    python_rates, page_rates, ratios = np.array(rows).T
    print(f"nk.fit (Python, NumPy):          median {np.median(python_rates):8.0f} epochs/s")
    print(f"page trainer (Chromium, JS+Wasm): median {np.median(page_rates):8.0f} epochs/s")
    print(f"ratio page / nk.fit: min {ratios.min():.2f}, median {np.median(ratios):.2f}")
    print("final losses agree to 1e-9 relative in every repeat")
    for speed, result in fps.items():
        label = "as fast as possible" if speed == 0 else f"{speed} epochs per frame"
        print(f"playground while training ({label}): {result['fps']} frames/s, "
              f"{result['epoch']} epochs in 3 s")


if __name__ == "__main__":
    main()
