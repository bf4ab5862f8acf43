// BatchNorm followed by ReLU, trained as one block: the CNN blocks' normalization and
// activation in one exprvm program, and the ReLU's mask inside the BatchNorm gradients (the
// ReLU's output is never stored apart from the block's). Same statistics and moving averages
// as BatchNorm::forward_train.
#include <exprvm/exprvm.hpp>

#include "nn/layers.hpp"

namespace exprvm::nn {

struct BatchNorm::ReluStages {
  Stage train;        // xhat = (x - mu) * inv; y = max(gamma * xhat + beta, 0)
  Stage column_sum;   // dbeta = sum(where(y > 0, dy, 0), axis=0)
  Stage column_dot;   // dgamma = sum(where(y > 0, dy, 0) * xhat, axis=0)
  Stage input_grad;   // dx = gamma * inv * (where(y > 0, dy, 0) - (dbeta + xhat * dgamma) * rn)

  explicit ReluStages(const std::string& name)
      : train(name + " batchnorm + relu (training)",
              "xhat = (x - mu) * inv\ny = where(gamma * xhat + beta > 0, gamma * xhat + beta, 0)",
              float_signature({"x", "mu", "inv", "gamma", "beta", "xhat", "y"})),
        column_sum(name + " beta gradient through relu", "sum(where(y > 0, dy, 0), axis=0)",
                   float_signature({"dy", "y"})),
        column_dot(name + " gamma gradient through relu",
                   "sum(where(y > 0, dy, 0) * xhat, axis=0)",
                   float_signature({"dy", "y", "xhat"})),
        input_grad(name + " input gradient through relu",
                   "dx = gamma * inv * (where(y > 0, dy, 0) - (dbeta + xhat * dgamma) * rn)",
                   float_signature({"dy", "y", "xhat", "gamma", "inv", "dbeta", "dgamma", "dx"},
                                   {"rn"})) {}
};

void BatchNorm::forward_train_relu(const Tensor& in, Tensor& out) {
  if (in.rows == 0)
    throw Error(ErrorKind::Shape, "batchnorm: training needs at least one row in the batch");
  if (folded_)
    throw Error(ErrorKind::Argument,
                "batchnorm: folded into the preceding convolution (inference only)");
  if (!relu_stages_) relu_stages_ = std::make_shared<const ReluStages>(infer_.label());
  out.resize(in.rows, in.cols);
  batch_statistics(in);
  relu_stages_->train.run({channel_matrix(in), batch_mean_.flat(), inv_std_.flat(),
                           gamma_.flat(), beta_.flat(), channel_matrix(normalized_),
                           channel_matrix(out)});
}

// `out` of forward_train_relu is needed for the mask: it is the block's output, which the
// caller keeps (its activations); grad_out is dLoss/dout.
void BatchNorm::backward_relu(const Tensor& out, Tensor& grad_out, Tensor* grad_in) {
  const Array beta_grad_out = beta_grad_.flat();
  const Array gamma_grad_out = gamma_grad_.flat();
  relu_stages_->column_sum.run({channel_matrix(grad_out), channel_matrix(out)}, &beta_grad_out);
  relu_stages_->column_dot.run(
      {channel_matrix(grad_out), channel_matrix(out), channel_matrix(normalized_)},
      &gamma_grad_out);
  if (!grad_in) return;
  grad_in->resize(grad_out.rows, grad_out.cols);
  float inverse_rows = 1.0f / static_cast<float>(grad_out.size() / channels());
  relu_stages_->input_grad.run({channel_matrix(grad_out), channel_matrix(out),
                                channel_matrix(normalized_), gamma_.flat(), inv_std_.flat(),
                                beta_grad_.flat(), gamma_grad_.flat(), channel_matrix(*grad_in),
                                Array::scalar(inverse_rows)});
}

}  // namespace exprvm::nn
