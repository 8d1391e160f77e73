#!/usr/bin/env python3
"""Execute the NeuroCost analysis notebooks headless against given results files (for CI).

    python3 Notebooks/run_notebooks.py --run run.h5 --compare compare.h5 --dense dense.h5 --sparse sparse.h5 \
        [--out-dir DIR] [--only explore-run] [-p raster_sample=3] [--check-clean]

Each notebook's parameters are injected as a cell tagged `injected-parameters` right after its cell tagged
`parameters` (as papermill does), the notebook runs in a fresh Python kernel of this interpreter, and the
executed copy is written to --out-dir (default: a new temporary directory; never the Notebooks folder, whose
committed notebooks stay without outputs). The exit status is non-zero when any cell fails; the failing
notebook, cell and error are printed. --check-clean also checks that the committed notebooks are valid and
carry no outputs; given alone, it only checks.
"""

import argparse
import ast
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError, CellTimeoutError, DeadKernelError

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "python3"

# notebook → {parameter: the command-line option whose file it gets}
NOTEBOOKS = {
    "explore-run": {"results_file": "run"},
    "energy-across-profiles": {"results_file": "run", "compare_file": "compare"},
    "sparse-vs-dense": {"dense_file": "dense", "sparse_file": "sparse"},
}
OPTIONAL = {"compare"}  # without it, energy-across-profiles runs with compare_file = None

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def parameter_cell_index(nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return index
    return None


def declared_parameters(nb):
    """Names assigned in the notebook's parameters cell."""
    index = parameter_cell_index(nb)
    if index is None:
        return set()
    tree = ast.parse(nb.cells[index].source)
    return {target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def inject_parameters(nb, parameters):
    """Insert a cell assigning `parameters` after the parameters cell, as papermill does."""
    index = parameter_cell_index(nb)
    if index is None:
        raise SystemExit("notebook has no cell tagged 'parameters'")
    lines = ["# Parameters injected by Notebooks/run_notebooks.py"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)


def kernel_manager_class(kernel_dir):
    """A kernel manager class that starts ipykernel with this very interpreter (an installed kernel spec may name
    a bare `python` that is not on PATH or is another Python). nbclient creates, owns and shuts down the kernel."""
    spec_dir = Path(kernel_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }))

    class Manager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs["kernel_spec_manager"] = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)],
                                                              ensure_native_kernel=False)
            if os.name == "posix":  # Unix sockets in the temporary directory: no TCP port opened
                kwargs.update(transport="ipc", ip=str(Path(kernel_dir) / f"kernel-{time.monotonic_ns()}"))
            super().__init__(**kwargs)

    return Manager


