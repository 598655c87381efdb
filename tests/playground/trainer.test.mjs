// Unit tests of the playground's trainer (node --test tests/playground).
// Its agreement with nnkit itself is tested from Python: tests/course/playground.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ACTIVATIONS, Adam, LOSSES, Network, Random, SGD, Trainer, initialWeights, lossForward, workspace,
} from "../../nnkit/course/playground/js/trainer.mjs";

/** A small network and a batch of n samples with every loss's targets. */
function setup(activation, loss, n = 5, seed = 1) {
  const rng = new Random(seed);
  const units = LOSSES[loss].units(3);
  const sizes = [2, 4, 3, units];
  const { weights, biases } = initialWeights(sizes, activation, "normal", rng, 0.8);
  biases.forEach((b) => b.forEach((_, j) => { b[j] = rng.normal() * 0.3; }));
  const net = new Network(sizes, activation, LOSSES[loss].output, weights, biases);
  const X = Float64Array.from({ length: n * 2 }, () => rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => (loss === "cross_entropy" ? i % 3 : i % 2));
  return { net, X, y, n, units };
}

function lossOf(net, X, y, n, loss, units) {
  return lossForward(loss, net.forward(X, n), y, 0, n, units, null);
}

// The products work in blocks of four samples: five leave a last block of one, two fill
// only part of one (the edge of a block repeats its last sample).
for (const activation of ACTIVATIONS) {
  for (const loss of Object.keys(LOSSES)) {
    for (const samples of [5, 2]) test(`gradient check: ${activation} hidden layers, ${loss}, ${samples} samples`, () => {
      const { net, X, y, n, units } = setup(activation, loss, samples);
      const last = net.layers[net.layers.length - 1];
      lossForward(loss, net.forward(X, n), y, 0, n, units, last.G);
      net.backward(n);
      const h = 1e-6;
      for (const { value, grad } of net.parameters()) {
        const analytic = Float64Array.from(grad);
        for (let i = 0; i < value.length; i++) {
          const saved = value[i];
          value[i] = saved + h;
          const plus = lossOf(net, X, y, n, loss, units);
          value[i] = saved - h;
          const minus = lossOf(net, X, y, n, loss, units);
          value[i] = saved;
          const numeric = (plus - minus) / (2 * h);
          const scale = Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i]));
          // ReLU's kink can sit within h of a pre-activation only by bad luck; the seed avoids it.
          assert.ok(Math.abs(numeric - analytic[i]) / scale < 1e-5,
            `d loss / d param: numeric ${numeric}, back-propagated ${analytic[i]}`);
        }
      }
    });
  }
}

test("each sample's outputs are the same alone and in a batch of any size", () => {
  // Every output is summed in the same order wherever it sits in a block of the matrix
  // product (and whichever samples fill the rest of the block), so the outputs are equal
  // exactly.
  const { net, X, units } = setup("tanh", "cross_entropy", 9);
  const alone = [];
  for (let i = 0; i < 9; i++) {
    const out = net.forward(Float64Array.from([X[i], X[9 + i]]), 1);
    alone.push(Array.from(out.subarray(0, units)));
  }
  for (let n = 1; n <= 9; n++) {
    const batch = Float64Array.from([...X.subarray(0, n), ...X.subarray(9, 9 + n)]);
    const out = net.forward(batch, n);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(Array.from({ length: units }, (_, k) => out[k * n + i]), alone[i], `${n} samples`);
    }
  }
});

