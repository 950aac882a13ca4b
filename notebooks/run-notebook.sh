#!/usr/bin/env bash
# Executes notebooks/quickstart.ipynb headless with Debian's Jupyter and writes the executed copy,
# outputs (text and plots) included.
#
#   notebooks/run-notebook.sh [OUTPUT.ipynb]     default: notebooks/build/quickstart.executed.ipynb
#
# Needs a built checkout (bin/setup, or mvn install: jobs/target/classpath.txt) and
#   apt-get install jupyter-nbconvert python3-ipykernel python3-matplotlib
# Environment: DISTILLERY_NOTEBOOK_WORKDIR (where the run and models go; default a temp directory),
# DISTILLERY_NOTEBOOK_RUN_ID.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="${1:-$HERE/build/quickstart.executed.ipynb}"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"

# Debian's Jupyter and its kernel run on /usr/bin/python3; a python3 of pyenv or a virtualenv found
# first on PATH would lack their modules.
export PATH="/usr/bin:/bin:$PATH"
if ! command -v jupyter-nbconvert >/dev/null || ! /usr/bin/python3 -c 'import ipykernel, matplotlib' 2>/dev/null; then
  echo "run-notebook.sh: needs Debian's Jupyter: apt-get install jupyter-nbconvert python3-ipykernel python3-matplotlib" >&2
  exit 2
fi
if [[ ! -f "$ROOT/jobs/target/classpath.txt" ]]; then
  echo "run-notebook.sh: Distillery is not built; run bin/setup first" >&2
  exit 2
fi

export DISTILLERY_HOME="$ROOT"
export PYDEVD_DISABLE_FILE_VALIDATION=1  # quiet the kernel's debugger warning
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
# The kernel draws with matplotlib's inline backend; never a display.
export MPLBACKEND="module://matplotlib_inline.backend_inline"
exec jupyter nbconvert --to notebook --execute \
  --ExecutePreprocessor.timeout=1800 --ExecutePreprocessor.kernel_name=python3 \
  --output-dir "$(dirname "$OUT")" --output "$(basename "$OUT")" "$HERE/quickstart.ipynb"
