#!/usr/bin/env python3
"""Signs notebooks as trusted with the local Jupyter secret (what `jupyter trust FILE` does), after checking
that each is a valid nbformat 4 notebook. The signature (kept in Jupyter's signature database, not in the
file) covers the notebook's content, not its layout, so files are not rewritten. Exit status 1 when a file is
invalid or its signature does not verify afterwards."""
import sys

import nbformat
from nbformat.sign import NotebookNotary


def main(paths):
    if not paths:
        print("usage: sign_notebooks.py NOTEBOOK...", file=sys.stderr)
        return 2
    notary = NotebookNotary()
    bad = 0
    for p in paths:
        try:
            nb = nbformat.read(p, as_version=4)
            nbformat.validate(nb)
            notary.sign(nb)
            if not notary.check_signature(nbformat.read(p, as_version=4)):
                raise RuntimeError("signature does not verify after signing")
        except Exception as e:  # noqa: BLE001 - report every file
            bad += 1
            print(f"{p}: {type(e).__name__}: {e}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
