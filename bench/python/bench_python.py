#!/usr/bin/python3
"""Seed 001's workloads from Python: NumPy vs numexpr vs numba vs exprvm, same run, same thread counts.

Workloads (float32, or float64 with --dtype float64): SGD `param - grad` in place; Adam as three in-place expressions and as
one exprvm program; ReLU `where(d > 0, d, 0)`; tanh of ReLU. Sizes 1728, 4096, 2**18 and
4096*4096 (--quick: the three small ones, fewer repeats, under ~30 s). Each engine's result
is checked against NumPy's before it is timed. Writes python_bench.md, python_bench.csv and
python_bench.svg into --out (default bench/results/python).

numexpr and numba are benchmark peers, not dependencies: when one is not installed its
column is skipped (the script says so). numba runs `@njit` fused loops (one loop per
expression; float32 constants, single-threaded like NumPy), compiled before timing.

Run: ./run python bench/python/bench_python.py [--quick] [--out DIR] [--threads N ...]
         [--sizes N ...] [--workloads NAME ...] [--clock wall|cpu] [--dtype float32|float64]
(e.g. the seed's table at 1 thread: --threads 1 --workloads "sgd p-g" "adam (3 expressions)"
"adam (one program)" relu "tanh(relu)").
"""
import argparse
import csv
import os
import sys
import time

import numpy as np
import exprvm

try:
    import numexpr
except ImportError:
    numexpr = None
    print("bench_python: numexpr is not installed: its column is skipped", file=sys.stderr)
try:
    import numba
except ImportError:
    numba = None
    print("bench_python: numba is not installed: its column is skipped", file=sys.stderr)

SIZES = [1728, 4096, 1 << 18, 4096 * 4096]
QUICK_SIZES = [1728, 4096, 1 << 18]
ENGINES = ["numpy"] + (["numexpr"] if numexpr else []) + (["numba"] if numba else []) + ["exprvm"]
ADAM_PROGRAM = ("m = m + (1 - 0.9) * (grad - m); v = v + (1 - 0.999) * (grad * grad - v); "
                "param = param - 0.001 * m / (sqrt(v) + 1e-8)")


# ---- the workloads, written as the seed's users write them (names found in the frame)

def numpy_sgd(param, grad, m, v, d):
    np.subtract(param, grad, out=param)


def numexpr_sgd(param, grad, m, v, d):
    numexpr.evaluate("param - grad", out=param)


def exprvm_sgd(param, grad, m, v, d):
    exprvm.evaluate("param - grad", out=param)


def numpy_adam(param, grad, m, v, d):
    m += (1 - 0.9) * (grad - m)
    v += (1 - 0.999) * (grad * grad - v)
    param -= 0.001 * m / (np.sqrt(v) + 1e-8)


def numexpr_adam(param, grad, m, v, d):
    numexpr.evaluate("m + (1 - 0.9) * (grad - m)", out=m, casting="same_kind")
    numexpr.evaluate("v + (1 - 0.999) * (grad * grad - v)", out=v, casting="same_kind")
    numexpr.evaluate("param - 0.001 * m / (sqrt(v) + 1e-8)", out=param, casting="same_kind")


def exprvm_adam(param, grad, m, v, d):
    exprvm.evaluate("m + (1 - 0.9) * (grad - m)", out=m, casting="same_kind")
    exprvm.evaluate("v + (1 - 0.999) * (grad * grad - v)", out=v, casting="same_kind")
    exprvm.evaluate("param - 0.001 * m / (sqrt(v) + 1e-8)", out=param, casting="same_kind")


def exprvm_adam_program(param, grad, m, v, d):
    exprvm.evaluate(ADAM_PROGRAM)


def numpy_relu(param, grad, m, v, d):
    return np.fmax(d, 0)


def numexpr_relu(param, grad, m, v, d):
    return numexpr.evaluate("where(d > 0, d, 0)")


def exprvm_relu(param, grad, m, v, d):
    return exprvm.evaluate("where(d > 0, d, 0)")


def numpy_tanh_relu(param, grad, m, v, d):
    return np.tanh(np.fmax(d, 0))


def numexpr_tanh_relu(param, grad, m, v, d):
    return numexpr.evaluate("tanh(where(d > 0, d, 0))")


def exprvm_tanh_relu(param, grad, m, v, d):
    return exprvm.evaluate("tanh(where(d > 0, d, 0))")


def numpy_elu(param, grad, m, v, d):
    return np.where(d > 0, d, np.expm1(d))


def numexpr_elu(param, grad, m, v, d):
    return numexpr.evaluate("where(d > 0, d, expm1(d))")


def exprvm_elu(param, grad, m, v, d):
    return exprvm.evaluate("where(d > 0, d, expm1(d))")


