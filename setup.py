"""Builds exprvm's compiled core, exprvm._core, with CMake for pip and `python -m build`.

The CMake build tree is $EXPRVM_WHEEL_BUILD_DIR when set (e.g. ./run's build/, so a wheel
reuses an existing build), else build/wheel; only the target exprvm_python is built.
Metadata is in pyproject.toml; the version is the CMake project's.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
SETUPTOOLS_DIR = os.path.join(ROOT, "build", "setuptools")  # setuptools' own scratch files


def cmake_project_version():
    """The VERSION of project(exprvm ...) in CMakeLists.txt."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as cmake_lists:
        match = re.search(r"project\(exprvm VERSION ([0-9.]+)", cmake_lists.read())
    if not match:
        raise RuntimeError("setup.py: no 'project(exprvm VERSION ...)' in CMakeLists.txt")
    return match.group(1)


class CMakeBuild(build_ext):
    """build_ext for the one CMake-built extension: configures (once) and builds the
    exprvm_python target, then copies build/python/exprvm/_core<suffix> where setuptools
    expects the extension."""

    def build_extension(self, ext):
        build_dir = os.environ.get("EXPRVM_WHEEL_BUILD_DIR") or os.path.join(ROOT, "build", "wheel")
        build_dir = os.path.abspath(build_dir)
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build_dir,
                                   "-DCMAKE_BUILD_TYPE=Release", "-DEXPRVM_BENCH=OFF",
                                   f"-DPYTHON_EXECUTABLE={sys.executable}"])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "exprvm_python",
                               "-j", jobs])
        built = os.path.join(build_dir, "python", "exprvm",
                             "_core" + sysconfig.get_config_var("EXT_SUFFIX"))
        if not os.path.exists(built):
            raise RuntimeError(f"setup.py: CMake did not produce {built} (was {build_dir} "
                               "configured for another Python?)")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


os.makedirs(SETUPTOOLS_DIR, exist_ok=True)
setup(
    version=cmake_project_version(),
    ext_modules=[Extension("exprvm._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": SETUPTOOLS_DIR},
             "egg_info": {"egg_base": SETUPTOOLS_DIR}},
)
