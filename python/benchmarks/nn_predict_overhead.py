#!/usr/bin/python3
"""Per-call cost of predicting one row of seed 000's 25-30-30-1 ELU network from Python:
exprvm.nn's model.predict against seed 000's NumPy model_np (and PyTorch when importable).
Prints a Markdown table of the best mean time per call over timing rounds.

    ./run python python/benchmarks/nn_predict_overhead.py [--seconds S] [--rows N]
"""
import argparse
import os
import sys
import tempfile
import timeit

import numpy as np

import exprvm.nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn",
                                "tools"))
from numpy_reference import model_np  # noqa: E402 (seed 000's forward pass, verbatim)


def best_seconds_per_call(fn, seconds):
    """Best mean seconds per call over rounds of >= 0.2 s each, ~`seconds` in total."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=max(3, round(seconds / 0.2)), number=number)) / number


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="timing budget per row")
    parser.add_argument("--rows", type=int, default=1, help="rows per call (1: one sample)")
    args = parser.parse_args()

    model = exprvm.nn.Sequential([exprvm.nn.Dense(30, "elu"), exprvm.nn.Dense(30, "elu"),
                                  exprvm.nn.Dense(1, "elu")], input_width=25, seed=0)
    weights = model.get_weights()
    pairs = [(weights[i].astype(np.float64), weights[i + 1].astype(np.float64))
             for i in range(0, len(weights), 2)]
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "m.json")
        model.save(path)
        loaded = exprvm.nn.load(path)
    rng = np.random.default_rng(0)
    x64 = rng.uniform(0, 1, (args.rows, 25))
    x32 = x64.astype(np.float32)
    one32, one64 = (x32[0], x64[0]) if args.rows == 1 else (x32, x64)
    np.testing.assert_allclose(loaded.predict(x64), model_np(x64, pairs), rtol=1e-4, atol=1e-5)

    pairs32 = [(w.astype(np.float32), b.astype(np.float32)) for w, b in pairs]
    label = "row" if args.rows == 1 else f"{args.rows} rows"
    cases = [
        (f"exprvm.nn predict, float32 {label}", lambda: loaded.predict(one32)),
        (f"exprvm.nn predict, float64 {label}", lambda: loaded.predict(one64)),
        ("NumPy model_np (seed 000), float64", lambda: model_np(x64, pairs)),
        ("NumPy model_np (seed 000), float32", lambda: model_np(x32, pairs32)),
    ]
    try:
        import torch

        net = torch.nn.Sequential(torch.nn.Linear(25, 30), torch.nn.ELU(), torch.nn.Linear(30, 30),
                                  torch.nn.ELU(), torch.nn.Linear(30, 1), torch.nn.ELU()).eval()
        tx = torch.from_numpy(x32)
        cases.append(("PyTorch (no_grad)", lambda: torch_call(net, tx)))
    except ImportError:
        cases.append(("PyTorch", None))

    print(f"| {label} of 25 -> 30 -> 30 -> 1 ELU | us per call | vs exprvm float32 |")
    print("|---|---:|---:|")
    base = None
    for name, fn in cases:
        if fn is None:
            print(f"| {name} | not installed | |")
            continue
        seconds = best_seconds_per_call(fn, args.seconds)
        base = base or seconds
        print(f"| {name} | {seconds * 1e6:.2f} | {seconds / base:.1f}x |")


def torch_call(net, tx):
    import torch

    with torch.no_grad():
        return net(tx)


if __name__ == "__main__":
    main()
