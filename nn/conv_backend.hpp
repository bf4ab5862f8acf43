// The CNN runner's convolution and pooling back end: oneDNN (libdnnl), chosen by measurement
// on seed 003's shapes (bench/cnn_conv_backends.cpp; numbers in README "CNN runner"). Tensors
// stay NHWC float32 (our Tensor rows); kernels are kept in Keras' layout (HWIO, depthwise
// HW-C-M) and reordered into the layout oneDNN picks for the shape (cached per batch size and
// weights version). Geometry follows Keras: "same" pads ceil(in/stride) outputs with the odd
// pixel at the end, "valid" needs the dilated kernel to fit.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace exprvm::nn {

// Height, width, channels of one NHWC sample.
struct SpatialShape {
  std::int64_t h = 0, w = 0, c = 0;
  std::int64_t size() const { return h * w * c; }
  bool operator==(const SpatialShape&) const = default;
};
std::string to_string(const SpatialShape& s);  // "(32, 32, 3)"

enum class Padding { Same, Valid };
Padding padding_from_name(const std::string& name);  // Error(Argument) unless same/valid
const char* padding_name(Padding p);

// One convolution (groups == 1) or depthwise convolution (groups == in.c, filters ==
// in.c * depth_multiplier) as Keras describes it.
struct ConvGeometry {
  SpatialShape in;
  std::int64_t filters = 0;
  std::int64_t kh = 1, kw = 1;
  std::int64_t sh = 1, sw = 1;
  std::int64_t dh = 1, dw = 1;
  Padding padding = Padding::Same;
  std::int64_t groups = 1;

  // Output shape and the padding before/after each axis. Throws Error(Shape) naming `layer`
  // for a kernel larger than a valid-padded input, Error(Argument) for non-positive sizes.
  SpatialShape out() const;
  std::int64_t pad_top() const;
  std::int64_t pad_left() const;
  std::int64_t pad_bottom() const;
  std::int64_t pad_right() const;
  std::int64_t weight_count() const { return kh * kw * (in.c / groups) * filters; }
  // Throws Error with `layer` in the message when the geometry is unusable.
  void check(const std::string& layer) const;
};

// A convolution run by oneDNN on NHWC batches. Weights in Keras' layout; `weights_version`
// changes whenever the weights do (the reordered copy is refreshed then). Thread-safe.
class ConvOp {
 public:
  ConvOp(const ConvGeometry& geometry, bool with_bias);
  ~ConvOp();
  ConvOp(ConvOp&&) noexcept;
  const ConvGeometry& geometry() const { return geometry_; }

  // dst = conv(src) (+ bias); src n x in.size(), dst n x out.size().
  void forward(const float* src, std::int64_t n, const float* weights,
               std::uint64_t weights_version, const float* bias, float* dst) const;
  // diff_src = dLoss/dsrc from diff_dst.
  void backward_data(const float* diff_dst, std::int64_t n, const float* weights,
                     float* diff_src) const;
  // diff_weights (Keras layout) and diff_bias (when with_bias) from src and diff_dst.
  void backward_weights(const float* src, const float* diff_dst, std::int64_t n,
                        float* diff_weights, float* diff_bias) const;

 private:
  struct Primitives;
  Primitives& primitives(std::int64_t n) const;

  ConvGeometry geometry_;
  bool with_bias_;
  mutable std::mutex mutex_;
  mutable std::map<std::int64_t, std::unique_ptr<Primitives>> by_batch_;
};

enum class PoolKind { Max, Average };

// Max or average pooling (average excludes the padding, as TensorFlow does) by oneDNN.
class PoolOp {
 public:
  PoolOp(PoolKind kind, SpatialShape in, std::int64_t ph, std::int64_t pw, std::int64_t sh,
         std::int64_t sw, Padding padding);
  ~PoolOp();
  PoolOp(PoolOp&&) noexcept;
  SpatialShape out() const { return out_; }

  void forward(const float* src, std::int64_t n, float* dst) const;
  // Training forward: keeps what backward needs (max pooling's argmax workspace).
  void forward_train(const float* src, std::int64_t n, float* dst);
  void backward(const float* diff_dst, std::int64_t n, float* diff_src) const;

 private:
  struct Primitives;
  Primitives& primitives(std::int64_t n) const;

  PoolKind kind_;
  ConvGeometry geometry_;  // window as a kernel (filters = channels)
  SpatialShape out_;
  mutable std::mutex mutex_;
  mutable std::map<std::int64_t, std::unique_ptr<Primitives>> by_batch_;
};

// Sets the threads oneDNN uses (OpenMP); <= 0 keeps the default.
void set_cnn_threads(int threads);
int cnn_threads();

}  // namespace exprvm::nn
