// The playground's trainer: nnkit's arithmetic in JavaScript, its matrix products in
// WebAssembly assembled here (float64 throughout, no dependencies).
//
// Everything here mirrors one piece of nnkit, operation for operation, so that a network
// that nnkit initialised trains to the same loss curve in the page (to about 1e-12
// relative; the tests ask for 1e-9): only the order in which a BLAS sums a dot product
// and numpy's pairwise sums may differ, by a rounding error.
//
//   nnkit/layers.py       Dense: Z = X Wᵀ + b;  dW = Gᵀ X, db = Σ G, dX = G W
//   nnkit/activations.py  relu, tanh, sigmoid (the overflow-free form), identity
//   nnkit/losses.py       MSELoss, BCELoss (after a Sigmoid), BCEWithLogitsLoss,
//                         CrossEntropyLoss (labels)
//   nnkit/optim.py        SGD (momentum, Nesterov) and Adam, with L2 weight decay
//   nnkit/training.py     fit: the epoch loss, the divergence rule, mini-batches
//   nnkit/callbacks.py    Validation (chunked evaluation), GradientNorms
//
// Arrays are Float64Array. A weight matrix has nnkit's shape (n_out, n_in), row-major:
// W[j*n_in + k]. A batch of n samples is stored feature by feature ("transposed"): feature
// k of sample i is X[k*n + i], so that neighbouring samples sit side by side in memory.
// Each output is still summed in nnkit's order -- z_ij = (Σ_k x_ik w_jk) + b_j, k = 0, 1,
// ... -- so the layout changes the speed, not a single rounding.

/** fit's divergence limit (nnkit.training.DIVERGENCE_LOSS). */
export const DIVERGENCE_LOSS = 1e6;
/** Rows per chunk, at least, when a whole data set is evaluated (callbacks.EVAL_CHUNK_ROWS). */
export const EVAL_CHUNK_ROWS = 128;
/** Machine epsilon of float64 (numpy.finfo(float64).eps), BCELoss's clipping. */
const EPS = 2.220446049250313e-16;

export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "identity"];
export const INITS = ["he", "xavier", "normal", "zeros"];

/**
 * The losses the playground offers, with what nnkit calls them and the output layer each
 * needs: `units(nClasses)` output units, followed by `output` ("identity" or "sigmoid").
 */
export const LOSSES = {
  bce_logits: { nnkit: "BCEWithLogitsLoss", output: "identity", units: () => 1, binary: true },
  bce: { nnkit: "BCELoss", output: "sigmoid", units: () => 1, binary: true },
  mse: { nnkit: "MSELoss", output: "identity", units: () => 1, binary: true },
  cross_entropy: { nnkit: "CrossEntropyLoss", output: "identity", units: (c) => c, binary: false },
};

// ---------------------------------------------------------------- random numbers

/**
 * A small seeded generator (mulberry32) for what the page draws itself: data sets,
 * initial weights after a change of architecture, the order of mini-batches. It cannot
 * reproduce numpy's streams, so whatever the page draws is handed to nnkit as numbers
 * (the "show code" button writes them out).
 */
