// The playground's front end: an anywidget module (export default { render }).
//
// The Python class (nnkit/course/playground/widget.py) puts in the model: `settings`
// (the controls' values), `points` (the data, training points first), `initial`
// (nnkit's initial weights for those settings) and `question` (a prompt to show).
// Everything else happens here, in the page, with no kernel needed: the trainer
// (trainer.mjs) trains, the map, curves, gradient norms and network diagram are drawn
// on canvases, and on every pause the trained weights go back to the model as `trained`
// (Python's `to_nnkit()` reads them there when a kernel is connected).
import {
  ACTIVATIONS, LOSSES, Random, Trainer, initialWeights, sigmoid,
} from "./trainer.mjs";
import { DATASETS, makeDataset } from "./data.mjs";
import { generateCode } from "./codegen.mjs";

/** Stop a run after this many epochs (memory for the curves stays bounded). */
const MAX_EPOCHS = 20000;
/**
 * A frame every 1000/30 ms at least: training gets what the drawing leaves of a 25 ms
 * frame (measured on the previous frame), between 2 and 8 ms.
 */
const FRAME_MS = 25;
const TRAIN_MS = [2, 8];
/** Cells per side of the decision map's grid. */
const GRID = 60;
const LOSS_LABELS = {
  bce_logits: "BCE on logits",
  bce: "sigmoid + BCE",
  mse: "MSE",
  cross_entropy: "softmax cross-entropy",
};
const INIT_LABELS = { default: "He for ReLU, else Xavier", he: "He", xavier: "Xavier", normal: "normal (0.01)", zeros: "zeros" };
const BATCHES = [null, 1, 4, 8, 16, 32, 64, 128];
/** The optimisers offered: nnkit.SGD (momentum below; Nesterov's form) and nnkit.Adam. */
const OPTIMIZER_LABELS = { sgd: "SGD", nesterov: "SGD, Nesterov momentum", adam: "Adam" };
/**
 * The learning rates the slider offers: 1, 2, 3 and 5 in each decade from 0.0001 to 1,
 * then 10 (so the values the chapters name, 0.01, 0.2, 0.3, 3 ..., can all be chosen).
 */
export const LEARNING_RATES = [-4, -3, -2, -1, 0]
  .flatMap((k) => [1, 2, 3, 5].map((m) => Number((m * 10 ** k).toPrecision(1))))
  .concat([10]);