def numpy_sincos(param, grad, m, v, d):
    return np.sin(d) ** 2 + np.cos(d) ** 2


def numexpr_sincos(param, grad, m, v, d):
    return numexpr.evaluate("sin(d)**2 + cos(d)**2")


def exprvm_sincos(param, grad, m, v, d):
    return exprvm.evaluate("sin(d)**2 + cos(d)**2")


# ---- numba: @njit fused loops, one per expression (compiled on the correctness check)

def make_numba_functions():
    """engine functions by workload, or {} without numba."""
    if numba is None:
        return {}
    njit = numba.njit
    b1, b2 = np.float32(1 - 0.9), np.float32(1 - 0.999)
    lr, eps, zero = np.float32(0.001), np.float32(1e-8), np.float32(0)

    @njit
    def sgd_loop(p, g):
        for i in range(p.size):
            p[i] = p[i] - g[i]

    @njit
    def adam_m_loop(g, m):
        for i in range(m.size):
            m[i] = m[i] + b1 * (g[i] - m[i])

    @njit
    def adam_v_loop(g, v):
        for i in range(v.size):
            v[i] = v[i] + b2 * (g[i] * g[i] - v[i])

    @njit
    def adam_p_loop(p, m, v):
        for i in range(p.size):
            p[i] = p[i] - lr * m[i] / (np.sqrt(v[i]) + eps)

    @njit
    def adam_fused_loop(p, g, m, v):
        for i in range(p.size):
            mi = m[i] + b1 * (g[i] - m[i])
            vi = v[i] + b2 * (g[i] * g[i] - v[i])
            m[i] = mi
            v[i] = vi
            p[i] = p[i] - lr * mi / (np.sqrt(vi) + eps)

    @njit
    def relu_loop(d):
        out = np.empty_like(d)
        for i in range(d.size):
            out[i] = d[i] if d[i] > zero else zero
        return out

    @njit
    def tanh_relu_loop(d):
        out = np.empty_like(d)
        for i in range(d.size):
            out[i] = np.tanh(d[i] if d[i] > zero else zero)
        return out

    @njit
    def elu_loop(d):
        out = np.empty_like(d)
        for i in range(d.size):
            out[i] = d[i] if d[i] > zero else np.expm1(d[i])
        return out

    @njit
    def sincos_loop(d):
        out = np.empty_like(d)
        for i in range(d.size):
            s, c = np.sin(d[i]), np.cos(d[i])
            out[i] = s * s + c * c
        return out

    def adam3(param, grad, m, v, d):
        adam_m_loop(grad, m)
        adam_v_loop(grad, v)
        adam_p_loop(param, m, v)

    return {
        "sgd p-g": lambda param, grad, m, v, d: sgd_loop(param, grad),
        "adam (3 expressions)": adam3,
        "adam (one program)": lambda param, grad, m, v, d: adam_fused_loop(param, grad, m, v),
        "relu": lambda param, grad, m, v, d: relu_loop(d),
        "tanh(relu)": lambda param, grad, m, v, d: tanh_relu_loop(d),
        "elu": lambda param, grad, m, v, d: elu_loop(d),
        "sin**2+cos**2": lambda param, grad, m, v, d: sincos_loop(d),
    }


# workload -> {engine: function}; "adam (one program)" has the NumPy baseline of "adam".
WORKLOADS = {
    "sgd p-g": {"numpy": numpy_sgd, "numexpr": numexpr_sgd, "exprvm": exprvm_sgd},
    "adam (3 expressions)": {"numpy": numpy_adam, "numexpr": numexpr_adam,
                             "exprvm": exprvm_adam},
    "adam (one program)": {"numpy": numpy_adam, "exprvm": exprvm_adam_program},
    "relu": {"numpy": numpy_relu, "numexpr": numexpr_relu, "exprvm": exprvm_relu},
    "tanh(relu)": {"numpy": numpy_tanh_relu, "numexpr": numexpr_tanh_relu,
                   "exprvm": exprvm_tanh_relu},
    "elu": {"numpy": numpy_elu, "numexpr": numexpr_elu, "exprvm": exprvm_elu},
    "sin**2+cos**2": {"numpy": numpy_sincos, "numexpr": numexpr_sincos, "exprvm": exprvm_sincos},
}
for _workload, _function in make_numba_functions().items():
    WORKLOADS[_workload]["numba"] = _function
if numexpr is None:
    for _engines in WORKLOADS.values():
        _engines.pop("numexpr", None)


DTYPE = np.float32  # --dtype float64: the same workloads on float64 arrays