export class Random {
  constructor(seed = 0) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
    this.spare = null;
  }
  /** 32 random bits. */
  nextUint32() {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  random() {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  uniform(low, high) {
    return low + (high - low) * this.random();
  }
  /** Standard normal (Box-Muller, both values used). */
  normal() {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** An integer in 0..n-1. */
  below(n) {
    return Math.floor(this.random() * n);
  }
  /** A random order of 0..n-1 (Fisher-Yates) as an Int32Array. */
  permutation(n) {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}

// ---------------------------------------------------------------- initial weights

/** Standard deviation of a scheme's weights for an nIn -> nOut layer (nnkit/init.py). */
export function initStd(scheme, nIn, nOut, scale = 0.01) {
  if (scheme === "zeros") return 0;
  if (scheme === "normal") return scale;
  if (scheme === "xavier") return Math.sqrt(2 / (nIn + nOut));
  if (scheme === "he") return Math.sqrt(2 / nIn);
  throw new Error(`unknown init ${JSON.stringify(scheme)}: use one of ${INITS.join(", ")}`);
}

/**
 * Initial weights as nnkit.mlp draws them (He before ReLU, Xavier otherwise, unless
 * `init` names a scheme), from the page's generator: arrays of nested lists
 * W[l][j][k] (shape (n_out, n_in)) and zero biases b[l][j].
 */
export function initialWeights(sizes, activation, init, rng, scale = 0.01) {
  const weights = [];
  const biases = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    const last = l + 2 === sizes.length;
    const scheme = init || (!last && activation === "relu" ? "he" : "xavier");
    const std = initStd(scheme, nIn, nOut, scale);
    const W = [];
    for (let j = 0; j < nOut; j++) {
      const row = [];
      for (let k = 0; k < nIn; k++) row.push(std === 0 ? 0 : std * rng.normal());
      W.push(row);
    }
    weights.push(W);
    biases.push(new Array(nOut).fill(0));
  }
  return { weights, biases };
}

// ---------------------------------------------------------------- activations

/**
 * a = f(z + b) in place: Z holds W·X (rows × n, feature-major), b one bias per row;
 * the bias is added last, as in nnkit's (X Wᵀ) + b (nnkit/activations.py for f).
 */
function biasActivate(name, Z, b, rows, n) {
  for (let j = 0, z = 0; j < rows; j++) {
    const bj = b[j];
    const end = z + n;
    if (name === "relu") {
      // np.maximum(z, 0): NaN stays NaN, so a diverging run is seen by the loss.
      for (; z < end; z++) Z[z] = Math.max(Z[z] + bj, 0);
    } else if (name === "tanh") {
      for (; z < end; z++) Z[z] = Math.tanh(Z[z] + bj);
    } else if (name === "sigmoid") {
      for (; z < end; z++) Z[z] = sigmoid(Z[z] + bj);
    } else if (name === "identity") {
      for (; z < end; z++) Z[z] += bj;
    } else {
      throw new Error(`unknown activation ${JSON.stringify(name)}`);
    }
  }
}

/** σ(z) without overflow, as nnkit: where(z >= 0, 1, e) / (1 + e) with e = exp(-|z|). */
export function sigmoid(z) {
  const e = Math.exp(-Math.abs(z));
  return (z >= 0 ? 1 : e) / (1 + e);
}

/** ∂J/∂z from ∂J/∂a and the stored output a, in place in G (the layers' backward). */
function activationBackward(name, G, A, count) {
  if (name === "relu") {
    // nnkit: grad_out * (cache > 0), the mask as 1.0 or 0.0 (no branch to mispredict)
    for (let i = 0; i < count; i++) G[i] *= +(A[i] > 0);
  } else if (name === "tanh") {
    for (let i = 0; i < count; i++) G[i] = G[i] * (1 - A[i] * A[i]);
  } else if (name === "sigmoid") {
    for (let i = 0; i < count; i++) G[i] = G[i] * A[i] * (1 - A[i]);
  }
}

// ---------------------------------------------------------------- losses

/**
 * The loss of `n` samples of outputs P (units × n, feature-major) against targets y[offset
 * + i], and dJ/dP into G (same layout). `y` holds class labels (integers); the one-output
 * losses use them as 0/1 targets. Returns the loss value; G is written only when given.
 */
export function lossForward(name, P, y, offset, n, units, G) {
  if (name === "mse") {
    let sum = 0;
    const c = 2 / n;
    for (let i = 0; i < n; i++) {
      const diff = P[i] - y[offset + i];
      sum += diff * diff;
      if (G) G[i] = c * diff;
    }
    return sum / n;
  }
  if (name === "bce") {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const t = y[offset + i];
      const q = P[i];
      const p = q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q; // pred.clip(eps, 1 - eps)
      sum += t * Math.log(p) + (1 - t) * Math.log1p(-p);
      if (G) G[i] = (p - t) / (p * (1 - p) * n);
    }
    return -(sum / n);
  }
  if (name === "bce_logits") {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = P[i];
      const t = y[offset + i];
      const e = Math.exp(-Math.abs(z));
      sum += (z > 0 ? z : 0) - t * z + Math.log1p(e);
      if (G) G[i] = ((z >= 0 ? 1 : e) / (1 + e) - t) / n;
    }
    return sum / n;
  }
  if (name === "cross_entropy") {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let max = P[i];
      for (let k = 1; k < units; k++) {
        const v = P[k * n + i];
        if (v > max || v !== v) max = v;
      }
      let sums = 0;
      for (let k = 0; k < units; k++) sums += Math.exp(P[k * n + i] - max);
      const label = y[offset + i];
      sum += Math.log(sums) - (P[label * n + i] - max);
      if (G) {
        for (let k = 0; k < units; k++) G[k * n + i] = Math.exp(P[k * n + i] - max) / sums;
        G[label * n + i] -= 1;
        for (let k = 0; k < units; k++) G[k * n + i] /= n;
      }
    }
    return sum / n;
  }
  throw new Error(`unknown loss ${JSON.stringify(name)}: use one of ${Object.keys(LOSSES).join(", ")}`);
}

/** Correct predictions among n samples (Loss.count_correct); P as in lossForward. */
function countCorrect(name, P, y, offset, n, units) {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = y[offset + i];
    let predicted;
    if (name === "cross_entropy") {
      predicted = 0;
      for (let k = 1; k < units; k++) if (P[k * n + i] > P[predicted * n + i]) predicted = k;
    } else {
      const threshold = name === "bce_logits" ? 0 : 0.5;
      predicted = P[i] >= threshold ? 1 : 0;
    }
    if (predicted === label) correct++;
  }
  return correct;
}

// ---------------------------------------------------------------- optimisers

/**
 * nnkit.SGD: θ ← θ - η g; with momentum μ a buffer b ← μ b + g and θ ← θ - η b (Nesterov:
 * θ ← θ - η (g + μ b)), where g = ∇L + αθ when weight decay α > 0. `lr` may change
 * between steps. Every optimiser takes the parameters as [{value, grad}] (Float64Arrays)
 * and an options object, and has step(); OPTIMIZERS names them.
 */
