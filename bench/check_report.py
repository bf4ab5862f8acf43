#!/usr/bin/python3
"""Check that an `exprvm bench` report folder is complete and parses (no timing checks).

Usage: /usr/bin/python3 bench/check_report.py [--run EXPRVM_BINARY] DIR
  --run EXE   first run `EXE bench --quick --out DIR` (DIR is emptied of old report files)

Checks bench.csv (schema of bench/plot.py: every workload x dtype x threads x contender at
every size), fits.csv, latency.csv, report.md (header, targets, one section per workload) and
the SVG plots. In the targets table, P1 (one row per memory-bound or fused workload) and P2
(one per transcendental workload) must each judge bound at every n >= 4096 with bound_nojit
beside it, with a known verdict. Exits 1 listing every problem found.
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

WORKLOADS = ["sgd", "adam3", "adam_fused", "relu", "tanh_relu", "elu", "mul_add", "lincomb",
             "sincos", "compare", "dot"]
TRANSCENDENTAL = ["tanh_relu", "elu", "sincos"]  # P2 workloads, limit xsimd
MEMORY_BOUND = ["sgd", "adam_fused", "mul_add", "lincomb", "compare", "dot"]  # P1, limit hand
VERDICTS = ["met", "NOT met", "not measured"]  # or "met where measured (...)"
DTYPES = ["float32", "float64"]
BENCH_COLUMNS = ["workload", "dtype", "threads", "contender", "n", "ns_per_call_min",
                 "ns_per_call_median", "ns_per_element", "gb_per_s", "ratio_to_hand",
                 "ratio_to_xsimd", "calls_per_sample", "samples", "cpu_ns_per_call_min"]
FITS_COLUMNS = ["workload", "dtype", "threads", "contender", "overhead_ns", "ns_per_element"]
LATENCY_COLUMNS = ["name", "ns_min", "ns_median", "calls_per_sample", "samples", "what"]
LATENCIES = ["compile_adam", "cache_get_adam", "evaluate_sgd_n1", "run_sgd_n1", "bound_sgd_n1"]
REPORT_FILES = ["bench.csv", "fits.csv", "latency.csv", "report.md", "plot_float32.svg",
                "plot_float64.svg"]


def read_csv(path, columns, problems):
    if not os.path.isfile(path):
        problems.append(f"{path} is missing")
        return []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            problems.append(f"{path}: columns {reader.fieldnames}, expected {columns}")
            return []
        return list(reader)


def positive(value):
    try:
        x = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(x) and x > 0


def expected_contenders(workload):
    names = ["bound", "bound_nojit", "run", "evaluate", "hand", "hand_sse2"]
    return names + ["xsimd"] if workload in TRANSCENDENTAL else names


def check_bench_csv(path, problems):
    rows = read_csv(path, BENCH_COLUMNS, problems)
    if not rows:
        problems.append(f"{path}: no measurements")
        return set()
    for i, r in enumerate(rows, start=2):
        for column in ("threads", "n", "ns_per_call_min", "ns_per_call_median", "ns_per_element",
                       "gb_per_s", "ratio_to_hand", "calls_per_sample", "samples",
                       "cpu_ns_per_call_min"):
            if not positive(r[column]):
                problems.append(f"{path}:{i}: {column} = {r[column]!r} is not a positive number")
        if r["workload"] in TRANSCENDENTAL and not positive(r["ratio_to_xsimd"]):
            problems.append(f"{path}:{i}: ratio_to_xsimd missing for {r['workload']}")
    sizes = sorted({int(r["n"]) for r in rows})
    threads = sorted({int(r["threads"]) for r in rows})
    if 1 not in threads:
        problems.append(f"{path}: no 1-thread measurements")
    seen = {(r["workload"], r["dtype"], int(r["threads"]), r["contender"], int(r["n"]))
            for r in rows}
    for w in WORKLOADS:
        for dtype in DTYPES:
            for t in threads:
                for contender in expected_contenders(w):
                    missing = [n for n in sizes if (w, dtype, t, contender, n) not in seen]
                    if missing:
                        problems.append(f"{path}: no {contender} row for {w} {dtype} "
                                        f"threads={t} at n={missing}")
    return threads


def check_fits_csv(path, threads, problems):
    rows = read_csv(path, FITS_COLUMNS, problems)
    seen = {(r["workload"], r["dtype"], int(r["threads"]), r["contender"]) for r in rows}
    for r in rows:
        for column in ("overhead_ns", "ns_per_element"):
            try:
                float(r[column])
            except ValueError:
                problems.append(f"{path}: {column} = {r[column]!r} is not a number")
    for w in WORKLOADS:
        for dtype in DTYPES:
            for t in threads:
                for contender in expected_contenders(w):
                    if (w, dtype, t, contender) not in seen:
                        problems.append(f"{path}: no fit for {contender} on {w} {dtype} "
                                        f"threads={t}")


def check_latency_csv(path, problems):
    rows = read_csv(path, LATENCY_COLUMNS, problems)
    names = {r["name"]: r for r in rows}
    for name in LATENCIES:
        if name not in names:
            problems.append(f"{path}: no {name} row")
        elif not positive(names[name]["ns_min"]):
            problems.append(f"{path}: {name} ns_min = {names[name]['ns_min']!r}")


def target_rows(text):
    """The rows of the targets table as (id, target, measured, verdict)."""
    section = text.split("## Targets of issues 3 and 15", 1)[-1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] not in ("", "---"):
            rows.append(tuple(cells))
    return rows


def check_sweep_rows(path, rows, target_id, workloads, reference, problems):
    """P1 / P2: one row per workload, bound <= 1.10x reference at every n >= 4096, bound_nojit
    beside it; a measured row gives both contenders' worst ratio and failing points."""
    mine = [r for r in rows if r[0] == target_id and r[1].split(":")[0] in workloads]
    for w in workloads:
        found = [r for r in mine if r[1].split(":")[0] == w]
        if len(found) != 1:
            problems.append(f"{path}: {len(found)} {target_id} rows for {w}, expected 1")
            continue
        _, target, measured, verdict = found[0]
        if target != f"{w}: bound <= 1.10x {reference} at every n >= 4096, each dtype and thread count":
            problems.append(f"{path}: {target_id} {w}: target {target!r}")
        if verdict not in VERDICTS and not re.fullmatch(r"met where measured \(.+\)", verdict):
            problems.append(f"{path}: {target_id} {w}: verdict {verdict!r}")
        if verdict == "not measured":
            problems.append(f"{path}: {target_id} {w}: not measured")
            continue
        for contender in ("bound", "bound_nojit"):
            pattern = (rf"(^|; ){contender} worst \d+\.\d\dx \((f32|f64) n=\d+ \d+t(, cpu \d+\.\d\dx)?\), "
                       rf"\d+ of \d+ points above")
            if not re.search(pattern, measured):
                problems.append(f"{path}: {target_id} {w}: no {contender} figures in {measured!r}")
        above = re.match(r"bound worst \S+ \(.*?\), (\d+) of (\d+) points above", measured)
        if above and (int(above.group(1)) > 0) != (verdict == "NOT met"):
            problems.append(f"{path}: {target_id} {w}: verdict {verdict!r} but {above.group(0)!r}")


