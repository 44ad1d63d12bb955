#!/usr/bin/env bash
# Create the project's virtual environment (.venv) and install thighseg into it.
#
# Where the environment has no torch yet, the CPU build is installed first, so that the
# plain "torch" requirement of setup.py does not pull a multi-GB CUDA build. On a GPU
# server, install the torch build you want into .venv before running this script, or set
# THIGHSEG_TORCH_SPEC (default "torch==2.13.0") to the requirement to install.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${THIGHSEG_VENV:-.venv}"
TORCH_SPEC="${THIGHSEG_TORCH_SPEC:-torch==2.13.0}"
EXTRAS="${THIGHSEG_EXTRAS:-dev}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[setup] no torch in $VENV: installing $TORCH_SPEC (CPU build where one is available)"
  "$VENV/bin/python" -m pip install --quiet "$TORCH_SPEC"
fi
echo "[setup] installing thighseg[$EXTRAS] in editable mode"
"$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
"$VENV/bin/python" -c "import torch, SimpleITK; print(f'[setup] ready: torch {torch.__version__}, SimpleITK {SimpleITK.Version.VersionString()}')"
