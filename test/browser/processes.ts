// Child processes of the browser test: starting a command in its own process group, stopping it (TERM, then
// KILL after a grace period), and a last-resort sweep that kills, by pid, the processes whose command line
// names this test's private temporary folder (kernels started by Jupyter live in their own sessions, so
// killing the server's process group alone could leave one behind).
import { ChildProcess, spawn, SpawnOptions } from "node:child_process";
import * as fs from "node:fs";

/** Starts `cmd` in a new process group (so the whole group can be stopped), output prefixed and forwarded. */
export function startGroup(cmd: string, args: string[], opts: SpawnOptions & { label: string; echo?: boolean }): ChildProcess {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const forward = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    if (!stream) return;
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      if (opts.echo !== false) for (const line of lines) out.write(`[${opts.label}] ${line}\n`);
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  return child;
}

/** Resolves with the exit code (or signal name) once `child` has exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Sends TERM to the process group of `child`, then KILL when it has not exited after `graceMs`. */
export async function stopGroup(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child.pid, "SIGKILL"); // the leader exited; anything left in its group goes too
    return;
  }
  killGroup(child.pid, "SIGTERM");
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
  if ((await Promise.race([exited(child), timer])) === "timeout") {
    killGroup(child.pid, "SIGKILL");
    await Promise.race([exited(child), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

/** Pids of live processes (other than this one) whose command line contains `marker`. */
export function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return pids; // no procfs: nothing to sweep
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmdline.includes(marker)) pids.push(Number(e));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Kills (KILL) every process whose command line names `marker`; returns the pids it killed. */
export function killProcessesMentioning(marker: string): number[] {
  const pids = processesMentioning(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return pids;
}
