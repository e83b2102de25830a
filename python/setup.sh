#!/usr/bin/env bash
# npm run python:setup — a virtual environment .python-hf/ with Python transformers + torch (CPU is enough),
# used to check that the folders this project saves load in the library it ports (test/python.interop.test.ts,
# notebook 09). Re-running it is cheap once the environment works.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.python-hf
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import transformers, torch, safetensors, onnx, accelerate" 2>/dev/null; then
  echo "python:setup: $venv is ready ($("$venv/bin/python" -c 'import transformers, torch; print("transformers", transformers.__version__, "/ torch", torch.__version__)'))"
  exit 0
fi
py="${PYTHON:-python3}"
"$py" -m venv "$venv" || { echo "python:setup: '$py -m venv' failed; install Python 3.10+ with venv (Debian: apt-get install python3-venv) or set PYTHON" >&2; exit 1; }
"$venv/bin/pip" install --quiet --disable-pip-version-check -r python/requirements.txt
"$venv/bin/python" -c 'import transformers, torch; print("python:setup: transformers", transformers.__version__, "/ torch", torch.__version__)'
