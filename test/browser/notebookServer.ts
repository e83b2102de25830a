// Starts Debian's classic Jupyter Notebook server (`jupyter-notebook`, Notebook 6.x) for the browser test:
// 127.0.0.1, a random free port, a random token, no browser, the project's tslab kernel from a private
// JUPYTER_PATH, and a clean Jupyter configuration (JUPYTER_NO_CONFIG: no nbextension or server extension from
// /etc/jupyter or ~/.jupyter is loaded, so the plots are shown by the notebook's own HTML output renderer).
// Every file the server writes (runtime files, signatures database, temporary config) stays under `tmpDir`.
import { ChildProcess, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { exited, startGroup, stopGroup } from "./processes";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { writeKernelSpec, KERNEL_NAME } = require("../../kernel/kernelspec") as {
  writeKernelSpec(dir: string, opts?: { heapMb?: number; env?: Record<string, string> }): string;
  KERNEL_NAME: string;
};

export const JUPYTER_NOTEBOOK = process.env.BERT_IMDB_JUPYTER_NOTEBOOK ?? "/usr/bin/jupyter-notebook";

export interface NotebookServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  token: string;
  version: string;
  kernelName: string;
  /** URL that opens `notebook` (a file name inside the notebook dir), logging in with the token. */
  notebookUrl(notebook: string): string;
  /** Shuts down every kernel of the server through its REST API (the notebook page may stay open). */
  shutdownKernels(): Promise<void>;
  stop(): Promise<void>;
}

/** The Notebook version of `jupyter-notebook`, or null when it is missing or not runnable. */
export function notebookVersion(): string | null {
  if (!fs.existsSync(JUPYTER_NOTEBOOK)) return null;
  const r = spawnSync(JUPYTER_NOTEBOOK, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
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

export interface StartOptions {
  /** Folder the server shows (a temporary copy of notebooks/). */
  notebookDir: string;
  /** Private folder for Jupyter's kernel spec, runtime and data files. */
  tmpDir: string;
  /** Environment of the kernel (merged over this process' environment). */
  kernelEnv: Record<string, string>;
  heapMb?: number;
  startTimeoutMs?: number;
}

export async function startNotebookServer(o: StartOptions): Promise<NotebookServer> {
  const version = notebookVersion();
  if (!version) throw new Error(`${JUPYTER_NOTEBOOK} is missing or does not run: install Debian's classic Notebook (apt-get install jupyter-notebook)`);
  const jupyterPath = path.join(o.tmpDir, "jupyter-path");
  const dataDir = path.join(o.tmpDir, "jupyter-data");
  const runtimeDir = path.join(o.tmpDir, "jupyter-runtime");
  const serverTmp = path.join(o.tmpDir, "server-tmp");
  for (const d of [jupyterPath, dataDir, runtimeDir, serverTmp]) fs.mkdirSync(d, { recursive: true });
  writeKernelSpec(path.join(jupyterPath, "kernels"), { heapMb: o.heapMb ?? 8192, env: o.kernelEnv });

  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = [
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--NotebookApp.port_retries=0",
    `--NotebookApp.token=${token}`,
    `--notebook-dir=${o.notebookDir}`,
    "--NotebookApp.open_browser=False",
  ];
  if (process.getuid?.() === 0) args.push("--allow-root"); // containers and CI often run as root
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...o.kernelEnv,
    JUPYTER_PATH: jupyterPath,
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_RUNTIME_DIR: runtimeDir,
    JUPYTER_NO_CONFIG: "1",
    TMPDIR: serverTmp, // where JUPYTER_NO_CONFIG's blank config folder is created
    PYTHONUNBUFFERED: "1",
  };
  delete env.JUPYTER_CONFIG_DIR;
  delete env.JUPYTER_CONFIG_PATH;
  const child: ChildProcess = startGroup(JUPYTER_NOTEBOOK, args, {
    env,
    cwd: o.notebookDir,
    label: "jupyter",
    echo: process.env.BERT_IMDB_BROWSER_VERBOSE === "1",
  });
  const log: string[] = [];
  child.stderr?.on("data", (c: string) => log.push(String(c)));

  const server: NotebookServer = {
    baseUrl,
    token,
    version,
    kernelName: KERNEL_NAME,
    notebookUrl: (nb) => `${baseUrl}/notebooks/${encodeURIComponent(nb)}?token=${token}`,
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

  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  let exitedWith: number | string | undefined;
  void exited(child).then((c) => (exitedWith = c));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) break;
    try {
      const r = await fetchJson(`${baseUrl}/api/kernelspecs?token=${token}`, {}, 2000);
      if (r.status === 200) {
        const specs = (r.body as { kernelspecs?: Record<string, unknown> }).kernelspecs ?? {};
        if (!(KERNEL_NAME in specs)) {
          await server.stop();
          throw new Error(`the notebook server does not list the kernel "${KERNEL_NAME}" (JUPYTER_PATH=${jupyterPath}); it has: ${Object.keys(specs).join(", ")}`);
        }
        return server;
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("the notebook server")) throw err;
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await server.stop();
  throw new Error(
    (exitedWith !== undefined ? `jupyter-notebook exited (${exitedWith}) before serving` : `jupyter-notebook did not answer on ${baseUrl} in time`) +
      `; its log:\n${log.join("").slice(-4000)}`,
  );
}
