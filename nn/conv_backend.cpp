#include "nn/conv_backend.hpp"

#include <omp.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <dnnl.hpp>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

using dnnl::memory;
using Tag = dnnl::memory::format_tag;

namespace {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::desc nhwc(std::int64_t n, const SpatialShape& s) {
  return memory::desc({n, s.c, s.h, s.w}, memory::data_type::f32, Tag::nhwc);
}

memory make_memory(const memory::desc& desc, const float* data) {
  return memory(desc, cpu_engine(), const_cast<float*>(data));
}

// Runs one primitive on a fresh stream and waits (oneDNN's CPU streams are cheap handles).
void run(const dnnl::primitive& primitive, const std::unordered_map<int, memory>& args) {
  dnnl::stream stream(cpu_engine());
  primitive.execute(stream, args);
  stream.wait();
}

void reorder(const memory& from, const memory& to) {
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(from, to).execute(stream, const_cast<memory&>(from), const_cast<memory&>(to));
  stream.wait();
}

std::int64_t output_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                         Padding p) {
  const std::int64_t dilated = (k - 1) * d + 1;
  return p == Padding::Same ? (in + s - 1) / s : (in - dilated) / s + 1;
}

std::int64_t total_padding(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                           Padding p) {
  if (p == Padding::Valid) return 0;
  const std::int64_t out = output_size(in, k, s, d, p);
  return std::max<std::int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
}

}  // namespace

std::string to_string(const SpatialShape& s) {
  return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ", " + std::to_string(s.c) +
         ")";
}

Padding padding_from_name(const std::string& name) {
  if (name == "same") return Padding::Same;
  if (name == "valid") return Padding::Valid;
  throw Error(ErrorKind::Argument, "unknown padding '" + name + "' (known: same, valid)");
}

const char* padding_name(Padding p) { return p == Padding::Same ? "same" : "valid"; }

void ConvGeometry::check(const std::string& layer) const {
  if (in.h <= 0 || in.w <= 0 || in.c <= 0)
    throw Error(ErrorKind::Shape, layer + ": input shape " + to_string(in) + " is empty");
  if (filters <= 0 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    throw Error(ErrorKind::Argument,
                layer + ": filters, kernel size, strides and dilation must be positive");
  if (groups <= 0 || in.c % groups != 0 || filters % groups != 0)
    throw Error(ErrorKind::Argument, layer + ": channels do not divide into the groups");
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1))
    throw Error(ErrorKind::Argument,
                layer + ": strides > 1 with dilation > 1 is not supported (as in Keras)");
  const std::int64_t ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
  if (padding == Padding::Valid && (ekh > in.h || ekw > in.w))
    throw Error(ErrorKind::Shape, layer + ": kernel " + std::to_string(ekh) + "x" +
                                      std::to_string(ekw) + " is larger than the input " +
                                      std::to_string(in.h) + "x" + std::to_string(in.w) +
                                      " with 'valid' padding");
}

SpatialShape ConvGeometry::out() const {
  return {output_size(in.h, kh, sh, dh, padding), output_size(in.w, kw, sw, dw, padding),
          filters};
}
std::int64_t ConvGeometry::pad_top() const { return total_padding(in.h, kh, sh, dh, padding) / 2; }
std::int64_t ConvGeometry::pad_left() const { return total_padding(in.w, kw, sw, dw, padding) / 2; }
std::int64_t ConvGeometry::pad_bottom() const {
  return total_padding(in.h, kh, sh, dh, padding) - pad_top();
}
std::int64_t ConvGeometry::pad_right() const {
  return total_padding(in.w, kw, sw, dw, padding) - pad_left();
}

// ---- convolution ---------------------------------------------------------------------------

struct ConvOp::Primitives {
  memory::desc src, dst, user_weights, bias;
  dnnl::convolution_forward::primitive_desc forward_pd;
  dnnl::convolution_forward forward;
  memory forward_weights;  // in forward_pd's layout (or the user's, when equal)
  bool forward_reorders = false;
  std::uint64_t forward_version = ~std::uint64_t{0};
  std::optional<dnnl::convolution_backward_data> backward_data;
  std::optional<dnnl::convolution_backward_data::primitive_desc> backward_data_pd;
  std::optional<dnnl::convolution_backward_weights> backward_weights;
  std::optional<dnnl::convolution_backward_weights::primitive_desc> backward_weights_pd;
};

ConvOp::ConvOp(const ConvGeometry& geometry, bool with_bias)
    : geometry_(geometry), with_bias_(with_bias) {}
