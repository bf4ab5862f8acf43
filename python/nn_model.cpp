// exprvm._core.nn: load / build a model, predict from NumPy (GIL released), any layer's
// output, a Keras-style summary, weights and saving. Training is in nn_training.cpp.
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <exprvm/exprvm.hpp>

#include "nn/layers.hpp"
#include "nn/model_json.hpp"
#include "python/errors.hpp"
#include "python/nn_module.hpp"
#include "python/nn_python_model.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace exprvm::python {
namespace {

using ModelClass = py::class_<PythonModel, std::unique_ptr<PythonModel>>;

// Outputs at least this large are handed to NumPy without a copy (the workspace buffer moves
// into the result); smaller ones are copied, which is cheaper than re-binding the workspace.
constexpr std::int64_t kMoveOutputElements = 1 << 14;

// The index of `layer` (int, negative counting from the end, or a name like "dense_2").
std::size_t resolve_layer(const PythonModel& self, const py::handle& layer) {
  const std::size_t n = self.model.size();
  if (py::isinstance<py::str>(layer)) {
    const auto name = layer.cast<std::string>();
    for (std::size_t i = 0; i < n; ++i)
      if (self.layer_name(i) == name) return i;
    std::string known;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) known += ", ";
      known += self.layer_name(i);
    }
    throw Error(ErrorKind::Argument, "model has no layer named '" + name + "' (layers: " +
                                         known + ")");
  }
  if (!py::isinstance<py::int_>(layer) || py::isinstance<py::bool_>(layer))
    throw Error(ErrorKind::Type, "layer must be an int index or a layer name");
  const auto index = layer.cast<long long>();
  const long long resolved = index < 0 ? static_cast<long long>(n) + index : index;
  if (resolved < 0 || resolved >= static_cast<long long>(n))
    throw Error(ErrorKind::Shape, "layer index " + std::to_string(index) +
                                      " out of range for " + std::to_string(n) + " layers");
  return static_cast<std::size_t>(resolved);
}

// A NumPy array owning `tensor` (moved to the heap; no copy of its values).
py::array adopt(std::unique_ptr<nn::Tensor> tensor, bool one_row) {
  float* data = tensor->data.data();
  std::vector<py::ssize_t> shape{tensor->rows, tensor->cols};
  if (one_row) shape.erase(shape.begin());
  py::capsule owner(tensor.release(), [](void* p) { delete static_cast<nn::Tensor*>(p); });
  return py::array_t<float>(shape, data, owner);
}

// A new C-ordered float32 array of `rows` x `width` (1-d of `width` for one row), straight
// through NumPy's C API (py::array_t's constructor costs ~0.2 us more: shape vectors).
py::array new_float_array(std::int64_t rows, std::int64_t width, bool one_row) {
  auto& api = py::detail::npy_api::get();
  Py_intptr_t dims[2] = {rows, width};
  PyObject* array = api.PyArray_NewFromDescr_(
      api.PyArray_Type_, api.PyArray_DescrFromType_(py::detail::npy_api::NPY_FLOAT_),
      one_row ? 1 : 2, one_row ? dims + 1 : dims, nullptr, nullptr, 0, nullptr);
  if (!array) throw py::error_already_set();
  return py::reinterpret_steal<py::array>(array);
}

// The output of `layer` (null: the last layer) for the rows of x: see Model.predict's
// docstring.
py::array predict_rows(PythonModel& self, const py::handle& rows, const py::handle& layer) {
  const py::array x = as_array(rows, "x");
  const auto reading = self.reading();
  if (self.model.size() == 0) throw Error(ErrorKind::Shape, "model has no layers");
  const std::size_t stop = layer ? resolve_layer(self, layer) : self.model.size() - 1;
  std::unique_lock<std::mutex> own(self.workspace_mutex, std::try_to_lock);
  nn::PredictWorkspace spare_workspace;
  nn::Tensor spare_input;
  nn::PredictWorkspace& workspace = own ? self.workspace : spare_workspace;
  nn::Tensor& input = own ? self.input : spare_input;
  copy_rows(x, self.model.input_width(), "x", input);
  const bool one_row = x.ndim() == 1;
  const std::int64_t width = self.model.layer(stop).output_width();
  const int last = static_cast<int>(stop);
  if (input.rows == 0) return adopt(std::make_unique<nn::Tensor>(0, width), one_row);

  const bool copy_out = own && input.rows * width < kMoveOutputElements;
  py::array copied;
  if (copy_out) copied = new_float_array(input.rows, width, one_row);
  float* copy_target = copy_out ? static_cast<float*>(copied.mutable_data()) : nullptr;
  std::unique_ptr<nn::Tensor> moved;
  {
    py::gil_scoped_release unlocked;
    const nn::Tensor& out = self.model.predict(input, workspace, last);
    if (copy_out) {
      std::memcpy(copy_target, out.data.data(), sizeof(float) * out.data.size());
    } else {
      moved = std::make_unique<nn::Tensor>(std::move(const_cast<nn::Tensor&>(out)));
    }
  }
  return copy_out ? copied : adopt(std::move(moved), one_row);
}