def make_state(n, seed=0):
    """The seed's arrays: param, grad, m, v (v >= 0) and activations d, all of DTYPE."""
    rng = np.random.default_rng(seed)
    return {
        "param": rng.standard_normal(n, dtype=DTYPE),
        "grad": DTYPE(0.01) * rng.standard_normal(n, dtype=DTYPE),
        "m": rng.standard_normal(n, dtype=DTYPE),
        "v": rng.random(n, dtype=DTYPE),
        "d": rng.standard_normal(n, dtype=DTYPE),
    }


def copy_state(state):
    return {k: a.copy() for k, a in state.items()}


def call(function, state):
    return function(state["param"], state["grad"], state["m"], state["v"], state["d"])


def check_against_numpy(workload, engine, n):
    """One call of `engine` gives NumPy's result (in-place arrays and returned values)."""
    reference, candidate = make_state(min(n, 1 << 18)), None
    candidate = copy_state(reference)
    expected = call(WORKLOADS[workload]["numpy"], reference)
    actual = call(WORKLOADS[workload][engine], candidate)
    pairs = [(actual, expected)] if expected is not None else []
    pairs += [(candidate[k], reference[k]) for k in ("param", "m", "v")]
    for got, want in pairs:
        if not np.allclose(got, want, rtol=1e-4, atol=1e-6):
            sys.exit(f"bench_python: {engine} disagrees with NumPy on {workload} (n={n})")


CLOCK = time.perf_counter  # --clock cpu: time.process_time


def time_per_call(function, state, min_seconds, repeats):
    """Best time of one call (seconds) over `repeats` rounds of enough calls to last
    `min_seconds`."""
    loops = 1
    while True:
        start = CLOCK()
        for _ in range(loops):
            call(function, state)
        elapsed = CLOCK() - start
        if elapsed >= min_seconds or loops >= 1 << 22:
            break
        loops *= 2 if elapsed > min_seconds / 8 else 8
    best = elapsed / loops
    for _ in range(repeats - 1):
        start = CLOCK()
        for _ in range(loops):
            call(function, state)
        best = min(best, (CLOCK() - start) / loops)
    return best


def set_threads(n):
    if numexpr:
        numexpr.set_num_threads(n)
    exprvm.set_num_threads(n)


def run(sizes, thread_counts, min_seconds, repeats):
    rows = []
    for workload, engines in WORKLOADS.items():
        for n in sizes:
            state = make_state(n)
            for engine in engines:
                check_against_numpy(workload, engine, n)
            for threads in thread_counts:
                set_threads(threads)
                for engine, function in engines.items():
                    seconds = time_per_call(function, state, min_seconds, repeats)
                    rows.append({"workload": workload, "n": n, "threads": threads,
                                 "engine": engine, "us_per_call": seconds * 1e6})
                    print(f"{workload:22s} n={n:<9d} threads={threads} {engine:8s} "
                          f"{seconds * 1e6:12.2f} us", flush=True)
    return rows


def call_overhead_us(repeats):
    """exprvm.evaluate('p - g', out=p) at n = 1728 (DTYPE), measured as the issue asks."""
    import timeit
    p = np.ones(1728, DTYPE)
    g = np.ones(1728, DTYPE)
    scope = {"exprvm": exprvm, "numexpr": numexpr, "np": np, "p": p, "g": g}
    result = {}
    statements = [("exprvm", "exprvm.evaluate('p - g', out=p)"),
                  ("numexpr", "numexpr.evaluate('p - g', out=p)"),
                  ("numpy", "np.subtract(p, g, out=p)")]
    for name, stmt in statements:
        if name == "numexpr" and numexpr is None:
            continue
        number = 20000
        result[name] = min(timeit.repeat(stmt, globals=scope, number=number, repeat=repeats,
                                         timer=CLOCK)) / number * 1e6
    return result


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["workload", "n", "threads", "engine",
                                               "us_per_call"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "us_per_call": f"{row['us_per_call']:.3f}"})


def lookup(rows, workload, n, threads, engine):
    for row in rows:
        if (row["workload"], row["n"], row["threads"], row["engine"]) == \
                (workload, n, threads, engine):
            return row["us_per_call"]
    return None


def version(module):
    return module.__version__ if module else "not installed"


