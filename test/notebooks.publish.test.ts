// The committed form of executed notebooks (scripts/notebooks/publish.ts), on small fixtures: plotly.js out
// (a note in its place), plots kept as image + figure + text, machine paths rewritten, anything left listed.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as os from "node:os";
import { compactNumberArrays, Notebook, joinText, PLOTLY_MIME } from "../scripts/notebooks/ipynb";
import { cleanForDocs, cleanForDocsOrThrow, findAbsolutePaths, LIBRARY_NOTE, machinePathRules, PublishError, rewritePaths } from "../scripts/notebooks/publish";
import { fixtureNotebook } from "./notebookFixtures";

const TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const ENV = { HOME: "/home/ann", IMDB_DATA_DIR: "/data/imdb" } as NodeJS.ProcessEnv;
const RULES = machinePathRules("/home/ann/src/bert-imdb-ts", ENV);

function withImages(nb: Notebook): Notebook {
  for (const c of nb.cells) for (const o of c.outputs ?? []) if (o.data?.[PLOTLY_MIME]) o.data["image/png"] = TINY_PNG;
  return nb;
}

function stream(text: string): Notebook {
  const nb = fixtureNotebook();
  nb.cells[0].outputs!.push({ output_type: "stream", name: "stderr", text: [text] });
  return withImages(nb);
}

test("rewrites: the repository to relative, IMDB_DATA_DIR, home to ~, the temp folder to $TMPDIR", () => {
  const tmp = os.tmpdir();
  const cases: Array<[string, string]> = [
    ["using the files shipped with this package (/home/ann/src/bert-imdb-ts/assets/bert-base-uncased), ok", "using the files shipped with this package (assets/bert-base-uncased), ok"],
    ["not in the hub cache (/home/ann/.cache/huggingface/hub) and", "not in the hub cache (~/.cache/huggingface/hub) and"],
    ["local copy /data/imdb/plain_text/train.parquet", "local copy $IMDB_DATA_DIR/plain_text/train.parquet"],
    ["cwd /home/ann/src/bert-imdb-ts", "cwd ."],
    [`scratch ${tmp}/x-1/y`, "scratch $TMPDIR/x-1/y"],
    ["/home/ann/src/bert-imdb-ts-other/x stays a path of home", "~/src/bert-imdb-ts-other/x stays a path of home"],
    ["https://huggingface.co/home/ann is a URL", "https://huggingface.co/home/ann is a URL"],
  ];
  for (const [from, to] of cases) assert.equal(rewritePaths(from, RULES), to);
});

test("finds absolute paths, and not the slashes of ordinary text", () => {
  assert.deepEqual(findAbsolutePaths("at /root/.cache/x and (/tmp/abc) and '/work/main' and /opt/y:3"), ["/root/.cache/x", "/tmp/abc", "/work/main", "/opt/y:3"]);
  assert.deepEqual(findAbsolutePaths("saved in /srv/repo/runs", ["/srv/repo"]), ["/srv/repo/runs"]);
  const prose = "1,800 / 200 / 1,000 reviews, 140 samples/s, train/test, and/or, https://huggingface.co/datasets/stanfordnlp/imdb, ~/.cache, $IMDB_DATA_DIR/x, runs/quick/results, 3/4";
  assert.deepEqual(findAbsolutePaths(prose), []);
});

test("cleanForDocs: plotly.js becomes a note, plots keep image, figure and text, timestamps go", () => {
  const nb = withImages(fixtureNotebook());
  nb.cells[0].metadata = { execution: { "iopub.execute_input": "2026-01-01T00:00:00Z" }, tags: ["x"] };
  const r = cleanForDocs(nb, RULES);
  assert.equal(r.plots, 2);
  assert.deepEqual(r.leftoverPaths, []);
  assert.deepEqual(r.plotsWithoutImage, []);
  const outs = r.notebook.cells[0].outputs!;
  assert.equal(outs.length, 3);
  assert.deepEqual(outs[0], { output_type: "display_data", data: { "text/plain": [LIBRARY_NOTE] }, metadata: {} });
  assert.deepEqual(Object.keys(outs[2].data!).sort(), [PLOTLY_MIME, "image/png", "text/plain"]);
  assert.deepEqual(r.notebook.cells[0].metadata, { tags: ["x"] });
  assert.ok(joinText(nb.cells[0].outputs![0].data!["text/html"]).includes("plotly.js"), "the input notebook is not changed");
  assert.ok(JSON.stringify(r.notebook).length < 10_000);
});