ConvOp::~ConvOp() = default;
ConvOp::ConvOp(ConvOp&& other) noexcept
    : geometry_(other.geometry_), with_bias_(other.with_bias_),
      by_batch_(std::move(other.by_batch_)) {}

namespace {

struct ConvDims {
  memory::dims strides, dilates, pad_l, pad_r;
};

ConvDims conv_dims(const ConvGeometry& g) {
  return {{g.sh, g.sw}, {g.dh - 1, g.dw - 1}, {g.pad_top(), g.pad_left()},
          {g.pad_bottom(), g.pad_right()}};
}

memory::desc weights_desc(const ConvGeometry& g, bool any) {
  const auto f32 = memory::data_type::f32;
  if (g.groups == 1)
    return memory::desc({g.filters, g.in.c, g.kh, g.kw}, f32, any ? Tag::any : Tag::hwio);
  return memory::desc({g.groups, g.filters / g.groups, g.in.c / g.groups, g.kh, g.kw}, f32,
                      any ? Tag::any : Tag::hwigo);
}

}  // namespace

ConvOp::Primitives& ConvOp::primitives(std::int64_t n) const {
  auto& slot = by_batch_[n];
  if (slot) return *slot;
  const ConvGeometry& g = geometry_;
  const ConvDims d = conv_dims(g);
  const memory::desc src = nhwc(n, g.in), dst = nhwc(n, g.out());
  const memory::desc bias({g.filters}, memory::data_type::f32, Tag::a);
  const auto desc =
      with_bias_ ? dnnl::convolution_forward::desc(
                       dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                       src, weights_desc(g, true), bias, dst, d.strides, d.dilates, d.pad_l,
                       d.pad_r)
                 : dnnl::convolution_forward::desc(
                       dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                       src, weights_desc(g, true), dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  dnnl::convolution_forward::primitive_desc pd(desc, cpu_engine());
  slot.reset(new Primitives{src, dst, weights_desc(g, false), bias, pd,
                            dnnl::convolution_forward(pd), memory(pd.weights_desc(), cpu_engine()),
                            pd.weights_desc() != weights_desc(g, false), ~std::uint64_t{0},
                            std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  return *slot;
}

void ConvOp::forward(const float* src, std::int64_t n, const float* weights,
                     std::uint64_t weights_version, const float* bias, float* dst) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  memory user_weights = make_memory(p.user_weights, weights);
  if (p.forward_reorders && p.forward_version != weights_version) {
    reorder(user_weights, p.forward_weights);
    p.forward_version = weights_version;
  }
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, make_memory(p.src, src)},
      {DNNL_ARG_WEIGHTS, p.forward_reorders ? p.forward_weights : user_weights},
      {DNNL_ARG_DST, make_memory(p.dst, dst)}};
  if (with_bias_) args.emplace(DNNL_ARG_BIAS, make_memory(p.bias, bias));
  run(p.forward, args);
}

void ConvOp::backward_data(const float* diff_dst, std::int64_t n, const float* weights,
                           float* diff_src) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  if (!p.backward_data) {
    const ConvDims d = conv_dims(geometry_);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, p.src,
                                               weights_desc(geometry_, true), p.dst, d.strides,
                                               d.dilates, d.pad_l, d.pad_r);
    p.backward_data_pd.emplace(desc, cpu_engine(), p.forward_pd);
    p.backward_data.emplace(*p.backward_data_pd);
  }
  memory user_weights = make_memory(p.user_weights, weights);
  memory used_weights = user_weights;
  if (p.backward_data_pd->weights_desc() != p.user_weights) {
    used_weights = memory(p.backward_data_pd->weights_desc(), cpu_engine());
    reorder(user_weights, used_weights);
  }
  run(*p.backward_data, {{DNNL_ARG_DIFF_DST, make_memory(p.dst, diff_dst)},
                         {DNNL_ARG_WEIGHTS, used_weights},
                         {DNNL_ARG_DIFF_SRC, make_memory(p.src, diff_src)}});
}

