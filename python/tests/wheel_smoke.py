"""Smoke test of an installed exprvm (python/tests/wheel_smoke.sh runs it in a fresh venv,
from a directory outside the checkout): the numexpr API and exprvm.nn against NumPy."""
import os
import sys

import numpy as np

import exprvm
import exprvm.nn
from nn_reference import forward, random_document, write_document

here = os.path.realpath(os.path.dirname(exprvm.__file__))
assert here.startswith(os.path.realpath(sys.prefix)), (here, sys.prefix)
for name in ("py.typed", "__init__.pyi", os.path.join("nn", "__init__.pyi"), "pandas.py",
             "dask.py"):
    assert os.path.exists(os.path.join(here, name)), name

a = np.array([0.0, 1, 2, 3])
np.testing.assert_array_equal(exprvm.evaluate("where(a > 1, a*2, -a)"), [0, -1, 4, 6])

seed = 10
print(f"wheel smoke: model seed {seed}")
document = random_document([25, 30, 30, 1], ["elu", "elu", "linear"], seed)
write_document("m.json", document)
x = np.random.default_rng(seed).uniform(0, 1, (64, 25))
model = exprvm.nn.load("m.json")
np.testing.assert_allclose(model.predict(x), forward(document, x), rtol=1e-4, atol=1e-5)
np.testing.assert_allclose(model.predict(x[3]), forward(document, x[3:4])[0], rtol=1e-4,
                           atol=1e-5)
print(f"wheel smoke: exprvm {exprvm.__version__} from {here}: ok")
