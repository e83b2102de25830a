// Tests of src/plots inside a (simulated) tslab kernel: the messages sent to the notebook — plotly.js once
// per kernel in its own output, a mime bundle per plot, LivePlot updating one output in place, throttled.
import { test } from "node:test";
import * as assert from "node:assert/strict";

type Msg = { data: Record<string, unknown>; transient: { display_id?: string }; update: boolean };
const sent: Msg[] = [];
// Must happen before anything asks inNotebook() (it caches the answer): pretend the kernel is connected.
// eslint-disable-next-line @typescript-eslint/no-var-requires
require("tslab/dist/jupyter").lastWriteDisplayData = (d: { data: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) =>
  sent.push({ data: d.data, transient: d.transient, update });

import { plotLine, plotBar, LivePlot, resetPlotlyLibrary } from "../src/plots";
import { inNotebook } from "../src/notebookDisplay";

test("plots send plotly.js once, then one bundle per plot", () => {
  assert.equal(inNotebook(), true);
  plotLine({ y: [1, 2] });
  plotBar(["a", "b"], [1, 2]);
  assert.equal(sent.length, 3);
  const lib = sent[0];
  assert.match(String(lib.data["text/html"]), /window\.Plotly/);
  assert.ok(String(lib.data["text/html"]).length > 1_000_000, "the library is inlined, not loaded from a CDN");
  assert.equal(lib.transient.display_id, undefined, "the library output is never updated in place");
  for (const m of sent.slice(1)) {
    assert.ok(String(m.data["text/html"]).length < 5000, "plots do not repeat the library");
    assert.match(String(m.data["text/html"]), /Plotly\.newPlot/);
    assert.ok(typeof m.data["application/vnd.plotly.v1+json"] === "object");
    assert.equal(typeof m.data["text/plain"], "string");
  }
  resetPlotlyLibrary();
  plotLine({ y: [3] });
  assert.equal(sent.length, 5, "after resetPlotlyLibrary the library is sent again");
});

test("LivePlot updates one output in place, at most every throttleMs", async () => {
  sent.length = 0;
  const live = new LivePlot({ title: "loss", throttleMs: 250 });
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) live.add("loss", i, 1 / (i + 1));
  assert.equal(sent.length, 1, "the first point draws; the next 49 within 250 ms do not");
  await new Promise((r) => setTimeout(r, 300));
  live.add("loss", 50, 0.01);
  live.add("eval_loss", 50, 0.02, "markers");
  live.close();
  assert.ok(Date.now() - t0 >= 250);
  assert.equal(sent.length, 3);
  const ids = new Set(sent.map((m) => m.transient.display_id));
  assert.equal(ids.size, 1, "all three messages address the same display");
  assert.deepEqual(sent.map((m) => m.update), [false, true, true]);
  const fig = sent[2].data["application/vnd.plotly.v1+json"] as { data: Array<{ name: string; y: number[] }> };
  assert.equal(fig.data[0].y.length, 51);
  assert.equal(fig.data[1].name, "eval_loss");
  live.add("loss", 51, 0);
  assert.equal(sent.length, 3, "no output after close()");
});
