#!/usr/bin/python3
"""NumPy side of `exprvm nn bench`: seed 000's model_np forward pass and a NumPy training
epoch of the same network, timed here and printed as one JSON object per line.

  numpy_reference.py predict --inputs 25 --outputs 1 --shape 30,30,30 --seconds 0.5
  numpy_reference.py train --rows 5000 --inputs 25 --batch 256 --validation-split 0.8
"""
import argparse
import json
import time

import numpy as np


# ---- seed 000, verbatim
def np_elu(x):
    mask = np.where(x < 0)
    x[mask] = np.exp(x[mask]) - 1
    return x


def model_np(input1, weights):
    temp = input1.copy()
    for weight, bias in weights:
        temp = np.dot(temp, weight) + bias
        temp = np_elu(temp)
    return temp
# ----


def best_time(fn, seconds):
    """Best mean time per call (seconds) over repeated timing rounds lasting ~`seconds`."""
    fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > max(seconds / 400, 2e-4) or calls > 1 << 24:
            break
        calls *= 2
    best = elapsed / calls
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def glorot(rng, n_in, n_out):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


def predict(args):
    rng = np.random.default_rng(args.seed)
    widths = [args.inputs] + [int(w) for w in args.shape.split(",")] + [args.outputs]
    weights = [(glorot(rng, a, b), np.zeros(b, np.float32)) for a, b in zip(widths, widths[1:])]
    x = rng.random((100, args.inputs), dtype=np.float32)
    one, hundred = x[:1, :], x
    print(json.dumps({
        "shape": args.shape,
        "params": int(sum(w.size + b.size for w, b in weights)),
        "one_s": best_time(lambda: model_np(one, weights), args.seconds),
        "hundred_s": best_time(lambda: model_np(hundred, weights), args.seconds),
    }), flush=True)


def train(args):
    """One epoch of seed 000's setup in NumPy: ELU 30-30 + linear, MSE, Adam, batch 256."""
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.rows, args.inputs))
    y = rng.standard_normal((args.rows, 1))
    x = ((x - x.min(0)) / (x.max(0) - x.min(0))).astype(np.float32)
    y = ((y - y.min(0)) / (y.max(0) - y.min(0))).astype(np.float32)
    n_train = args.rows - int(args.rows * args.validation_split)
    widths = [args.inputs, 30, 30, 1]
    params = []
    for a, b in zip(widths, widths[1:]):
        params += [glorot(rng, a, b), np.zeros(b, np.float32)]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
    step = [0]

    def epoch():
        order = rng.permutation(n_train)
        for start in range(0, n_train, args.batch):
            idx = order[start:start + args.batch]
            xb, yb = x[idx], y[idx]
            acts, zs = [xb], []
            for layer in range(3):
                z = acts[-1] @ params[2 * layer] + params[2 * layer + 1]
                zs.append(z)
                acts.append(np.where(z > 0, z, np.expm1(z)) if layer < 2 else z)
            grad = 2 * (acts[-1] - yb) / yb.size
            grads = [None] * len(params)
            for layer in (2, 1, 0):
                if layer < 2:
                    grad = grad * np.where(zs[layer] > 0, 1, acts[layer + 1] + 1)
                grads[2 * layer] = acts[layer].T @ grad
                grads[2 * layer + 1] = grad.sum(0)
                grad = grad @ params[2 * layer].T
            step[0] += 1
            lr_t = lr * np.sqrt(1 - b2 ** step[0]) / (1 - b1 ** step[0])
            for p, g, (m, v) in zip(params, grads, moments):
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * g * g
                p -= lr_t * m / (np.sqrt(v) + eps)

    print(json.dumps({"epoch_s": best_time(epoch, args.seconds)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["predict", "train"])
    parser.add_argument("--shape", default="30,30,30")
    parser.add_argument("--inputs", type=int, default=25)
    parser.add_argument("--outputs", type=int, default=1)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--validation-split", type=float, default=0.8)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    predict(args) if args.mode == "predict" else train(args)


if __name__ == "__main__":
    main()
