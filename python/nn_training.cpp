// Model.fit from NumPy: the C++ trainer (nn/trainer.hpp) with the GIL released, its progress
// lines written to Python's sys.stdout, a Keras-like history dict back.
#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>

#include <nlohmann/json.hpp>

#include <exprvm/exprvm.hpp>

#include "nn/loss.hpp"
#include "nn/model_json.hpp"
#include "nn/optimizer.hpp"
#include "nn/trainer.hpp"
#include "python/nn_python_model.hpp"

namespace py = pybind11;

namespace exprvm::python {
namespace {

// A streambuf that hands each complete line to sys.stdout.write, taking the GIL for it (the
// trainer writes from a thread that released it).
class PythonStdoutLines : public std::streambuf {
 protected:
  int overflow(int c) override {
    if (c != traits_type::eof()) {
      pending_ += static_cast<char>(c);
      if (c == '\n') write_pending();
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(static_cast<unsigned char>(s[i]));
    return n;
  }
  int sync() override {
    write_pending();
    return 0;
  }

 private:
  void write_pending() {
    if (pending_.empty()) return;
    py::gil_scoped_acquire gil;
    try {
      py::object out = py::module_::import("sys").attr("stdout");
      out.attr("write")(pending_);
      out.attr("flush")();
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("exprvm.nn fit progress");
    }
    pending_.clear();
  }

  std::string pending_;
};

// Whether the model's last layer applies softmax (what categorical_crossentropy expects).
bool ends_in_softmax(const nn::Model& model) {
  if (model.size() == 0) return false;
  const nn::Layer& last = model.layer(model.size() - 1);
  if (const auto* dense = dynamic_cast<const nn::Dense*>(&last))
    return dense->activation() == nn::Activation::Softmax;
  if (const auto* act = dynamic_cast<const nn::ActivationLayer*>(&last))
    return act->activation() == nn::Activation::Softmax;
  return false;
}

// `model` with its last layer's activation replaced (through the model file, which is exact).
nn::Model with_last_activation(const nn::Model& model, const char* activation) {
  nlohmann::json document = nn::model_to_json(model);
  document["layers"].back()["activation"] = activation;
  return nn::model_from_json(document, "fit");
}

// Targets as (rows, output width): a 1-d y is one target per row when the model has one output.
py::array target_rows(py::array y, std::int64_t output_width) {
  if (y.ndim() == 1 && output_width == 1) return y.reshape({y.shape(0), py::ssize_t{1}});
  return y;
}

py::dict fit(PythonModel& self, const py::handle& x, const py::handle& y, int epochs,
             int batch_size, double validation_split, const std::string& optimizer_name,
             std::optional<double> learning_rate, const std::string& loss_name, bool shuffle,
             std::uint64_t seed, int verbose) {
  auto writing = self.writing();
  // categorical_crossentropy on softmax outputs trains the logits with the fused
  // softmax + cross-entropy loss (exact and stable), as Keras does internally.
  const bool categorical = loss_name == "categorical_crossentropy";
  if (categorical && !ends_in_softmax(self.model))
    throw Error(ErrorKind::Argument,
                "fit: loss 'categorical_crossentropy' needs a softmax last layer (for logits, "
                "use 'softmax_crossentropy')");
  const std::unique_ptr<nn::Loss> loss =
      nn::make_loss(categorical ? "softmax_crossentropy"
                                : loss_name == "mean_squared_error" ? "mse" : loss_name);
  const std::unique_ptr<nn::Optimizer> optimizer =
      nn::make_optimizer(optimizer_name, learning_rate);
  nn::Tensor inputs, targets;
  copy_rows(as_array(x, "x"), self.model.input_width(), "x", inputs);
  copy_rows(target_rows(as_array(y, "y"), self.model.output_width()), self.model.output_width(),
            "y", targets);
  nn::FitOptions options;
  options.epochs = epochs;
  options.batch_size = batch_size;
  options.validation_split = validation_split;
  options.shuffle = shuffle;
  options.seed = seed;

  PythonStdoutLines lines;
  std::ostream progress(&lines);
  std::vector<nn::EpochLog> logs;
  {
    py::gil_scoped_release unlocked;
    if (categorical) {
      nn::Model logits = with_last_activation(self.model, "linear");
      logs = nn::fit(logits, *loss, *optimizer, inputs, targets, options,
                     verbose ? &progress : nullptr);
      self.model = with_last_activation(logits, "softmax");
    } else {
      logs = nn::fit(self.model, *loss, *optimizer, inputs, targets, options,
                     verbose ? &progress : nullptr);
    }
    writing.unlock();
    // The workspace's bindings may name the old layers' programs: start afresh.
    std::lock_guard<std::mutex> workspace(self.workspace_mutex);
    self.workspace = nn::PredictWorkspace{};
  }
  py::list loss_values, val_loss_values, seconds;
  for (const nn::EpochLog& log : logs) {
    loss_values.append(log.loss);
    if (log.val_loss) val_loss_values.append(*log.val_loss);
    seconds.append(log.seconds);
  }
  py::dict history;
  history["loss"] = loss_values;
  if (validation_split > 0) history["val_loss"] = val_loss_values;
  history["seconds"] = seconds;
  return history;
}

}  // namespace

void add_training(py::class_<PythonModel, std::unique_ptr<PythonModel>>& model_class) {
  model_class.def("fit", &fit, py::arg("x"), py::arg("y"), py::arg("epochs") = 1,
                  py::arg("batch_size") = 32, py::arg("validation_split") = 0.0,
                  py::arg("optimizer") = "adam", py::arg("learning_rate") = py::none(),
                  py::arg("loss") = "mse", py::arg("shuffle") = true, py::arg("seed") = 1,
                  py::arg("verbose") = 1,
                  "Trains in place; returns {'loss': [...], 'val_loss': [...], 'seconds': "
                  "[...]} per epoch. See exprvm.nn.Model.fit.");
}

}  // namespace exprvm::python