test("cleanForDocs rewrites paths in streams, text, HTML and errors; what is left is listed", () => {
  const nb = stream("tokenizer from /home/ann/src/bert-imdb-ts/assets/bert-base-uncased; cache /home/ann/.cache/huggingface\n");
  nb.cells[2].outputs!.push({ output_type: "execute_result", execution_count: 2, metadata: {}, data: { "text/plain": ["'/data/imdb/plain_text'"], "text/html": ["<td>/home/ann/x</td>"] } });
  nb.cells[2].outputs!.push({ output_type: "error", ename: "Error", evalue: "ENOENT /home/ann/src/bert-imdb-ts/runs/quick/x", traceback: ["at f (/home/ann/src/bert-imdb-ts/src/a.ts:1:2)"] });
  const r = cleanForDocs(nb, RULES);
  assert.deepEqual(r.leftoverPaths, []);
  const text = JSON.stringify(r.notebook.cells.map((c) => c.outputs ?? []));
  assert.match(text, /tokenizer from assets\/bert-base-uncased; cache ~\/.cache\/huggingface/);
  assert.match(text, /'\$IMDB_DATA_DIR\/plain_text'/);
  assert.match(text, /<td>~\/x<\/td>/);
  assert.match(text, /ENOENT runs\/quick\/x/);
  assert.match(text, /at f \(src\/a.ts:1:2\)/);

  const left = cleanForDocs(stream("model at /opt/models/tiny and /srv/x\n"), RULES);
  assert.deepEqual(left.leftoverPaths.map((h) => [h.cellIndex, h.where, h.path]), [[0, "stream stderr", "/opt/models/tiny"], [0, "stream stderr", "/srv/x"]]);
  assert.throws(() => cleanForDocsOrThrow(stream("model at /opt/models/tiny\n"), "07-train.ipynb", RULES), (e: unknown) => {
    assert.ok(e instanceof PublishError);
    assert.match(e.message, /07-train\.ipynb: cell 0 \(stream stderr\): machine path \/opt\/models\/tiny +in: model at \/opt\/models\/tiny/);
    return true;
  });
});

test("a plot without its static image cannot be published", () => {
  const nb = fixtureNotebook();
  const r = cleanForDocs(nb, RULES);
  assert.deepEqual(r.plotsWithoutImage, [0, 2]);
  assert.ok(r.notebook.cells[0].outputs![2].data!["text/html"], "its HTML is kept when there is no image");
  assert.throws(() => cleanForDocsOrThrow(nb, "01-load.ipynb", RULES), /01-load\.ipynb: plots without a static image in cell\(s\) 0, 2 \(Chromium is needed/);
});

test("compactNumberArrays puts a plot's number arrays on one line and changes no value", () => {
  const v = { x: [1, 2.5, -3e-7, 1e21], names: ["a", "1"], nested: [[1, 2], [3]], text: "[\n1\n]", empty: [] as number[] };
  const t = compactNumberArrays(JSON.stringify(v, null, 1));
  assert.deepEqual(JSON.parse(t), v);
  assert.match(t, /"x": \[1, 2\.5, -3e-7, 1e\+21\]/);
  assert.match(t, /"names": \[\n/, "arrays of strings keep nbformat's layout");
});

test("extra rules: the refresh's own run folder reads as runs/quick, absolute or relative", () => {
  const rules = machinePathRules("/home/ann/src/bert-imdb-ts", ENV, [
    { from: "/home/ann/src/bert-imdb-ts/runs/notebooks-refresh/", to: "runs/quick/" },
    { from: "runs/notebooks-refresh/", to: "runs/quick/" },
  ]);
  assert.equal(rewritePaths("files: runs/notebooks-refresh/", rules), "files: runs/quick/");
  assert.equal(rewritePaths("Resuming from /home/ann/src/bert-imdb-ts/runs/notebooks-refresh/results/checkpoint-339: step", rules), "Resuming from runs/quick/results/checkpoint-339: step");
  assert.equal(rewritePaths("see my-runs/notebooks-refresh/x", rules), "see my-runs/notebooks-refresh/x", "only at a path's start");
});
