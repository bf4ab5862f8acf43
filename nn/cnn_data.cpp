#include "nn/cnn_data.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

const char* const kDigitsPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

namespace {

std::string read_gzip(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file)
    throw Error(ErrorKind::Argument,
                "cannot open '" + path + "' (sklearn's digits: install python3-sklearn)");
  std::string text;
  char buffer[65536];
  for (int n; (n = gzread(file.get(), buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

// Rows [begin, end) of `order` into one-hot/image tensors.
void gather(const std::vector<float>& pixels, const std::vector<std::int64_t>& labels,
            const std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
            std::int64_t width, std::int64_t classes, Tensor& x, Tensor& y) {
  const auto rows = static_cast<std::int64_t>(end - begin);
  x = Tensor(rows, width);
  y = Tensor(rows, classes);
  for (std::size_t r = begin; r < end; ++r) {
    const std::size_t source = order[r];
    std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(source * static_cast<std::size_t>(width)), width,
                x.row(static_cast<std::int64_t>(r - begin)));
    y.at(static_cast<std::int64_t>(r - begin), labels[source]) = 1.0f;
  }
}

ImageData split(SpatialShape shape, std::int64_t classes, const std::vector<float>& pixels,
                const std::vector<std::int64_t>& labels, std::size_t test_rows,
                std::uint64_t seed) {
  std::vector<std::size_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  ImageData data;
  data.shape = shape;
  data.classes = classes;
  const std::size_t train_rows = labels.size() - test_rows;
  gather(pixels, labels, order, 0, train_rows, shape.size(), classes, data.x_train, data.y_train);
  gather(pixels, labels, order, train_rows, labels.size(), shape.size(), classes, data.x_test,
         data.y_test);
  return data;
}

}  // namespace

ImageData load_digits(const std::string& path, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1))
    throw Error(ErrorKind::Argument, "digits: the test fraction must be in (0, 1)");
  const std::string text = read_gzip(path);
  std::vector<float> pixels;
  std::vector<std::int64_t> labels;
  std::size_t line_start = 0;
  for (int line = 1; line_start < text.size(); ++line) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::vector<double> values;
    const char* p = text.data() + line_start;
    const char* end = text.data() + line_end;
    while (p < end) {
      char* next = nullptr;
      values.push_back(std::strtod(p, &next));
      if (next == p) break;
      p = next;
      if (p < end && *p == ',') ++p;
    }
    line_start = line_end + 1;
    if (values.empty()) continue;
    if (values.size() != 65 || values[64] < 0 || values[64] > 9)
      throw Error(ErrorKind::Argument, path + ":" + std::to_string(line) +
                                           ": expected 64 pixels and a label 0..9");
    for (int i = 0; i < 64; ++i) pixels.push_back(static_cast<float>(values[static_cast<std::size_t>(i)] / 16.0));
    labels.push_back(static_cast<std::int64_t>(values[64]));
  }
  if (labels.size() < 10) throw Error(ErrorKind::Argument, path + ": too few rows");
  const auto test_rows = static_cast<std::size_t>(std::ceil(static_cast<double>(labels.size()) * test_fraction));
  return split({8, 8, 1}, 10, pixels, labels, test_rows, seed);
}

ImageData make_synthetic_images(SpatialShape shape, std::int64_t classes, std::int64_t train,
                                std::int64_t test, std::uint64_t seed) {
  if (classes <= 0 || train <= 0 || test <= 0 || shape.size() <= 0)
    throw Error(ErrorKind::Argument, "synthetic data: sizes must be positive");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<float> noise(0.0f, 0.35f);
  std::vector<float> patterns(static_cast<std::size_t>(classes * shape.size()));
  for (std::int64_t k = 0; k < classes; ++k)
    for (std::int64_t c = 0; c < shape.c; ++c)
      for (int wave = 0; wave < 3; ++wave) {
        const double fy = 1 + 3 * uniform(rng), fx = 1 + 3 * uniform(rng);
        const double phase = 6.283185307179586 * uniform(rng);
        for (std::int64_t y = 0; y < shape.h; ++y)
          for (std::int64_t x = 0; x < shape.w; ++x)
            patterns[static_cast<std::size_t>(((k * shape.h + y) * shape.w + x) * shape.c + c)] +=
                static_cast<float>(std::sin(fy * 6.283185307179586 * static_cast<double>(y) / static_cast<double>(shape.h) +
                                            fx * 6.283185307179586 * static_cast<double>(x) / static_cast<double>(shape.w) + phase) /
                                   3);
      }
  const std::int64_t rows = train + test;
  std::vector<float> pixels(static_cast<std::size_t>(rows * shape.size()));
  std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t k = r % classes;
    labels[static_cast<std::size_t>(r)] = k;
    const float contrast = static_cast<float>(0.6 + 0.8 * uniform(rng));
    for (std::int64_t i = 0; i < shape.size(); ++i)
      pixels[static_cast<std::size_t>(r * shape.size() + i)] =
          contrast * patterns[static_cast<std::size_t>(k * shape.size() + i)] + noise(rng);
  }
  return split(shape, classes, pixels, labels, static_cast<std::size_t>(test), seed);
}

}  // namespace exprvm::nn
