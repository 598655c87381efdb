// The page's data sets (data.mjs) and the code generator (codegen.mjs), under node.
// That the generated code reproduces a run is tested from Python, where it can be run:
// tests/course/playground/test_widget.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { generateCode } from "../../nnkit/course/playground/js/codegen.mjs";
import { DATASETS, makeDataset } from "../../nnkit/course/playground/js/data.mjs";

for (const [name, set] of Object.entries(DATASETS)) {
  test(`${name}: n points, every class, seeded`, () => {
    const { X, y } = makeDataset(name, 101, set.noise, 3);
    assert.equal(X.length, 101);
    assert.equal(y.length, 101);
    assert.deepEqual([...new Set(y)].sort(), Array.from({ length: set.classes }, (_, k) => k));
    assert.ok(X.every((p) => p.length === 2 && p.every(Number.isFinite)));
    assert.deepEqual(makeDataset(name, 101, set.noise, 3), { X, y });
    assert.notDeepEqual(makeDataset(name, 101, set.noise, 4).X, X);
  });
}

test("moons without noise lie on the two half circles, as nnkit draws them", () => {
  const { X, y } = makeDataset("moons", 50, 0, 0);
  X.forEach(([a, b], i) => {
    const r = y[i] === 0 ? Math.hypot(a, b) : Math.hypot(1 - a, 0.5 - b);
    assert.ok(Math.abs(r - 1) < 1e-12);
  });
});

test("bad data-set arguments are refused with a message", () => {
  assert.throws(() => makeDataset("iris", 10, 0.1, 0), /unknown data set/);
  assert.throws(() => makeDataset("blobs", 2, 1, 0), /at least 3 points/);
  assert.throws(() => makeDataset("moons", 10, -1, 0), /noise must be >= 0/);
});

test("the code names the nk.datasets call and the nk.mlp call when they made the run", () => {
  const code = generateCode({
    data: { X: [[0, 1], [1, 0], [2, 2]], y: [0, 1, 1], nTrain: 2, source: { call: "nk.datasets.xor(3, noise=0.1, rng=0)" } },
    sizes: [2, 1], activation: "relu", init: null, loss: "bce", seed: 0,
    initial: { weights: [[[0.5, -0.25]]], biases: [[0]], source: { call: "nk.mlp([2, 1], activation=\"relu\", output_activation=\"sigmoid\", rng=0)" } },
    batchSize: null, optimizer: { name: "sgd", lr: 0.1, momentum: 0, weightDecay: 0 },
    segments: [{ lr: 0.1, epochs: 7 }],
  });
  assert.match(code, /^X, y = nk\.datasets\.xor\(3, noise=0\.1, rng=0\)$/m);
  assert.match(code, /X_val, y_val = X\[2:\], y\[2:\]/);
  assert.match(code, /loss = nk\.BCELoss\(\)/);
  assert.match(code, /epochs=7,/);
  assert.doesNotMatch(code, /momentum=/);
});