def check_report_md(path, problems):
    if not os.path.isfile(path):
        problems.append(f"{path} is missing")
        return
    text = open(path).read()
    for needle in ["# exprvm benchmark", "- CPU: ", "exprvm kernels: ",
                   "## Targets of issues 3 and 15", "| P1 |", "| P2 |", "| P3 |", "| P4 |", "| P5 |", "| JIT |",
                   "## Compile and cache latency", "| n | threads |", "overhead ns",
                   "**bound_nojit**", "- JIT: ", " bound_nojit ns |", " bound_nojit / hand |"]:
        if needle not in text:
            problems.append(f"{path}: no {needle!r}")
    for w in WORKLOADS:
        for dtype in DTYPES:
            if f"### {w} {dtype}:" not in text:
                problems.append(f"{path}: no section for {w} {dtype}")
    rows = target_rows(text)
    check_sweep_rows(path, rows, "P1", MEMORY_BOUND, "hand", problems)
    check_sweep_rows(path, rows, "P2", TRANSCENDENTAL, "xsimd", problems)


def check_svg(path, problems):
    if not os.path.isfile(path):
        problems.append(f"{path} is missing")
        return
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        problems.append(f"{path}: not XML ({e})")
        return
    if not root.tag.endswith("svg"):
        problems.append(f"{path}: root element is {root.tag}, not svg")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="report folder")
    parser.add_argument("--run", metavar="EXE", help="run `EXE bench --quick --out DIR` first")
    args = parser.parse_args()
    if args.run:
        os.makedirs(args.dir, exist_ok=True)
        for name in REPORT_FILES:
            if os.path.exists(os.path.join(args.dir, name)):
                os.remove(os.path.join(args.dir, name))
        command = [args.run, "bench", "--quick", "--out", args.dir]
        result = subprocess.run(command)
        if result.returncode != 0:
            sys.exit(f"check_report.py: {' '.join(command)} exited with {result.returncode}")
    problems = []
    threads = check_bench_csv(os.path.join(args.dir, "bench.csv"), problems)
    check_fits_csv(os.path.join(args.dir, "fits.csv"), threads, problems)
    check_latency_csv(os.path.join(args.dir, "latency.csv"), problems)
    check_report_md(os.path.join(args.dir, "report.md"), problems)
    for dtype in DTYPES:
        check_svg(os.path.join(args.dir, f"plot_{dtype}.svg"), problems)
    if problems:
        for p in problems:
            print("check_report.py: " + p, file=sys.stderr)
        sys.exit(1)
    print(f"check_report.py: {args.dir} is complete", file=sys.stderr)


if __name__ == "__main__":
    main()