export class SGD {
  constructor(params, { lr = 0.1, momentum = 0, weightDecay = 0, nesterov = false } = {}) {
    checkPositive(lr, "learning rate");
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum must be in [0, 1), got ${momentum}`);
    checkDecay(weightDecay);
    if (nesterov && !momentum) throw new Error("Nesterov momentum needs a momentum > 0");
    this.params = params;
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.nesterov = Boolean(nesterov);
    this.buffers = momentum ? params.map((p) => new Float64Array(p.value.length)) : null;
  }
  step() {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    for (let q = 0; q < this.params.length; q++) {
      const { value, grad } = this.params[q];
      const b = this.buffers && this.buffers[q];
      for (let i = 0; i < value.length; i++) {
        const g = wd ? grad[i] + wd * value[i] : grad[i];
        if (b) {
          b[i] = b[i] * mu + g;
          value[i] -= lr * (nesterov ? g + mu * b[i] : b[i]);
        } else {
          value[i] -= lr * g;
        }
      }
    }
  }
}

/**
 * nnkit.Adam (Kingma & Ba 2015), in nnkit's order of operations: at update t' = t + 1,
 * m ← ρ₁ m + (1 - ρ₁) g, v ← ρ₂ v + (1 - ρ₂) g g,
 * θ ← θ - (η / (1 - ρ₁^t')) m / (√v / √(1 - ρ₂^t') + ε), with g = ∇L + αθ (L2).
 */
export class Adam {
  constructor(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = {}) {
    checkPositive(lr, "learning rate");
    checkPositive(eps, "eps");
    for (const beta of betas) {
      if (!(beta >= 0 && beta < 1)) throw new Error(`Adam's decay rates must be in [0, 1), got ${betas}`);
    }
    checkDecay(weightDecay);
    this.params = params;
    this.lr = lr;
    this.betas = betas;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.t = 0;
    this.means = params.map((p) => new Float64Array(p.value.length));
    this.squares = params.map((p) => new Float64Array(p.value.length));
  }
  step() {
    const [beta1, beta2] = this.betas;
    const { lr, eps, weightDecay: wd } = this;
    const n = this.t + 1;
    const correction1 = 1 - beta1 ** n;
    const rootCorrection2 = Math.sqrt(1 - beta2 ** n);
    const rate = lr / correction1;
    for (let q = 0; q < this.params.length; q++) {
      const { value, grad } = this.params[q];
      const m = this.means[q];
      const v = this.squares[q];
      for (let i = 0; i < value.length; i++) {
        const g = wd ? grad[i] + wd * value[i] : grad[i];
        m[i] = m[i] * beta1 + (1 - beta1) * g;
        v[i] = v[i] * beta2 + (1 - beta2) * g * g;
        value[i] -= (rate * m[i]) / (Math.sqrt(v[i]) / rootCorrection2 + eps);
      }
    }
    this.t += 1;
  }
}

function checkDecay(weightDecay) {
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
    throw new Error(`L2 weight decay must be >= 0, got ${weightDecay}`);
  }
}

export const OPTIMIZERS = { sgd: SGD, adam: Adam };

function checkPositive(value, name) {
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new Error(`${name} must be a positive number, got ${value}`);
  }
}

// ---------------------------------------------------------------- the matrix product
//
// A Dense layer needs three matrix products -- Z = W·X forward, dW = G·Xᵀ and dX = Wᵀ·G
// backward -- and in JavaScript one function does them all, reading W, X and G through
// strides (a transpose is only another way to read the same numbers). It is the
// reference for the WebAssembly kernels below, which do the same faster, and what runs
// where they cannot. Speed comes from two things. A sum is a chain of dependent additions, each waiting for the one before, so
// eight independent sums run side by side (a 2 × 4 block of outputs), each still added
// up in nnkit's order. And each number loaded serves several of those sums. A block at
// the edge repeats its last row or column (the same output computed twice, the same
// value), so there are no remainder loops.

/**
 * C = A·B, where C is R × N (row-major, C[r*N + c]), and A (R × S) and B (S × N) are read
 * through strides: A[r][s] = A[r*ar + s*as], B[s][c] = B[s*bs + c*bc]. Each output is
 * summed over s = 0, 1, ..., S-1 in that order.
 */
function matmul(C, R, N, S, A, ar, as, B, bs, bc) {
  for (let r = 0; r < R; r += 2) {
    const r1 = Math.min(r + 1, R - 1);
    for (let c = 0; c < N; c += 4) {
      const c1 = Math.min(c + 1, N - 1);
      const c2 = Math.min(c + 2, N - 1);
      const c3 = Math.min(c + 3, N - 1);
      let p00 = 0, p01 = 0, p02 = 0, p03 = 0, p10 = 0, p11 = 0, p12 = 0, p13 = 0;
      let a0 = r * ar;
      let a1 = r1 * ar;
      let b0 = c * bc;
      const d1 = c1 * bc - b0;
      const d2 = c2 * bc - b0;
      const d3 = c3 * bc - b0;
      for (let s = 0; s < S; s++, a0 += as, a1 += as, b0 += bs) {
        const u = A[a0];
        const v = A[a1];
        const x0 = B[b0];
        const x1 = B[b0 + d1];
        const x2 = B[b0 + d2];
        const x3 = B[b0 + d3];
        p00 += u * x0;
        p01 += u * x1;
        p02 += u * x2;
        p03 += u * x3;
        p10 += v * x0;
        p11 += v * x1;
        p12 += v * x2;
        p13 += v * x3;
      }
      C[r * N + c] = p00;
      C[r * N + c1] = p01;
      C[r * N + c2] = p02;
      C[r * N + c3] = p03;
      C[r1 * N + c] = p10;
      C[r1 * N + c1] = p11;
      C[r1 * N + c2] = p12;
      C[r1 * N + c3] = p13;
    }
  }
}

/** out[j] = Σ_i M[j*n + i], over i in order: a bias's gradient, db = Σ_samples G. */
function sumRows(out, M, rows, n) {
  for (let j = 0, m = 0; j < rows; j++) {
    let sum = 0;
    for (const end = m + n; m < end; m++) sum += M[m];
    out[j] = sum;
  }
}

// ---------------------------------------------------------------- the products in WebAssembly
//
// JavaScript computes one number at a time. WebAssembly's 128-bit SIMD instructions
// compute two float64 at once, with the same IEEE rounding, so the products that fill an
// epoch run there, about four times as fast as matmul: `combine` (Z = W·X and dX = Wᵀ·G,
// each output summed in matmul's order, to the last bit) and `dots` (dW = G·Xᵀ, each a
// dot product over the samples summed as two interleaved halves, then added: another
// rounding, as a BLAS's is); so does ReLU, the default activation. The module is
// assembled below, byte by byte, so there is no build step and no binary file. Each
// helper returns the bytes of one instruction after those of its operands, so the code
// reads like WebAssembly's folded text format.

