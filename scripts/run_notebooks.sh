#!/usr/bin/env bash
# Execute every notebooks/*.ipynb top to bottom on the sample data in data/,
# as CI does (.ci/run calls this after `cargo test --release`, whose build
# leaves the binary at target/release/acqplan).
#
#   bash scripts/run_notebooks.sh            # check, execute, fail if any cell errors
#   bash scripts/run_notebooks.sh --strip    # strip outputs from notebooks/*.ipynb in place, then stop
#
# 1. Fails if a committed notebook carries outputs or execution counts.
# 2. Creates (or reuses) a virtualenv with notebooks/requirements.txt, by
#    default under target/, so the work tree stays clean.
# 3. Runs `acqplan run` on data/acqplan.toml into the scratch folder and hands
#    the run folder to the notebooks as ACQPLAN_RUN_DIR.
# 4. Executes each notebook with nbclient (a timeout per cell) and writes the
#    executed copy to the scratch folder, never into notebooks/; exits 1 if any
#    cell raised.
#
# Environment: ACQPLAN_BIN (default target/release/acqplan), PYTHON (the
# interpreter the venv is made from, default python3), NOTEBOOK_VENV (default
# target/notebooks-venv), NOTEBOOK_OUT (scratch folder, default
# target/notebooks-out, emptied first), NOTEBOOK_CELL_TIMEOUT (seconds, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
start=$SECONDS

PYTHON=${PYTHON:-python3}
VENV=${NOTEBOOK_VENV:-$ROOT/target/notebooks-venv}
OUT=${NOTEBOOK_OUT:-$ROOT/target/notebooks-out}
TIMEOUT=${NOTEBOOK_CELL_TIMEOUT:-300}
REQS=$ROOT/notebooks/requirements.txt
export ACQPLAN_BIN=${ACQPLAN_BIN:-$ROOT/target/release/acqplan}

shopt -s nullglob
notebooks=("$ROOT"/notebooks/*.ipynb)
if [ ${#notebooks[@]} -eq 0 ]; then
    echo "error: no notebooks in notebooks/" >&2
    exit 1
fi

# --- 1. committed notebooks carry no outputs (plain Python, no packages needed)
check_stripped() {
    "$PYTHON" - "$@" <<'EOF'
import json, sys
bad = []
for path in sys.argv[1:]:
    nb = json.load(open(path, encoding="utf-8"))
    cells = [
        str(i)
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None or "execution" in cell.get("metadata", {}))
    ]
    if cells:
        bad.append(f"error: {path}: cells {', '.join(cells)} carry outputs or execution counts; commit notebooks stripped")
if bad:
    print("\n".join(bad), file=sys.stderr)
    print("hint: bash scripts/run_notebooks.sh --strip, or Jupyter's 'Clear All Outputs' before saving", file=sys.stderr)
    sys.exit(1)
EOF
}

[ "${1:-}" = "--strip" ] || check_stripped "${notebooks[@]}"

# --- 2. the virtualenv, rebuilt when the pins or the interpreter change
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REQS" | cut -d' ' -f1) $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "notebooks: installing notebooks/requirements.txt into $VENV" >&2
    if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
        echo "error: $VENV exists and is not a virtualenv; refusing to replace it" >&2
        exit 1
    fi
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --only-binary :all: --requirement "$REQS"
    echo "$want" >"$stamp"
fi
# Keep Jupyter, IPython and matplotlib state inside the venv: no kernelspec or
# profile from the user's home can change what runs.
export JUPYTER_DATA_DIR=$VENV/share/jupyter-data
export JUPYTER_CONFIG_DIR=$VENV/etc/jupyter-config
export IPYTHONDIR=$VENV/ipython
export MPLCONFIGDIR=$VENV/matplotlib
export PYDEVD_DISABLE_FILE_VALIDATION=1

if [ "${1:-}" = "--strip" ]; then
    "$VENV/bin/python" - "${notebooks[@]}" <<'EOF'
import sys, nbformat
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print("stripped", path)
EOF
    exit 0
fi

# --- 3. a run folder from the sample data
if [ ! -x "$ACQPLAN_BIN" ]; then
    echo "error: no acqplan binary at $ACQPLAN_BIN" >&2
    echo "hint: cargo test --release (or cargo build --release) first, or set ACQPLAN_BIN" >&2
    exit 1
fi
# Emptied on every run, so only a folder this script made (it leaves a marker).
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/.run_notebooks" ]; then
    echo "error: $OUT is not empty and was not made by this script; refusing to empty it (set NOTEBOOK_OUT)" >&2
    exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT/scratch"
touch "$OUT/.run_notebooks"
export ACQPLAN_REPO=$ROOT
export ACQPLAN_CONFIG=$ROOT/data/acqplan.toml
export ACQPLAN_RUN_DIR=$OUT/run
export ACQPLAN_SCRATCH=$OUT/scratch
"$ACQPLAN_BIN" run --config "$ACQPLAN_CONFIG" --out "$ACQPLAN_RUN_DIR" --force --quiet >"$OUT/run.stdout" 2>"$OUT/run.stderr" || {
    echo "error: acqplan run on the sample data failed:" >&2
    cat "$OUT/run.stderr" >&2
    exit 1
}

# --- 4. execute every notebook into $OUT
"$VENV/bin/python" - "$OUT" "$TIMEOUT" "${notebooks[@]}" <<'EOF'
import re, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

out, timeout, paths = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
failed = []
for path in map(Path, paths):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        # Quiet the kernel's own log (its warning that it talks over localhost TCP
        # unencrypted); a cell's errors still come back through the client.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},  # the kernel starts in notebooks/, as in Jupyter
    )
    t0 = time.monotonic()
    try:
        client.execute()
        status = "ok"
    except (CellExecutionError, CellTimeoutError) as err:
        status = "FAILED"
        failed.append(path.name)
        print(f"--- {path.name} ---\n" + re.sub(r"\x1b\[[0-9;]*m", "", str(err)), file=sys.stderr)
    finally:
        nbformat.write(nb, out / path.name)  # executed copy, with outputs up to the failing cell
    print(f"notebooks: {path.name}: {status} ({time.monotonic() - t0:.1f} s) -> {out / path.name}", file=sys.stderr)
passed = len(paths) - len(failed)
print(f"notebooks: {passed} of {len(paths)} executed cleanly")
sys.exit(1 if failed else 0)
EOF
echo "notebooks: done in $((SECONDS - start)) s" >&2
