// Offline image classification data for the CNN runner: sklearn's 8x8 digits (read from
// Debian's python3-sklearn data file) and a generated CIFAR-shaped task. Images are NHWC
// float32 rows, targets one-hot rows.
#pragma once
#include <cstdint>
#include <string>

#include "nn/conv_backend.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

struct ImageData {
  SpatialShape shape;
  std::int64_t classes = 0;
  Tensor x_train, y_train, x_test, y_test;
};

// Where python3-sklearn keeps digits.csv.gz (1797 rows of 64 pixels 0..16 and a label).
extern const char* const kDigitsPath;

// The digits as 8x8x1 images scaled to [0, 1], shuffled with `seed`; the last
// `test_fraction` of the rows are the test set. Throws Error(Argument) naming the file and
// line for a missing or malformed file.
ImageData load_digits(const std::string& path, double test_fraction, std::uint64_t seed);

// `classes` classes of `shape` images: each class a smooth random pattern (a few sinusoids
// per channel), each sample its class pattern at a random contrast plus Gaussian noise.
ImageData make_synthetic_images(SpatialShape shape, std::int64_t classes, std::int64_t train,
                                std::int64_t test, std::uint64_t seed);

}  // namespace exprvm::nn