/** An unsigned (uleb) or signed (sleb) LEB128 number, WebAssembly's integer encoding. */
function uleb(value) {
  const out = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    out.push(value ? byte | 0x80 : byte);
  } while (value);
  return out;
}
function sleb(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
/** Memory access: alignment 2^3 bytes, then the offset added to the address. */
const memarg = (offset) => [3, uleb(offset)];
const simd = (opcode) => [0xfd, uleb(opcode)];

const op = {
  get: (local) => [0x20, uleb(local)],
  set: (local, value) => [value, 0x21, uleb(local)],
  i32: (value) => [0x41, sleb(value)],
  add: (a, b) => [a, b, 0x6a],
  sub: (a, b) => [a, b, 0x6b],
  mul: (a, b) => [a, b, 0x6c],
  less: (a, b) => [a, b, 0x49], // unsigned
  select: (a, b, condition) => [a, b, condition, 0x1b], // a if condition, else b
  min: (a, b) => op.select(a, b, op.less(a, b)),
  /** while (condition) { body }: a block to leave, around a loop to repeat. */
  while: (condition, ...body) => [0x02, 0x40, 0x03, 0x40, condition, 0x45, 0x0d, 1, body, 0x0c, 0, 0x0b, 0x0b],
  if: (condition, ...body) => [condition, 0x04, 0x40, body, 0x0b],
  f64Load: (address) => [address, 0x2b, memarg(0)],
  f64Store: (address, value) => [address, value, 0x39, memarg(0)],
  f64Add: (a, b) => [a, b, 0xa0],
  f64Mul: (a, b) => [a, b, 0xa2],
  f64Max: (a, b) => [a, b, 0xa5],
  f64Greater: (a, b) => [a, b, 0x64],
  f64: (value) => {
    const bytes = new DataView(new ArrayBuffer(8));
    bytes.setFloat64(0, value, true); // little-endian, as WebAssembly stores numbers
    return [0x44, [...new Uint8Array(bytes.buffer)]];
  },
  // v128: two float64 side by side
  load: (address, offset = 0) => [address, simd(0x00), memarg(offset)],
  splat: (address) => [address, simd(0x0a), memarg(0)], // one float64, in both lanes
  store: (address, value, offset = 0) => [address, value, simd(0x0b), memarg(offset)],
  zeros: () => [simd(0x0c), new Array(16).fill(0)],
  lane: (vector, lane) => [vector, simd(0x21), lane],
  add2: (a, b) => [a, b, simd(0xf0)],
  mul2: (a, b) => [a, b, simd(0xf2)],
  max2: (a, b) => [a, b, simd(0xf5)],
  greater2: (a, b) => [a, b, simd(0x4a)], // all ones (true) or zeros, per lane
  and: (a, b) => [a, b, simd(0x4e)],
  both: (value) => [value, simd(0x14)], // an f64 in both lanes
};

/** The byte address of element `index` of the float64 array at byte address `base`. */
const element = (base, index) => op.add(base, op.mul(index, op.i32(8)));

/**
 * combine(C, R, N, S, A, ar, as, B) = matmul(C, R, N, S, A, ar, as, B, N, 1) for N >= 4:
 * C[r][c] = Σ_s A[r*ar + s*as] · B[s*N + c], with C, A and B given as byte addresses.
 * Its block of outputs is 4 rows × 4 columns, eight pairs of sums; a block at the edge
 * repeats the last row, and a last, short block of columns moves back to end at column
 * N, overlapping the one before (the same outputs again).
 */
function combineCode() {
  const { get, set, i32, add, sub, mul, less, min, load, splat, store, add2, mul2, zeros } = op;
  const [C, R, N, S, A, ar, as, B] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, c, s, b] = [8, 9, 10, 11];
  const rows = [12, 13, 14, 15]; // row indices r..r+3, at most R - 1
  const aAt = [16, 17, 18, 19]; // byte addresses of A[row][s]
  const sums = [20, 21, 22, 23, 24, 25, 26, 27]; // v128: per row, columns c..c+1 and c+2..c+3
  const [x0, x1, w] = [28, 29, 30]; // v128
  const body = [
    set(r, i32(0)),
    op.while(less(get(r), get(R)),
      rows.map((row, i) => set(row, min(add(get(r), i32(i)), sub(get(R), i32(1))))),
      set(c, i32(0)),
      op.while(less(get(c), get(N)),
        set(c, min(get(c), sub(get(N), i32(4)))),
        sums.map((sum) => set(sum, zeros())),
        rows.map((row, i) => set(aAt[i], element(get(A), mul(get(row), get(ar))))),
        set(b, element(get(B), get(c))),
        set(s, i32(0)),
        op.while(less(get(s), get(S)),
          set(x0, load(get(b))), // B[s][c], B[s][c + 1]
          set(x1, load(get(b), 16)), // B[s][c + 2], B[s][c + 3]
          rows.map((_, i) => [
            set(w, splat(get(aAt[i]))), // A[row][s] twice
            set(sums[2 * i], add2(get(sums[2 * i]), mul2(get(w), get(x0)))),
            set(sums[2 * i + 1], add2(get(sums[2 * i + 1]), mul2(get(w), get(x1)))),
            set(aAt[i], element(get(aAt[i]), get(as)))]),
          set(b, element(get(b), get(N))),
          set(s, add(get(s), i32(1)))),
        rows.map((row, i) => {
          const out = element(get(C), add(mul(get(row), get(N)), get(c)));
          return [store(out, get(sums[2 * i])), store(out, get(sums[2 * i + 1]), 16)];
        }),
        set(c, add(get(c), i32(4)))),
      set(r, add(get(r), i32(4)))),
  ];
  return { name: "combine", params: 8, locals: [[12, I32], [11, V128]], body };
}

