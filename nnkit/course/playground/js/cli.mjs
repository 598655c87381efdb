// Run the playground's trainer outside the browser: read a JSON spec on standard input,
// train, print JSON. The Python tests (tests/course/playground) use it to compare the
// trainer with nnkit under node, with the same numbers the page would use.
//
//   input:  Trainer's spec (see trainer.mjs) plus { epochs, recordOrders, predict,
//           schedule: [{ lr, epochs }] (instead of epochs: the learning rate changes),
//           run (a run for codegen.mjs: its code is returned) }
//   output: { history, weights, biases, orders, predictions, code } or { error }
import { generateCode } from "./codegen.mjs";
import { Trainer } from "./trainer.mjs";

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  try {
    const spec = JSON.parse(text);
    const trainer = new Trainer(spec);
    if (spec.recordOrders) trainer.orders = [];
    const schedule = spec.schedule ?? [{ lr: trainer.optimizer.lr, epochs: spec.epochs ?? 0 }];
    run: for (const { lr, epochs } of schedule) {
      trainer.optimizer.lr = lr;
      for (let e = 0; e < epochs; e++) if (!trainer.step()) break run;
    }
    const result = { history: trainer.history, ...trainer.net.toLists(), orders: trainer.orders };
    if (spec.predict) result.predictions = trainer.predict(spec.predict);
    if (spec.run) result.code = generateCode(spec.run);
    // JSON has no NaN: write non-finite numbers as strings Python's float() reads.
    process.stdout.write(JSON.stringify(result, (key, value) =>
      (typeof value === "number" && !Number.isFinite(value) ? String(value) : value)));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error.message || error) }));
    process.exitCode = 1;
  }
});
