#!/usr/bin/env python3
"""Executes notebooks through a real Jupyter kernel (here: the project's tslab kernel) and fails loudly.

Used by scripts/run-notebooks.ts. nbclient alone is not strict enough for tslab:
- tslab reports a failed cell with status "error" but sends no traceback: the error text is only on the
  cell's stderr stream, so we print that stream for the failing cell;
- cells queued after a failure are answered with status "abort", which nbclient counts as success: here an
  aborted cell is a failure too;
- a per-cell timeout is always set, and a dead kernel is reported as such.
Several notebooks run in order in one process, each on a fresh kernel of its own; each next kernel is
started while the notebook before it runs, and the run stops at the first failure.
The executed copy (outputs included, also of a failed run) is written to --out, or under --out-dir.
Exit status: 0 all cells ran, 1 a cell failed / timed out / the kernel died, 2 bad usage.
"""
import argparse
import asyncio
import json
import os
import sys
import time

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


class CellFailed(Exception):
    def __init__(self, index, status, source, stderr, evalue):
        super().__init__(f"cell {index} {status}")
        self.index, self.status, self.source, self.stderr, self.evalue = index, status, source, stderr, evalue


def cell_stream(cell, name):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == name)


class StrictClient(NotebookClient):
    """NotebookClient that also treats status "abort" as failure and keeps the cell's stderr."""

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        if exec_reply is None:
            return
        content = exec_reply["content"]
        status = content.get("status")
        if status in ("error", "abort"):
            evalue = content.get("evalue") or content.get("ename") or ""
            raise CellFailed(cell_index, status, cell.source, cell_stream(cell, "stderr"), evalue)


def failure_text(notebook, e, timeout):
    """What to print for an exception raised while executing `notebook`."""
    if isinstance(e, CellFailed):
        lines = [f"\nFAILED: {notebook}, code cell #{e.index} ended with status '{e.status}'", "----- cell source -----", e.source,
                 "----- cell stderr -----", e.stderr.rstrip() or f"(no stderr; kernel said: {e.evalue or 'nothing'})"]
        if e.status == "abort":
            lines.append("(status 'abort': the kernel skipped this cell because an earlier request failed)")
        return "\n".join(lines)
    if isinstance(e, CellTimeoutError):
        return f"\nFAILED: {notebook}: a cell ran longer than the per-cell timeout of {timeout} s\n{e}"
    if isinstance(e, DeadKernelError):
        return f"\nFAILED: {notebook}: the kernel died (out of memory or a native crash?)\n{e}"
    if isinstance(e, CellExecutionError):
        return f"\nFAILED: {notebook}\n{e}"
    return f"\nFAILED: {notebook}: {type(e).__name__}: {e}"  # kernel could not start, bad kernel name, ...


async def start_kernel(name, cwd):
    km = AsyncKernelManager(kernel_name=name)
    await km.start_kernel(cwd=cwd)
    return km


async def stop_kernel(km):
    try:
        await km.shutdown_kernel(now=False)
    except Exception:  # already gone: nothing to clean up
        pass


async def execute(notebook, out, km, args):
    """Runs every cell of `notebook` on the started kernel `km`; writes the executed copy to `out`; 0 or 1."""
    print(f"\n▶ {os.path.relpath(notebook)}", file=sys.stderr)
    nb = nbformat.read(notebook, as_version=4)
    cwd = args.cwd or os.path.dirname(os.path.abspath(notebook))
    client = StrictClient(
        nb,
        km=km,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": cwd}},
    )
    started = time.time()
    rc = 0
    try:
        await client.async_execute()
    except Exception as e:
        rc = 1
        print(failure_text(notebook, e, args.timeout), file=sys.stderr)
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        nbformat.write(nb, out)
    seconds = time.time() - started
    print(f"{'ok' if rc == 0 else 'FAILED'} {notebook} in {seconds:.1f} s -> {out}", file=sys.stderr)
    return rc, seconds


async def run_all(jobs, args):
    """
    Executes the notebooks in order, each on a fresh kernel of its own, and stops at the first failure (later
    notebooks build on earlier ones). The next notebook's kernel is started as soon as the current one begins,
    so that its start (a second or two of TypeScript set-up in tslab) overlaps the current notebook's work.
    """
    results = []
    pending = await start_kernel(args.kernel, jobs[0][2])
    try:
        for i, (notebook, out, cwd) in enumerate(jobs):
            km, pending = pending, None
            if i + 1 < len(jobs):
                pending = await start_kernel(args.kernel, jobs[i + 1][2])
            try:
                rc, seconds = await execute(notebook, out, km, args)
            finally:
                await stop_kernel(km)
            results.append({"notebook": notebook, "out": out, "ok": rc == 0, "seconds": round(seconds, 2)})
            if args.results:
                with open(args.results, "w") as f:
                    json.dump(results, f, indent=1)
            if rc != 0:
                return 1
        return 0
    finally:
        if pending is not None:
            await stop_kernel(pending)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+", metavar="notebook")
    ap.add_argument("--out", help="where to write the executed copy (one notebook)")
    ap.add_argument("--out-dir", help="where to write the executed copies, under the notebooks' own names")
    ap.add_argument("--results", help="a JSON file listing each notebook run so far: ok, seconds, executed copy")
    ap.add_argument("--kernel", default="bert-imdb-ts")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell (always set)")
    ap.add_argument("--startup-timeout", type=int, default=120)
    ap.add_argument("--cwd", default=None, help="working directory handed to the kernel (default: each notebook's folder)")
    args = ap.parse_args()
    if args.timeout <= 0:
        print("--timeout must be positive", file=sys.stderr)
        return 2
    if (args.out is None) == (args.out_dir is None) or (args.out and len(args.notebooks) > 1):
        print("give --out for one notebook, or --out-dir", file=sys.stderr)
        return 2
    jobs = []
    for nb in args.notebooks:
        out = args.out or os.path.join(args.out_dir, os.path.basename(nb))
        jobs.append((nb, out, args.cwd or os.path.dirname(os.path.abspath(nb))))
    try:
        return asyncio.run(run_all(jobs, args))
    except Exception as e:  # the first kernel could not start
        print(failure_text(jobs[0][0], e, args.timeout), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
