// "Show code": the nnkit program that reproduces the playground's run.
//
// The run is described by plain numbers, so the program is exact: the data are the
// nk.datasets call that drew them when the page still shows Python's points, and the
// points themselves otherwise (the page drew them, or the reader clicked); the network is
// nk.mlp(..., rng=seed) when its weights are nnkit's, and nk.mlp(weights=[...]) when the
// page drew them. JavaScript writes a float64 with the fewest digits that read back to
// the same number, as Python's repr does, so nothing is lost on the way.
import { LOSSES } from "./trainer.mjs";

/**
 * The Python source for a run:
 * { data: { X, y, nTrain, source: null | { call } }, sizes, activation, init, loss, seed,
 *   initial: { weights, biases, source: null | { call } }, batchSize,
 *   optimizer: { name ("sgd" or "adam"), momentum, nesterov, weightDecay },
 *   segments: [{ lr, epochs }] }.
 * The first nTrain points are the training set, the rest the validation set.
 */
export function generateCode(run) {
  const lines = ["import numpy as np", "import nnkit as nk", ""];
  const { data } = run;
  const nVal = data.X.length - data.nTrain;
  if (data.source) {
    lines.push(`X, y = ${data.source.call}`);
  } else {
    lines.push(`# the ${data.X.length} points on the page (x1, x2) and their classes`);
    lines.push(`X = np.array(${matrix(data.X, "    ")})`);
    lines.push(`y = np.array(${wrapList(data.y.map(String), "    ")})`);
  }
  lines.push(`X_train, y_train = X[:${data.nTrain}], y[:${data.nTrain}]`);
  if (nVal > 0) lines.push(`X_val, y_val = X[${data.nTrain}:], y[${data.nTrain}:]`);
  lines.push("");

  const output = LOSSES[run.loss].output === "sigmoid" ? ', output_activation="sigmoid"' : "";
  if (run.initial.source) {
    lines.push(`model = ${run.initial.source.call}`);
  } else {
    lines.push("# the initial weights the page drew, W of shape (n_out, n_in) per layer");
    const weights = run.initial.weights.map((W) => `np.array(${matrix(W, "        ")})`);
    lines.push(`model = nk.mlp(${JSON.stringify(run.sizes)}, activation="${run.activation}"${output},`);
    lines.push(`               weights=[${weights.join(",\n                        ")}])`);
  }
  lines.push(`loss = nk.${LOSSES[run.loss].nnkit}()`);
  const opt = run.optimizer;
  const first = run.segments.length ? run.segments[0].lr : opt.lr;
  const decay = opt.weightDecay ? `, weight_decay=${num(opt.weightDecay)}` : "";
  if (opt.name === "adam") {
    lines.push(`optimizer = nk.Adam(model.parameters(), lr=${num(first)}${decay})`);
  } else {
    const momentum = (opt.momentum ? `, momentum=${num(opt.momentum)}` : "") +
      (opt.nesterov ? ", nesterov=True" : "");
    lines.push(`optimizer = nk.SGD(model.parameters(), lr=${num(first)}${momentum}${decay})`);
  }

  const batch = run.batchSize == null || run.batchSize >= data.nTrain ? "None" : String(run.batchSize);
  const args = [`batch_size=${batch}`];
  if (batch !== "None") args.push(`rng=${run.seed}`);
  if (nVal > 0) args.push("validation=(X_val, y_val)");
  args.push("callbacks=[nk.GradientNorms()]");
  const fit = (epochs) => `nk.fit(model, X_train, y_train, loss, optimizer, epochs=${epochs},\n` +
    `                 ${args.join(", ")})`;
  lines.push("");
  if (batch !== "None") {
    lines.push("# The page shuffles its mini-batches with its own generator, so this run's");
    lines.push("# curve is like the page's, not equal to it (full batch: equal).");
  }
  const segments = run.segments.length ? run.segments : [{ lr: first, epochs: 0 }];
  if (segments.length === 1) {
    lines.push(`history = ${fit(segments[0].epochs)}`);
    lines.push("print(history)");
  } else {
    lines.push("# The learning rate was changed during the run: one fit per setting.");
    lines.push("histories = []");
    const schedule = segments.map((s) => `(${num(s.lr)}, ${s.epochs})`).join(", ");
    lines.push(`for lr, epochs in [${schedule}]:`);
    lines.push("    optimizer.lr = lr");
    lines.push(`    histories.append(${fit("epochs").replace(/\n/g, "\n    ")})`);
    lines.push("print(histories[-1])");
  }
  return lines.join("\n") + "\n";
}

/** A number as Python reads it back exactly (JavaScript's shortest round-trip form). */
function num(x) {
  if (Number.isNaN(x)) return "float('nan')";
  if (!Number.isFinite(x)) return x > 0 ? "float('inf')" : "-float('inf')";
  return String(x);
}

/** Rows of numbers as a Python list of lists, one row per line. */
function matrix(rows, indent) {
  return `[\n${rows.map((row) => `${indent}[${row.map(num).join(", ")}]`).join(",\n")},\n${indent.slice(4)}]`;
}

/** A long list of short items, wrapped at about 88 characters. */
function wrapList(items, indent) {
  const lines = [];
  let line = "";
  for (const item of items) {
    if (line && line.length + item.length + 2 > 84) {
      lines.push(line);
      line = "";
    }
    line += (line ? ", " : "") + item;
  }
  if (line) lines.push(line);
  return `[\n${lines.map((l) => indent + l).join(",\n")},\n${indent.slice(4)}]`;
}
