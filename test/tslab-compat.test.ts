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

test("src/ imports folders through their index file (tslab cannot resolve a bare folder import)", () => {
  // tslab loads the .ts files it compiled by appending ".js" to a relative import; `../hub` becomes `../hub.js`
  // and fails at run time inside the kernel, while tsc and tsx accept it. `../hub/index` works everywhere.
  const offenders: string[] = [];
  for (const file of srcFiles(path.join(ROOT, "src"))) {
    const text = fs.readFileSync(file, "utf8");
    const re = /(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}(?:\/[^"']*)?)["']/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (fs.existsSync(target) && fs.statSync(target).isDirectory()) offenders.push(`${path.relative(ROOT, file)}: "${m[1]}"`);
    }
  }
  assert.deepEqual(offenders, [], `use "<folder>/index" instead:\n${offenders.join("\n")}`);
});

test("a notebook cell importing every src module compiles with tslab's own converter", () => {
  // Catches what only tslab's pipeline hits, e.g. its declaration emit crashing on a module that pairs a
  // namespace import with a top-level call statement.
  process.chdir(ROOT); // tslab compiles relative to the working directory, like the kernel (kernel/launch.js)
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createConverter } = require("tslab/dist/converter") as {
    createConverter(): { convert(prev: string, src: string): { diagnostics: Array<{ messageText: string; start: number }> }; close(): void };
  };
  const conv = createConverter();
  try {
    const files = srcFiles(path.join(ROOT, "src"));
    const cell =
      'import { tf } from "./src/backends/tf";\n' +
      files.map((f, i) => `import * as m${i} from "./${path.relative(ROOT, f).replace(/\\/g, "/").replace(/\.ts$/, "")}";`).join("\n") +
      "\nconst probe: tf.Tensor = tf.scalar(1);";
    const out = conv.convert("", cell);
    assert.deepEqual(out.diagnostics.map((d) => d.messageText), []);
  } finally {
    conv.close();
  }
});

test("the package's declarations (what tslab parses at a notebook's first import) stay lean and keep tf's chained methods", () => {
  // Each notebook's kernel type-checks its first cell against dist/index.d.ts and everything it reaches.
  // `tf` is typed from tfjs-core (not @tensorflow/tfjs with layers, data and converter) and the ONNX builder's
  // protobuf types are not reached: together 0.45 s less for that cell here. The chained methods (x.add(y))
  // must still type-check.
  const index = path.join(ROOT, "dist", "index.d.ts");
  assert.ok(fs.existsSync(index), "dist/ is not built: run npm run build (npm test does)");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
  const cell = path.join(ROOT, "dist", "__declarations_probe__.ts");
  const source = 'import { tf } from "./index";\nconst x: tf.Tensor = tf.tensor([1, 2]);\nexport const y: tf.Tensor = x.add(tf.scalar(1)).reshape([2, 1]);\n';
  const host = ts.createCompilerHost({});
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (path.resolve(f) === cell ? source : readFile(f));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => path.resolve(f) === cell || fileExists(f);
  const program = ts.createProgram([cell], {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  }, host);
  const reached = program.getSourceFiles().map((f) => f.fileName);
  for (const pkg of ["@tensorflow/tfjs-layers", "@tensorflow/tfjs-converter", "@tensorflow/tfjs-data", "onnx-proto"]) {
    assert.deepEqual(reached.filter((f) => f.includes(`/node_modules/${pkg}/`)).slice(0, 3), [], `dist/index.d.ts reaches ${pkg}`);
  }
  const diags = program.getSemanticDiagnostics(program.getSourceFile(cell));
  assert.deepEqual(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
});