// 1,234,567
std::string thousands(long long n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

std::string keras_type_name(const std::string& type) {
  if (type == "dense") return "Dense";
  if (type == "batchnorm") return "BatchNormalization";
  if (type == "activation") return "Activation";
  if (type == "dropout") return "Dropout";
  return type;
}

// (trainable, non-trainable) parameter counts of a layer.
std::pair<long long, long long> parameter_counts(const nn::Layer& layer) {
  if (const auto* dense = dynamic_cast<const nn::Dense*>(&layer))
    return {dense->kernel().size() + dense->bias().size(), 0};
  if (const auto* norm = dynamic_cast<const nn::BatchNorm*>(&layer))
    return {2 * norm->gamma().size(), 2 * norm->moving_mean().size()};
  return {0, 0};
}

// Keras' model.summary() table.
std::string summary_text(PythonModel& self) {
  const auto reading = self.reading();
  const std::string rule(65, '_'), double_rule(65, '=');
  std::ostringstream text;
  char line[256];
  text << "Model: \"sequential\"\n" << rule << "\n";
  std::snprintf(line, sizeof line, " %-28s%-26s%-10s", "Layer (type)", "Output Shape", "Param #");
  text << line << "\n" << double_rule << "\n";
  long long trainable = 0, frozen = 0;
  for (std::size_t i = 0; i < self.model.size(); ++i) {
    const nn::Layer& layer = self.model.layer(i);
    const auto [t, f] = parameter_counts(layer);
    trainable += t;
    frozen += f;
    const std::string label = self.layer_name(i) + " (" + keras_type_name(layer.type()) + ")";
    const std::string shape = "(None, " + std::to_string(layer.output_width()) + ")";
    std::snprintf(line, sizeof line, " %-28s%-26s%-10s", label.c_str(), shape.c_str(),
                  thousands(t + f).c_str());
    text << line << "\n";
  }
  text << double_rule << "\nTotal params: " << thousands(trainable + frozen)
       << "\nTrainable params: " << thousands(trainable)
       << "\nNon-trainable params: " << thousands(frozen) << "\n" << rule << "\n";
  return text.str();
}

py::array tensor_copy(const nn::Tensor& t, bool as_vector) {
  return adopt(std::make_unique<nn::Tensor>(t), as_vector);
}

// Keras' model.get_weights(): dense kernel (in, out) and bias (out,); batchnorm gamma, beta,
// moving mean, moving variance (each (width,)). Copies.
py::list weights_of(PythonModel& self) {
  const auto reading = self.reading();
  py::list weights;
  for (std::size_t i = 0; i < self.model.size(); ++i) {
    const nn::Layer& layer = self.model.layer(i);
    if (const auto* dense = dynamic_cast<const nn::Dense*>(&layer)) {
      weights.append(tensor_copy(dense->kernel(), false));
      weights.append(tensor_copy(dense->bias(), true));
    } else if (const auto* norm = dynamic_cast<const nn::BatchNorm*>(&layer)) {
      for (const nn::Tensor* t :
           {&norm->gamma(), &norm->beta(), &norm->moving_mean(), &norm->moving_variance()})
        weights.append(tensor_copy(*t, true));
    }
  }
  return weights;
}

// A (rows, cols) float32 tensor from an optional array; `fill` when it is None.
nn::Tensor matrix_or(const py::object& value, std::int64_t rows, std::int64_t cols,
                     const char* what, float fill) {
  if (value.is_none()) return nn::Tensor(rows, cols, fill);
  nn::Tensor t;
  copy_rows(as_array(value, what), cols, what, t);
  if (t.rows != rows)
    throw Error(ErrorKind::Shape, std::string(what) + " must have " + std::to_string(rows) +
                                      " rows of " + std::to_string(cols) + " values, got " +
                                      std::to_string(t.rows));
  return t;
}

void add_dense(PythonModel& self, std::int64_t units, const std::string& activation,
               const py::object& kernel, const py::object& bias, std::uint64_t seed) {
  if (units <= 0) throw Error(ErrorKind::Shape, "dense: units must be positive");
  const nn::Activation kind = nn::activation_from_name(activation);
  const auto writing = self.writing();
  const std::string name = self.model.next_layer_name("dense");
  const std::int64_t in = self.model.output_width();
  if (kernel.is_none()) {
    std::mt19937_64 rng(seed);
    auto layer = nn::Dense::glorot(in, units, kind, name, rng);
    if (!bias.is_none())
      layer = std::make_unique<nn::Dense>(layer->kernel(),
                                          matrix_or(bias, 1, units, "bias", 0.0f), kind, name);
    self.model.add(std::move(layer));
  } else {
    self.model.add(std::make_unique<nn::Dense>(matrix_or(kernel, in, units, "kernel", 0.0f),
                                               matrix_or(bias, 1, units, "bias", 0.0f), kind,
                                               name));
  }
}

void add_batchnorm(PythonModel& self, double epsilon, double momentum, const py::object& gamma,
                   const py::object& beta, const py::object& mean, const py::object& variance) {
  const auto writing = self.writing();
  const std::int64_t width = self.model.output_width();
  const std::string name = self.model.next_layer_name("batchnorm");
  self.model.add(std::make_unique<nn::BatchNorm>(
      matrix_or(gamma, 1, width, "gamma", 1.0f), matrix_or(beta, 1, width, "beta", 0.0f),
      matrix_or(mean, 1, width, "moving_mean", 0.0f),
      matrix_or(variance, 1, width, "moving_variance", 1.0f), epsilon, momentum, name));
}

std::unique_ptr<PythonModel> load(const std::string& path) {
  return std::make_unique<PythonModel>(nn::load_model(path));
}

std::unique_ptr<PythonModel> from_json(const std::string& text, const std::string& origin) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::Argument, origin + ": not valid JSON: " + e.what());
  }
  return std::make_unique<PythonModel>(nn::model_from_json(document, origin));
}

