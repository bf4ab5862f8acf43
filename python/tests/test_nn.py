"""exprvm.nn: model files, predict / output_of from NumPy in every layout, summary, weights,
errors; the reference is a NumPy forward pass of the same model file (nn_reference.py)."""
import threading

import numpy as np
import pytest

import exprvm.nn
from nn_reference import forward, random_document, write_document

SEED = 7
RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture
def seed_model(tmp_path):
    """Seed 000's 25-30-30-1 ELU shape, random weights: (document, loaded model)."""
    print(f"model seed {SEED}")
    document = random_document([25, 30, 30, 1], ["elu", "elu", "linear"], SEED)
    return document, exprvm.nn.load(write_document(tmp_path / "m.json", document))


def rows(n, width=25, seed=SEED):
    return np.random.default_rng(seed).uniform(0, 1, (n, width))


def test_predict_batch_matches_numpy(seed_model):
    document, model = seed_model
    x = rows(100)
    result = model.predict(x)
    assert result.dtype == np.float32 and result.shape == (100, 1)
    np.testing.assert_allclose(result, forward(document, x), rtol=RTOL, atol=ATOL)


def test_predict_one_row_gives_one_row(seed_model):
    document, model = seed_model
    x = rows(1)[0]
    result = model.predict(x)
    assert result.shape == (1,)
    np.testing.assert_allclose(result, forward(document, x[None])[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("layout", ["float32", "fortran", "strided", "reversed", "list",
                                    "unaligned"])
def test_predict_any_layout(seed_model, layout):
    document, model = seed_model
    x = rows(40)
    if layout == "float32":
        x = x.astype(np.float32)
    elif layout == "fortran":
        x = np.asfortranarray(x)
    elif layout == "strided":
        wide = np.zeros((80, 50))
        wide[::2, ::2] = x
        x = wide[::2, ::2]
    elif layout == "reversed":
        x = x[::-1]
    elif layout == "list":
        x = x.tolist()
    elif layout == "unaligned":
        buffer = np.zeros(40 * 25 * 4 + 1, dtype=np.uint8)
        x32 = buffer[1:].view(np.float32).reshape(40, 25)
        x32[...] = x
        x = x32
    np.testing.assert_allclose(model.predict(x), forward(document, np.asarray(x, np.float64)),
                               rtol=RTOL, atol=ATOL)


def test_large_batch_output_is_not_copied(tmp_path):
    document = random_document([8, 64], ["relu"], SEED)
    model = exprvm.nn.load(write_document(tmp_path / "wide.json", document))
    x = rows(1000, 8)
    result = model.predict(x)
    assert not result.flags.owndata  # the runner's buffer, handed over
    np.testing.assert_allclose(result, forward(document, x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(model.predict(x[:3]), forward(document, x[:3]), rtol=RTOL,
                               atol=ATOL)


def test_empty_batch(seed_model):
    _, model = seed_model
    assert model.predict(np.zeros((0, 25))).shape == (0, 1)


def test_output_of_index_negative_and_name(seed_model):
    document, model = seed_model
    x = rows(10)
    assert model.layer_names == ["dense_1", "dense_2", "dense_3"]
    for layer, index in [(0, 0), (-2, 1), ("dense_2", 1), (-1, 2), (2, 2)]:
        np.testing.assert_allclose(model.output_of(layer, x), forward(document, x, index),
                                   rtol=RTOL, atol=ATOL)
    assert model.output_of(0, x[0]).shape == (30,)


def test_batchnorm_model(tmp_path):
    document = random_document([6, 12, 3], ["relu", "softmax"], SEED, batchnorm_after=0)
    model = exprvm.nn.load(write_document(tmp_path / "bn.json", document))
    x = rows(20, 6)
    np.testing.assert_allclose(model.predict(x), forward(document, x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(model.output_of("batchnorm_1", x), forward(document, x, 1),
                               rtol=RTOL, atol=ATOL)


def test_bad_inputs_raise_specific_errors(seed_model, tmp_path):
    _, model = seed_model
    with pytest.raises(TypeError, match="float32 or float64"):
        model.predict(np.zeros((2, 25), dtype=np.int64))
    with pytest.raises(ValueError, match="24 values per row, the model expects 25"):
        model.predict(np.zeros((2, 24)))
    with pytest.raises(ValueError, match="dimensions"):
        model.predict(np.zeros((2, 2, 25)))
    x = rows(3)
    x[1, 4] = np.nan
    with pytest.raises(ValueError, match="row 1, column 4"):
        model.predict(x)
    with pytest.raises(ValueError, match="out of range"):
        model.output_of(3, rows(1))
    with pytest.raises(ValueError, match="no layer named 'dense_9'"):
        model.output_of("dense_9", rows(1))
    with pytest.raises(ValueError, match="cannot open model file"):
        exprvm.nn.load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="unknown layer type 'conv'"):
        exprvm.nn.from_json({"in_shape": [None, 2], "layers": [{"type": "conv",
                                                                 "shape": [None, 2]}]})


def test_summary_is_a_keras_table(seed_model, capsys):
    _, model = seed_model
    model.summary()
    text = capsys.readouterr().out
    assert "Layer (type)" in text and "Output Shape" in text
    assert "dense_1 (Dense)" in text and "(None, 30)" in text
    assert "Total params: 1,741" in text  # 25*30+30 + 30*30+30 + 30+1
    assert text == model.summary_text()


def test_weights_round_trip_through_sequential_and_save(seed_model, tmp_path):
    document, model = seed_model
    kernel1, bias1, kernel2, bias2, kernel3, bias3 = model.get_weights()
    assert kernel1.shape == (25, 30) and bias1.shape == (30,)
    rebuilt = exprvm.nn.Sequential([
        exprvm.nn.Dense(30, "elu", kernel1, bias1),
        exprvm.nn.Dense(30, "elu", kernel2, bias2),
        exprvm.nn.Dense(1, kernel=kernel3, bias=bias3)], input_width=25)
    assert isinstance(rebuilt, exprvm.nn.Model)
    x = rows(16)
    np.testing.assert_array_equal(rebuilt.predict(x), model.predict(x))
    rebuilt.save(str(tmp_path / "again.json"))
    np.testing.assert_array_equal(exprvm.nn.load(tmp_path / "again.json").predict(x),
                                  model.predict(x))


def test_threads_predict_concurrently(seed_model):
    document, model = seed_model
    inputs = [rows(n, seed=n) for n in (1, 5, 50, 200)]
    expected = [model.predict(x) for x in inputs]
    failures = []

    def worker():
        for _ in range(200):
            for x, want in zip(inputs, expected):
                if not np.array_equal(model.predict(x), want):
                    failures.append(x.shape)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
