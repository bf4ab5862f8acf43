#include "nn/loss.hpp"

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {
namespace {

void check_batch(const Tensor& y, const Tensor& t, const std::string& loss) {
  if (y.rows != t.rows || y.cols != t.cols) {
    throw Error(ErrorKind::Shape, loss + ": predictions are " + std::to_string(y.rows) + "x" +
                                      std::to_string(y.cols) + " but targets are " +
                                      std::to_string(t.rows) + "x" + std::to_string(t.cols));
  }
  if (y.size() == 0) throw Error(ErrorKind::Shape, loss + ": empty batch");
}

double scalar_result(const OwnedArray& result) {
  return static_cast<double>(result.at<float>(0));
}

}  // namespace

MeanSquaredError::MeanSquaredError()
    : value_("mse loss", "mean(square(y - t))", float_signature({"y", "t"})),
      grad_("mse gradient", "g = (y - t) * scale", float_signature({"y", "t", "g"}, {"scale"})) {}

double MeanSquaredError::value(const Tensor& y, const Tensor& t) const {
  check_batch(y, t, name());
  return scalar_result(value_.run({y.matrix(), t.matrix()}));
}

double MeanSquaredError::value_and_grad(const Tensor& y, const Tensor& t, Tensor& grad) const {
  const double loss = value(y, t);
  grad.resize(y.rows, y.cols);
  float scale = 2.0f / static_cast<float>(y.size());
  grad_.run({y.matrix(), t.matrix(), grad.matrix(), Array::scalar(scale)});
  return loss;
}

SoftmaxCrossEntropy::SoftmaxCrossEntropy()
    : row_max_("softmax cross-entropy row max", "max(y, axis=1)", float_signature({"y"})),
      row_sum_exp_("softmax cross-entropy row sum", "sum(exp(y - m), axis=1)",
                   float_signature({"y", "m"})),
      value_("softmax cross-entropy loss", "sum(t * (m + log(s) - y))",
             float_signature({"y", "t", "m", "s"})),
      grad_("softmax cross-entropy gradient", "g = (exp(y - m) / s - t) * scale",
            float_signature({"y", "t", "m", "s", "g"}, {"scale"})) {}

void SoftmaxCrossEntropy::row_statistics(const Tensor& y, Tensor& m, Tensor& s) const {
  m.resize(y.rows, 1);
  s.resize(y.rows, 1);
  const Array m_out = m.flat();
  const Array s_out = s.flat();
  row_max_.run({y.matrix()}, &m_out);
  row_sum_exp_.run({y.matrix(), m.column()}, &s_out);
}

double SoftmaxCrossEntropy::value(const Tensor& y, const Tensor& t) const {
  check_batch(y, t, name());
  Tensor m, s;
  row_statistics(y, m, s);
  return scalar_result(value_.run({y.matrix(), t.matrix(), m.column(), s.column()})) /
         static_cast<double>(y.rows);
}

double SoftmaxCrossEntropy::value_and_grad(const Tensor& y, const Tensor& t,
                                           Tensor& grad) const {
  check_batch(y, t, name());
  Tensor m, s;
  row_statistics(y, m, s);
  const double loss =
      scalar_result(value_.run({y.matrix(), t.matrix(), m.column(), s.column()})) /
      static_cast<double>(y.rows);
  grad.resize(y.rows, y.cols);
  float scale = 1.0f / static_cast<float>(y.rows);
  grad_.run(
      {y.matrix(), t.matrix(), m.column(), s.column(), grad.matrix(), Array::scalar(scale)});
  return loss;
}

std::unique_ptr<Loss> make_loss(const std::string& name) {
  if (name == "mse") return std::make_unique<MeanSquaredError>();
  if (name == "softmax_crossentropy") return std::make_unique<SoftmaxCrossEntropy>();
  throw Error(ErrorKind::Argument,
              "unknown loss '" + name + "' (known: mse, softmax_crossentropy)");
}

}  // namespace exprvm::nn
