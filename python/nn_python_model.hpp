// PythonModel: an nn::Model as Python holds it, with what repeated predictions reuse and the
// lock that keeps training and predicting threads apart.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/pybind11.h>

#include <mutex>
#include <shared_mutex>
#include <string>

#include "nn/model.hpp"

namespace exprvm::python {

struct PythonModel {
  explicit PythonModel(nn::Model m) : model(std::move(m)) {}

  nn::Model model;
  // Readers (predict, summary, save, ...) hold it shared, writers (fit, add_*) exclusively.
  std::shared_mutex model_mutex;
  // The buffers of the latest predict(): reused when no other thread holds them, so that
  // steady-state calls neither allocate nor re-bind the layers' programs.
  std::mutex workspace_mutex;
  nn::PredictWorkspace workspace;
  nn::Tensor input;

  // model_mutex locked shared / exclusively, called with the GIL held; while blocked the GIL
  // is released (a fit() holding the lock needs the GIL for its progress lines).
  std::shared_lock<std::shared_mutex> reading();
  std::unique_lock<std::shared_mutex> writing();

  // "dense_2": the name of layer i, as the model file reader gives it (type and ordinal).
  std::string layer_name(std::size_t i) const;
};

// x as an ndarray: itself, or np.asarray(x) for lists and other sequences. Throws
// Error(Type) when NumPy cannot make an array of it.
pybind11::array as_array(const pybind11::handle& x, const char* what);

// Rows of `x` (one row: 1-d of input width; a batch: 2-d (rows, width); float32 or float64,
// any strides) into `out` as float32, C order. Throws Error(Type) for another dtype,
// Error(Shape) for another shape; `what` names x in messages.
void copy_rows(const pybind11::array& x, std::int64_t width, const char* what, nn::Tensor& out);

// Adds fit() to the Model class (python/nn_training.cpp).
void add_training(pybind11::class_<PythonModel, std::unique_ptr<PythonModel>>& model_class);

}  // namespace exprvm::python
