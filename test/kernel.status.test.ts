// The kernel says "busy" for as long as any request is unfinished: tslab handles requests concurrently and each
// one ends with its own "idle", which front ends take as the kernel's state, so without kernel/launch.js' fix
// JupyterLab shows Idle while a long cell (training) runs. Checked at the Jupyter protocol level with
// jupyter_client: a 4-second cell, a kernel_info_request, a second cell and a completion request sent while it runs;
// and a cell that blocks the event loop (as compiling the first cell does) says busy when it starts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as assert from "node:assert/strict";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { writeKernelSpec, KERNEL_NAME } = require("../kernel/kernelspec") as { writeKernelSpec(dir: string, opts?: object): string; KERNEL_NAME: string };

function python(): string | null {
  for (const py of [process.env.BERT_IMDB_PYTHON, "python3", "/usr/bin/python3"].filter((x): x is string => !!x)) {
    if (spawnSync(py, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0) return py;
  }
  return null;
}

test("the kernel reports busy until every request is done, then idle", { timeout: 180_000 }, (t) => {
  const py = python();
  if (!py) {
    if (process.env.CI === "true") assert.fail("jupyter_client is missing (Debian: apt-get install jupyter-client)");
    return t.skip("no Python with jupyter_client");
  }
  const jupyterDir = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-status-"));
  writeKernelSpec(path.join(jupyterDir, "kernels"), { heapMb: 2048 });
  const r = spawnSync(py, [path.join(__dirname, "kernelStatus.py"), KERNEL_NAME], {
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: jupyterDir, JUPYTER_RUNTIME_DIR: path.join(jupyterDir, "runtime") },
    timeout: 170_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
    blocking: Array<[number, string, string]>;
    statuses: Array<[number, string, string]>;
    finished: number;
  };
  assert.equal(report.finished, 2, "both cells finished");
  // Three cells sent at once: "first" and "blocking" hold the event loop for 3 s each, "quick" between them.
  const b = report.blocking;
  const at = (state: string, role: string) => b.find((x) => x[1] === state && x[2] === role)?.[0] ?? NaN;
  const lastWordAt = (t: number) => [...b].reverse().find((x) => x[0] < t)?.[1];
  for (const role of ["first", "blocking"]) {
    const idle = at("idle", role);
    assert.ok(Number.isFinite(idle), `the ${role} cell finished: ${JSON.stringify(b)}`);
    // one second before a blocking cell ends, the last status the front end has seen must be busy
    assert.equal(lastWordAt(idle - 1), "busy", `while the ${role} cell held the event loop the kernel said idle: ${JSON.stringify(b)}`);
  }
  assert.ok(at("busy", "first") < 1.5, `the first cell's busy came at ${at("busy", "first")} s, as it started: ${JSON.stringify(b)}`);
  const s = report.statuses;
  const lastSlowIdle = s.findIndex((x, i) => x[1] === "idle" && x[2] === "execute_request" && s.slice(i + 1).some((y) => y[2] === "execute_request" && y[1] === "idle"));
  // while the slow cell ran (before the first execute idle), every idle of another request is followed by a busy
  const during = s.slice(0, lastSlowIdle);
  during.forEach((x, i) => {
    if (x[1] === "idle") assert.equal(during[i + 1]?.[1] ?? s[i + 1]?.[1], "busy", `an idle at ${x[0]} s (${x[2]}) while a cell ran must be followed by busy: ${JSON.stringify(s)}`);
  });
  assert.ok(during.some((x) => x[1] === "idle" && x[2] === "kernel_info_request"), `the kernel_info request got its own idle: ${JSON.stringify(s)}`);
  assert.equal(s[s.length - 1][1], "idle", `the last word is idle once everything is done: ${JSON.stringify(s)}`);
});
