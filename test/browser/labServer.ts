// Starts a JupyterLab 4 server (`jupyter-lab`) for the browser test: 127.0.0.1, a random free port, a random
// token, no browser, serving a temporary copy of notebooks/. The server sees the Jupyter installation it comes
// with (its own prefix: the kernels and server extensions installed there) but none of the user's own Jupyter
// files: config, data (user kernels), runtime, JupyterLab settings and workspaces all live under `tmpDir`.
// The kernel is the project's, as `npm run kernel:install` registers it: the spec installed in JupyterLab's
// prefix (`node kernel/install.js --prefix <venv>`, what .ci/run does) when it is there and runs this
// checkout's kernel without pinning a preset or run directory, otherwise the same spec written into a private
// JUPYTER_PATH. Either way the kernel inherits the test's settings (preset, run directory, IMDb, offline hub)
// from the server's environment.
import { ChildProcess, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { exited, startGroup, stopGroup } from "./processes";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { writeKernelSpec, KERNEL_NAME, PROJECT_ROOT } = require("../../kernel/kernelspec") as {
  writeKernelSpec(dir: string, opts?: { heapMb?: number; env?: Record<string, string> }): string;
  KERNEL_NAME: string;
  PROJECT_ROOT: string;
};

export { KERNEL_NAME };

/** The venv .ci/run makes for JupyterLab (gitignored). */
export const LAB_VENV = path.join(PROJECT_ROOT, ".jupyterlab-venv");

/** Candidates for `jupyter-lab`: BERT_IMDB_JUPYTER_LAB, the project's venv, then PATH. */
function labCandidates(): string[] {
  if (process.env.BERT_IMDB_JUPYTER_LAB) return [process.env.BERT_IMDB_JUPYTER_LAB];
  const onPath = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "jupyter-lab"));
  return [path.join(LAB_VENV, "bin", "jupyter-lab"), ...onPath];
}

export interface LabInstall {
  /** The `jupyter-lab` executable. */
  exe: string;
  /** JupyterLab's version (4.x). */
  version: string;
  /** sys.prefix of its Python (where `kernel/install.js --prefix` puts the kernel spec). */
  prefix: string;
}