def first_error(nb):
    """(cell index, ename, evalue, traceback text) of the first cell with an error output."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                traceback = ANSI.sub("", "\n".join(output.get("traceback", [])))
                return index, output.get("ename", ""), output.get("evalue", ""), traceback
    return None


def execute(name, parameters, out_dir, kernel_dir, timeout):
    """Run one notebook; return (ok, seconds)."""
    nb = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
    inject_parameters(nb, parameters)
    started = {"index": None}

    def on_cell_execute(cell, cell_index):
        started["index"] = cell_index

    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME,
                            kernel_manager_class=kernel_manager_class(kernel_dir),
                            resources={"metadata": {"path": str(HERE)}}, on_cell_execute=on_cell_execute)
    begin = time.monotonic()
    failure = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, CellControlSignal) as error:
        failure = error
    except Exception as error:  # kernel could not start, etc.
        failure = error
    seconds = time.monotonic() - begin
    out_path = out_dir / f"{name}.ipynb"
    nbformat.write(nb, out_path)

    if failure is None:
        print(f"ok      {name} ({seconds:.1f} s) -> {out_path}")
        return True, seconds
    print(f"FAILED  {name} ({seconds:.1f} s) -> {out_path}", file=sys.stderr)
    error = first_error(nb)
    index = error[0] if error else started["index"]
    if index is not None:
        source = nb.cells[index].source.strip().splitlines()
        injected = parameter_cell_index(nb)
        original = index if index <= injected else index - 1  # the injected cell shifts later cells by one
        print(f"  cell {index} of the executed copy (cell {original} of {name}.ipynb, counting from 0), "
              f"first line: {source[0] if source else ''!r}", file=sys.stderr)
    if error:
        print(f"  {error[1]}: {error[2]}", file=sys.stderr)
        print("\n".join("    " + line for line in error[3].splitlines()[-25:]), file=sys.stderr)
    else:
        print(f"  {type(failure).__name__}: {str(failure).strip()[-2000:]}", file=sys.stderr)
    return False, seconds


def check_clean():
    """The committed notebooks: valid nbformat 4, a parameters cell, no outputs and no execution counts."""
    problems = []
    for name in NOTEBOOKS:
        path = HERE / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as error:
            problems.append(f"{path.name}: not valid nbformat: {error.message}")
        if nb.nbformat != 4:
            problems.append(f"{path.name}: nbformat {nb.nbformat}, expected 4")
        if parameter_cell_index(nb) is None:
            problems.append(f"{path.name}: no code cell tagged 'parameters'")
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                problems.append(f"{path.name}: cell {index} has outputs or an execution count (clear them)")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"committed notebooks: {'clean' if not problems else f'{len(problems)} problem(s)'}")
    return not problems


def parse_parameter(text):
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value  # a bare string


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="results of `neurocost run` with --profile (explore-run, energy)")
    parser.add_argument("--compare", type=Path,
                        help="output of `neurocost compare --out` (energy notebook; optional: without it, no ANN vs SNN)")
    parser.add_argument("--dense", type=Path, help="results of the dense network (sparse-vs-dense)")
    parser.add_argument("--sparse", type=Path, help="results of the sparse network (sparse-vs-dense)")
    parser.add_argument("--out-dir", type=Path, help="where executed copies go (default: a new temporary directory)")
    parser.add_argument("--only", action="append", choices=list(NOTEBOOKS), help="run only this notebook (repeatable)")
    parser.add_argument("-p", "--parameter", action="append", type=parse_parameter, default=[], metavar="NAME=VALUE",
                        help="extra parameter (Python literal, else a string) for every notebook that declares it")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--check-clean", action="store_true",
                        help="also check that the committed notebooks are valid and have no outputs")
    args = parser.parse_args(argv)

    files = {"run": args.run, "compare": args.compare, "dense": args.dense, "sparse": args.sparse}
    selected = args.only or list(NOTEBOOKS)
    if args.check_clean and not args.only and not any(files.values()):
        return 0 if check_clean() else 1

    missing = sorted({f"--{option}" for name in selected for option in NOTEBOOKS[name].values()
                      if files[option] is None and option not in OPTIONAL})
    if missing:
        parser.error(f"{', '.join(missing)} required for {', '.join(selected)} (or use --only)")
    for option, path in files.items():
        if path is not None and not path.is_file():
            parser.error(f"--{option}: {path} is not a file")

    if args.out_dir is not None and args.out_dir.resolve() == HERE:
        parser.error("--out-dir must not be the Notebooks folder: the committed notebooks stay without outputs")
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="neurocost-notebooks-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    clean = check_clean() if args.check_clean else True
    results = []
    total = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="neurocost-kernel-") as kernel_dir:
        for name in selected:
            parameters = {parameter: str(files[option].resolve()) if files[option] else None
                          for parameter, option in NOTEBOOKS[name].items()}
            nb = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
            declared = declared_parameters(nb)
            parameters.update({key: value for key, value in args.parameter if key in declared})
            results.append((name, *execute(name, parameters, out_dir, kernel_dir, args.timeout)))
    failed = [name for name, ok, _ in results if not ok]
    print(f"notebooks: {time.monotonic() - total:.1f} s; executed copies in {out_dir}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")  # alone on its line, for CI logs
    return 1 if failed or not clean else 0


if __name__ == "__main__":
    sys.exit(main())
