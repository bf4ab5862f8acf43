// NumPy arrays -> the NN runner's float32 row-major Tensors, and PythonModel's helpers
// (python/nn_python_model.hpp).
#include <cstring>
#include <string>

#include <exprvm/exprvm.hpp>

#include "python/nn_python_model.hpp"

namespace py = pybind11;

namespace exprvm::python {
namespace {

// Element (r, c) of a strided 2-d block of T, converted to float.
template <class T>
void copy_strided(const char* base, std::int64_t rows, std::int64_t cols, py::ssize_t row_stride,
                  py::ssize_t col_stride, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const char* row = base + r * row_stride;
    for (std::int64_t c = 0; c < cols; ++c) {
      T value;
      std::memcpy(&value, row + c * col_stride, sizeof value);  // any alignment
      *out++ = static_cast<float>(value);
    }
  }
}

}  // namespace

namespace {

template <class Lock>
Lock lock_releasing_gil(std::shared_mutex& mutex) {
  Lock lock(mutex, std::try_to_lock);
  if (!lock.owns_lock()) {
    py::gil_scoped_release unlocked;
    lock.lock();
  }
  return lock;
}

}  // namespace

std::shared_lock<std::shared_mutex> PythonModel::reading() {
  return lock_releasing_gil<std::shared_lock<std::shared_mutex>>(model_mutex);
}

std::unique_lock<std::shared_mutex> PythonModel::writing() {
  return lock_releasing_gil<std::unique_lock<std::shared_mutex>>(model_mutex);
}

std::string PythonModel::layer_name(std::size_t i) const {
  const std::string type = model.layer(i).type();
  int ordinal = 1;
  for (std::size_t j = 0; j < i; ++j) ordinal += model.layer(j).type() == type;
  return type + "_" + std::to_string(ordinal);
}

py::array as_array(const py::handle& x, const char* what) {
  if (py::isinstance<py::array>(x)) return py::reinterpret_borrow<py::array>(x);
  auto converted = py::array::ensure(x);
  if (!converted)
    throw Error(ErrorKind::Type, std::string(what) + " must be an array of numbers, got " +
                                     std::string(Py_TYPE(x.ptr())->tp_name));
  return converted;
}

void copy_rows(const py::array& x, std::int64_t width, const char* what, nn::Tensor& out) {
  const auto* descriptor = py::detail::array_descriptor_proxy(x.dtype().ptr());
  const py::ssize_t itemsize = x.itemsize();
  if (descriptor->kind != 'f' || (itemsize != 4 && itemsize != 8) || descriptor->byteorder == '>')
    throw Error(ErrorKind::Type, std::string(what) + " must be a float32 or float64 array, got " +
                                     py::str(x.dtype()).cast<std::string>());
  std::int64_t rows = 1, cols = 0;
  py::ssize_t row_stride = 0, col_stride = 0;
  if (x.ndim() == 1) {
    cols = x.shape(0);
    col_stride = x.strides(0);
  } else if (x.ndim() == 2) {
    rows = x.shape(0);
    cols = x.shape(1);
    row_stride = x.strides(0);
    col_stride = x.strides(1);
  } else {
    throw Error(ErrorKind::Shape, std::string(what) + " must be one row (1-d) or a batch of rows "
                                      "(2-d), got " + std::to_string(x.ndim()) + " dimensions");
  }
  if (cols != width)
    throw Error(ErrorKind::Shape, std::string(what) + " has " + std::to_string(cols) +
                                      " values per row, the model expects " +
                                      std::to_string(width));
  out.resize(rows, cols);
  const char* base = static_cast<const char*>(x.data());
  const bool dense_rows = rows <= 1 || row_stride == itemsize * cols;
  if (itemsize == 4 && (col_stride == 4 || cols <= 1) && dense_rows) {
    if (out.size()) std::memcpy(out.data.data(), base, sizeof(float) * out.data.size());
  } else if (itemsize == 4) {
    copy_strided<float>(base, rows, cols, row_stride, col_stride, out.data.data());
  } else {
    copy_strided<double>(base, rows, cols, row_stride, col_stride, out.data.data());
  }
}

}  // namespace exprvm::python
