// The course's 2-D data sets, drawn in the page (nnkit/datasets.py's formulas).
//
// Python hands the page its first data set, drawn by nnkit itself. When the reader picks
// another set, noise or size in the static book there is no Python to ask, so the page
// draws the points here, with the same formulas and its own seeded generator (numpy's
// streams cannot be reproduced in JavaScript): the points differ from nnkit's for the
// same seed, and "show code" therefore writes them out as numbers.
import { Random } from "./trainer.mjs";

/** name -> { label, classes, noise (default), generate(n, noise, rng) -> {X, y} }. */
export const DATASETS = {
  moons: { label: "Moons", classes: 2, noise: 0.1, generate: moons },
  circles: { label: "Circles", classes: 2, noise: 0.05, generate: circles },
  xor: { label: "XOR", classes: 2, noise: 0.1, generate: xor },
  spirals: { label: "Spirals", classes: 2, noise: 0.2, generate: spirals },
  blobs: { label: "Blobs (3 classes)", classes: 3, noise: 1.0, generate: blobs },
};

/** Draw `n` points of data set `name` with `noise` from seed `seed`: {X: [[x1, x2]], y}. */
export function makeDataset(name, n, noise, seed) {
  const set = DATASETS[name];
  if (!set) throw new Error(`unknown data set ${JSON.stringify(name)}: use one of ${Object.keys(DATASETS).join(", ")}`);
  if (!(Number.isInteger(n) && n >= set.classes)) throw new Error(`a data set needs at least ${set.classes} points, got ${n}`);
  if (!(noise >= 0 && Number.isFinite(noise))) throw new Error(`noise must be >= 0, got ${noise}`);
  return set.generate(n, noise, new Random(seed));
}

function linspace(start, stop, count, endpoint = true) {
  const step = (stop - start) / (endpoint ? Math.max(count - 1, 1) : count);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

/** Random order of the points, as nnkit returns them (a slice holds every class). */
function shuffled(X, y, rng) {
  const order = rng.permutation(X.length);
  return { X: Array.from(order, (i) => X[i]), y: Array.from(order, (i) => y[i]) };
}

function classCounts(n, classes) {
  return Array.from({ length: classes }, (_, k) => Math.floor(n / classes) + (k < n % classes ? 1 : 0));
}

function moons(n, noise, rng) {
  const n0 = Math.floor(n / 2);
  const X = [];
  const y = [];
  for (const t of linspace(0, Math.PI, n0)) { X.push([Math.cos(t), Math.sin(t)]); y.push(0); }
  for (const t of linspace(0, Math.PI, n - n0)) { X.push([1 - Math.cos(t), 0.5 - Math.sin(t)]); y.push(1); }
  for (const p of X) { p[0] += noise * rng.normal(); p[1] += noise * rng.normal(); }
  return shuffled(X, y, rng);
}

function circles(n, noise, rng, factor = 0.5) {
  const n0 = Math.floor(n / 2);
  const X = [];
  const y = [];
  for (const a of linspace(0, 2 * Math.PI, n0, false)) { X.push([Math.cos(a), Math.sin(a)]); y.push(0); }
  for (const a of linspace(0, 2 * Math.PI, n - n0, false)) { X.push([factor * Math.cos(a), factor * Math.sin(a)]); y.push(1); }
  for (const p of X) { p[0] += noise * rng.normal(); p[1] += noise * rng.normal(); }
  return shuffled(X, y, rng);
}

function spirals(n, noise, rng, classes = 2) {
  const X = [];
  const y = [];
  classCounts(n, classes).forEach((count, k) => {
    for (const r of linspace(0.05, 1, count)) {
      const angle = (2 * Math.PI * k) / classes + 4 * r + noise * rng.normal();
      X.push([r * Math.cos(angle), r * Math.sin(angle)]);
      y.push(k);
    }
  });
  return shuffled(X, y, rng);
}

function xor(n, noise, rng) {
  const X = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    y.push(a * b < 0 ? 1 : 0);
    X.push([a + noise * rng.normal(), b + noise * rng.normal()]);
  }
  return { X, y };
}

function blobs(n, std, rng, classes = 3) {
  const X = [];
  const y = [];
  classCounts(n, classes).forEach((count, k) => {
    const angle = (2 * Math.PI * k) / classes;
    for (let i = 0; i < count; i++) {
      X.push([4 * Math.cos(angle) + std * rng.normal(), 4 * Math.sin(angle) + std * rng.normal()]);
      y.push(k);
    }
  });
  return shuffled(X, y, rng);
}
