"""NumPy forward passes of exprvm model files (the reference of the exprvm.nn tests) and
random model documents to test with."""
import json
import math

import numpy as np

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def activate(name, z):
    """The activation `name` of z (float64), as the NN runner defines it."""
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(z))
    if name == "selu":
        return np.where(z > 0, SELU_SCALE * z, SELU_SCALE * SELU_ALPHA * np.expm1(z))
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "gelu":
        erf = np.vectorize(math.erf)
        return 0.5 * z * (1 + erf(z / math.sqrt(2)))
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def forward(document, x, last=-1):
    """Layer `last`'s output for rows x (2-d), in float64, of a model file's dict."""
    layers = document["layers"]
    stop = last % len(layers)
    out = np.asarray(x, dtype=np.float64)
    for layer in layers[:stop + 1]:
        kind = layer["type"]
        if kind == "dense":
            kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer["weights"])
            out = activate(layer.get("activation", "linear"), out @ kernel + bias)
        elif kind == "batchnorm":
            gamma, beta, mean, var = (np.asarray(w, dtype=np.float64) for w in layer["weights"])
            out = (out - mean) / np.sqrt(var + layer.get("epsilon", 1e-3)) * gamma + beta
        elif kind == "activation":
            out = activate(layer["activation"], out)
        elif kind != "dropout":
            raise ValueError(kind)
    return out


def _floats(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def random_document(widths, activations, seed, batchnorm_after=None):
    """A model file dict: dense layers widths[0] -> widths[1] -> ... with `activations`,
    random float32 weights; a batchnorm layer after dense layer `batchnorm_after`."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, activation in enumerate(activations):
        fan_in, fan_out = widths[i], widths[i + 1]
        kernel = rng.normal(0, 1 / np.sqrt(fan_in), (fan_in, fan_out))
        bias = rng.normal(0, 0.1, fan_out)
        layers.append({"type": "dense", "activation": activation, "shape": [None, fan_out],
                       "weights": [_floats(kernel), _floats(bias)]})
        if i == batchnorm_after:
            layers.append({"type": "batchnorm", "shape": [None, fan_out], "epsilon": 1e-3,
                           "momentum": 0.99,
                           "weights": [_floats(rng.uniform(0.5, 1.5, fan_out)),
                                       _floats(rng.normal(0, 0.1, fan_out)),
                                       _floats(rng.normal(0, 0.1, fan_out)),
                                       _floats(rng.uniform(0.5, 1.5, fan_out))]})
    return {"in_shape": [None, widths[0]], "layers": layers}


def write_document(path, document):
    with open(path, "w") as file:
        json.dump(document, file)
    return path