/** The slider position nearest to `lr` (on a log scale). */
export function rateIndex(lr) {
  let best = 0;
  for (let i = 1; i < LEARNING_RATES.length; i += 1) {
    if (Math.abs(Math.log(LEARNING_RATES[i] / lr)) < Math.abs(Math.log(LEARNING_RATES[best] / lr))) best = i;
  }
  return best;
}
const L2S = [0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
const MOMENTA = [0, 0.5, 0.9, 0.95, 0.99];
const SHAPES = ["circle", "square", "triangle"];
/** Epochs per animation frame (at about 60 frames per second); 0: as many as fit in the budget. */
const SPEEDS = [[1, "1 epoch per frame"], [10, "10 epochs per frame"], [100, "100 epochs per frame"], [0, "as fast as possible"]];

let views = 0;

/** A number with `digits` significant digits, without trailing noise. */
function fmt(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

class Playground {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.id = `nnkit-pg-${++views}-${Math.floor(Math.random() * 1e6)}`;
    this.settings = { ...model.get("settings") };
    this.loadPoints(model.get("points"));
    this.python = model.get("initial");
    this.playing = false;
    this.trainer = null;
    this.frames = [];
    this.cursor = null;
    this.lastAnnounce = 0;
    this.speed = 10;
    this.build();
    this.rebuild();
    this.watchTheme();
    this.onModel = () => {
      this.settings = { ...this.model.get("settings") };
      this.loadPoints(this.model.get("points"));
      this.python = this.model.get("initial");
      this.syncControls();
      this.rebuild();
    };
    for (const name of ["settings", "points", "initial"]) model.on(`change:${name}`, this.onModel);
    this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  /**
   * Redraw in the new colours when the book's theme (html[data-theme]) or JupyterLab's
   * (body[data-jp-theme-light]) changes, and once the page's stylesheets have all loaded
   * (a widget may render before the theme's colours apply).
   */
  watchTheme() {
    const repaint = () => {
      this.palette = null;
      this.draw();
    };
    this.observer = new MutationObserver(repaint);
    this.observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "class"] });
    this.observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
    if (document.readyState !== "complete") window.addEventListener("load", repaint, { once: true });
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    if (this.observer) this.observer.disconnect();
    for (const name of ["settings", "points", "initial"]) this.model.off(`change:${name}`, this.onModel);
  }

  loadPoints(points) {
    this.points = {
      X: points.X.map((p) => [p[0], p[1]]),
      y: points.y.slice(),
      nTrain: points.n_train,
      source: points.source || null,
    };
    this.bounds = this.fitBounds();
  }

  // ------------------------------------------------------------ the page

  build() {
    const id = (name) => `${this.id}-${name}`;
    const s = this.settings;
    // jupyter-widgets: the class every rendered widget carries (the book's tests look for it).
    this.root.classList.add("nnkit-playground", "jupyter-widgets");
    const question = this.model.get("question");
    if (question) this.root.append(el("p", { class: "pg-question", text: question }));

    const select = (name, label, options, value) => {
      const control = el("select", { id: id(name) });
      for (const [v, text] of options) control.append(el("option", { value: v, text }));
      control.value = String(value);
      return [el("label", { for: id(name), text: label }), control];
    };
    const range = (name, label, min, max, step, value) => {
      const control = el("input", { id: id(name), type: "range", min, max, step, value });
      const output = el("output", { for: id(name), id: id(`${name}-out`) });
      return [el("label", { for: id(name), text: label }), el("span", { class: "pg-range" }, [control, output])];
    };
    const grid = (title, rows) => el("fieldset", { class: "pg-group" },
      [el("legend", { text: title }), el("div", { class: "pg-grid" }, rows.flat())]);

    const datasets = Object.entries(DATASETS).map(([k, d]) => [k, d.label]);
    const dataGroup = grid("Data", [
      select("dataset", "Data set", datasets, s.dataset),
      range("noise", "Noise", 0, 2, 0.01, s.noise),
      range("n", "Points", 20, 400, 10, s.n),
      range("validation", "Validation share", 0, 0.8, 0.05, s.validation),
    ]);
    const classes = el("fieldset", { class: "pg-classes" }, [el("legend", { text: "A click adds a point of class" })]);
    this.classRadios = [0, 1, 2].map((k) => {
      const radio = el("input", { type: "radio", name: id("class"), id: id(`class-${k}`), value: k });
      if (k === 0) radio.checked = true;
      const label = el("label", { for: id(`class-${k}`), class: `pg-class pg-class-${k}` }, [radio, ` ${k}`]);
      classes.append(label);
      return { radio, label };
    });
    dataGroup.append(classes);

    const netGroup = grid("Network", [
      select("layers", "Hidden layers", [0, 1, 2, 3, 4].map((k) => [k, String(k)]), s.hidden_layers),
      range("width", "Units per layer", 1, 16, 1, s.width),
      select("activation", "Activation", ACTIVATIONS.map((a) => [a, a]), s.activation),
      select("init", "Initialisation", Object.entries(INIT_LABELS), s.init || "default"),
      range("seed", "Seed", 0, 99, 1, s.seed),
    ]);
    const trainGroup = grid("Training", [
      select("loss", "Loss", Object.entries(LOSS_LABELS), s.loss),
      select("optimizer", "Optimiser", Object.entries(OPTIMIZER_LABELS), s.optimizer || "sgd"),
      range("lr", "Learning rate", 0, LEARNING_RATES.length - 1, 1, rateIndex(s.lr)),
      select("momentum", "Momentum", MOMENTA.map((m) => [m, String(m)]), s.momentum),
      select("batch", "Batch size", BATCHES.map((b) => [b ?? "full", b ?? "full batch"]), s.batch_size ?? "full"),
      select("l2", "L2 weight decay", L2S.map((v) => [v, String(v)]), s.weight_decay),
      select("speed", "Speed", SPEEDS, this.speed),
    ]);

    this.buttons = {
      play: el("button", { type: "button", class: "pg-play", text: "Play" }),
      step: el("button", { type: "button", text: "Step" }),
      reset: el("button", { type: "button", text: "Reset" }),
      clear: el("button", { type: "button", text: "Remove all points" }),
      code: el("button", { type: "button", "aria-expanded": "false", "aria-controls": id("code"), text: "Show code" }),
    };
    this.buttons.step.title = "Train one epoch";
    this.buttons.reset.title = "Back to the initial weights";
    const buttons = el("div", { class: "pg-buttons", role: "group", "aria-label": "Run" }, Object.values(this.buttons));

    this.message = el("p", { class: "pg-message", role: "alert" });
    this.status = el("p", { class: "pg-status", id: id("status"), "aria-hidden": "true" });
    this.live = el("p", { class: "pg-sr-only", "aria-live": "polite", id: id("live") });

    this.map = el("canvas", {
      class: "pg-map", tabindex: 0, role: "application", "aria-roledescription": "data map",
      "aria-describedby": id("map-help"),
    });
    const help = el("p", { class: "pg-help", id: id("map-help"),
      text: "Click to add a point of the chosen class; shift- or alt-click removes the nearest point. " +
        "Keyboard: arrow keys move the cross, Enter adds a point there, Delete removes the nearest." });
    this.curves = el("canvas", { class: "pg-curves", role: "img" });
    this.norms = el("canvas", { class: "pg-norms", role: "img" });
    this.diagram = el("canvas", { class: "pg-diagram", role: "img" });
    this.code = el("pre", { class: "pg-code", id: id("code"), tabindex: 0, "aria-label": "nnkit code of this run", hidden: true });

    const figures = el("div", { class: "pg-figures" }, [
      el("figure", {}, [this.map, el("figcaption", { text: "Decision map, training points filled, validation points hollow" })]),
      el("figure", {}, [this.curves, el("figcaption", { text: "Loss per epoch: training (solid), validation (dashed)" })]),
      el("figure", {}, [this.norms, el("figcaption", { text: "Gradient norm ‖∂J/∂W‖ per layer (log scale)" })]),
      el("figure", {}, [this.diagram, el("figcaption", { text: "Weights: blue positive, orange negative, width |w|" })]),
    ]);
    this.root.append(
      el("div", { class: "pg-controls" }, [dataGroup, netGroup, trainGroup]),
      buttons, this.message, this.status, this.live, figures, help, this.code,
    );
    this.controls = {};
    for (const name of ["dataset", "noise", "n", "validation", "layers", "width", "activation", "init",
      "seed", "loss", "optimizer", "lr", "momentum", "batch", "l2", "speed"]) {
      this.controls[name] = this.root.querySelector(`#${id(name)}`);
    }
    this.outputs = {};
    for (const name of ["noise", "n", "validation", "width", "seed", "lr"]) {
      this.outputs[name] = this.root.querySelector(`#${id(`${name}-out`)}`);
    }
    this.wire();
    this.syncControls();
  }

  /** The controls show the settings (and the loss offers what the data allow). */
  syncControls() {
    const s = this.settings;
    const c = this.controls;
    c.dataset.value = s.dataset;
    c.noise.value = s.noise;
    c.n.value = s.n;
    c.validation.value = s.validation;
    c.layers.value = s.hidden_layers;
    c.width.value = s.width;
    c.activation.value = s.activation;
    c.init.value = s.init || "default";
    c.seed.value = s.seed;
    c.loss.value = s.loss;
    c.lr.value = rateIndex(s.lr);
    c.momentum.value = String(s.momentum);
    c.optimizer.value = s.optimizer || "sgd";
    c.momentum.disabled = s.optimizer === "adam"; // Adam keeps its own averages
    c.batch.value = s.batch_size == null ? "full" : String(s.batch_size);
    c.l2.value = String(s.weight_decay);
    const binary = this.nClasses() === 2;
    for (const option of c.loss.options) option.disabled = !binary && LOSSES[option.value].binary;
    this.classRadios.forEach(({ radio, label }, k) => {
      label.hidden = k >= this.nClasses();
      if (k >= this.nClasses() && radio.checked) this.classRadios[0].radio.checked = true;
    });
    this.showValues();
  }

  showValues() {
    const s = this.settings;
    const o = this.outputs;
    o.noise.textContent = fmt(s.noise);
    o.n.textContent = String(s.n);
    o.validation.textContent = `${Math.round(s.validation * 100)} %`;
    o.width.textContent = String(s.width);
    o.seed.textContent = String(s.seed);
    o.lr.textContent = fmt(s.lr);
    this.controls.lr.setAttribute("aria-valuetext", `learning rate ${fmt(s.lr)}`);
    this.controls.validation.setAttribute("aria-valuetext", `${Math.round(s.validation * 100)} percent`);
  }

  wire() {
    const c = this.controls;
    const change = (name, apply) => c[name].addEventListener(c[name].type === "range" ? "input" : "change", () => {
      apply(c[name].value);
      this.showValues();
    });
    const regenerate = () => {
      const s = this.settings;
      try {
        const { X, y } = makeDataset(s.dataset, s.n, s.noise, s.seed);
        this.points = { X, y, nTrain: X.length - Math.round(s.validation * X.length), source: null };
        this.bounds = this.fitBounds();
      } catch (error) {
        this.say(error.message);
      }
      this.syncControls();
      this.rebuild();
    };
    change("dataset", (v) => {
      this.settings.dataset = v;
      this.settings.noise = DATASETS[v].noise;
      if (DATASETS[v].classes > 2) this.settings.loss = "cross_entropy";
      regenerate();
    });
    change("noise", (v) => { this.settings.noise = Number(v); });
    c.noise.addEventListener("change", regenerate);
    change("n", (v) => { this.settings.n = Number(v); });
    c.n.addEventListener("change", regenerate);
    change("validation", (v) => {
      this.settings.validation = Number(v);
      const p = this.points;
      const nTrain = Math.max(0, p.X.length - Math.round(Number(v) * p.X.length));
      if (nTrain !== p.nTrain) {
        p.nTrain = nTrain;
        p.source = p.source && { ...p.source, stale: true };
        this.rebuild();
      }
    });
    const rebuildOn = (name, apply) => change(name, (v) => { apply(v); this.rebuild(); });
    rebuildOn("layers", (v) => { this.settings.hidden_layers = Number(v); });
    rebuildOn("width", (v) => { this.settings.width = Number(v); });
    rebuildOn("activation", (v) => { this.settings.activation = v; });
    rebuildOn("init", (v) => { this.settings.init = v === "default" ? null : v; });
    rebuildOn("seed", (v) => { this.settings.seed = Number(v); });
    rebuildOn("loss", (v) => { this.settings.loss = v; });
    rebuildOn("momentum", (v) => { this.settings.momentum = Number(v); });
    rebuildOn("batch", (v) => { this.settings.batch_size = v === "full" ? null : Number(v); });
    rebuildOn("l2", (v) => { this.settings.weight_decay = Number(v); });
    rebuildOn("optimizer", (v) => {
      this.settings.optimizer = v;
      this.controls.momentum.disabled = v === "adam";
    });
    change("speed", (v) => { this.speed = Number(v); });
    // The learning rate changes the running optimiser: no reset (a new segment of the run).
    change("lr", (v) => {
      this.settings.lr = LEARNING_RATES[Number(v)];
      if (this.trainer) this.trainer.optimizer.lr = this.settings.lr;
      this.draw();
    });

    this.buttons.play.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.buttons.step.addEventListener("click", () => {
      this.pause();
      if (this.check()) {
        this.train(1);
        this.publish();
        this.draw();
        this.announce();
      }
    });
    this.buttons.reset.addEventListener("click", () => {
      const playing = this.playing;
      this.rebuild();
      if (!playing) this.announce();
    });
    this.buttons.clear.addEventListener("click", () => {
      this.points = { X: [], y: [], nTrain: 0, source: null };
      this.rebuild();
      this.announce("Removed every point.");
    });
    this.buttons.code.addEventListener("click", () => {
      const open = this.code.hidden;
      this.code.hidden = !open;
      this.buttons.code.setAttribute("aria-expanded", String(open));
      this.buttons.code.textContent = open ? "Hide code" : "Show code";
      if (open) this.code.textContent = this.codeText();
    });

    this.map.addEventListener("click", (event) => {
      const rect = this.map.getBoundingClientRect();
      const x = this.fromPixel(event.clientX - rect.left, event.clientY - rect.top, rect);
      if (event.shiftKey || event.altKey) this.removeNear(x);
      else this.addPoint(x);
    });
    this.map.addEventListener("keydown", (event) => this.mapKey(event));
    this.map.addEventListener("blur", () => { this.cursor = null; this.drawMap(); });
  }

  // ------------------------------------------------------------ data and network

  nClasses() {
    return DATASETS[this.settings.dataset].classes;
  }

  sizes() {
    const s = this.settings;
    const units = LOSSES[s.loss].units(this.nClasses());
    return [2, ...Array(s.hidden_layers).fill(s.width), units];
  }

  /** Python's initial weights if they are for these settings, else the page's own draw. */
  initialWeights() {
    const s = this.settings;
    const sizes = this.sizes();
    const py = this.python;
    const key = JSON.stringify([sizes, s.activation, s.init || null, s.seed, LOSSES[s.loss].output]);
    if (py && py.key === key) return { weights: py.weights, biases: py.biases, source: py.source };
    const drawn = initialWeights(sizes, s.activation, s.init, new Random(s.seed));
    return { ...drawn, source: null };
  }

  /** The trainer's optimiser options from the settings. */
  optimizerSpec() {
    const s = this.settings;
    const name = s.optimizer === "adam" ? "adam" : "sgd";
    return {
      name, lr: s.lr, weightDecay: s.weight_decay,
      momentum: name === "sgd" ? s.momentum : 0, nesterov: s.optimizer === "nesterov",
    };
  }

  /** Why the data cannot be trained on, or null. */
  problem() {
    const { X, y, nTrain } = this.points;
    if (!X.length || !nTrain) {
      return "There are no training points: click on the map to add some, pick a data set, " +
        "or lower the validation share.";
    }
    if (new Set(y.slice(0, nTrain)).size < 2) {
      return "The training points are all of one class: choose another class above the map " +
        "and click to add a point of it.";
    }
    return null;
  }

  /** A new run from the initial weights with the current settings (keeps playing). */
  rebuild() {
    const s = this.settings;
    this.segments = [];
    this.trainer = null;
    this.say(this.problem() || "");
    if (!this.problem()) {
      const p = this.points;
      const init = this.initialWeights();
      try {
        this.trainer = new Trainer({
          sizes: this.sizes(), activation: s.activation, loss: s.loss,
          weights: init.weights, biases: init.biases,
          X: p.X.slice(0, p.nTrain), y: p.y.slice(0, p.nTrain),
          Xval: p.X.slice(p.nTrain), yval: p.y.slice(p.nTrain),
          optimizer: this.optimizerSpec(),
          batchSize: s.batch_size, seed: s.seed,
        });
        this.init = init;
      } catch (error) {
        this.say(error.message);
      }
    }
    if (!this.trainer) this.pause();
    this.publish();
    this.draw();
  }

  fitBounds() {
    const X = this.points.X;
    if (!X.length) return { x0: -1.5, x1: 1.5, y0: -1.5, y1: 1.5 };
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [a, b] of X) {
      x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b);
    }
    const half = Math.max(x1 - x0, y1 - y0, 1e-3) * 0.6;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
  }

  fromPixel(px, py, rect) {
    const b = this.bounds;
    return [b.x0 + (px / rect.width) * (b.x1 - b.x0), b.y1 - (py / rect.height) * (b.y1 - b.y0)];
  }

  chosenClass() {
    const k = this.classRadios.findIndex(({ radio }) => radio.checked);
    return k < 0 ? 0 : k;
  }

  /** A training point at x (of the chosen class); the run starts again on the new data. */
  addPoint(x) {
    const p = this.points;
    p.X.splice(p.nTrain, 0, [Number(fmt(x[0], 4)), Number(fmt(x[1], 4))]);
    p.y.splice(p.nTrain, 0, this.chosenClass());
    p.nTrain += 1;
    p.source = null;
    this.rebuild();
    this.announce(`Added a point of class ${this.chosenClass()} at (${fmt(x[0], 2)}, ${fmt(x[1], 2)}).`);
  }

  removeNear(x) {
    const p = this.points;
    if (!p.X.length) return;
    let best = 0;
    let bestDistance = Infinity;
    p.X.forEach(([a, b], i) => {
      const d = (a - x[0]) ** 2 + (b - x[1]) ** 2;
      if (d < bestDistance) { best = i; bestDistance = d; }
    });
    const [removed] = p.X.splice(best, 1);
    const [label] = p.y.splice(best, 1);
    if (best < p.nTrain) p.nTrain -= 1;
    p.source = null;
    this.rebuild();
    this.announce(`Removed a point of class ${label} at (${fmt(removed[0], 2)}, ${fmt(removed[1], 2)}).`);
  }

  mapKey(event) {
    const b = this.bounds;
    const step = (b.x1 - b.x0) / 30;
    if (!this.cursor) this.cursor = [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2];
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      this.cursor = [Math.min(b.x1, Math.max(b.x0, this.cursor[0] + dx)), Math.min(b.y1, Math.max(b.y0, this.cursor[1] + dy))];
      this.drawMap();
    } else if (event.key === "Enter" || event.key === " ") {
      this.addPoint(this.cursor);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      this.removeNear(this.cursor);
    } else {
      return;
    }
    event.preventDefault();
  }

  // ------------------------------------------------------------ running

  check() {
    const problem = this.problem();
    if (problem) {
      this.say(problem);
      return false;
    }
    if (!this.trainer) return false;
    if (this.trainer.history.diverged) {
      this.say(this.divergedText() + " Press Reset to start again.");
      return false;
    }
    return true;
  }

  play() {
    if (!this.check()) return;
    this.playing = true;
    this.buttons.play.textContent = "Pause";
    this.announce("Training.");
  }

  pause() {
    const was = this.playing;
    this.playing = false;
    this.buttons.play.textContent = "Play";
    if (was) {
      this.publish();
      this.announce();
    }
  }

  /** Train `epochs` epochs (or until `deadline`), recording the learning-rate segments. */
  train(epochs, deadline = Infinity) {
    const t = this.trainer;
    for (let e = 0; e < epochs; e++) {
      if (!t.step()) {
        this.pause();
        this.say(this.divergedText());
        this.announce(this.divergedText());
        return;
      }
      const lr = t.optimizer.lr;
      const last = this.segments[this.segments.length - 1];
      if (last && last.lr === lr) last.epochs += 1;
      else this.segments.push({ lr, epochs: 1 });
      if (t.epoch >= MAX_EPOCHS) {
        this.pause();
        this.say(`Stopped after ${MAX_EPOCHS} epochs: press Reset to start again.`);
        return;
      }
      if (performance.now() > deadline) return;
    }
  }

  divergedText() {
    const h = this.trainer.history;
    return `The run diverged in epoch ${h.divergedEpoch}: the loss became too large (or not a number), ` +
      "so training stopped. Lower the learning rate and press Reset.";
  }

  frame(time) {
    this.raf = requestAnimationFrame((t) => this.frame(t));
    if (!this.playing || !this.root.isConnected) return;
    const start = performance.now();
    const budget = Math.min(TRAIN_MS[1], Math.max(TRAIN_MS[0], FRAME_MS - (this.drawMs || 0)));
    this.train(this.speed || Infinity, start + budget);
    const drawStart = performance.now();
    this.draw();
    this.drawMs = performance.now() - drawStart;
    this.frames.push(time);
    while (this.frames.length && this.frames[0] < time - 1000) this.frames.shift();
    this.root.dataset.fps = String(this.frames.length);
    if (time - this.lastAnnounce > 3000) this.announce();
  }

  /** The state in words: the status line always, the live region when asked. */
  stateText() {
    const t = this.trainer;
    const p = this.points;
    const data = `${p.nTrain} training and ${p.X.length - p.nTrain} validation points`;
    if (!t) return `No network is training: ${data}.`;
    const h = t.history;
    const sizes = this.sizes().join("-");
    if (!t.epoch) return `Network ${sizes}, ${data}, learning rate ${fmt(t.optimizer.lr)}: not trained yet.`;
    let text = `Epoch ${t.epoch}: training loss ${fmt(h.epochLoss[t.epoch - 1], 4)}`;
    if (h.valLoss.length) {
      text += `, validation loss ${fmt(h.valLoss[t.epoch - 1], 4)}, validation accuracy ` +
        `${Math.round(100 * h.valAccuracy[t.epoch - 1])} %`;
    }
    return `${text}; network ${sizes}, learning rate ${fmt(t.optimizer.lr)}, ${data}.`;
  }

  announce(extra = "") {
    this.lastAnnounce = performance.now();
    this.live.textContent = extra ? `${extra} ${this.stateText()}` : this.stateText();
  }

  say(text) {
    if (this.message.textContent !== text) this.message.textContent = text;
    this.root.dataset.message = text;
  }

  /** The run as numbers, for the code and for Python. */
  run() {
    const s = this.settings;
    const p = this.points;
    const init = this.init || this.initialWeights();
    return {
      data: { X: p.X, y: p.y, nTrain: p.nTrain, source: p.source && !p.source.stale ? p.source : null },
      sizes: this.sizes(), activation: s.activation, init: s.init, loss: s.loss, seed: s.seed,
      initial: init, batchSize: s.batch_size,
      optimizer: this.optimizerSpec(),
      segments: this.segments,
    };
  }

  codeText() {
    return generateCode(this.run());
  }

  /** Hand the trained network back to the model (for to_nnkit() in a kernel). */
  publish() {
    const t = this.trainer;
    const p = this.points;
    const state = t ? {
      ...t.net.toLists(), sizes: this.sizes(), activation: this.settings.activation, loss: this.settings.loss,
      epoch: t.epoch, diverged: t.history.diverged,
      X: p.X.slice(0, p.nTrain), y: p.y.slice(0, p.nTrain),
      outputs: t.predict(p.X.slice(0, p.nTrain)),
      epoch_loss: t.history.epochLoss.slice(), val_loss: t.history.valLoss.slice(),
      code: this.codeText(),
    } : {};
    this.root.dataset.epoch = String(t ? t.epoch : 0);
    try {
      this.model.set("trained", state);
      const saved = this.model.save_changes();
      if (saved && saved.catch) saved.catch(() => {});
    } catch {
      // The static book has no kernel to send the state to: nothing to do.
    }
  }

  // ------------------------------------------------------------ drawing

  /**
   * The palette from the CSS variables (light or dark), read again only when the theme
   * changes (watchTheme): reading computed styles every frame would cost more than the
   * drawing.
   */
  colours() {
    if (this.palette) return this.palette;
    this.palette = this.readColours();
    this.palette.rgb = this.palette.classes.map(parseColour);
    this.palette.bgRgb = parseColour(this.palette.bg);
    return this.palette;
  }

  readColours() {
    const style = getComputedStyle(this.root);
    const get = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    return {
      fg: get("--pg-fg", "#222"),
      bg: get("--pg-bg", "#fff"),
      muted: get("--pg-muted", "#666"),
      classes: [get("--pg-class-0", "#0072b2"), get("--pg-class-1", "#e69f00"), get("--pg-class-2", "#009e73")],
      val: get("--pg-val", "#cc3311"),
    };
  }

  /** Size a canvas for the screen's pixel ratio; returns its 2-D context in CSS pixels. */
  context(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  draw() {
    this.colour = this.colours();
    this.drawMap();
    this.drawCurves();
    // While playing, the bars and the diagram follow every fourth frame (15 a second).
    this.drawn = (this.drawn || 0) + 1;
    if (!this.playing || this.drawn % 4 === 0) {
      this.drawNorms();
      this.drawDiagram();
    }
    this.status.textContent = this.stateText();
    this.root.dataset.epoch = String(this.trainer ? this.trainer.epoch : 0);
    this.root.dataset.loss = this.trainer && this.trainer.epoch
      ? String(this.trainer.history.epochLoss[this.trainer.epoch - 1]) : "";
  }

  /** Class probabilities of the grid's cells from the network's outputs. */
  drawMap() {
    const size = 300;
    const ctx = this.context(this.map, size, size);
    const c = this.colour || this.colours();
    const b = this.bounds;
    ctx.fillStyle = c.bg;
    ctx.fillRect(0, 0, size, size);
    const t = this.trainer;
    if (t) {
      const count = GRID * GRID;
      const cells = new Float64Array(count * 2); // feature-major: all x1, then all x2
      for (let i = 0; i < GRID; i++) {
        for (let j = 0; j < GRID; j++) {
          cells[i * GRID + j] = b.x0 + ((j + 0.5) / GRID) * (b.x1 - b.x0);
          cells[count + i * GRID + j] = b.y1 - ((i + 0.5) / GRID) * (b.y1 - b.y0);
        }
      }
      const out = t.net.forward(cells, count);
      const units = t.units;
      const image = ctx.createImageData(GRID, GRID);
      const rgb = c.rgb;
      const back = c.bgRgb;
      for (let q = 0; q < GRID * GRID; q++) {
        let k;
        let confidence;
        if (units === 1) {
          const v = out[q];
          const p = this.settings.loss === "bce_logits" ? sigmoid(v) : Math.min(1, Math.max(0, v));
          k = p >= 0.5 ? 1 : 0;
          confidence = Math.abs(2 * p - 1);
        } else {
          let max = -Infinity;
          k = 0;
          for (let u = 0; u < units; u++) if (out[u * count + q] > max) { max = out[u * count + q]; k = u; }
          let sum = 0;
          for (let u = 0; u < units; u++) sum += Math.exp(out[u * count + q] - max);
          confidence = (1 / sum - 1 / units) / (1 - 1 / units);
        }
        if (!Number.isFinite(confidence)) confidence = 0;
        const mix = 0.12 + 0.5 * confidence;
        for (let ch = 0; ch < 3; ch++) image.data[q * 4 + ch] = back[ch] + (rgb[k][ch] - back[ch]) * mix;
        image.data[q * 4 + 3] = 255;
      }
      if (!this.scratch) {
        this.scratch = document.createElement("canvas");
        this.scratch.width = GRID;
        this.scratch.height = GRID;
      }
      const scratch = this.scratch;
      scratch.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(scratch, 0, 0, size, size);
    }
    const p = this.points;
    const toPixel = ([x, y]) => [((x - b.x0) / (b.x1 - b.x0)) * size, ((b.y1 - y) / (b.y1 - b.y0)) * size];
    p.X.forEach((x, i) => {
      const [px, py] = toPixel(x);
      marker(ctx, SHAPES[p.y[i]] || "circle", px, py, 4.2, c.classes[p.y[i]], c.fg, i >= p.nTrain ? c.bg : null);
    });
    if (this.cursor && document.activeElement === this.map) {
      const [px, py] = toPixel(this.cursor);
      ctx.strokeStyle = c.fg;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(px - 9, py); ctx.lineTo(px + 9, py); ctx.moveTo(px, py - 9); ctx.lineTo(px, py + 9);
      ctx.stroke();
    }
    const counts = [0, 1, 2].map((k) => p.y.filter((v) => v === k).length).slice(0, this.nClasses());
    this.map.setAttribute("aria-label", `Decision map with ${p.X.length} points (` +
      counts.map((n, k) => `${n} of class ${k}`).join(", ") + `); ${this.stateText()}`);
  }

  drawCurves() {
    const [w, hgt] = [300, 170];
    const ctx = this.context(this.curves, w, hgt);
    const c = this.colour;
    ctx.clearRect(0, 0, w, hgt);
    const t = this.trainer;
    const train = t ? t.history.epochLoss : [];
    const val = t ? t.history.valLoss : [];
    const pad = { l: 44, r: 8, t: 8, b: 28 };
    const all = train.concat(val).filter(Number.isFinite);
    const top = all.length ? Math.max(...all.slice(0, 50), ...all.slice(-50)) * 1.05 || 1 : 1;
    ctx.strokeStyle = c.muted;
    ctx.fillStyle = c.fg;
    ctx.font = "11px sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, hgt - pad.t - pad.b);
    ctx.fillText(fmt(top, 2), 4, pad.t + 10);
    ctx.fillText("0", 30, hgt - pad.b);
    const epochs = Math.max(train.length, 10);
    ctx.fillText(`epoch ${train.length}`, w - 80, hgt - 8);
    ctx.fillText("loss", 4, hgt / 2);
    const line = (values, colour, dash) => {
      if (!values.length) return;
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash);
      ctx.lineWidth = 1.8;
      ctx.beginPath();
      const stride = Math.max(1, Math.floor(values.length / 600));
      for (let i = 0; i < values.length; i += stride) {
        const x = pad.l + ((i + 1) / epochs) * (w - pad.l - pad.r);
        const v = Math.min(Math.max(values[i], 0), top);
        const y = hgt - pad.b - (v / top) * (hgt - pad.t - pad.b);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(train, c.fg, []);
    line(val, c.val, [5, 3]);
    const last = (a) => (a.length ? fmt(a[a.length - 1], 3) : "none");
    this.curves.setAttribute("aria-label", `Loss curves over ${train.length} epochs: training loss ` +
      `now ${last(train)}, validation loss now ${last(val)}.`);
  }

  drawNorms() {
    const t = this.trainer;
    const layers = t ? t.net.layers.length : 1;
    const [w, hgt] = [300, 30 + 22 * layers];
    const ctx = this.context(this.norms, w, hgt);
    const c = this.colour;
    ctx.clearRect(0, 0, w, hgt);
    ctx.font = "11px sans-serif";
    ctx.fillStyle = c.fg;
    const norms = t && t.history.gradNorms.length ? t.history.gradNorms[t.history.gradNorms.length - 1] : [];
    const [lo, hi] = [-6, 2];
    const x0 = 60;
    const span = w - x0 - 60;
    for (let l = 0; l < layers; l++) {
      const y = 8 + 22 * l;
      ctx.fillStyle = c.fg;
      ctx.fillText(`layer ${l + 1}`, 4, y + 12);
      const v = norms[l];
      if (v === undefined) continue;
      const frac = v > 0 ? (Math.min(hi, Math.max(lo, Math.log10(v))) - lo) / (hi - lo) : 0;
      ctx.fillStyle = c.classes[0];
      ctx.fillRect(x0, y + 2, Math.max(1, frac * span), 14);
      ctx.fillStyle = c.fg;
      ctx.fillText(fmt(v, 2), x0 + frac * span + 4, y + 13);
    }
    ctx.fillStyle = c.muted;
    ctx.fillText(`1e${lo}`, x0 - 6, hgt - 6);
    ctx.fillText(`1e${hi}`, x0 + span - 12, hgt - 6);
    this.norms.setAttribute("aria-label", norms.length
      ? `Gradient norms in the last epoch: ${norms.map((v, l) => `layer ${l + 1} ${fmt(v, 2)}`).join(", ")}.`
      : "Gradient norms: none yet, train an epoch first.");
  }

  drawDiagram() {
    const t = this.trainer;
    const sizes = this.sizes();
    const [w, hgt] = [300, 200];
    const ctx = this.context(this.diagram, w, hgt);
    const c = this.colour;
    ctx.clearRect(0, 0, w, hgt);
    const xs = sizes.map((_, l) => 20 + (l / (sizes.length - 1)) * (w - 40));
    const ys = sizes.map((n) => Array.from({ length: n }, (_, j) => (hgt / (n + 1)) * (j + 1)));
    if (t) {
      let max = 1e-12;
      for (const layer of t.net.layers) for (const v of layer.W) max = Math.max(max, Math.abs(v));
      t.net.layers.forEach((layer, l) => {
        for (let j = 0; j < layer.nOut; j++) {
          for (let k = 0; k < layer.nIn; k++) {
            const v = layer.W[j * layer.nIn + k];
            if (!Number.isFinite(v)) continue;
            ctx.strokeStyle = v >= 0 ? c.classes[0] : c.classes[1];
            ctx.lineWidth = 0.3 + 3.2 * (Math.abs(v) / max);
            ctx.beginPath();
            ctx.moveTo(xs[l], ys[l][k]);
            ctx.lineTo(xs[l + 1], ys[l + 1][j]);
            ctx.stroke();
          }
        }
      });
    }
    ctx.fillStyle = c.bg;
    ctx.strokeStyle = c.fg;
    ctx.lineWidth = 1.2;
    sizes.forEach((n, l) => ys[l].forEach((y) => {
      ctx.beginPath();
      ctx.arc(xs[l], y, 4.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }));
    this.diagram.setAttribute("aria-label", `Network ${sizes.join("-")}: ${sizes.length - 1} Dense layers, ` +
      `${this.settings.activation} between them; lines show the weights.`);
  }
}

function parseColour(colour) {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = "#000";
  probe.fillStyle = colour;
  const value = probe.fillStyle;
  if (value.startsWith("#")) return [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16));
  const m = value.match(/[\d.]+/g) || [0, 0, 0];
  return m.slice(0, 3).map(Number);
}

/** A data point: a shape per class (not colour alone), hollow for validation points. */
function marker(ctx, shape, x, y, r, fill, stroke, hollow) {
  ctx.beginPath();
  if (shape === "square") ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else if (shape === "triangle") {
    ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8); ctx.closePath();
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = hollow || fill;
  ctx.fill();
  ctx.lineWidth = hollow ? 2.2 : 1;
  ctx.strokeStyle = hollow ? fill : stroke;
  ctx.stroke();
}

function render({ model, el: root }) {
  let view;
  try {
    view = new Playground(model, root);
  } catch (error) {
    root.textContent = `The playground could not start: ${error.message}`;
    return undefined;
  }
  return () => view.destroy();
}

export default { render };
