"""exprvm.nn: building (Sequential), training (fit) and the Keras / PyTorch importers."""
import json
import threading

import numpy as np
import pytest

import exprvm.nn
from nn_reference import forward

SEED = 11


def regression_data(n=512, width=5, seed=SEED):
    """y = a smooth function of x, scaled to [0, 1] like seed 000's data."""
    print(f"data seed {seed}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, width))
    y = np.sin(x.sum(axis=1, keepdims=True))
    return x, (y - y.min()) / (y.max() - y.min())


def test_fit_reduces_the_loss_and_reports_history(capsys):
    x, y = regression_data()
    capsys.readouterr()  # the seed line
    model = exprvm.nn.Sequential([exprvm.nn.Dense(16, "elu"), exprvm.nn.Dense(16, "elu"),
                                  exprvm.nn.Dense(1)], input_width=5, seed=SEED)
    before = float(np.mean((model.predict(x) - y) ** 2))
    history = model.fit(x, y, epochs=20, batch_size=32, validation_split=0.25, optimizer="adam",
                        loss="mse", shuffle=True, seed=SEED, verbose=1)
    assert sorted(history) == ["loss", "seconds", "val_loss"]
    assert len(history["loss"]) == len(history["val_loss"]) == 20
    assert history["loss"][-1] < history["loss"][0]
    after = float(np.mean((model.predict(x) - y) ** 2))
    assert after < before / 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 and lines[0].startswith("Epoch 1/20 - 12 batches - loss: ")
    assert "val_loss: " in lines[-1]


def test_fit_is_reproducible_and_quiet(capsys):
    x, y = regression_data(n=128)
    capsys.readouterr()  # the seed line
    histories, predictions = [], []
    for _ in range(2):
        model = exprvm.nn.Sequential([exprvm.nn.Dense(8, "tanh"), exprvm.nn.Dropout(0.1),
                                      exprvm.nn.Dense(1)], input_width=5, seed=3)
        histories.append(model.fit(x, y[:, 0], epochs=3, batch_size=16, optimizer="sgd",
                                   learning_rate=0.05, seed=4, verbose=0))
        predictions.append(model.predict(x))
    assert capsys.readouterr().out == ""
    assert histories[0]["loss"] == histories[1]["loss"] and "val_loss" not in histories[0]
    np.testing.assert_array_equal(predictions[0], predictions[1])


def test_categorical_crossentropy_trains_a_softmax_classifier():
    rng = np.random.default_rng(SEED)
    x = rng.normal(0, 1, (300, 4))
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    y = np.eye(3)[labels]
    model = exprvm.nn.Sequential([exprvm.nn.Dense(16, "relu"), exprvm.nn.BatchNormalization(),
                                  exprvm.nn.Dense(3, "softmax")], input_width=4, seed=SEED)
    history = model.fit(x, y, epochs=30, batch_size=32, loss="categorical_crossentropy",
                        verbose=0)
    assert history["loss"][-1] < history["loss"][0] * 0.6
    probabilities = model.predict(x)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert np.mean(probabilities.argmax(axis=1) == labels) > 0.8
    assert json.loads(model.to_json())["layers"][-1]["activation"] == "softmax"


def test_fit_while_another_thread_predicts(capsys):
    """fit (which replaces the layers for categorical_crossentropy and prints progress with the
    GIL) and predictions in another thread wait for each other without deadlock."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(0, 1, (256, 4))
    y = np.eye(3)[rng.integers(0, 3, 256)]
    model = exprvm.nn.Sequential([exprvm.nn.Dense(8, "relu"), exprvm.nn.Dense(3, "softmax")],
                                 input_width=4, seed=SEED)
    stop, failures = threading.Event(), []

    def predictor():
        while not stop.is_set():
            out = model.predict(x[:4])
            if out.shape != (4, 3) or not np.allclose(out.sum(axis=1), 1, rtol=1e-5):
                failures.append(out)

    thread = threading.Thread(target=predictor)
    thread.start()
    try:
        history = model.fit(x, y, epochs=5, batch_size=16, loss="categorical_crossentropy",
                            verbose=1)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive() and not failures
    assert len(history["loss"]) == 5
    assert capsys.readouterr().out.count("Epoch ") == 5


def test_fit_errors():
    x, y = regression_data(n=10)
    model = exprvm.nn.Sequential([exprvm.nn.Dense(1)], input_width=5)
    with pytest.raises(ValueError, match="needs a softmax last layer"):
        model.fit(x, y, loss="categorical_crossentropy", verbose=0)
    with pytest.raises(ValueError, match="unknown loss"):
        model.fit(x, y, loss="hinge", verbose=0)
    with pytest.raises(ValueError, match="adam"):
        model.fit(x, y, optimizer="rmsprop", verbose=0)
    with pytest.raises(ValueError, match="10 input rows but 9 target rows"):
        model.fit(x, y[:9], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.0, verbose=0)
    with pytest.raises(TypeError, match="Sequential: layer 0 is a str"):
        exprvm.nn.Sequential(["dense"], input_width=5)
    with pytest.raises(ValueError, match="kernel must have 5 rows"):
        exprvm.nn.Sequential([exprvm.nn.Dense(2, kernel=np.zeros((4, 2)))], input_width=5)
    with pytest.raises(ValueError, match="unknown activation|activation"):
        exprvm.nn.Sequential([exprvm.nn.Dense(2, "swish")], input_width=5)


def write_keras_h5(path, kernels, biases, activations, batchnorm):
    """A Keras 2 model file (model.save('m.h5') layout) written with h5py."""
    h5py = pytest.importorskip("h5py")
    layers = [{"class_name": "InputLayer",
               "config": {"batch_input_shape": [None, kernels[0].shape[0]], "name": "input_1"}}]
    weights = {}
    for i, (kernel, bias, activation) in enumerate(zip(kernels, biases, activations)):
        name = "dense" if i == 0 else f"dense_{i}"
        layers.append({"class_name": "Dense", "config": {"name": name, "units": kernel.shape[1],
                                                         "activation": activation,
                                                         "use_bias": True}})
        weights[name] = {"kernel:0": kernel, "bias:0": bias}
        if i == 0:
            layers.append({"class_name": "BatchNormalization",
                           "config": {"name": "batch_normalization", "epsilon": 0.001,
                                      "momentum": 0.99}})
            weights["batch_normalization"] = dict(zip(
                ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"], batchnorm))
            layers.append({"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.2}})
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    with h5py.File(path, "w") as file:
        file.attrs["model_config"] = json.dumps(config).encode()
        file.attrs["keras_version"] = b"2.11.0"
        file.attrs["backend"] = b"tensorflow"
        group = file.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name in
                                      ["input_1", *weights, "dropout"]]
        for layer_name in ["input_1", "dropout"]:
            group.create_group(layer_name).attrs["weight_names"] = []
        for layer_name, tensors in weights.items():
            layer_group = group.create_group(layer_name)
            layer_group.attrs["weight_names"] = [f"{layer_name}/{w}".encode() for w in tensors]
            for weight_name, value in tensors.items():
                layer_group.create_dataset(f"{layer_name}/{weight_name}",
                                           data=np.asarray(value, np.float32))
    return config


def test_from_keras_h5_matches_numpy(tmp_path):
    rng = np.random.default_rng(SEED)
    kernels = [rng.normal(0, 0.4, (6, 10)), rng.normal(0, 0.4, (10, 3))]
    biases = [rng.normal(0, 0.1, 10), rng.normal(0, 0.1, 3)]
    batchnorm = [rng.uniform(0.5, 1.5, 10), rng.normal(0, 0.1, 10), rng.normal(0, 0.1, 10),
                 rng.uniform(0.5, 1.5, 10)]
    write_keras_h5(tmp_path / "m.h5", kernels, biases, ["elu", "softmax"], batchnorm)
    model = exprvm.nn.from_keras_h5(tmp_path / "m.h5")
    assert model.layer_names == ["dense_1", "batchnorm_1", "dropout_1", "dense_2"]
    f32 = [np.asarray(w, np.float32).tolist() for w in (*kernels, *biases, *batchnorm)]
    document = {"layers": [
        {"type": "dense", "activation": "elu", "weights": [f32[0], f32[2]]},
        {"type": "batchnorm", "epsilon": 0.001, "weights": f32[4:8]},
        {"type": "dropout"},
        {"type": "dense", "activation": "softmax", "weights": [f32[1], f32[3]]}]}
    x = rng.uniform(-1, 1, (30, 6))
    np.testing.assert_allclose(model.predict(x), forward(document, x), rtol=1e-4, atol=1e-6)


def test_from_keras_h5_weights_only_needs_the_config(tmp_path):
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(SEED)
    config = write_keras_h5(tmp_path / "m.h5", [rng.normal(0, 1, (3, 2))], [np.zeros(2)],
                            ["relu"], [np.ones(2), np.zeros(2), np.zeros(2), np.ones(2)])
    with h5py.File(tmp_path / "m.h5", "a") as file:
        del file.attrs["model_config"]
    with pytest.raises(ValueError, match="pass model_config"):
        exprvm.nn.from_keras_h5(tmp_path / "m.h5")
    model = exprvm.nn.from_keras_h5(tmp_path / "m.h5", model_config=json.dumps(config))
    assert model.input_width == 3 and model.output_width == 2


def test_from_torch_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(torch.nn.Linear(25, 30), torch.nn.ELU(), torch.nn.BatchNorm1d(30),
                              torch.nn.Dropout(0.1), torch.nn.Linear(30, 1)).eval()
    with torch.no_grad():
        net[2].running_mean.uniform_(-0.1, 0.1)
        net[2].running_var.uniform_(0.5, 1.5)
    model = exprvm.nn.from_torch(net)
    x = np.random.default_rng(SEED).uniform(0, 1, (20, 25)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)


def test_from_torch_without_torch_says_what_to_install():
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="python3-torch"):
            exprvm.nn.from_torch(object())
    else:
        pytest.skip("torch is installed")