constexpr const char* kPredictDoc =
    "predict(x)\n--\n\n"
    "The model's output (float32) for one row (1-d x -> 1-d result) or a batch (2-d, rows x\n"
    "input_width -> rows x output_width); x float32 or float64 in any layout, or a list. The\n"
    "GIL is released while the network runs.";

// Model.predict as a CPython fast-call method: pybind11's dispatcher costs ~1,000
// instructions per call (argument vectors on the heap), a tenth of a one-row prediction.
PyObject* predict_fastcall(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames) {
  const Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  const bool by_keyword = nargs == 0 && keywords == 1 &&
                          PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "x") == 0;
  if (!((nargs == 1 && keywords == 0) || by_keyword)) {
    PyErr_SetString(PyExc_TypeError, "predict() takes exactly one argument, x");
    return nullptr;
  }
  try {
    auto& model = py::cast<PythonModel&>(py::handle(self));
    return predict_rows(model, py::handle(args[0]), {}).release().ptr();
  } catch (py::error_already_set& error) {
    error.restore();
  } catch (...) {
    raise_current_exception();
  }
  return nullptr;
}

PyMethodDef predict_method{"predict",
                           reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(predict_fastcall)),
                           METH_FASTCALL | METH_KEYWORDS, kPredictDoc};

}  // namespace

