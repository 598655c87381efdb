// Unit tests of the playground's front end that need no page: the learning-rate slider.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LEARNING_RATES, rateIndex } from "../../nnkit/course/playground/js/widget.mjs";

test("the learning-rate slider offers the values the chapters name", () => {
  for (const lr of [0.0001, 0.001, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10]) {
    assert.ok(LEARNING_RATES.includes(lr), `η = ${lr} is missing`);
    assert.equal(LEARNING_RATES[rateIndex(lr)], lr, `η = ${lr} is not where the knob goes`);
  }
  // A 1-2-3-5 sequence per decade, increasing, from 1e-4 to 10: 21 stops.
  assert.equal(LEARNING_RATES.length, 21);
  assert.equal(LEARNING_RATES[0], 1e-4);
  assert.equal(LEARNING_RATES.at(-1), 10);
  for (let i = 1; i < LEARNING_RATES.length; i += 1) assert.ok(LEARNING_RATES[i] > LEARNING_RATES[i - 1]);
});

test("a learning rate between stops puts the knob at the nearest one (log scale)", () => {
  assert.equal(LEARNING_RATES[rateIndex(0.07)], 0.05);
  assert.equal(LEARNING_RATES[rateIndex(0.08)], 0.1);
  assert.equal(LEARNING_RATES[rateIndex(4)], 5);
  assert.equal(LEARNING_RATES[rateIndex(1e-6)], 1e-4);
  assert.equal(LEARNING_RATES[rateIndex(100)], 10);
});
