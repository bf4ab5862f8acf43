"""The exprvm package around its compiled core: re-exports, stubs and docstrings."""
import ast
import os

import exprvm
import exprvm.nn
from exprvm import _core


def public_names(module):
    return {name for name in dir(module) if not name.startswith("_")}


def stub_names(module):
    """Names a module's .pyi stub defines (functions, classes, annotated variables)."""
    path = os.path.join(os.path.dirname(module.__file__), "__init__.pyi")
    with open(path) as stub:
        tree = ast.parse(stub.read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_the_package_re_exports_the_whole_core():
    missing = public_names(_core) - {"nn"} - set(exprvm.__all__)
    assert not missing
    for name in set(exprvm.__all__) - {"E"}:  # E (expression building) is pure Python
        assert getattr(exprvm, name) is getattr(_core, name)
    assert exprvm.__version__ == _core.__version__


def test_nthreads_follows_set_num_threads(restore_threads):
    exprvm.set_num_threads(1)
    assert exprvm.nthreads == 1


def test_every_public_name_has_a_stub_and_a_docstring():
    assert set(exprvm.__all__) <= stub_names(exprvm)
    assert set(exprvm.nn.__all__) <= stub_names(exprvm.nn)
    for module in (exprvm, exprvm.nn):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value):
                assert value.__doc__, f"{module.__name__}.{name} has no docstring"
    assert os.path.exists(os.path.join(os.path.dirname(exprvm.__file__), "py.typed"))
