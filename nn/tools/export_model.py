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

CNN layers (seed 003; NHWC images, kernels in Keras' layout):
    conv2d(kernel, bias, input_shape, strides=(1, 1), padding="same", dilation=(1, 1))
        kernel (kh, kw, in, filters) as Keras' Conv2D.get_weights()[0]; bias may be None
    depthwise_conv2d(depthwise_kernel, bias, input_shape, ...)  kernel (kh, kw, in, mult)
    separable_conv2d(depthwise_kernel, pointwise_kernel, bias, input_shape, ...)
    cp_conv2d(kernel_in, kernel_h, kernel_w, kernel_out, bias, input_shape, ...)
        (1, 1, in, R), (kh, 1, R, 1), (1, kw, R, 1), (1, 1, R, filters)
    max_pooling2d / average_pooling2d(input_shape, pool_size=(2, 2), strides=None, padding)
    global_average_pooling2d(input_shape), flatten(input_shape)
    batchnorm(..., positions=h * w) after a convolution (per-channel statistics)
    save(path, in_width=h * w * c, layers)
From PyTorch: Conv2d.weight (out, in, kh, kw) -> kernel = weight.permute(2, 3, 1, 0).

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


def batchnorm(gamma, beta, moving_mean, moving_variance, epsilon=1e-3, momentum=0.99,
              positions=1):
    parts = [np.asarray(p, dtype=np.float32).reshape(-1)
             for p in (gamma, beta, moving_mean, moving_variance)]
    if len({p.size for p in parts}) != 1:
        raise ValueError("batchnorm: gamma, beta, mean and variance must have the same length")
    layer = {"type": "batchnorm", "shape": [None, int(parts[0].size) * int(positions)],
             "epsilon": float(epsilon), "momentum": float(momentum),
             "weights": [_floats(p) for p in parts]}
    if positions > 1:
        layer["positions"] = int(positions)
    return layer


def _output_size(size, kernel, stride, dilation, padding):
    """Keras' output size along one axis."""
    if padding == "same":
        return -(-size // stride)
    return (size - ((kernel - 1) * dilation + 1)) // stride + 1


def _convolution(kind, weights, shapes, bias, input_shape, filters, kernel_size, strides,
                 padding, dilation, **extra):
    h, w, _ = (int(v) for v in input_shape)
    arrays = []
    for array, shape in zip(weights, shapes):
        array = np.asarray(array, dtype=np.float32)
        if array.shape != tuple(shape):
            raise ValueError(f"{kind}: weights of shape {array.shape}, expected {tuple(shape)}")
        arrays.append(_floats(array))
    if bias is not None:
        arrays.append(_floats(np.asarray(bias, dtype=np.float32).reshape(filters)))
    out_h = _output_size(h, kernel_size[0], strides[0], dilation[0], padding)
    out_w = _output_size(w, kernel_size[1], strides[1], dilation[1], padding)
    layer = {"type": kind, "shape": [None, out_h * out_w * filters],
             "input_shape": [int(v) for v in input_shape], "kernel_size": list(kernel_size),
             "strides": list(strides), "dilation_rate": list(dilation), "padding": padding,
             "use_bias": bias is not None, "weights": arrays}
    if kind != "depthwise_conv2d":
        layer["filters"] = int(filters)
    layer.update(extra)
    return layer


def conv2d(kernel, bias, input_shape, strides=(1, 1), padding="same", dilation=(1, 1)):
    kh, kw, cin, filters = np.shape(kernel)
    return _convolution("conv2d", [kernel], [(kh, kw, input_shape[2], filters)], bias,
                        input_shape, filters, (kh, kw), strides, padding, dilation)


def depthwise_conv2d(depthwise_kernel, bias, input_shape, strides=(1, 1), padding="same",
                     dilation=(1, 1)):
    kh, kw, cin, mult = np.shape(depthwise_kernel)
    return _convolution("depthwise_conv2d", [depthwise_kernel], [(kh, kw, input_shape[2], mult)],
                        bias, input_shape, cin * mult, (kh, kw), strides, padding, dilation,
                        depth_multiplier=int(mult))


def separable_conv2d(depthwise_kernel, pointwise_kernel, bias, input_shape, strides=(1, 1),
                     padding="same", dilation=(1, 1)):
    kh, kw, cin, mult = np.shape(depthwise_kernel)
    filters = np.shape(pointwise_kernel)[3]
    return _convolution("separable_conv2d", [depthwise_kernel, pointwise_kernel],
                        [(kh, kw, input_shape[2], mult), (1, 1, cin * mult, filters)], bias,
                        input_shape, filters, (kh, kw), strides, padding, dilation,
                        depth_multiplier=int(mult))


def cp_conv2d(kernel_in, kernel_h, kernel_w, kernel_out, bias, input_shape, strides=(1, 1),
              padding="same", dilation=(1, 1)):
    rank = np.shape(kernel_in)[3]
    kh, kw, filters = np.shape(kernel_h)[0], np.shape(kernel_w)[1], np.shape(kernel_out)[3]
    return _convolution("cp_conv2d", [kernel_in, kernel_h, kernel_w, kernel_out],
                        [(1, 1, input_shape[2], rank), (kh, 1, rank, 1), (1, kw, rank, 1),
                         (1, 1, rank, filters)], bias, input_shape, filters, (kh, kw), strides,
                        padding, dilation, rank=int(rank))


def _pooling(kind, input_shape, pool_size, strides, padding):
    strides = strides or pool_size
    h, w, c = (int(v) for v in input_shape)
    out_h = _output_size(h, pool_size[0], strides[0], 1, padding)
    out_w = _output_size(w, pool_size[1], strides[1], 1, padding)
    return {"type": kind, "shape": [None, out_h * out_w * c], "input_shape": [h, w, c],
            "pool_size": list(pool_size), "strides": list(strides), "padding": padding}


def max_pooling2d(input_shape, pool_size=(2, 2), strides=None, padding="valid"):
    return _pooling("max_pooling2d", input_shape, pool_size, strides, padding)


def average_pooling2d(input_shape, pool_size=(2, 2), strides=None, padding="valid"):
    return _pooling("average_pooling2d", input_shape, pool_size, strides, padding)


def global_average_pooling2d(input_shape):
    return {"type": "global_average_pooling2d", "shape": [None, int(input_shape[2])],
            "input_shape": [int(v) for v in input_shape]}


def flatten(input_shape):
    return {"type": "flatten", "shape": [None, int(np.prod(input_shape))],
            "input_shape": [int(v) for v in input_shape]}


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
