// Tables (src/tables.ts): showTable renders rows without loading danfojs-node (it took most of the package's
// import time), danfojs-node loads at the first use of dfd, and the project's gradients are put back after it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dfd, showTable, toDataFrame } from "../src/tables";
import { tf } from "../src/backends/tf";

const danfoLoaded = () => Object.keys(require.cache).some((f) => f.includes(`${"/"}danfojs-node${"/"}`));

function captureTable(run: () => void): unknown[] {
  const tables: unknown[] = [];
  const original = console.table;
  console.table = (rows: unknown) => void tables.push(rows);
  try {
    run();
  } finally {
    console.table = original;
  }
  return tables;
}

test("showTable renders rows without danfojs-node, and a DataFrame of the same rows the same way", () => {
  const rows = [{ name: "a", n: 1, x: 0.123456 }, { name: "b", n: 20000, x: { nested: true } }];
  const fromRows = captureTable(() => showTable(rows));
  assert.equal(danfoLoaded(), false, "danfojs-node is not loaded for plain rows");
  assert.deepEqual(fromRows, [[{ name: "a", n: "1", x: "0.1235" }, { name: "b", n: "20,000", x: '{"nested":true}' }]]);
  const fromFrame = captureTable(() => showTable(toDataFrame(rows)));
  assert.equal(danfoLoaded(), true);
  assert.deepEqual(fromFrame, fromRows);
});

test("dfd is danfojs-node's namespace, loaded at first use, and the project's gather gradient is kept", () => {
  const gatherGrad = tf.getGradient("GatherV2")?.gradFunc;
  const df = new dfd.DataFrame({ a: [1, 2], b: ["x", "y"] });
  assert.deepEqual(df.columns, ["a", "b"]);
  assert.deepEqual(df.values, [[1, "x"], [2, "y"]]);
  assert.equal(typeof dfd.Series, "function");
  assert.ok("DataFrame" in dfd);
  assert.equal(tf.getGradient("GatherV2")?.gradFunc, gatherGrad, "danfojs' copy of tfjs did not leave its default gradient in place");
});
