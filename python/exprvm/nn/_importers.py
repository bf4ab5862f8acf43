"""Importers into exprvm.nn models: PyTorch modules and Keras 2 HDF5 files. Both go through
exprvm.nn.Sequential, so the JSON model file stays the interchange (model.save)."""
import json
import os
from typing import Any, List, Mapping, Optional, Union

import numpy as np

# PyTorch activation module class name -> exprvm activation name.
_TORCH_ACTIVATIONS = {"ReLU": "relu", "ELU": "elu", "SELU": "selu", "Tanh": "tanh",
                      "Sigmoid": "sigmoid", "Softmax": "softmax", "GELU": "gelu",
                      "Identity": "linear"}


def _fold_activation(layers: List[Any], name: str) -> None:
    """Appends activation `name`, fused into a preceding linear Dense when there is one."""
    from . import Activation, Dense

    if layers and isinstance(layers[-1], Dense) and layers[-1].activation == "linear":
        layers[-1].activation = name
    else:
        layers.append(Activation(name))


def _torch_array(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def from_torch(module: Any, seed: int = 1) -> "Any":
    """A model from a torch.nn.Sequential (or any module whose children run in order) of
    Linear, BatchNorm1d, ReLU/ELU(alpha=1)/SELU/Tanh/Sigmoid/Softmax(dim=-1 or 1)/GELU
    (exact), Identity and Dropout. Raises ImportError without torch, ValueError for other
    modules."""
    try:
        import torch  # noqa: F401 (an installed torch is what makes `module` meaningful)
    except ImportError as error:
        raise ImportError("exprvm.nn.from_torch needs PyTorch (Debian: python3-torch)") from error
    from . import BatchNormalization, Dense, Dropout, Sequential

    layers: List[Any] = []
    input_width: Optional[int] = None
    for index, child in enumerate(module.children()):
        kind = type(child).__name__
        if kind == "Linear":
            input_width = input_width or child.in_features
            bias = _torch_array(child.bias) if child.bias is not None else None
            layers.append(Dense(child.out_features, "linear", _torch_array(child.weight).T, bias))
        elif kind == "BatchNorm1d":
            input_width = input_width or child.num_features
            if not child.track_running_stats or child.running_mean is None:
                raise ValueError(f"from_torch: layer {index} (BatchNorm1d) has no running stats")
            gamma = _torch_array(child.weight) if child.affine else None
            beta = _torch_array(child.bias) if child.affine else None
            momentum = 1.0 - (child.momentum if child.momentum is not None else 0.1)
            layers.append(BatchNormalization(child.eps, momentum, gamma, beta,
                                             _torch_array(child.running_mean),
                                             _torch_array(child.running_var)))
        elif kind == "Dropout":
            layers.append(Dropout(child.p))
        elif kind in _TORCH_ACTIVATIONS:
            if kind == "ELU" and child.alpha != 1.0:
                raise ValueError(f"from_torch: layer {index} (ELU) has alpha {child.alpha}; "
                                 "exprvm's elu has alpha 1")
            if kind == "GELU" and getattr(child, "approximate", "none") != "none":
                raise ValueError(f"from_torch: layer {index} (GELU) uses the tanh "
                                 "approximation; exprvm's gelu is the exact (erf) one")
            if kind == "Softmax" and child.dim not in (-1, 1):
                raise ValueError(f"from_torch: layer {index} (Softmax) over dim {child.dim}; "
                                 "exprvm's softmax is over the features")
            _fold_activation(layers, _TORCH_ACTIVATIONS[kind])
        else:
            raise ValueError(f"from_torch: layer {index} is a {kind}; supported: Linear, "
                             "BatchNorm1d, Dropout, " + ", ".join(_TORCH_ACTIVATIONS))
    if input_width is None:
        raise ValueError("from_torch: the module has no Linear or BatchNorm1d layer to give "
                         "the input width")
    return Sequential(layers, input_width=input_width, seed=seed)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _keras_layer_configs(config: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """The layer list of a Sequential model_config (Keras 2.0-2.2 stored it bare)."""
    if config.get("class_name") not in ("Sequential", None):
        raise ValueError(f"from_keras_h5: a {config.get('class_name')} model; only Sequential "
                         "models are supported")
    inner = config.get("config", config)
    return inner["layers"] if isinstance(inner, Mapping) else inner


def _keras_weights(group: Any, layer_name: str) -> Mapping[str, np.ndarray]:
    """The weights of one layer, keyed by their short name ('kernel', 'bias', 'gamma', ...)."""
    if layer_name not in group:
        return {}
    layer_group = group[layer_name]
    weights = {}
    for weight_name in layer_group.attrs.get("weight_names", []):
        weight_name = _text(weight_name)
        short = weight_name.rsplit("/", 1)[-1].split(":", 1)[0]
        weights[short] = np.asarray(layer_group[weight_name], dtype=np.float32)
    return weights


def from_keras_h5(path: Union[str, "os.PathLike[str]"],
                  model_config: Union[None, str, Mapping[str, Any]] = None) -> "Any":
    """A model from a Keras 2 HDF5 file: a whole model (model.save('m.h5'), whose
    'model_config' attribute gives the architecture) or weights only (model.save_weights),
    then with `model_config` given as model.to_json()'s text or dict. Sequential models of
    Dense, BatchNormalization, Activation, Dropout (and InputLayer). Needs h5py."""
    try:
        import h5py
    except ImportError as error:
        raise ImportError("exprvm.nn.from_keras_h5 needs h5py (Debian: python3-h5py)") from error
    from . import Activation, BatchNormalization, Dense, Dropout, Sequential

    with h5py.File(os.fspath(path), "r") as file:
        if model_config is None:
            if "model_config" not in file.attrs:
                raise ValueError(f"from_keras_h5: {path} has no model_config (a weights-only "
                                 "file): pass model_config=model.to_json()")
            model_config = _text(file.attrs["model_config"])
        config = json.loads(model_config) if isinstance(model_config, str) else model_config
        group = file["model_weights"] if "model_weights" in file else file
        layers: List[Any] = []
        input_width: Optional[int] = None
        for entry in _keras_layer_configs(config):
            kind, layer = entry["class_name"], entry["config"]
            shape = layer.get("batch_input_shape") or layer.get("batch_shape")
            if shape and input_width is None:
                input_width = int(shape[-1])
            weights = _keras_weights(group, layer.get("name", ""))
            if kind == "InputLayer":
                continue
            if kind == "Dense":
                if "kernel" not in weights:
                    raise ValueError(f"from_keras_h5: no kernel for layer '{layer['name']}'")
                if input_width is None:
                    input_width = weights["kernel"].shape[0]
                layers.append(Dense(layer["units"], layer.get("activation", "linear"),
                                    weights["kernel"], weights.get("bias")))
            elif kind == "BatchNormalization":
                layers.append(BatchNormalization(
                    layer.get("epsilon", 1e-3), layer.get("momentum", 0.99),
                    weights.get("gamma"), weights.get("beta"), weights.get("moving_mean"),
                    weights.get("moving_variance")))
            elif kind == "Activation":
                layers.append(Activation(layer["activation"]))
            elif kind == "Dropout":
                layers.append(Dropout(layer["rate"]))
            else:
                raise ValueError(f"from_keras_h5: layer '{layer.get('name')}' is a {kind}; "
                                 "supported: Dense, BatchNormalization, Activation, Dropout")
    if input_width is None:
        raise ValueError("from_keras_h5: the input width is not in the model config")
    return Sequential(layers, input_width=input_width)
