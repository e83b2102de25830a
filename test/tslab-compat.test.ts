// src/ is compiled twice: by tsc for dist/, and inside the tslab kernel by tslab's own TypeScript 5.0.4 with
// fixed options (lib ES2022, Node10 resolution). This test compiles every src file the way tslab does, so an
// ES2023 call, `using`, `import.meta` or a newer syntax fails here instead of in a user's notebook.
import * as path from "node:path";
import * as fs from "node:fs";
import { test } from "node:test";
import * as assert from "node:assert/strict";

const ROOT = path.resolve(__dirname, "..");

function srcFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return srcFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

test("src/ type-checks under tslab's TypeScript 5.0.4 and options", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
  assert.equal(ts.version, "5.0.4");
  const program = ts.createProgram(srcFiles(path.join(ROOT, "src")), {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    types: ["node"],
  });
  const diags = ts.getPreEmitDiagnostics(program);
  const text = diags.map((d) => {
    const where = d.file && d.start !== undefined ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(text, [], text.join("\n"));
});
