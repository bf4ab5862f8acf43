"""Type stubs of exprvm.nn (the exprvm NN runner from NumPy)."""
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import numpy as np
import numpy.typing as npt

_Rows = npt.ArrayLike  # one row (1-d) or a batch (2-d) of float32 / float64 values
_Path = Union[str, "os.PathLike[str]"]

class Model:
    """A sequential network run by exprvm (float32)."""
    def __init__(self, input_width: int) -> None:
        """An empty model taking rows of input_width values."""
    @property
    def input_width(self) -> int: ...
    @property
    def output_width(self) -> int: ...
    @property
    def layer_names(self) -> List[str]:
        """Layer names, e.g. ['dense_1', 'dense_2'] (what output_of accepts)."""
    def __len__(self) -> int: ...
    def predict(self, x: _Rows) -> npt.NDArray[np.float32]:
        """The output for one row (1-d x -> 1-d result) or a batch (2-d -> 2-d); x float32 or
        float64 in any layout; GIL released while the network runs."""
    def output_of(self, layer: Union[int, str], x: _Rows) -> npt.NDArray[np.float32]:
        """Layer `layer`'s output (index, -1 the last, or a name from layer_names)."""
    def summary(self) -> None:
        """Prints a Keras-style table of layers, output shapes and parameter counts."""
    def summary_text(self) -> str:
        """The table summary() prints."""
    def get_weights(self) -> List[npt.NDArray[np.float32]]:
        """Copies of the weights in Keras' order (dense: kernel, bias; batchnorm: gamma, beta,
        moving mean, moving variance)."""
    def to_json(self) -> str:
        """The model file's text."""
    def save(self, path: str) -> None:
        """Writes the model file (JSON; float32 weights round-trip exactly)."""
    def fit(
        self,
        x: _Rows,
        y: _Rows,
        epochs: int = ...,
        batch_size: int = ...,
        validation_split: float = ...,
        optimizer: str = ...,
        learning_rate: Optional[float] = ...,
        loss: str = ...,
        shuffle: bool = ...,
        seed: int = ...,
        verbose: int = ...,
    ) -> Dict[str, List[float]]:
        """Trains in place (optimizer 'adam' | 'sgd' | 'momentum'; loss 'mse' |
        'categorical_crossentropy' (softmax last layer) | 'softmax_crossentropy' (logits));
        one progress line per epoch when verbose; returns {'loss', 'val_loss', 'seconds'}."""
    def add_dense(self, units: int, activation: str = ..., kernel: Optional[npt.ArrayLike] = ...,
                  bias: Optional[npt.ArrayLike] = ..., seed: int = ...) -> None:
        """Appends act(x @ kernel + bias) (Glorot-uniform kernel and zero bias by default)."""
    def add_batchnorm(self, epsilon: float = ..., momentum: float = ...,
                      gamma: Optional[npt.ArrayLike] = ..., beta: Optional[npt.ArrayLike] = ...,
                      moving_mean: Optional[npt.ArrayLike] = ...,
                      moving_variance: Optional[npt.ArrayLike] = ...) -> None:
        """Appends batch normalization (Keras semantics)."""
    def add_activation(self, activation: str) -> None:
        """Appends a standalone activation layer."""
    def add_dropout(self, rate: float) -> None:
        """Appends inverted dropout (identity when predicting)."""

class Sequential(Model):
    """A Model from layer descriptions for rows of input_width values."""
    def __init__(self, layers: Iterable[Union["Dense", "BatchNormalization", "Activation",
                                               "Dropout"]],
                 input_width: int, seed: int = ...) -> None: ...

class Dense:
    """act(x @ kernel + bias); kernel (inputs, units)."""
    units: int
    activation: str
    kernel: Optional[npt.ArrayLike]
    bias: Optional[npt.ArrayLike]
    def __init__(self, units: int, activation: str = ..., kernel: Optional[npt.ArrayLike] = ...,
                 bias: Optional[npt.ArrayLike] = ...) -> None: ...

class BatchNormalization:
    """Batch normalization over the features (Keras semantics)."""
    epsilon: float
    momentum: float
    def __init__(self, epsilon: float = ..., momentum: float = ...,
                 gamma: Optional[npt.ArrayLike] = ..., beta: Optional[npt.ArrayLike] = ...,
                 moving_mean: Optional[npt.ArrayLike] = ...,
                 moving_variance: Optional[npt.ArrayLike] = ...) -> None: ...

class Activation:
    """A standalone activation layer."""
    activation: str
    def __init__(self, activation: str) -> None: ...

class Dropout:
    """Inverted dropout (identity when predicting)."""
    rate: float
    def __init__(self, rate: float) -> None: ...

def load(path: _Path) -> Model:
    """Reads a model file (JSON)."""

def from_json(document: Union[str, Mapping[str, Any]], origin: str = ...) -> Model:
    """A model from a model file's text or parsed dict."""

def from_torch(module: Any, seed: int = ...) -> Sequential:
    """A model from a torch.nn.Sequential of Linear, BatchNorm1d, activations and Dropout."""

def from_keras_h5(path: _Path,
                  model_config: Union[None, str, Mapping[str, Any]] = ...) -> Sequential:
    """A model from a Keras 2 HDF5 model (or weights file with model_config)."""
