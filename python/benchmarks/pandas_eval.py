#!/usr/bin/python3
"""DataFrame.eval / query / large-frame arithmetic in pandas with real numexpr against pandas
with exprvm in numexpr's place (exprvm.pandas.enable()), side by side, on 10^6 and 10^7 rows.
The two engines alternate round by round in one process (the machine is shared: compare the
ratio); each cell is the median of the rounds. numexpr's column is skipped when it is not
installed. Prints a Markdown table.

    ./run python python/benchmarks/pandas_eval.py [--rows 1000000 10000000] [--rounds 7]
        [--threads T]
"""
import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd

import exprvm
import exprvm.pandas

try:
    import numexpr
except ImportError:
    numexpr = None

WORKLOADS = [
    ("df.eval('a + b * c - d')", lambda df: df.eval("a + b * c - d", engine="numexpr")),
    ("df.eval('(a > 0.5) & (b < c)')",
     lambda df: df.eval("(a > 0.5) & (b < c)", engine="numexpr")),
    ("df.eval('sqrt(a) * exp(-b) + c ** 2')",
     lambda df: df.eval("sqrt(a) * exp(-b) + c ** 2", engine="numexpr")),
    ("df.query('a > 0.5 and b < c')",
     lambda df: df.query("a > 0.5 and b < c", engine="numexpr")),
    ("df.query('`temp °C` > 0.2 & i < 50')",
     lambda df: df.query("`temp °C` > 0.2 & i < 50", engine="numexpr")),
    ("df[['a','b']] + df[['c','d']].values", lambda df: df[["a", "b"]] + df[["c", "d"]].values),
    ("df[['a','b']] > 0.5", lambda df: df[["a", "b"]] > 0.5),
]


def make_frame(rows, seed=7):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.random(rows), "b": rng.random(rows), "c": rng.random(rows),
        "d": rng.random(rows), "temp °C": rng.random(rows),
        "i": rng.integers(0, 100, rows),
    })


def time_once(fn, df):
    start = time.perf_counter()
    fn(df)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=exprvm.detect_number_of_cores())
    args = parser.parse_args()
    exprvm.set_num_threads(args.threads)
    if numexpr is not None:
        numexpr.set_num_threads(args.threads)
    engines = (["numexpr"] if numexpr is not None else []) + ["exprvm"]
    print(f"pandas {pd.__version__}, numexpr "
          f"{numexpr.__version__ if numexpr else '(not installed: column skipped)'}, exprvm "
          f"{exprvm.__version__}; {args.threads} threads; median of {args.rounds} rounds")
    print()
    header = "| rows | workload | " + " | ".join(f"{e} (ms)" for e in engines)
    print(header + (" | numexpr / exprvm |" if len(engines) == 2 else " |"))
    print("|" + " --- |" * (len(engines) + 2 + (len(engines) == 2)))
    for rows in args.rows:
        df = make_frame(rows)
        for label, fn in WORKLOADS:
            samples = {engine: [] for engine in engines}
            for _ in range(args.rounds):  # alternate the engines, round by round
                for engine in engines:
                    if engine == "exprvm":
                        exprvm.pandas.enable()
                    try:
                        samples[engine].append(time_once(fn, df))
                    finally:
                        exprvm.pandas.disable()
            medians = {engine: statistics.median(samples[engine]) for engine in engines}
            cells = " | ".join(f"{medians[e] * 1e3:.1f}" for e in engines)
            ratio = (f" | {medians['numexpr'] / medians['exprvm']:.2f}x"
                     if len(engines) == 2 else "")
            print(f"| {rows:.0e} | `` {label} `` | {cells}{ratio} |")
            sys.stdout.flush()
        del df


if __name__ == "__main__":
    main()