/**
 * dots(C, R, N, S, A, B) = matmul(C, R, N, S, A, S, 1, B, 1, S): C[r][c] = Σ_s A[r*S + s] ·
 * B[c*S + s], the dot products of the rows of A with those of B (byte addresses): dW =
 * G·Xᵀ. A 2 × 4 block of dot products, two terms at a time (each v128 holds the sum over
 * even s and the sum over odd s); an odd last term is added at the end. A block at the
 * edge repeats the last row or column of C.
 */
function dotsCode() {
  const { get, set, i32, add, sub, mul, less, min, load, add2, mul2, zeros, lane } = op;
  const [C, R, N, S, A, B] = [0, 1, 2, 3, 4, 5];
  const [r, c, s] = [6, 7, 8];
  const rows = [9, 10]; // row indices r, min(r + 1, R - 1)
  const cols = [11, 12, 13, 14]; // column indices c..c+3, at most N - 1
  const aRows = [15, 16]; // byte addresses of those rows of A
  const bRows = [17, 18, 19, 20]; // and of those rows of B
  const sums = [21, 22, 23, 24, 25, 26, 27, 28]; // v128, row by row
  const terms = [29, 30]; // v128: A[row][s], A[row][s + 1] for both rows
  const total = 31; // f64
  const pairs = [];
  const results = [];
  rows.forEach((row, i) => cols.forEach((col, k) => {
    const sum = sums[4 * i + k];
    pairs.push(set(sum, add2(get(sum), mul2(get(terms[i]), load(element(get(bRows[k]), get(s)))))));
    results.push(
      set(total, op.f64Add(lane(get(sum), 0), lane(get(sum), 1))),
      op.if(less(get(s), get(S)), // S is odd: s = S - 1 is left
        set(total, op.f64Add(get(total), op.f64Mul(
          op.f64Load(element(get(aRows[i]), get(s))), op.f64Load(element(get(bRows[k]), get(s))))))),
      op.f64Store(element(get(C), add(mul(get(row), get(N)), get(col))), get(total)));
  }));
  const body = [
    set(r, i32(0)),
    op.while(less(get(r), get(R)),
      rows.map((row, i) => [
        set(row, min(add(get(r), i32(i)), sub(get(R), i32(1)))),
        set(aRows[i], element(get(A), mul(get(row), get(S))))]),
      set(c, i32(0)),
      op.while(less(get(c), get(N)),
        cols.map((col, k) => [
          set(col, min(add(get(c), i32(k)), sub(get(N), i32(1)))),
          set(bRows[k], element(get(B), mul(get(col), get(S))))]),
        sums.map((sum) => set(sum, zeros())),
        set(s, i32(0)),
        op.while(less(add(get(s), i32(1)), get(S)),
          aRows.map((aRow, i) => set(terms[i], load(element(get(aRow), get(s))))),
          pairs,
          set(s, add(get(s), i32(2)))),
        results,
        set(c, add(get(c), i32(4)))),
      set(r, add(get(r), i32(2)))),
  ];
  return { name: "dots", params: 6, locals: [[15, I32], [10, V128], [1, F64]], body };
}

/**
 * ReLU, the playground's default activation, two entries at a time (an odd last entry
 * alone), as biasActivate and activationBackward do it one at a time:
 * biasRelu(Z, rows, n, b): Z[j][i] = max(Z[j][i] + b[j], 0) (NaN stays NaN), and
 * reluMask(G, A, count): G[i] = G[i] · (A[i] > 0 ? 1 : 0), nnkit's grad * (cache > 0).
 */
function reluCode() {
  const { get, set, add, mul, less, load, store, add2, mul2, max2, greater2, zeros, lane } = op;
  const [Z, rows, n, b] = [0, 1, 2, 3];
  const [j, z, end] = [4, 5, 6];
  const bias = 7; // v128
  const biasRelu = [
    set(j, op.i32(0)),
    op.while(less(get(j), get(rows)),
      set(bias, op.splat(element(get(b), get(j)))),
      set(z, element(get(Z), mul(get(j), get(n)))),
      set(end, element(get(z), get(n))),
      op.while(less(add(get(z), op.i32(8)), get(end)),
        store(get(z), max2(add2(load(get(z)), get(bias)), zeros())),
        set(z, add(get(z), op.i32(16)))),
      op.if(less(get(z), get(end)),
        op.f64Store(get(z), op.f64Max(op.f64Add(op.f64Load(get(z)), lane(get(bias), 0)), op.f64(0)))),
      set(j, add(get(j), op.i32(1)))),
  ];
  const [G, A, count] = [0, 1, 2];
  const [g, a, stop] = [3, 4, 5];
  const reluMask = [
    set(g, get(G)),
    set(a, get(A)),
    set(stop, element(get(G), get(count))),
    op.while(less(add(get(g), op.i32(8)), get(stop)),
      store(get(g), mul2(load(get(g)), op.and(greater2(load(get(a)), zeros()), op.both(op.f64(1))))),
      set(g, add(get(g), op.i32(16))),
      set(a, add(get(a), op.i32(16)))),
    op.if(less(get(g), get(stop)),
      op.f64Store(get(g), op.f64Mul(op.f64Load(get(g)),
        op.select(op.f64(1), op.f64(0), op.f64Greater(op.f64Load(get(a)), op.f64(0)))))),
  ];
  return [
    { name: "biasRelu", params: 4, locals: [[3, I32], [1, V128]], body: biasRelu },
    { name: "reluMask", params: 3, locals: [[3, I32]], body: reluMask },
  ];
}

