// Training loop: mini-batches, shuffling with a seed, a Keras-style validation split (the last
// fraction of the rows, taken before shuffling) and one progress line per epoch.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "nn/loss.hpp"
#include "nn/model.hpp"
#include "nn/optimizer.hpp"

namespace exprvm::nn {

struct FitOptions {
  int epochs = 5;
  int batch_size = 256;
  double validation_split = 0.0;  // fraction of rows held out, in [0, 1)
  bool shuffle = true;
  std::uint64_t seed = 1;
};

struct EpochLog {
  int epoch = 0;  // 1-based
  int batches = 0;
  double loss = 0;                   // mean training loss over the epoch's samples
  std::optional<double> val_loss;    // on the held-out rows, with inference semantics
  double seconds = 0;
};

// Trains `model` on (x, y); prints one line per epoch to *progress when given. Throws
// Error(Shape) for mismatched or empty data, Error(Argument) for bad options or NaN inputs.
std::vector<EpochLog> fit(Model& model, const Loss& loss, Optimizer& optimizer, const Tensor& x,
                          const Tensor& y, const FitOptions& options,
                          std::ostream* progress = nullptr);

// "Epoch 3/5 - 4 batches - loss: 0.0812 - val_loss: 0.0834 - 1.2 ms"
std::string format_epoch(const EpochLog& log, int epochs);

// Rows [begin, end) of t, or the rows listed in `order[begin, end)`.
Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end);
void gather_rows(const Tensor& t, const std::vector<std::int64_t>& order, std::int64_t begin,
                 std::int64_t end, Tensor& out);

}  // namespace exprvm::nn
