#!/usr/bin/python3
"""Plot exprvm benchmark results: time per element against n (log-log), one line per contender.

Usage: /usr/bin/python3 bench/plot.py [--out DIR] CSV [CSV ...]

Writes DIR/plot_<dtype>.svg (one figure per dtype, one panel per workload). Several CSV files
are merged, so the C++ run (`exprvm bench`, bench.csv) and the Python run (NumPy, numexpr,
exprvm from Python) can share a plot.

CSV schema (header row, one row per measurement; what `exprvm bench` writes as bench.csv):
  workload            str    workload id: sgd, adam3, adam_fused, relu, tanh_relu, elu,
                             mul_add, lincomb, sincos, compare, dot (others are plotted too)
  dtype               str    float32 | float64
  threads             int    threads the contender ran on
  contender           str    bound | bound_nojit | run | evaluate | hand | hand_sse2 | xsimd (C++);
                             numpy | numexpr | numba | exprvm_py ... (Python)
  n                   int    elements per array
  ns_per_call_min     float  fastest sample, nanoseconds per call
  ns_per_call_median  float  median sample, nanoseconds per call
  ns_per_element      float  ns_per_call_min / n
  gb_per_s            float  bytes the workload moves per call / ns_per_call_min
  ratio_to_hand       float  ns_per_call_min / that of `hand` (same workload, dtype, threads,
                             n); empty when there is no hand measurement
  ratio_to_xsimd      float  the same against `xsimd`; empty when there is none
  calls_per_sample    int    calls timed together in one sample
  samples             int    samples taken
  cpu_ns_per_call_min float  least process CPU time per call of a sample (all threads; below
                             the wall time when other processes preempted the run)
The plot needs only workload, dtype, threads, contender, n and ns_per_element (or
ns_per_call_min); extra columns are ignored and missing optional ones may be left out.
"""
import argparse
import csv
import math
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the Agg backend)

REQUIRED = ("workload", "dtype", "threads", "contender", "n")
COLORS = {"bound": "tab:blue", "bound_nojit": "tab:olive", "run": "tab:cyan", "evaluate": "tab:orange", "hand": "black", "hand_sse2": "dimgray", "xsimd": "tab:gray",
          "numpy": "tab:green", "numexpr": "tab:red", "exprvm_py": "tab:purple"}


def read_rows(paths):
    """Rows of every CSV as dicts with typed n, threads and ns_per_element."""
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                sys.exit(f"plot.py: {path} lacks the column(s) {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                try:
                    n = int(row["n"])
                    if row.get("ns_per_element"):
                        per_element = float(row["ns_per_element"])
                    else:
                        per_element = float(row["ns_per_call_min"]) / n
                    row.update(n=n, threads=int(row["threads"]), ns_per_element=per_element)
                except (KeyError, TypeError, ValueError) as e:
                    sys.exit(f"plot.py: {path}:{line}: bad row ({e})")
                rows.append(row)
    return rows


def plot_dtype(rows, dtype, out_path):
    """One SVG: a panel per workload, a line per (contender, threads)."""
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    columns = 3
    lines = math.ceil(len(workloads) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(5 * columns, 3.6 * lines), squeeze=False)
    for ax, workload in zip(axes.flat, workloads):
        series = defaultdict(list)
        for r in rows:
            if r["workload"] == workload:
                series[(r["contender"], r["threads"])].append((r["n"], r["ns_per_element"]))
        for (contender, threads), points in sorted(series.items()):
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points],
                    color=COLORS.get(contender), marker=".",
                    linestyle="-" if threads == 1 else "--",
                    label=f"{contender}, {threads} thread{'s' if threads > 1 else ''}")
        ax.set_xscale("log", base=2)
        largest = max(r["n"] for r in rows)
        ticks = [2 ** k for k in range(0, largest.bit_length(), 4)]
        ax.set_xticks(ticks, [f"$2^{{{t.bit_length() - 1}}}$" if t > 1 else "1" for t in ticks])
        ax.set_yscale("log")
        ax.set_title(f"{workload} ({dtype})", fontsize=10)
        ax.set_xlabel("n (elements)")
        ax.set_ylabel("ns per element")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(workloads):]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(out_path, format="svg")
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+", help="benchmark CSV files (schema above)")
    parser.add_argument("--out", default=".", help="folder for plot_<dtype>.svg")
    args = parser.parse_args()
    rows = read_rows(args.csv)
    if not rows:
        sys.exit("plot.py: no measurements in " + ", ".join(args.csv))
    os.makedirs(args.out, exist_ok=True)
    for dtype in sorted({r["dtype"] for r in rows}):
        path = os.path.join(args.out, f"plot_{dtype}.svg")
        plot_dtype([r for r in rows if r["dtype"] == dtype], dtype, path)
        print(f"plot.py: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
