#!/usr/bin/python3
"""Seed 001's Adam step and tanh(where(x > 0.5, x, 0)) * y on float32 dask arrays of 2^N
elements across a dask.distributed LocalCluster (2 worker processes, 1 thread each): dask with
NumPy, dask with numexpr (one numexpr thread per task) and exprvm.dask (one exprvm thread per
task), side by side. Inputs are generated and persisted on the workers first; each timing is
one graph run to completion with its results persisted (nothing comes back to the client),
the median of --rounds rounds, the three engines alternating. numexpr's column is skipped
when it is not installed. Prints a Markdown table.

    ./run python python/benchmarks/dask_cluster.py [--log2n 26] [--log2chunk 22] [--rounds 5]
"""
import argparse
import os
import statistics
import time

import numpy as np

import dask.array as da
import distributed

import exprvm
import exprvm.dask

try:
    import numexpr
except ImportError:
    numexpr = None

TANH_WHERE = "tanh(where(x > 0.5, x, 0)) * y"
ADAM = ("m = m + (1 - 0.9) * (g - m);"
        "v = v + (1 - 0.999) * (g*g - v);"
        "p = p - 0.001 * m / (sqrt(v) + 1e-8)")


def numexpr_tanh_where(x, y):
    numexpr.set_num_threads(1)
    return numexpr.evaluate(TANH_WHERE, local_dict={"x": x, "y": y})


def numexpr_adam(p, g, m, v):
    """Adam with numexpr: three expressions (numexpr has no multi-statement programs)."""
    numexpr.set_num_threads(1)
    m = numexpr.evaluate("m + (1 - 0.9) * (g - m)")
    v = numexpr.evaluate("v + (1 - 0.999) * (g*g - v)")
    p = numexpr.evaluate("p - 0.001 * m / (sqrt(v) + 1e-8)")
    return m, v, p


def pick(block, index):
    return block[index]


def split_outputs(joint, count, dtype):
    meta = np.empty((0,), dtype=dtype)
    return [joint.map_blocks(pick, i, dtype=dtype, meta=meta) for i in range(count)]


def build(engine, workload, arrays):
    """The lazy dask arrays of one workload under one engine."""
    if workload == "tanh(where(x > 0.5, x, 0)) * y":
        x, y = arrays["x"], arrays["y"]
        if engine == "dask+NumPy":
            return [da.tanh(da.where(x > 0.5, x, 0)) * y]
        if engine == "dask+numexpr":
            return [da.map_blocks(numexpr_tanh_where, x, y, dtype=x.dtype)]
        return [exprvm.dask.evaluate(TANH_WHERE, {"x": x, "y": y})]
    p, g, m, v = (arrays[name] for name in "pgmv")
    if engine == "dask+NumPy":
        f32 = np.float32
        m2 = m + f32(1 - 0.9) * (g - m)
        v2 = v + f32(1 - 0.999) * (g * g - v)
        return [m2, v2, p - f32(0.001) * m2 / (da.sqrt(v2) + f32(1e-8))]
    if engine == "dask+numexpr":
        joint = da.map_blocks(numexpr_adam, p, g, m, v, dtype=object,
                              meta=np.empty((0,), dtype=object))
        return split_outputs(joint, 3, p.dtype)
    return list(exprvm.dask.evaluate(ADAM, {"p": p, "g": g, "m": m, "v": v}))


def run_once(client, engine, workload, arrays):
    outputs = build(engine, workload, arrays)
    start = time.perf_counter()
    persisted = client.persist(outputs)
    distributed.wait(persisted)
    elapsed = time.perf_counter() - start
    del persisted
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log2n", type=int, default=26)
    parser.add_argument("--log2chunk", type=int, default=22)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    package_root = os.path.dirname(os.path.dirname(exprvm.__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    n, chunk = 2 ** args.log2n, 2 ** args.log2chunk
    engines = ["dask+NumPy"] + (["dask+numexpr"] if numexpr else []) + ["exprvm.dask"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit=0) as cluster, \
            distributed.Client(cluster) as client:
        rng = da.random.RandomState(1)
        arrays = {name: rng.random_sample(n, chunks=chunk).astype(np.float32)
                  for name in ("x", "y", "p", "g", "m", "v")}
        arrays = dict(zip(arrays, client.persist(list(arrays.values()))))
        distributed.wait(list(arrays.values()))
        print(f"2^{args.log2n} float32 elements ({n * 4 / 2**20:.0f} MiB per array), chunks of "
              f"2^{args.log2chunk}; LocalCluster 2 processes x 1 thread; median of "
              f"{args.rounds} rounds; numexpr "
              f"{numexpr.__version__ if numexpr else '(not installed: column skipped)'}")
        print()
        print("| workload | " + " | ".join(f"{e} (s)" for e in engines) +
              " | dask+NumPy / exprvm |" + (" dask+numexpr / exprvm |" if numexpr else ""))
        print("|" + " --- |" * (len(engines) + 2 + (numexpr is not None)))
        for workload in ("tanh(where(x > 0.5, x, 0)) * y", "Adam (3 outputs)"):
            run_once(client, "exprvm.dask", workload, arrays)  # warm-up: imports, compiles
            samples = {engine: [] for engine in engines}
            for _ in range(args.rounds):
                for engine in engines:
                    samples[engine].append(run_once(client, engine, workload, arrays))
            medians = {engine: statistics.median(samples[engine]) for engine in engines}
            cells = " | ".join(f"{medians[e]:.3f}" for e in engines)
            ratios = " | ".join(f"{medians[e] / medians['exprvm.dask']:.2f}x"
                                for e in engines if e != "exprvm.dask")
            print(f"| `{workload}` | {cells} | {ratios} |", flush=True)


if __name__ == "__main__":
    main()
