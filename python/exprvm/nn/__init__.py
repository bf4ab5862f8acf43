"""exprvm.nn: the exprvm NN runner from NumPy.

    import exprvm.nn
    model = exprvm.nn.load("m.json")          # a model file (JSON, see the README)
    y = model.predict(x)                      # one row (1-d) or a batch (2-d), float32 result
    h = model.output_of(-3, x)                # any layer's output (index or name)
    model.summary()

    model = exprvm.nn.Sequential([exprvm.nn.Dense(30, "elu"), exprvm.nn.Dense(1)],
                                 input_width=25)
    history = model.fit(x, y, epochs=5, batch_size=256, validation_split=0.2)
    model.save("m.json")

Predictions and training run in C++ with the GIL released; the network computes in float32.
"""
import json
import os
from typing import Any, Iterable, Mapping, Optional, Union

from .._core import nn as _engine
from ._importers import from_keras_h5, from_torch

Model = _engine.Model
Model.__module__ = __name__

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "Model", "Sequential",
           "from_json", "from_keras_h5", "from_torch", "load"]


def load(path: Union[str, "os.PathLike[str]"]) -> Model:
    """Reads a model file (JSON in the style of RTNeural's; see the README)."""
    return _engine.load(os.fspath(path))


def from_json(document: Union[str, Mapping[str, Any]], origin: str = "model") -> Model:
    """A model from a model file's content: its text or the parsed dict. `origin` starts the
    error messages."""
    text = document if isinstance(document, str) else json.dumps(document)
    return _engine.from_json(text, origin)


class Dense:
    """A dense layer for Sequential: act(x @ kernel + bias). kernel is (inputs, units), as
    Keras stores it; without one the kernel is Glorot-uniform (bias zeros), as in Keras."""

    def __init__(self, units: int, activation: str = "linear", kernel: Any = None,
                 bias: Any = None) -> None:
        self.units = int(units)
        self.activation = activation
        self.kernel = kernel
        self.bias = bias

    def _append_to(self, model: Model, seed: int) -> None:
        model.add_dense(self.units, self.activation, self.kernel, self.bias, seed)


class BatchNormalization:
    """Batch normalization over the features (Keras semantics). Missing weights start at
    gamma 1, beta 0, moving mean 0, moving variance 1."""

    def __init__(self, epsilon: float = 1e-3, momentum: float = 0.99, gamma: Any = None,
                 beta: Any = None, moving_mean: Any = None, moving_variance: Any = None) -> None:
        self.epsilon = float(epsilon)
        self.momentum = float(momentum)
        self.weights = (gamma, beta, moving_mean, moving_variance)

    def _append_to(self, model: Model, seed: int) -> None:
        model.add_batchnorm(self.epsilon, self.momentum, *self.weights)


class Activation:
    """A standalone activation layer: linear, relu, elu, selu, tanh, sigmoid, softmax, gelu."""

    def __init__(self, activation: str) -> None:
        self.activation = activation

    def _append_to(self, model: Model, seed: int) -> None:
        model.add_activation(self.activation)


class Dropout:
    """Inverted dropout of `rate` while training; the identity when predicting."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def _append_to(self, model: Model, seed: int) -> None:
        model.add_dropout(self.rate)


class Sequential(Model):
    """A Model built from layer descriptions (Dense, BatchNormalization, Activation, Dropout)
    for rows of `input_width` values. Kernels without given weights are drawn from `seed`
    (each dense layer from seed + its index)."""

    def __init__(self, layers: Iterable[Any], input_width: int, seed: int = 1) -> None:
        super().__init__(int(input_width))
        for index, layer in enumerate(layers):
            if not hasattr(layer, "_append_to"):
                raise TypeError(f"Sequential: layer {index} is a {type(layer).__name__}, not "
                                "Dense, BatchNormalization, Activation or Dropout")
            layer._append_to(self, seed + index)
