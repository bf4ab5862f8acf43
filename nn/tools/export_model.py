#!/usr/bin/python3
"""Write an exprvm NN model file (RTNeural-style JSON) from NumPy arrays.

    from export_model import dense, batchnorm, activation, dropout, save
    save("model.json", in_width=25, layers=[
        dense(W1, b1, "elu"), dense(W2, b2, "elu"), dense(W3, b3, "linear")])

dense(kernel, bias, activation): kernel is (inputs, units), as Keras stores it.

From Keras:   for layer in model.layers: kernel, bias = layer.get_weights()
              -> dense(kernel, bias, layer.get_config()["activation"])
              BatchNormalization: gamma, beta, mean, var = layer.get_weights()
              -> batchnorm(gamma, beta, mean, var, layer.epsilon, layer.momentum)
From PyTorch: nn.Linear stores weight as (out, in): dense(lin.weight.detach().numpy().T,
              lin.bias.detach().numpy(), "relu"); nn.BatchNorm1d: batchnorm(bn.weight, bn.bias,
              bn.running_mean, bn.running_var, bn.eps, 1 - bn.momentum) (as NumPy arrays).

Run as a script for a self-check: it writes a random 25-30-30-1 ELU model to the given path.
"""
import json
import sys

import numpy as np


def _floats(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def dense(kernel, bias, activation="linear"):
    kernel = np.asarray(kernel, dtype=np.float32)
    bias = np.asarray(bias, dtype=np.float32).reshape(-1)
    if kernel.ndim != 2 or kernel.shape[1] != bias.size:
        raise ValueError(f"dense: kernel {kernel.shape} and bias {bias.shape} do not match "
                         "(kernel must be (inputs, units))")
    return {"type": "dense", "activation": activation, "shape": [None, int(bias.size)],
            "weights": [_floats(kernel), _floats(bias)]}


def batchnorm(gamma, beta, moving_mean, moving_variance, epsilon=1e-3, momentum=0.99):
    parts = [np.asarray(p, dtype=np.float32).reshape(-1)
             for p in (gamma, beta, moving_mean, moving_variance)]
    if len({p.size for p in parts}) != 1:
        raise ValueError("batchnorm: gamma, beta, mean and variance must have the same length")
    return {"type": "batchnorm", "shape": [None, int(parts[0].size)], "epsilon": float(epsilon),
            "momentum": float(momentum), "weights": [_floats(p) for p in parts]}


def activation(name, width):
    return {"type": "activation", "activation": name, "shape": [None, int(width)]}


def dropout(rate, width):
    return {"type": "dropout", "rate": float(rate), "shape": [None, int(width)]}


def save(path, in_width, layers):
    with open(path, "w") as f:
        json.dump({"in_shape": [None, int(in_width)], "layers": layers}, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_model.py OUT.json   (writes a random 25-30-30-1 ELU model)")
    rng = np.random.default_rng(0)
    widths = [25, 30, 30, 1]
    layers = [dense(rng.uniform(-0.3, 0.3, (a, b)), np.zeros(b), "elu" if b != 1 else "linear")
              for a, b in zip(widths, widths[1:])]
    save(sys.argv[1], 25, layers)