/** A WebAssembly module (binary format) of these functions, importing its memory. */
function assemble(functions) {
  const flat = (x) => (Array.isArray(x) ? x.flatMap(flat) : [x]);
  const vector = (items) => [uleb(items.length), items];
  const section = (id, items) => {
    const content = flat(vector(items));
    return [id, uleb(content.length), content];
  };
  const name = (text) => vector([...text].map((ch) => ch.charCodeAt(0)));
  const code = functions.map(({ locals, body }) => {
    const bytes = flat([vector(locals.map(([count, type]) => [uleb(count), type])), body, 0x0b]);
    return [uleb(bytes.length), bytes];
  });
  return Uint8Array.from(flat([
    [0x00, 0x61, 0x73, 0x6d], [1, 0, 0, 0], // "\0asm", version 1
    section(1, functions.map(({ params }) => [0x60, vector(new Array(params).fill(I32)), vector([])])),
    section(2, [[name("env"), name("memory"), 0x02, 0x00, uleb(1)]]), // memory, at least 1 page
    section(3, functions.map((_, i) => uleb(i))),
    section(7, functions.map((f, i) => [name(f.name), 0x00, uleb(i)])),
    section(10, code),
  ]));
}

/**
 * The compiled module, or null where WebAssembly (with SIMD) is missing. At about 2 KB it
 * may be compiled synchronously on a page's main thread (browsers allow up to 4 KB).
 */
const KERNELS = (() => {
  const bytes = assemble([combineCode(), dotsCode(), ...reluCode()]);
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
})();

/**
 * Float64Arrays of the given lengths, side by side in one WebAssembly memory, and what
 * the network does on them: the two products `combine` (C = A·B, B read along its rows)
 * and `dots` (C = A·Bᵀ), with matmul's arguments, and `biasActivate` and
 * `activationBackward` (ReLU by the kernels, the others in JavaScript), all on arrays
 * of this workspace. Without WebAssembly (or with `webassembly` false) the arrays are
 * ordinary and JavaScript does everything; matmul also does combine's work when C has
 * fewer than four columns (combine's smallest block).
 */
export function workspace(lengths, webassembly = KERNELS !== null) {
  if (!webassembly) {
    return {
      arrays: lengths.map((length) => new Float64Array(length)),
      combine: (C, R, N, S, A, ar, as, B) => matmul(C, R, N, S, A, ar, as, B, N, 1),
      dots: (C, R, N, S, A, B) => matmul(C, R, N, S, A, S, 1, B, 1, S),
      biasActivate,
      activationBackward,
    };
  }
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((total * 8) / 65536)) });
  const { combine, dots, biasRelu, reluMask } = new WebAssembly.Instance(KERNELS, { env: { memory } }).exports;
  let offset = 0;
  const arrays = lengths.map((length) => {
    const array = new Float64Array(memory.buffer, offset, length);
    offset += length * 8;
    return array;
  });
  return {
    arrays,
    combine: (C, R, N, S, A, ar, as, B) => {
      if (N < 4) matmul(C, R, N, S, A, ar, as, B, N, 1);
      else combine(C.byteOffset, R, N, S, A.byteOffset, ar, as, B.byteOffset);
    },
    dots: (C, R, N, S, A, B) => dots(C.byteOffset, R, N, S, A.byteOffset, B.byteOffset),
    biasActivate: (name, Z, b, rows, n) => {
      if (name === "relu") biasRelu(Z.byteOffset, rows, n, b.byteOffset);
      else biasActivate(name, Z, b, rows, n);
    },
    activationBackward: (name, G, A, count) => {
      if (name === "relu") reluMask(G.byteOffset, A.byteOffset, count);
      else activationBackward(name, G, A, count);
    },
  };
}

// ---------------------------------------------------------------- the network

/**
 * A multi-layer perceptron as nnkit.mlp builds it: Dense layers with `activation` between
 * them and `output` ("identity" or "sigmoid") after the last. Buffers for up to
 * `maxRows` rows are allocated once, so training allocates nothing per update.
 */