/** The JupyterLab 4 to drive, or the reason there is none. */
export function findJupyterLab(): LabInstall | string {
  const tried: string[] = [];
  for (const exe of labCandidates()) {
    if (!fs.existsSync(exe)) {
      tried.push(`${exe} (missing)`);
      continue;
    }
    const r = spawnSync(exe, ["--version"], { encoding: "utf8", timeout: 60_000 });
    const version = r.status === 0 ? r.stdout.trim().split("\n").pop()!.trim() : "";
    if (!/^4\./.test(version)) {
      tried.push(`${exe} (${version ? `version ${version}, not 4.x` : `does not run: ${(r.stderr || String(r.error ?? "")).trim().split("\n").pop()}`})`);
      continue;
    }
    // The prefix of the Python in the script's shebang line (a venv's bin/ or a system prefix).
    const shebang = fs.readFileSync(exe, "utf8").split("\n")[0].replace(/^#!\s*/, "").trim().split(/\s+/);
    const p = spawnSync(shebang[0], [...shebang.slice(1), "-c", "import sys; print(sys.prefix)"], { encoding: "utf8", timeout: 30_000 });
    const prefix = p.status === 0 ? p.stdout.trim() : path.resolve(path.dirname(exe), "..");
    return { exe, version, prefix };
  }
  return `no JupyterLab 4 found (tried ${tried.join("; ")}); install it with \`pip install jupyterlab\` (e.g. in .jupyterlab-venv/, as .ci/run does) or set BERT_IMDB_JUPYTER_LAB`;
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function fetchJson(url: string, init: RequestInit = {}, timeoutMs = 5000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body };
}

/** Variables of the test's kernel settings that an installed spec must not pin to other values. */
const SETTINGS = ["BERT_IMDB_PRESET", "BERT_IMDB_RUN_DIR", "BERT_IMDB_ROOT", "IMDB_DATA_DIR", "HF_HUB_OFFLINE"];

/**
 * The spec `kernel/install.js --prefix <prefix>` installed, when it runs this checkout's kernel and leaves the
 * test's settings to the environment; otherwise why not.
 */
export function installedKernelSpec(prefix: string, kernelEnv: Record<string, string>): { dir: string } | { why: string } {
  const dir = path.join(prefix, "share", "jupyter", "kernels", KERNEL_NAME);
  const file = path.join(dir, "kernel.json");
  if (!fs.existsSync(file)) return { why: `no kernel spec in ${dir} (node kernel/install.js --prefix ${prefix} registers it)` };
  let spec: { argv?: string[]; env?: Record<string, string> };
  try {
    spec = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    return { why: `${file} is not JSON (${err})` };
  }
  const launch = path.join(PROJECT_ROOT, "kernel", "launch.js");
  if (!spec.argv?.includes(launch)) return { why: `${file} runs another checkout's kernel (${spec.argv?.join(" ")})` };
  const want: Record<string, string> = { ...kernelEnv, BERT_IMDB_ROOT: PROJECT_ROOT };
  const pinned = SETTINGS.filter((k) => spec.env?.[k] !== undefined && spec.env[k] !== want[k]);
  if (pinned.length) return { why: `${file} pins ${pinned.map((k) => `${k}=${spec.env![k]}`).join(", ")}` };
  return { dir };
}

export interface LabServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  token: string;
  version: string;
  kernelName: string;
  /** Where the kernel spec the server uses lives, and whether it is the one installed in JupyterLab's prefix. */
  kernelSpecDir: string;
  kernelSpecInstalled: boolean;
  /** URL that opens `notebook` in JupyterLab, in a fresh workspace of its own (nothing else reopens). */
  notebookUrl(notebook: string): string;
  /** Shuts down every kernel of the server through its REST API. */
  shutdownKernels(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  lab: LabInstall;
  /** Folder the server shows (a temporary copy of notebooks/). */
  notebookDir: string;
  /** Private folder for Jupyter's config, data, runtime, settings and workspace files. */
  tmpDir: string;
  /** The kernel's settings, given to the server's environment (the kernel inherits it). */
  kernelEnv: Record<string, string>;
  /** Use a private kernel spec even when one is installed in JupyterLab's prefix. */
  privateKernel?: boolean;
  startTimeoutMs?: number;
  onLog?: (line: string) => void;
}

/** JupyterLab user settings (JSON) the test starts with: no news prompt, nothing fetched from the web. */
const LAB_SETTINGS: Record<string, object> = {
  "@jupyterlab/apputils-extension/notification.jupyterlab-settings": { fetchNews: "false", checkForUpdates: false },
};

export async function startLabServer(o: StartOptions): Promise<LabServer> {
  const d = (name: string) => {
    const p = path.join(o.tmpDir, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const configDir = d("jupyter-config");
  const dataDir = d("jupyter-data");
  const runtimeDir = d("jupyter-runtime");
  const settingsDir = d("lab-settings");
  const workspacesDir = d("lab-workspaces");
  for (const [file, value] of Object.entries(LAB_SETTINGS)) {
    fs.mkdirSync(path.dirname(path.join(settingsDir, file)), { recursive: true });
    fs.writeFileSync(path.join(settingsDir, file), JSON.stringify(value, null, 2) + "\n");
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...o.kernelEnv,
    JUPYTER_CONFIG_DIR: configDir,
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_RUNTIME_DIR: runtimeDir,
    JUPYTERLAB_SETTINGS_DIR: settingsDir,
    JUPYTERLAB_WORKSPACES_DIR: workspacesDir,
    PYTHONUNBUFFERED: "1",
  };
  delete env.JUPYTER_PATH;
  delete env.JUPYTER_CONFIG_PATH;
  delete env.JUPYTER_NO_CONFIG;

  const installed = o.privateKernel ? { why: "a private kernel spec was asked for" } : installedKernelSpec(o.lab.prefix, o.kernelEnv);
  let kernelSpecDir: string;
  if ("dir" in installed) {
    kernelSpecDir = installed.dir;
  } else {
    const jupyterPath = d("jupyter-path");
    kernelSpecDir = writeKernelSpec(path.join(jupyterPath, "kernels"), { heapMb: 8192, env: o.kernelEnv });
    env.JUPYTER_PATH = jupyterPath;
    o.onLog?.(`kernel spec: a private one in ${kernelSpecDir} (${installed.why})`);
  }

  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = [
    "--no-browser",
    "--ServerApp.ip=127.0.0.1",
    `--ServerApp.port=${port}`,
    "--ServerApp.port_retries=0",
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${o.notebookDir}`,
    // Kernels stay up while their notebook is open (the default; said so that a culling config cannot apply).
    "--MappingKernelManager.cull_idle_timeout=0",
  ];
  if (process.getuid?.() === 0) args.push("--allow-root"); // containers and CI often run as root
  const child: ChildProcess = startGroup(o.lab.exe, args, {
    env,
    cwd: o.notebookDir,
    label: "jupyterlab",
    echo: process.env.BERT_IMDB_BROWSER_VERBOSE === "1",
  });
  const log: string[] = [];
  child.stderr?.on("data", (c: string) => log.push(String(c)));

  const server: LabServer = {
    baseUrl,
    token,
    version: o.lab.version,
    kernelName: KERNEL_NAME,
    kernelSpecDir,
    kernelSpecInstalled: "dir" in installed,
    notebookUrl: (nb) =>
      `${baseUrl}/lab/workspaces/${encodeURIComponent(nb.replace(/\W+/g, "-"))}/tree/${encodeURIComponent(nb)}?reset&token=${token}`,
    async shutdownKernels() {
      try {
        const { body } = await fetchJson(`${baseUrl}/api/kernels?token=${token}`);
        for (const k of Array.isArray(body) ? (body as Array<{ id: string }>) : []) {
          await fetchJson(`${baseUrl}/api/kernels/${k.id}?token=${token}`, { method: "DELETE" }, 20_000).catch(() => undefined);
        }
      } catch {
        // The server is gone; the process sweep takes care of its kernels.
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) await server.shutdownKernels();
      await stopGroup(child, 15_000);
    },
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 90_000);
  let exitedWith: number | string | undefined;
  void exited(child).then((c) => (exitedWith = c));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) break;
    try {
      const r = await fetchJson(`${baseUrl}/api/kernelspecs?token=${token}`, {}, 2000);
      if (r.status === 200) {
        const specs = (r.body as { kernelspecs?: Record<string, { resources?: Record<string, string> }> }).kernelspecs ?? {};
        if (!(KERNEL_NAME in specs)) {
          await server.stop();
          throw new Error(`JupyterLab does not list the kernel "${KERNEL_NAME}" (expected from ${kernelSpecDir}); it has: ${Object.keys(specs).join(", ")}`);
        }
        return server;
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("JupyterLab does not")) throw err;
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await server.stop();
  throw new Error(
    (exitedWith !== undefined ? `jupyter-lab exited (${exitedWith}) before serving` : `jupyter-lab did not answer on ${baseUrl} in time`) +
      `; its log:\n${log.join("").slice(-4000)}`,
  );
}
