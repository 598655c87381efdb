// Run the playground's trainer outside the browser: read a JSON spec on standard input,
// train, print JSON. The Python tests (tests/course/playground) use it to compare the
// trainer with nnkit under node, with the same numbers the page would use.
//
//   input:  Trainer's spec (see trainer.mjs) plus { epochs, recordOrders, predict }
//   output: { history, weights, biases, orders, predictions } or { error }
import { Trainer } from "./trainer.mjs";

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  try {
    const spec = JSON.parse(text);
    const trainer = new Trainer(spec);
    if (spec.recordOrders) trainer.orders = [];
    for (let e = 0; e < (spec.epochs ?? 0); e++) if (!trainer.step()) break;
    const result = { history: trainer.history, ...trainer.net.toLists(), orders: trainer.orders };
    if (spec.predict) result.predictions = trainer.predict(spec.predict);
    // JSON has no NaN: write non-finite numbers as strings Python's float() reads.
    process.stdout.write(JSON.stringify(result, (key, value) =>
      (typeof value === "number" && !Number.isFinite(value) ? String(value) : value)));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error.message || error) }));
    process.exitCode = 1;
  }
});