export class Network {
  constructor(sizes, activation, output, weights, biases, webassembly = KERNELS !== null) {
    if (!ACTIVATIONS.includes(activation)) {
      throw new Error(`unknown activation ${JSON.stringify(activation)}: use one of ${ACTIVATIONS.join(", ")}`);
    }
    this.sizes = sizes.slice();
    this.activation = activation;
    this.output = output;
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const W = new Float64Array(nOut * nIn);
      const b = new Float64Array(nOut);
      const Wl = weights[l];
      if (!Wl || Wl.length !== nOut || Wl.some((row) => row.length !== nIn)) {
        throw new Error(`weights of layer ${l + 1} must have shape (${nOut}, ${nIn})`);
      }
      for (let j = 0; j < nOut; j++) for (let k = 0; k < nIn; k++) W[j * nIn + k] = Wl[j][k];
      if (biases) b.set(biases[l]);
      this.layers.push({
        nIn, nOut, W, b,
        gW: new Float64Array(nOut * nIn),
        gb: new Float64Array(nOut),
        act: l + 2 === sizes.length ? output : activation,
      });
    }
    this.webassembly = webassembly;
    this.maxRows = 0;
  }

  /** The parameters in nnkit's order [W0, b0, W1, b1, ...] as {value, grad}. */
  parameters() {
    const params = [];
    for (const layer of this.layers) {
      params.push({ value: layer.W, grad: layer.gW }, { value: layer.b, grad: layer.gb });
    }
    return params;
  }

  /**
   * Make the buffers hold `rows` samples: the input X, and per layer the outputs A (z,
   * then a = f(z) in place) and gradients G (∂J/∂a, then ∂J/∂z in place), n_out × rows
   * each, with copies of W and b and the product dW where the kernels can reach them.
   */
  reserve(rows) {
    if (rows <= this.maxRows) return;
    this.maxRows = rows;
    const lengths = [this.sizes[0] * rows];
    for (const { nIn, nOut } of this.layers) lengths.push(nOut * nIn, nOut, nOut * nIn, nOut * rows, nOut * rows);
    this.space = workspace(lengths, this.webassembly);
    const arrays = this.space.arrays;
    this.X = arrays[0];
    this.layers.forEach((layer, l) => {
      [layer.Wcopy, layer.bCopy, layer.gWproduct, layer.A, layer.G] = arrays.slice(1 + 5 * l, 6 + 5 * l);
    });
  }

  /**
   * Outputs for the `n` samples of X (sizes[0] × n, feature-major); returns the last
   * layer's buffer (units × n). Each layer: Z = W·X, then a = f(z + b) in place.
   */
  forward(X, n) {
    this.reserve(n);
    this.X.set(X.subarray(0, this.sizes[0] * n));
    let input = this.X;
    for (const layer of this.layers) {
      const { nIn, nOut, Wcopy, bCopy, A } = layer;
      Wcopy.set(layer.W); // backward uses this copy too: the W of this forward pass
      bCopy.set(layer.b);
      // Z[j][i] = Σ_k W[j][k] X[k][i]
      this.space.combine(A, nOut, n, nIn, Wcopy, nIn, 1, input);
      this.space.biasActivate(layer.act, A, bCopy, nOut, n);
      layer.input = input;
      input = A;
    }
    return input;
  }

  /**
   * Back-propagate dJ/d(output) (in the last layer's G, n samples) through the network,
   * storing every gradient; the first layer computes no ∂J/∂X (nnkit's input_grad=False).
   * Each layer: ∂J/∂z = ∂J/∂a · f'(z) in place, then dW, db and, for the layer below, dX
   * (nnkit's dW = Gᵀ X, db = Σ G, dX = G W, in this file's feature-major layout).
   */
  backward(n) {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { nIn, nOut, Wcopy, gWproduct, gb, G, A, input, act } = this.layers[l];
      this.space.activationBackward(act, G, A, n * nOut);
      // dW[j][k] = Σ_i G[j][i] X[k][i], db[j] = Σ_i G[j][i]
      this.space.dots(gWproduct, nOut, nIn, n, G, input);
      this.layers[l].gW.set(gWproduct);
      sumRows(gb, G, nOut, n);
      if (l === 0) break;
      // dX[k][i] = Σ_j W[j][k] G[j][i]
      this.space.combine(this.layers[l - 1].G, nIn, n, nOut, Wcopy, 1, nIn, G);
    }
  }

  /** The weights and biases as nested lists (nnkit's shapes), for Python and the code. */
  toLists() {
    return {
      weights: this.layers.map(({ nIn, nOut, W }) =>
        Array.from({ length: nOut }, (_, j) => Array.from(W.subarray(j * nIn, (j + 1) * nIn)))),
      biases: this.layers.map(({ b }) => Array.from(b)),
    };
  }
}

// ---------------------------------------------------------------- the training loop

/** The points [[x1, x2], ...] as a feature-major Float64Array: X[k*n + i] = points[i][k]. */
export function flatten(points, width = 2) {
  const n = points.length;
  const X = new Float64Array(n * width);
  points.forEach((row, i) => {
    for (let k = 0; k < width; k++) X[k * n + i] = row[k];
  });
  return X;
}

/** Samples start..start+rows-1 of the feature-major X (n samples) into `out`, feature-major. */
function samples(X, n, width, start, rows, out) {
  if (start === 0 && rows === n) return X;
  for (let k = 0; k < width; k++) out.set(X.subarray(k * n + start, k * n + start + rows), k * rows);
  return out;
}

/**
 * nnkit.fit, one epoch at a time, with the Validation and GradientNorms callbacks.
 *
 * spec: { sizes, activation, loss, weights, biases, X: [[x1, x2]...], y: [labels],
 *         Xval, yval (optional), optimizer: { name, lr, momentum, weightDecay },
 *         batchSize (null = full batch), seed (mini-batch order),
 *         webassembly (false: the products in JavaScript only; for the tests) }
 * The history follows nnkit.History: initialLoss, epochLoss, valLoss, gradNorms,
 * diverged and divergedEpoch.
 */
export class Trainer {
  constructor(spec) {
    const loss = LOSSES[spec.loss];
    if (!loss) throw new Error(`unknown loss ${JSON.stringify(spec.loss)}: use one of ${Object.keys(LOSSES).join(", ")}`);
    this.lossName = spec.loss;
    this.net = new Network(spec.sizes, spec.activation, loss.output, spec.weights, spec.biases,
      spec.webassembly);
    this.units = spec.sizes[spec.sizes.length - 1];
    this.setData(spec.X, spec.y, spec.Xval, spec.yval);
    this.batchSize = spec.batchSize == null ? null : spec.batchSize;
    this.rng = new Random(spec.seed || 0);
    const options = spec.optimizer || { name: "sgd" };
    const Optimizer = OPTIMIZERS[options.name || "sgd"];
    if (!Optimizer) throw new Error(`unknown optimiser ${JSON.stringify(options.name)}`);
    this.optimizer = new Optimizer(this.net.parameters(), options);
    this.history = {
      initialLoss: NaN, epochLoss: [], valLoss: [], valAccuracy: [], gradNorms: [],
      nUpdates: 0, diverged: false, divergedEpoch: null,
    };
    this.epoch = 0;
    this.started = false;
    this.orders = null; // set to [] to record the mini-batch orders (for the tests)
  }