def write_markdown(rows, overhead, thread_counts, path):
    peers = [e for e in ENGINES if e != "exprvm"]
    names = {"numpy": "NumPy", "numexpr": "numexpr", "numba": "numba"}
    numexpr_overhead = (f"numexpr {overhead['numexpr']:.2f} us, " if "numexpr" in overhead
                        else "")
    lines = ["# Seed 001 workloads from Python: " + " vs ".join(names[e] for e in peers)
             + " vs exprvm", "",
             f"{np.dtype(DTYPE).name}, best of repeated calls, microseconds per call "
             f"({'process CPU time' if CLOCK is time.process_time else 'wall time'}). "
             f"numpy {np.__version__}, "
             f"numexpr {version(numexpr)}, numba {version(numba)}, exprvm {exprvm.__version__}, "
             f"{exprvm.detect_number_of_cores()} cores. NumPy and numba (`@njit` loops, no "
             "`parallel=True`) are single-threaded whatever the thread setting. Speed-ups are "
             "a peer's time / exprvm's time.", "",
             "Per-call overhead, `evaluate('p - g', out=p)` at n = 1728 (timeit, 1 thread "
             f"setting as configured): exprvm {overhead['exprvm']:.2f} us, {numexpr_overhead}"
             f"NumPy `np.subtract(p, g, out=p)` {overhead['numpy']:.2f} us.", ""]
    header = ("| workload | n | " + " | ".join(f"{names[e]} us" for e in peers)
              + " | exprvm us | " + " | ".join(f"vs {names[e]}" for e in peers) + " |")
    for threads in thread_counts:
        lines += [f"## {threads} thread{'s' if threads > 1 else ''}", "", header,
                  "|---|---:|" + "---:|" * (2 * len(peers) + 1)]
        for workload in WORKLOADS:
            for n in sorted({r["n"] for r in rows}):
                t = {e: lookup(rows, workload, n, threads, e) for e in ENGINES}
                if t["exprvm"] is None:
                    continue
                times = " | ".join(f"{t[e]:.2f}" if t[e] is not None else "n/a" for e in peers)
                ratios = " | ".join(f"{t[e] / t['exprvm']:.2f}x" if t[e] is not None else "n/a"
                                    for e in peers)
                lines.append(f"| {workload} | {n} | {times} | {t['exprvm']:.2f} | {ratios} |")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_plot(rows, thread_counts, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    workloads = list(WORKLOADS)
    fig, axes = plt.subplots(1, len(workloads), figsize=(4 * len(workloads), 4), sharey=True,
                             squeeze=False)
    axes = axes[0]
    styles = {"numpy": "k", "numexpr": "tab:orange", "numba": "tab:green", "exprvm": "tab:blue"}
    for ax, workload in zip(axes, workloads):
        for engine in ENGINES:
            for threads in thread_counts:
                points = sorted((r["n"], r["us_per_call"] * 1e3 / r["n"]) for r in rows
                                if r["workload"] == workload and r["engine"] == engine
                                and r["threads"] == threads)
                if not points:
                    continue
                xs, ys = zip(*points)
                ax.plot(xs, ys, color=styles[engine], marker="o",
                        linestyle="-" if threads == 1 else "--",
                        label=f"{engine}, {threads} thr")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(workload)
        ax.set_xlabel("elements")
    axes[0].set_ylabel("ns per element (lower is better)")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="svg")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (<30 s)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..",
                                                      "results", "python"))
    parser.add_argument("--threads", type=int, nargs="+",
                        help="thread settings to run (default: 1 and every core)")
    parser.add_argument("--sizes", type=int, nargs="+", help="array sizes (default: all)")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS),
                        help="only these workloads (default: all)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: time the process's CPU time (steadier on a loaded machine; "
                             "with several threads it adds up every thread's time)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="the arrays' dtype (numba's loops keep float32 constants)")
    args = parser.parse_args()
    global CLOCK, DTYPE
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    DTYPE = np.dtype(args.dtype).type
    cores = exprvm.detect_number_of_cores()
    thread_counts = sorted(set(args.threads)) if args.threads else sorted({1, cores})
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    for workload in set(WORKLOADS) - set(args.workloads or WORKLOADS):
        del WORKLOADS[workload]
    min_seconds, repeats = (0.02, 3) if args.quick else (0.2, 5)
    os.makedirs(args.out, exist_ok=True)
    saved = (numexpr.get_num_threads() if hasattr(numexpr, "get_num_threads") else cores,
             exprvm.get_num_threads())
    try:
        rows = run(sizes, thread_counts, min_seconds, repeats)
        set_threads(1)
        overhead = call_overhead_us(repeats)
    finally:
        if numexpr:
            numexpr.set_num_threads(saved[0])
        exprvm.set_num_threads(saved[1])
    write_csv(rows, os.path.join(args.out, "python_bench.csv"))
    write_markdown(rows, overhead, thread_counts, os.path.join(args.out, "python_bench.md"))
    write_plot(rows, thread_counts, os.path.join(args.out, "python_bench.svg"))
    print("per-call overhead (n=1728, p - g, out=p): "
          + ", ".join(f"{name} {us:.2f} us" for name, us in overhead.items()))
    print(f"wrote {os.path.abspath(args.out)}/python_bench.{{md,csv,svg}}")


if __name__ == "__main__":
    main()
