#!/usr/bin/python3
"""Instructions per call of exprvm's Python entry points, counted by callgrind (noise-free).

Each case runs its statement in a function-local loop (the caller's frame holds the arrays,
as in the seed-001 workloads) under `valgrind --tool=callgrind`, once with 0 calls and once
with --calls calls; the difference divided by --calls is the cost of one call, kernel work
included (at n = 1 that is almost nothing). NumPy's `np.subtract(p, g, out=p)` and, when
numba is installed, an `@njit` loop are the yardsticks.

Run: ./run python bench/python/call_instructions.py [--n 1 1728] [--calls 10000] [--case NAME]
Needs valgrind. Prints one line per (case, n): instructions per call.
"""
import argparse
import os
import subprocess
import sys
import tempfile

# name -> (setup inside the function, statement timed in the loop)
CASES = {
    "evaluate p-g out=p": ("", "exprvm.evaluate('p - g', out=p)"),
    "evaluate relu (new result)": ("", "exprvm.evaluate('where(p > 0, p, 0)')"),
    "evaluate adam program": ("m = p.copy(); v = abs(g); param = p.copy(); grad = g",
                              "exprvm.evaluate(ADAM)"),
    "evaluate local_dict": ("d = {'p': p, 'g': g}",
                            "exprvm.evaluate('p - g', local_dict=d, out=p)"),
    "re_evaluate": ("exprvm.evaluate('p - g', out=p)", "exprvm.re_evaluate()"),
    "NumExpr object": ("ex = exprvm.NumExpr('p - g', signature=[('p', np.float32), "
                       "('g', np.float32)])", "ex(p, g, out=p)"),
    "numpy subtract": ("", "np.subtract(p, g, out=p)"),
    "numba njit p-g": ("", "sgd(p, g)"),
}

SCRIPT = """
import sys
sys.path[:0] = {path!r}
import numpy as np
import exprvm
exprvm.set_num_threads(1)
ADAM = ("m = m + (1 - 0.9) * (grad - m); v = v + (1 - 0.999) * (grad * grad - v); "
        "param = param - 0.001 * m / (sqrt(v) + 1e-8)")
{numba_setup}
def body(p, g, calls):
    {setup}
    {statement}  # warm: compile and cache before counting
    for _ in range(calls):
        {statement}
body(np.ones({n}, np.float32), np.full({n}, 0.5, np.float32), {calls})
"""

NUMBA_SETUP = """
import numba
@numba.njit
def sgd(p, g):
    for i in range(p.size):
        p[i] = p[i] - g[i]
"""


def count(case, n, calls, path):
    """Total instructions callgrind counts for `calls` calls of `case` at size n."""
    setup, statement = CASES[case]
    text = SCRIPT.format(path=path, n=n, calls=calls, setup=setup or "pass",
                         statement=statement,
                         numba_setup=NUMBA_SETUP if "numba" in case else "")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "case.py")
        with open(script, "w") as f:
            f.write(text)
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              sys.executable, script], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"call_instructions: {case} failed:\n{run.stderr[-2000:]}")
        for line in run.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1].strip())
    sys.exit("call_instructions: no callgrind total in valgrind's output")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 1728])
    parser.add_argument("--calls", type=int, default=10000)
    parser.add_argument("--case", action="append", choices=list(CASES),
                        help="only these cases (default: all)")
    args = parser.parse_args()
    path = [p for p in sys.path if p]  # the caller's exprvm (./run python sets PYTHONPATH)
    try:
        import numba  # noqa: F401
        have_numba = True
    except ImportError:
        have_numba = False
        print("call_instructions: numba is not installed: its case is skipped", file=sys.stderr)
    for case in args.case or list(CASES):
        if "numba" in case and not have_numba:
            continue
        for n in args.n:
            per_call = (count(case, n, args.calls, path) - count(case, n, 0, path)) / args.calls
            print(f"{case:28s} n={n:<6d} {per_call:8.0f} instructions/call", flush=True)


if __name__ == "__main__":
    main()
