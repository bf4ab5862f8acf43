#include "nn/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  Tensor out(end - begin, t.cols);
  std::copy(t.row(begin), t.row(begin) + out.size(), out.data.begin());
  return out;
}

void gather_rows(const Tensor& t, const std::vector<std::int64_t>& order, std::int64_t begin,
                 std::int64_t end, Tensor& out) {
  out.resize(end - begin, t.cols);
  for (std::int64_t r = begin; r < end; ++r)
    std::memcpy(out.row(r - begin), t.row(order[static_cast<std::size_t>(r)]),
                sizeof(float) * static_cast<std::size_t>(t.cols));
}

std::string format_epoch(const EpochLog& log, int epochs) {
  char line[200];
  int n = std::snprintf(line, sizeof line, "Epoch %d/%d - %d batches - loss: %.6f", log.epoch,
                        epochs, log.batches, log.loss);
  if (log.val_loss)
    n += std::snprintf(line + n, sizeof line - n, " - val_loss: %.6f", *log.val_loss);
  std::snprintf(line + n, sizeof line - n, " - %.1f ms", log.seconds * 1e3);
  return line;
}

std::vector<EpochLog> fit(Model& model, const Loss& loss, Optimizer& optimizer, const Tensor& x,
                          const Tensor& y, const FitOptions& options, std::ostream* progress) {
  if (x.rows != y.rows) {
    throw Error(ErrorKind::Shape, "fit: " + std::to_string(x.rows) + " input rows but " +
                                      std::to_string(y.rows) + " target rows");
  }
  if (y.cols != model.output_width()) {
    throw Error(ErrorKind::Shape, "fit: targets have " + std::to_string(y.cols) +
                                      " columns, the model outputs " +
                                      std::to_string(model.output_width()));
  }
  if (options.epochs < 0 || options.batch_size <= 0)
    throw Error(ErrorKind::Argument, "fit: epochs must be >= 0 and batch_size > 0");
  if (!(options.validation_split >= 0 && options.validation_split < 1))
    throw Error(ErrorKind::Argument, "fit: validation_split must be in [0, 1)");
  check_no_nan(x, "training input");
  check_no_nan(y, "training targets");

  const auto validation_rows =
      static_cast<std::int64_t>(std::floor(static_cast<double>(x.rows) * options.validation_split));
  const std::int64_t train_rows = x.rows - validation_rows;
  if (train_rows <= 0) throw Error(ErrorKind::Shape, "fit: no training rows (empty data)");
  const Tensor x_val = slice_rows(x, train_rows, x.rows);
  const Tensor y_val = slice_rows(y, train_rows, y.rows);

  std::mt19937_64 rng(options.seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(train_rows));
  std::iota(order.begin(), order.end(), 0);
  Tensor x_batch, y_batch, grad;
  PredictWorkspace validation;  // its plan is re-made each epoch (backward() renews the id)
  std::vector<Parameter> parameters = model.parameters();
  std::vector<EpochLog> logs;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (options.shuffle) std::shuffle(order.begin(), order.end(), rng);
    EpochLog log;
    log.epoch = epoch;
    double loss_sum = 0;
    for (std::int64_t begin = 0; begin < train_rows; begin += options.batch_size) {
      const std::int64_t end = std::min<std::int64_t>(begin + options.batch_size, train_rows);
      gather_rows(x, order, begin, end, x_batch);
      gather_rows(y, order, begin, end, y_batch);
      const Tensor& output = model.forward_train(x_batch, rng);
      loss_sum += loss.value_and_grad(output, y_batch, grad) * static_cast<double>(end - begin);
      model.backward(grad);
      optimizer.step(parameters);
      ++log.batches;
    }
    log.loss = loss_sum / static_cast<double>(train_rows);
    if (validation_rows > 0)
      log.val_loss = loss.value(model.predict(x_val, validation), y_val);
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) *progress << format_epoch(log, options.epochs) << std::endl;
    logs.push_back(log);
  }
  return logs;
}

}  // namespace exprvm::nn