  /** The training and validation points; the batch buffers are sized for them. */
  setData(X, y, Xval, yval) {
    const width = this.net.sizes[0];
    if (!X.length) throw new Error("there are no training points: add some");
    this.n = X.length;
    this.X = flatten(X, width);
    this.y = Float64Array.from(y);
    this.nVal = Xval ? Xval.length : 0;
    this.Xval = this.nVal ? flatten(Xval, width) : null;
    this.yval = this.nVal ? Float64Array.from(yval) : null;
    const maxLabel = Math.max(...y, ...(yval || []));
    if (this.lossName === "cross_entropy" ? maxLabel >= this.units : maxLabel > 1) {
      throw new Error(`labels go up to ${maxLabel} but the network has ${this.units} output unit(s)`);
    }
    this.Xb = new Float64Array(Math.max(this.n, this.nVal) * width);
    this.yb = new Float64Array(this.n);
  }

  /** Batch size as fit uses it: the whole set when none (or more than the set) is given. */
  get size() {
    return this.batchSize == null || this.batchSize >= this.n ? this.n : this.batchSize;
  }

  /** Rows per chunk when a whole data set is evaluated (callbacks.chunk_rows). */
  get chunk() {
    return this.size === this.n ? this.n : Math.max(this.size, EVAL_CHUNK_ROWS);
  }

  /** The loss on all of X (fit's initial loss: outputs in chunks, one loss over all). */
  wholeLoss(X, y, n) {
    const units = this.units;
    const width = this.net.sizes[0];
    const out = new Float64Array(n * units);
    const chunk = this.chunk;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const P = this.net.forward(samples(X, n, width, start, rows, this.Xb), rows);
      for (let k = 0; k < units; k++) out.set(P.subarray(k * rows, (k + 1) * rows), k * n + start);
    }
    return lossForward(this.lossName, out, y, 0, n, units, null);
  }

  /** Loss and accuracy over a whole set in chunks, each weighted by its rows (evaluate). */
  evaluate(X, y, n) {
    const width = this.net.sizes[0];
    let total = 0;
    let correct = 0;
    for (let start = 0; start < n; start += this.chunk) {
      const rows = Math.min(this.chunk, n - start);
      const out = this.net.forward(samples(X, n, width, start, rows, this.Xb), rows);
      total += lossForward(this.lossName, out, y, start, rows, this.units, null) * rows;
      correct += countCorrect(this.lossName, out, y, start, rows, this.units);
    }
    return { loss: total / n, accuracy: correct / n };
  }

  /** True (and the run marked as diverged) when `value` breaks fit's divergence rule. */
  diverges(epoch, value) {
    if (value <= DIVERGENCE_LOSS) return false;
    this.history.diverged = true;
    this.history.divergedEpoch = epoch;
    return true;
  }

  /** One epoch of fit (the first call also measures the initial loss); false once stopped. */
  step() {
    const h = this.history;
    if (h.diverged) return false;
    const { net, lossName, units } = this;
    const width = net.sizes[0];
    if (!this.started) {
      this.started = true;
      h.initialLoss = this.wholeLoss(this.X, this.y, this.n);
      if (this.diverges(0, h.initialLoss)) return false;
    }
    const epoch = this.epoch + 1;
    const size = this.size;
    const full = size === this.n;
    const order = full ? null : this.rng.permutation(this.n);
    if (order && this.orders) this.orders.push(Array.from(order));
    const norms = new Float64Array(net.layers.length);
    let total = 0;
    let updates = 0;
    for (let start = 0; start < this.n; start += size) {
      const rows = Math.min(size, this.n - start);
      let Xb = this.X;
      let yb = this.y;
      if (!full) {
        Xb = this.Xb;
        yb = this.yb;
        for (let i = 0; i < rows; i++) {
          const r = order[start + i];
          for (let k = 0; k < width; k++) Xb[k * rows + i] = this.X[k * this.n + r];
          yb[i] = this.y[r];
        }
      }
      const out = net.forward(Xb, rows);
      const last = net.layers[net.layers.length - 1];
      const value = lossForward(lossName, out, yb, 0, rows, units, last.G);
      if (this.diverges(epoch, value)) return false;
      net.backward(rows);
      this.optimizer.step();
      h.nUpdates++;
      updates++;
      total += value * rows;
      for (let l = 0; l < net.layers.length; l++) {
        const gW = net.layers[l].gW;
        let sq = 0;
        for (let i = 0; i < gW.length; i++) sq += gW[i] * gW[i];
        norms[l] += Math.sqrt(sq);
      }
    }
    this.epoch = epoch;
    h.epochLoss.push(total / this.n);
    h.gradNorms.push(Array.from(norms, (s) => s / updates));
    if (this.nVal) {
      const { loss, accuracy } = this.evaluate(this.Xval, this.yval, this.nVal);
      h.valLoss.push(loss);
      h.valAccuracy.push(accuracy);
    }
    return true;
  }

  /** Outputs of the network for points [[x1, x2], ...] as nested lists (n, units). */
  predict(points) {
    const n = points.length;
    const out = this.net.forward(flatten(points, this.net.sizes[0]), n);
    return Array.from({ length: n }, (_, i) => Array.from({ length: this.units }, (_, k) => out[k * n + i]));
  }
}