test("the WebAssembly products equal matmul's: combine to the bit, dots to rounding", () => {
  const rng = new Random(5);
  for (const [R, N, S] of [[1, 4, 1], [3, 5, 2], [16, 200, 16], [2, 3, 7], [5, 9, 1], [4, 1, 3]]) {
    const lengths = [R * S, S * N, N * S, R * N];
    const fast = workspace(lengths, true);
    const plain = workspace(lengths, false);
    for (let a = 0; a < 3; a++) {
      for (let i = 0; i < lengths[a]; i++) fast.arrays[a][i] = plain.arrays[a][i] = rng.normal();
    }
    const [A, B, Bt, C] = fast.arrays;
    const [pA, pB, pBt, pC] = plain.arrays;
    for (const [ar, as] of [[S, 1], [1, R]]) { // A read along its rows, and down its columns
      fast.combine(C, R, N, S, A, ar, as, B);
      plain.combine(pC, R, N, S, pA, ar, as, pB);
      assert.deepEqual(Array.from(C), Array.from(pC), `combine ${R}x${N}x${S}`);
    }
    fast.dots(C, R, N, S, A, Bt);
    plain.dots(pC, R, N, S, pA, pBt);
    C.forEach((value, i) => {
      assert.ok(Math.abs(value - pC[i]) <= 1e-14 * (1 + Math.abs(pC[i])), `dots ${R}x${N}x${S}: ${value} vs ${pC[i]}`);
    });
  }
});

test("the WebAssembly ReLU equals JavaScript's, NaN and odd lengths included", () => {
  const rng = new Random(8);
  for (const [rows, n] of [[1, 1], [3, 5], [2, 8], [16, 200]]) {
    const lengths = [rows * n, rows * n, rows];
    const fast = workspace(lengths, true);
    const plain = workspace(lengths, false);
    for (let a = 0; a < 3; a++) {
      for (let i = 0; i < lengths[a]; i++) fast.arrays[a][i] = plain.arrays[a][i] = rng.normal();
    }
    fast.arrays[0][rows * n - 1] = plain.arrays[0][rows * n - 1] = NaN;
    const [Z, G, b] = fast.arrays;
    const [pZ, pG, pb] = plain.arrays;
    fast.biasActivate("relu", Z, b, rows, n);
    plain.biasActivate("relu", pZ, pb, rows, n);
    assert.deepEqual(Array.from(Z), Array.from(pZ), `max(z + b, 0), ${rows} x ${n}`);
    assert.ok(Number.isNaN(Z[rows * n - 1]));
    fast.activationBackward("relu", G, Z, rows * n);
    plain.activationBackward("relu", pG, pZ, rows * n);
    assert.deepEqual(Array.from(G), Array.from(pG), `g · (a > 0), ${rows} x ${n}`);
  }
});

test("a network trains the same with and without WebAssembly", () => {
  const { X, y } = problem();
  const sizes = [2, 7, 5, 3];
  const { weights, biases } = initialWeights(sizes, "relu", null, new Random(6));
  const base = { sizes, activation: "relu", loss: "cross_entropy", X, y: y.map((v, i) => (i % 3 ? v : 2)),
    weights, biases, optimizer: { name: "adam", lr: 0.01 }, batchSize: 13, seed: 2 };
  const fast = new Trainer(base);
  const plain = new Trainer({ ...base, webassembly: false });
  assert.ok(fast.net.webassembly && !plain.net.webassembly);
  for (let e = 0; e < 20; e++) assert.ok(fast.step() && plain.step());
  fast.history.epochLoss.forEach((value, e) => {
    const expected = plain.history.epochLoss[e];
    assert.ok(Math.abs(value - expected) <= 1e-12 * expected, `epoch ${e + 1}: ${value} vs ${expected}`);
  });
});

