"""exprvm.nn with seed 003's CNN layers: a model file written by nn/tools/export_model.py
(Keras kernel layouts) loads and predicts like a NumPy reference of the same layers."""
import os
import sys

import numpy as np

import exprvm.nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "nn", "tools"))
import export_model  # noqa: E402

SEED = 3


def same_padding(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def conv_reference(x, kernel, bias, stride, padding, depthwise=False):
    """NHWC convolution (Keras' padding arithmetic) by explicit windows."""
    n, h, w, c = x.shape
    kh, kw = kernel.shape[:2]
    if padding == "same":
        oh, top, bottom = same_padding(h, kh, stride)
        ow, left, right = same_padding(w, kw, stride)
    else:
        oh, ow, top, bottom, left, right = ((h - kh) // stride + 1, (w - kw) // stride + 1,
                                            0, 0, 0, 0)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out = []
    for i in range(oh):
        row = []
        for j in range(ow):
            window = padded[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            if depthwise:
                value = np.einsum("nhwc,hwcm->ncm", window, kernel).reshape(n, -1)
            else:
                value = np.einsum("nhwc,hwcf->nf", window, kernel)
            row.append(value)
        out.append(np.stack(row, 1))
    result = np.stack(out, 1)
    return result + bias if bias is not None else result


def test_exported_cnn_matches_numpy(tmp_path):
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    k1, b1 = rng.normal(0, 0.3, (3, 3, 2, 4)), rng.normal(0, 0.1, 4)
    dw, pw, b2 = rng.normal(0, 0.3, (3, 3, 4, 1)), rng.normal(0, 0.3, (1, 1, 4, 5)), rng.normal(0, 0.1, 5)
    k3, b3 = rng.normal(0, 0.3, (5, 3)), rng.normal(0, 0.1, 3)
    layers = [export_model.conv2d(k1, b1, (7, 6, 2), strides=(2, 2), padding="same"),
              export_model.activation("relu", 4 * 3 * 4),
              export_model.separable_conv2d(dw, pw, b2, (4, 3, 4), padding="valid"),
              export_model.global_average_pooling2d((2, 1, 5)),
              export_model.dense(k3, b3, "linear")]
    path = str(tmp_path / "cnn.json")
    export_model.save(path, 7 * 6 * 2, layers)
    model = exprvm.nn.load(path)
    x = rng.uniform(0, 1, (3, 7, 6, 2))
    a = np.maximum(conv_reference(x, k1, b1, 2, "same"), 0)
    a = conv_reference(a, dw, None, 1, "valid", depthwise=True)
    a = conv_reference(a, pw, b2, 1, "valid")
    want = a.mean(axis=(1, 2)) @ k3 + b3
    got = model.predict(x.reshape(3, -1))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    model.save(str(tmp_path / "again.json"))
    again = exprvm.nn.load(str(tmp_path / "again.json"))
    np.testing.assert_array_equal(again.predict(x.reshape(3, -1)), got)
