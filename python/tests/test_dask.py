"""exprvm.dask.evaluate on a dask.distributed LocalCluster of 2 worker processes (1 thread
each), against NumPy. The workers import exprvm through the PYTHONPATH they inherit."""
import os

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import exprvm  # noqa: E402
import exprvm.dask  # noqa: E402

SEED = 1130
# tornado (under distributed 2022.12) calls a deprecated asyncio API when a client starts.
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    # Workers are spawned processes: they must find exprvm where this process found it.
    package_root = os.path.dirname(os.path.dirname(exprvm.__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="2GiB")
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture
def rng():
    print("seed", SEED)
    return np.random.default_rng(SEED)


def test_tanh_where_times_y_with_differently_chunked_inputs(client, rng):
    for dtype in (np.float32, np.float64):
        xn = rng.random((600, 40)).astype(dtype)
        yn = rng.random((600, 40)).astype(dtype)
        x = da.from_array(xn, chunks=(150, 40))
        y = da.from_array(yn, chunks=(100, 13))
        result = exprvm.dask.evaluate("tanh(where(x > 0.5, x, 0)) * y")
        assert result.dtype == dtype
        expected = np.tanh(np.where(xn > 0.5, xn, 0)) * yn
        np.testing.assert_allclose(result.compute(), expected,
                                   rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_sum_of_product(client, rng):
    xn, yn = rng.random(100_000), rng.random(100_000)
    x, y = da.from_array(xn, chunks=7_000), da.from_array(yn, chunks=30_000)
    total = exprvm.dask.evaluate("sum(x * y)")
    assert total.shape == () and total.dtype == np.float64
    np.testing.assert_allclose(total.compute(), np.sum(xn * yn), rtol=1e-12)


def test_one_fused_layer_and_deterministic_keys(client, rng):
    x = da.from_array(rng.random((100, 10)), chunks=(30, 5))
    y = da.from_array(rng.random((100, 10)), chunks=(50, 10))
    first = exprvm.dask.evaluate("tanh(where(x > 0.5, x, 0)) * y")
    second = exprvm.dask.evaluate("tanh(where(x > 0.5, x, 0)) * y", {"x": x, "y": y})
    assert first.name == second.name
    assert exprvm.dask.evaluate("x * y + 1").name != first.name
    exprvm_layers = [name for name in first.dask.layers if name.startswith("exprvm")]
    assert exprvm_layers == [first.name]
    task = repr(first.dask.layers[first.name].dsk)
    assert "tanh(where(x > 0.5, x, 0)) * y" in task and "'<f8'" in task  # source, signature


def test_integer_reductions_equal_numpy_for_any_chunking(client, rng):
    values = rng.integers(-3, 4, (60, 12)).astype(np.int32)
    chunkings = ((60, 12), (7, 12), (16, 5))
    cases, graphs = [], []
    for function in ("sum", "prod", "min", "max", "any", "all", "mean"):
        for axis in (None, 0, 1, -1):
            call = f"{function}(a * 2 - 1{'' if axis is None else f', axis={axis}'})"
            cases.append((call, getattr(np, function)(values * 2 - 1, axis=axis)))
            graphs += [exprvm.dask.evaluate(call, {"a": da.from_array(values, chunks=chunks)})
                       for chunks in chunkings]
    computed = client.compute(graphs, sync=True)  # one round trip for every case
    for index, (call, expected) in enumerate(cases):
        results = computed[index * len(chunkings):(index + 1) * len(chunkings)]
        for result in results:
            if call.startswith("mean"):  # an exact int64 total divided once
                np.testing.assert_allclose(result, expected, rtol=1e-15, err_msg=call)
            else:
                np.testing.assert_array_equal(result, expected, err_msg=call)
                assert result.dtype == expected.dtype, call
            np.testing.assert_array_equal(result, results[0], err_msg=call)  # any chunking


def test_float_reductions_with_and_without_axis(client, rng):
    xn = rng.random((200, 30)) + 0.5
    x = da.from_array(xn, chunks=(45, 11))
    cases = [(function, axis) for function in ("sum", "prod", "min", "max", "mean")
             for axis in (None, 0, 1)]
    graphs = [exprvm.dask.evaluate(
        f"{function}(sqrt(x){'' if axis is None else f', axis={axis}'})", {"x": x})
        for function, axis in cases]
    for (function, axis), result in zip(cases, client.compute(graphs, sync=True)):
        np.testing.assert_allclose(result, getattr(np, function)(np.sqrt(xn), axis=axis),
                                   rtol=1e-12, err_msg=f"{function} axis={axis}")


def test_broadcasting_numpy_inputs_and_scalars(client, rng):
    xn = rng.random((120, 16)).astype(np.float32)
    row = rng.random(16).astype(np.float32)
    column = rng.random((120, 1)).astype(np.float32)
    x = da.from_array(xn, chunks=(50, 8))
    b = da.from_array(row, chunks=5)
    scale = 2.5  # a weak Python scalar: float32 stays float32
    result = exprvm.dask.evaluate("x * b + column * scale", {"x": x, "b": b, "column": column,
                                                               "scale": scale})
    assert result.dtype == np.float32 and result.shape == (120, 16)
    np.testing.assert_allclose(result.compute(), xn * row + column * np.float32(scale),
                               rtol=1e-6)


def test_adam_returns_one_array_per_output(client, rng):
    n = 50_000
    pn, gn = rng.random(n).astype(np.float32), rng.random(n).astype(np.float32)
    mn, vn = rng.random(n).astype(np.float32), rng.random(n).astype(np.float32)
    p, g = da.from_array(pn, chunks=8_000), da.from_array(gn, chunks=12_000)
    m, v = da.from_array(mn, chunks=8_000), da.from_array(vn, chunks=20_000)
    adam = ("m = m + (1 - 0.9) * (g - m);"
            "v = v + (1 - 0.999) * (g*g - v);"
            "p = p - 0.001 * m / (sqrt(v) + 1e-8)")
    new_m, new_v, new_p = exprvm.dask.evaluate(adam)
    assert [a.dtype for a in (new_m, new_v, new_p)] == [np.float32] * 3
    m_out, v_out, p_out = client.compute([new_m, new_v, new_p], sync=True)
    f32 = np.float32
    expected_m = mn + f32(1 - 0.9) * (gn - mn)
    expected_v = vn + f32(1 - 0.999) * (gn * gn - vn)
    expected_p = pn - f32(0.001) * expected_m / (np.sqrt(expected_v) + f32(1e-8))
    np.testing.assert_allclose(m_out, expected_m, rtol=1e-6)
    np.testing.assert_allclose(v_out, expected_v, rtol=1e-6)
    np.testing.assert_allclose(p_out, expected_p, rtol=1e-5)
    np.testing.assert_array_equal(p.compute(), pn)  # the inputs are not modified

    twice, result = exprvm.dask.evaluate("m = m * 2; m + g")
    np.testing.assert_allclose(result.compute(), mn * 2 + gn, rtol=1e-6)
    np.testing.assert_allclose(twice.compute(), mn * 2)


def test_tasks_run_exprvm_with_one_thread(client, rng):
    x = da.from_array(rng.random(40_000), chunks=10_000)
    def worker_threads():
        import exprvm

        return exprvm.get_num_threads()

    exprvm.dask.evaluate("x * 2").compute()  # default: 1 thread per task
    assert set(client.run(worker_threads).values()) == {1}
    exprvm.dask.evaluate("x * 3", threads=2).compute()
    assert set(client.run(worker_threads).values()) == {2}
    exprvm.dask.evaluate("x * 4").compute()


def test_errors_are_raised_when_the_graph_is_built(client):
    x = da.ones(10, chunks=5)
    with pytest.raises(NameError):
        exprvm.dask.evaluate("x + undefined_name")
    with pytest.raises(SyntaxError):
        exprvm.dask.evaluate("x +")
    with pytest.raises(TypeError):
        exprvm.dask.evaluate("x & 1")  # float & int: exprvm's type error, on the client
    with pytest.raises(ValueError, match="at least one array"):
        exprvm.dask.evaluate("1 + 2")
    with pytest.raises(NotImplementedError):
        exprvm.dask.evaluate("x = x * 2; sum(x)")