void add_nn_submodule(py::module_& core) {
  py::module_ nn = core.def_submodule("nn", "The NN runner's engine (use exprvm.nn).");
  ModelClass model(nn, "Model", "A sequential network run by exprvm (float32).");
  model.def(py::init([](std::int64_t input_width) {
              return std::make_unique<PythonModel>(nn::Model(input_width));
            }),
            py::arg("input_width"), "An empty model taking rows of input_width values.")
      .def_property_readonly("input_width",
                             [](PythonModel& m) {
                               const auto reading = m.reading();
                               return m.model.input_width();
                             })
      .def_property_readonly("output_width",
                             [](PythonModel& m) {
                               const auto reading = m.reading();
                               return m.model.output_width();
                             })
      .def("__len__",
           [](PythonModel& m) {
             const auto reading = m.reading();
             return m.model.size();
           })
      .def_property_readonly(
          "layer_names",
          [](PythonModel& m) {
            const auto reading = m.reading();
            std::vector<std::string> names;
            for (std::size_t i = 0; i < m.model.size(); ++i) names.push_back(m.layer_name(i));
            return names;
          },
          "Layer names, e.g. ['dense_1', 'dense_2'] (what output_of accepts).")
      .def(
          "output_of",
          [](PythonModel& self, const py::handle& layer, const py::handle& x) {
            return predict_rows(self, x, layer);
          },
          py::arg("layer"), py::arg("x"),
          "Layer `layer`'s output for x (as predict): an index (-1 is the last layer, as in "
          "net[-3](X)) or a name from layer_names.")
      .def("summary_text", &summary_text, "The Keras-style table summary() prints.")
      .def(
          "summary", [](PythonModel& self) { py::print(summary_text(self), "end"_a = ""); },
          "Prints a Keras-style table of the layers, output shapes and parameter counts.")
      .def("get_weights", &weights_of,
           "Copies of the weights, as Keras orders them: per dense layer kernel (in, out) and "
           "bias; per batchnorm layer gamma, beta, moving mean and moving variance.")
      .def(
          "to_json",
          [](PythonModel& self) {
            const auto reading = self.reading();
            return nn::model_to_json(self.model).dump();
          },
          "The model file's text (JSON).")
      .def(
          "save", [](PythonModel& self, const std::string& path) {
            const auto reading = self.reading();
            nn::save_model(self.model, path);
          },
          py::arg("path"), "Writes the model file (JSON; float32 weights round-trip exactly).")
      .def("add_dense", &add_dense, py::arg("units"), py::arg("activation") = "linear",
           py::arg("kernel") = py::none(), py::arg("bias") = py::none(), py::arg("seed") = 1,
           "Appends act(x @ kernel + bias); without a kernel, Glorot-uniform from `seed`; "
           "without a bias, zeros.")
      .def("add_batchnorm", &add_batchnorm, py::arg("epsilon") = 1e-3,
           py::arg("momentum") = 0.99, py::arg("gamma") = py::none(),
           py::arg("beta") = py::none(), py::arg("moving_mean") = py::none(),
           py::arg("moving_variance") = py::none(),
           "Appends batch normalization (Keras semantics); missing weights start at gamma 1, "
           "beta 0, mean 0, variance 1.")
      .def(
          "add_activation",
          [](PythonModel& self, const std::string& activation) {
            const nn::Activation kind = nn::activation_from_name(activation);
            const auto writing = self.writing();
            const std::string name = self.model.next_layer_name("activation");
            self.model.add(std::make_unique<nn::ActivationLayer>(self.model.output_width(),
                                                                 kind, name));
          },
          py::arg("activation"), "Appends a standalone activation layer.")
      .def(
          "add_dropout",
          [](PythonModel& self, double rate) {
            const auto writing = self.writing();
            const std::string name = self.model.next_layer_name("dropout");
            self.model.add(
                std::make_unique<nn::Dropout>(self.model.output_width(), rate, name));
          },
          py::arg("rate"), "Appends inverted dropout (identity when predicting).");
  PyObject* predict =
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(model.ptr()), &predict_method);
  if (!predict || PyObject_SetAttrString(model.ptr(), "predict", predict) < 0) {
    Py_XDECREF(predict);
    throw py::error_already_set();
  }
  Py_DECREF(predict);
  add_training(model);
  nn.def("load", &load, py::arg("path"), "Reads a model file (JSON, see README).");
  nn.def("from_json", &from_json, py::arg("text"), py::arg("origin") = "model",
         "A model from a model file's text; `origin` starts error messages.");
}

}  // namespace exprvm::python
