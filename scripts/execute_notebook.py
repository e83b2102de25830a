#!/usr/bin/env python3
"""Executes one notebook through a real Jupyter kernel (here: the project's tslab kernel) and fails loudly.

Used by scripts/run-notebooks.ts. nbclient alone is not strict enough for tslab:
- tslab reports a failed cell with status "error" but sends no traceback: the error text is only on the
  cell's stderr stream, so we print that stream for the failing cell;
- cells queued after a failure are answered with status "abort", which nbclient counts as success: here an
  aborted cell is a failure too;
- a per-cell timeout is always set, and a dead kernel is reported as such.
The executed copy (outputs included, also of a failed run) is written to --out.
Exit status: 0 all cells ran, 1 a cell failed / timed out / the kernel died, 2 bad usage.
"""
import argparse
import sys
import time

import nbformat
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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebook")
    ap.add_argument("--out", required=True, help="where to write the executed copy")
    ap.add_argument("--kernel", default="bert-imdb-ts")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell (always set)")
    ap.add_argument("--startup-timeout", type=int, default=120)
    ap.add_argument("--cwd", default=None, help="working directory handed to the kernel")
    args = ap.parse_args()
    if args.timeout <= 0:
        print("--timeout must be positive", file=sys.stderr)
        return 2

    nb = nbformat.read(args.notebook, as_version=4)
    client = StrictClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": args.cwd}} if args.cwd else {},
    )
    started = time.time()
    rc = 0
    try:
        client.execute()
    except CellFailed as e:
        rc = 1
        print(f"\nFAILED: {args.notebook}, code cell #{e.index} ended with status '{e.status}'", file=sys.stderr)
        print("----- cell source -----", file=sys.stderr)
        print(e.source, file=sys.stderr)
        print("----- cell stderr -----", file=sys.stderr)
        print(e.stderr.rstrip() or f"(no stderr; kernel said: {e.evalue or 'nothing'})", file=sys.stderr)
        if e.status == "abort":
            print("(status 'abort': the kernel skipped this cell because an earlier request failed)", file=sys.stderr)
    except CellTimeoutError as e:
        rc = 1
        print(f"\nFAILED: {args.notebook}: a cell ran longer than the per-cell timeout of {args.timeout} s\n{e}", file=sys.stderr)
    except DeadKernelError as e:
        rc = 1
        print(f"\nFAILED: {args.notebook}: the kernel died (out of memory or a native crash?)\n{e}", file=sys.stderr)
    except CellExecutionError as e:
        rc = 1
        print(f"\nFAILED: {args.notebook}\n{e}", file=sys.stderr)
    except Exception as e:  # kernel could not start, bad kernel name, ...
        rc = 1
        print(f"\nFAILED: {args.notebook}: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        nbformat.write(nb, args.out)
    print(f"{'ok' if rc == 0 else 'FAILED'} {args.notebook} in {time.time() - started:.1f} s -> {args.out}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