test("SGD with momentum and weight decay follows nnkit's update rule", () => {
  const value = Float64Array.from([1, -2]);
  const grad = Float64Array.from([0.5, 0.25]);
  const opt = new SGD([{ value, grad }], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  opt.step();
  // g = grad + λθ; b = g (b starts at 0); θ -= η b
  const b1 = [0.5 + 0.01 * 1, 0.25 + 0.01 * -2];
  assert.deepEqual(Array.from(value), [1 - 0.1 * b1[0], -2 - 0.1 * b1[1]]);
  const theta = Array.from(value);
  opt.lr = 0.2; // the learning rate may change between steps
  opt.step();
  const b2 = [0, 1].map((i) => b1[i] * 0.9 + (grad[i] + 0.01 * theta[i]));
  assert.deepEqual(Array.from(value), [theta[0] - 0.2 * b2[0], theta[1] - 0.2 * b2[1]]);
});

test("Adam's first step moves every weight by about the learning rate, against the gradient", () => {
  const value = Float64Array.from([1, -2, 3]);
  const grad = Float64Array.from([0.5, -4, 1e-3]);
  const opt = new Adam([{ value, grad }], { lr: 0.01 });
  opt.step();
  [1 - 0.01, -2 + 0.01, 3 - 0.01].forEach((v, i) => assert.ok(Math.abs(value[i] - v) < 1e-6, `${value[i]}`));
  assert.equal(opt.t, 1);
});

test("SGD rejects a bad learning rate and momentum", () => {
  const params = [{ value: new Float64Array(1), grad: new Float64Array(1) }];
  assert.throws(() => new SGD(params, { lr: 0 }), /learning rate must be a positive number/);
  assert.throws(() => new SGD(params, { lr: NaN }), /learning rate/);
  assert.throws(() => new SGD(params, { lr: 0.1, momentum: 1 }), /momentum must be in \[0, 1\)/);
});

test("the generator is seeded and its normals have mean 0 and variance 1", () => {
  const a = new Random(7);
  const b = new Random(7);
  const draws = Array.from({ length: 20000 }, () => a.normal());
  assert.deepEqual(draws.slice(0, 10), Array.from({ length: 10 }, () => b.normal()));
  const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
  const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  const order = new Random(3).permutation(50);
  assert.deepEqual(Array.from(order).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
});

/** A two-class problem the trainer should learn. */
function problem() {
  const rng = new Random(11);
  const X = [];
  const y = [];
  for (let i = 0; i < 60; i++) {
    const label = i % 2;
    X.push([rng.normal() * 0.5 + (label ? 1.5 : -1.5), rng.normal() * 0.5]);
    y.push(label);
  }
  return { X, y };
}

test("training lowers the loss, full batch and mini-batch", () => {
  const { X, y } = problem();
  for (const batchSize of [null, 8]) {
    const sizes = [2, 5, 1];
    const trainer = new Trainer({
      sizes, activation: "tanh", loss: "bce_logits", X, y, Xval: X.slice(0, 10), yval: y.slice(0, 10),
      ...initialWeights(sizes, "tanh", null, new Random(2)),
      optimizer: { name: "sgd", lr: 0.3, momentum: 0.5 }, batchSize, seed: 4,
    });
    for (let e = 0; e < 30; e++) assert.ok(trainer.step());
    const h = trainer.history;
    assert.equal(h.epochLoss.length, 30);
    assert.equal(h.valLoss.length, 30);
    assert.equal(h.nUpdates, batchSize ? 30 * Math.ceil(60 / batchSize) : 30);
    assert.ok(h.epochLoss[29] < 0.5 * h.initialLoss, `${h.initialLoss} -> ${h.epochLoss[29]}`);
    assert.equal(h.gradNorms[0].length, 2);
  }
});

test("a diverging run stops and says in which epoch", () => {
  const { X, y } = problem();
  const sizes = [2, 8, 1];
  const trainer = new Trainer({
    sizes, activation: "relu", loss: "mse", X, y,
    ...initialWeights(sizes, "relu", null, new Random(2)),
    optimizer: { name: "sgd", lr: 50 },
  });
  let epochs = 0;
  while (trainer.step()) epochs++;
  assert.ok(trainer.history.diverged);
  assert.ok(epochs < 100);
  assert.equal(trainer.history.divergedEpoch, epochs + 1);
  assert.equal(trainer.step(), false);
});

test("bad input is refused with a message", () => {
  const sizes = [2, 1];
  const base = { sizes, activation: "relu", loss: "mse", ...initialWeights(sizes, "relu", null, new Random(0)) };
  assert.throws(() => new Trainer({ ...base, X: [], y: [] }), /no training points/);
  assert.throws(() => new Trainer({ ...base, X: [[0, 0]], y: [2] }), /labels go up to 2/);
  assert.throws(() => new Trainer({ ...base, loss: "hinge", X: [[0, 0]], y: [1] }), /unknown loss/);
  assert.throws(() => new Trainer({ ...base, activation: "gelu", X: [[0, 0]], y: [1] }), /unknown activation/);
});