void ConvOp::backward_weights(const float* src, const float* diff_dst, std::int64_t n,
                              float* diff_weights, float* diff_bias) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  if (!p.backward_weights) {
    const ConvDims d = conv_dims(geometry_);
    const auto desc =
        with_bias_ ? dnnl::convolution_backward_weights::desc(
                         dnnl::algorithm::convolution_direct, p.src,
                         weights_desc(geometry_, true), p.bias, p.dst, d.strides, d.dilates,
                         d.pad_l, d.pad_r)
                   : dnnl::convolution_backward_weights::desc(
                         dnnl::algorithm::convolution_direct, p.src,
                         weights_desc(geometry_, true), p.dst, d.strides, d.dilates, d.pad_l,
                         d.pad_r);
    p.backward_weights_pd.emplace(desc, cpu_engine(), p.forward_pd);
    p.backward_weights.emplace(*p.backward_weights_pd);
  }
  memory user_grad = make_memory(p.user_weights, diff_weights);
  const bool reorders = p.backward_weights_pd->diff_weights_desc() != p.user_weights;
  memory grad = reorders ? memory(p.backward_weights_pd->diff_weights_desc(), cpu_engine())
                         : user_grad;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, make_memory(p.src, src)},
                                       {DNNL_ARG_DIFF_DST, make_memory(p.dst, diff_dst)},
                                       {DNNL_ARG_DIFF_WEIGHTS, grad}};
  if (with_bias_) args.emplace(DNNL_ARG_DIFF_BIAS, make_memory(p.bias, diff_bias));
  run(*p.backward_weights, args);
  if (reorders) reorder(grad, user_grad);
}

// ---- pooling -------------------------------------------------------------------------------

struct PoolOp::Primitives {
  memory::desc src, dst;
  dnnl::pooling_forward::primitive_desc forward_pd;
  dnnl::pooling_forward forward;
  memory workspace;  // max pooling's argmax, filled by forward_train
  std::optional<dnnl::pooling_backward> backward;
};

PoolOp::PoolOp(PoolKind kind, SpatialShape in, std::int64_t ph, std::int64_t pw,
               std::int64_t sh, std::int64_t sw, Padding padding)
    : kind_(kind), geometry_{in, in.c, ph, pw, sh, sw, 1, 1, padding, in.c} {
  geometry_.check("pooling");
  out_ = geometry_.out();
}
PoolOp::~PoolOp() = default;
PoolOp::PoolOp(PoolOp&& other) noexcept
    : kind_(other.kind_), geometry_(other.geometry_), out_(other.out_),
      by_batch_(std::move(other.by_batch_)) {}

PoolOp::Primitives& PoolOp::primitives(std::int64_t n) const {
  auto& slot = by_batch_[n];
  if (slot) return *slot;
  const ConvGeometry& g = geometry_;
  const ConvDims d = conv_dims(g);
  const memory::desc src = nhwc(n, g.in), dst = nhwc(n, out_);
  const auto algorithm = kind_ == PoolKind::Max ? dnnl::algorithm::pooling_max
                                                : dnnl::algorithm::pooling_avg_exclude_padding;
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_training, algorithm, src, dst,
                                   d.strides, {g.kh, g.kw}, d.pad_l, d.pad_r);
  dnnl::pooling_forward::primitive_desc pd(desc, cpu_engine());
  slot.reset(new Primitives{src, dst, pd, dnnl::pooling_forward(pd),
                            memory(pd.workspace_desc(), cpu_engine()), std::nullopt});
  return *slot;
}

void PoolOp::forward(const float* src, std::int64_t n, float* dst) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  // Inference uses a workspace of its own so that a training step's argmax is kept.
  memory scratch(p.forward_pd.workspace_desc(), cpu_engine());
  run(p.forward, {{DNNL_ARG_SRC, make_memory(p.src, src)},
                  {DNNL_ARG_DST, make_memory(p.dst, dst)},
                  {DNNL_ARG_WORKSPACE, scratch}});
}

void PoolOp::forward_train(const float* src, std::int64_t n, float* dst) {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  run(p.forward, {{DNNL_ARG_SRC, make_memory(p.src, src)},
                  {DNNL_ARG_DST, make_memory(p.dst, dst)},
                  {DNNL_ARG_WORKSPACE, p.workspace}});
}

void PoolOp::backward(const float* diff_dst, std::int64_t n, float* diff_src) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Primitives& p = primitives(n);
  if (!p.backward) {
    const ConvDims d = conv_dims(geometry_);
    const auto algorithm = kind_ == PoolKind::Max
                               ? dnnl::algorithm::pooling_max
                               : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_backward::desc desc(algorithm, p.src, p.dst, d.strides,
                                      {geometry_.kh, geometry_.kw}, d.pad_l, d.pad_r);
    p.backward.emplace(dnnl::pooling_backward::primitive_desc(desc, cpu_engine(), p.forward_pd));
  }
  run(*p.backward, {{DNNL_ARG_DIFF_DST, make_memory(p.dst, diff_dst)},
                    {DNNL_ARG_DIFF_SRC, make_memory(p.src, diff_src)},
                    {DNNL_ARG_WORKSPACE, p.workspace}});
}

void set_cnn_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

int cnn_threads() { return omp_get_max_threads(); }

}  // namespace exprvm::nn
