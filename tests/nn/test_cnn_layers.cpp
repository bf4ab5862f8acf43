// CNN layers against plain loop references (strides, both paddings, odd sizes, 1x1 kernels,
// dilation, batch 1 and several) and central-difference gradient checks of every layer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "helpers.hpp"
#include "nn/cnn_layers.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;

namespace {

// Keras' padding before an axis.
std::int64_t pad_before(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                        Padding p, std::int64_t& out) {
  const std::int64_t dk = (k - 1) * d + 1;
  if (p == Padding::Valid) {
    out = (in - dk) / s + 1;
    return 0;
  }
  out = (in + s - 1) / s;
  return std::max<std::int64_t>((out - 1) * s + dk - in, 0) / 2;
}

// Grouped convolution in double by loops: kernel (kh, kw, c / groups, filters) for groups ==
// 1, (kh, kw, c, m) for depthwise (groups == c, filters == c * m).
Tensor reference_conv(const Tensor& x, SpatialShape in, const Tensor& kernel, const float* bias,
                      std::int64_t filters, std::int64_t kh, std::int64_t kw, std::int64_t sh,
                      std::int64_t sw, std::int64_t dh, std::int64_t dw, Padding p,
                      bool depthwise) {
  std::int64_t oh, ow;
  const std::int64_t pt = pad_before(in.h, kh, sh, dh, p, oh);
  const std::int64_t pl = pad_before(in.w, kw, sw, dw, p, ow);
  Tensor out(x.rows, oh * ow * filters);
  const std::int64_t m = depthwise ? filters / in.c : 0;
  for (std::int64_t n = 0; n < x.rows; ++n)
    for (std::int64_t y = 0; y < oh; ++y)
      for (std::int64_t xo = 0; xo < ow; ++xo)
        for (std::int64_t f = 0; f < filters; ++f) {
          double sum = bias ? bias[f] : 0.0;
          for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t iy = y * sh + i * dh - pt, ix = xo * sw + j * dw - pl;
              if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
              const float* px = x.row(n) + (iy * in.w + ix) * in.c;
              if (depthwise) {
                const std::int64_t c = f / m;
                sum += static_cast<double>(px[c]) * kernel.data[((i * kw + j) * in.c + c) * m + f % m];
              } else {
                for (std::int64_t c = 0; c < in.c; ++c)
                  sum += static_cast<double>(px[c]) * kernel.data[((i * kw + j) * in.c + c) * filters + f];
              }
            }
          out.at(n, (y * ow + xo) * filters + f) = static_cast<float>(sum);
        }
  return out;
}

void require_close(const Tensor& got, const Tensor& want, double tolerance) {
  REQUIRE(got.rows == want.rows);
  REQUIRE(got.cols == want.cols);
  for (std::int64_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    REQUIRE(got.data[i] == Approx(want.data[i]).margin(tolerance).epsilon(tolerance));
  }
}

struct ConvCase {
  SpatialShape in;
  std::int64_t filters, kh, kw, sh, sw, dh, dw;
  Padding padding;
  std::int64_t batch;
};

const ConvCase kConvCases[] = {
    {{7, 5, 3}, 4, 3, 3, 1, 1, 1, 1, Padding::Same, 1},
    {{7, 5, 3}, 4, 3, 3, 2, 2, 1, 1, Padding::Same, 3},
    {{7, 5, 3}, 4, 3, 3, 2, 1, 1, 1, Padding::Valid, 2},
    {{8, 8, 2}, 5, 3, 2, 2, 3, 1, 1, Padding::Valid, 1},
    {{6, 6, 4}, 3, 1, 1, 1, 1, 1, 1, Padding::Same, 4},
    {{6, 6, 4}, 3, 1, 1, 2, 2, 1, 1, Padding::Valid, 2},
    {{9, 7, 2}, 3, 3, 3, 1, 1, 2, 2, Padding::Same, 2},
    {{9, 7, 2}, 3, 3, 3, 1, 1, 2, 1, Padding::Valid, 1},
    {{4, 4, 3}, 2, 4, 4, 3, 3, 1, 1, Padding::Same, 2},
};

ConvConfig config_of(const ConvCase& c, ConvKind kind) {
  ConvConfig config;
  config.kind = kind;
  config.filters = c.filters;
  config.kh = c.kh;
  config.kw = c.kw;
  config.sh = c.sh;
  config.sw = c.sw;
  config.dh = c.dh;
  config.dw = c.dw;
  config.padding = c.padding;
  return config;
}

std::unique_ptr<Convolution> random_conv(SpatialShape in, ConvConfig config, std::mt19937_64& rng) {
  auto conv = Convolution::glorot(in, config, "conv", rng);
  std::vector<Tensor> weights = conv->weights();
  for (Tensor& w : weights) w = random_tensor(1, w.size(), rng);  // nonzero biases too
  return std::make_unique<Convolution>(in, config, std::move(weights), "conv");
}

}  // namespace

TEST_CASE("cnn: Conv2D matches the loop reference", "[nn][cnn]") {
  std::mt19937_64 rng(11);
  for (const ConvCase& c : kConvCases) {
    CAPTURE(c.in.h, c.in.w, c.in.c, c.filters, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.batch,
            padding_name(c.padding));
    auto conv = random_conv(c.in, config_of(c, ConvKind::Standard), rng);
    const Tensor x = random_tensor(c.batch, c.in.size(), rng);
    Tensor out;
    conv->forward(x, out);
    require_close(out, reference_conv(x, c.in, conv->weights()[0], conv->weights()[1].data.data(),
                                      c.filters, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padding, false),
                  1e-4);
  }
}

TEST_CASE("cnn: DepthwiseConv2D and SeparableConv2D match the loop reference", "[nn][cnn]") {
  std::mt19937_64 rng(12);
  for (const ConvCase& c : kConvCases) {
    CAPTURE(c.in.h, c.in.w, c.in.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, padding_name(c.padding));
    ConvConfig depthwise = config_of(c, ConvKind::Depthwise);
    depthwise.depth_multiplier = 2;
    auto dw = random_conv(c.in, depthwise, rng);
    const Tensor x = random_tensor(c.batch, c.in.size(), rng);
    Tensor out;
    dw->forward(x, out);
    const Tensor want = reference_conv(x, c.in, dw->weights()[0], dw->weights()[1].data.data(),
                                       c.in.c * 2, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padding, true);
    require_close(out, want, 1e-4);

    ConvConfig separable = config_of(c, ConvKind::Separable);
    separable.depth_multiplier = 2;
    auto sep = random_conv(c.in, separable, rng);
    sep->forward(x, out);
    const Tensor mid = reference_conv(x, c.in, sep->weights()[0], nullptr, c.in.c * 2, c.kh,
                                      c.kw, c.sh, c.sw, c.dh, c.dw, c.padding, true);
    const SpatialShape mid_shape{sep->output_shape().h, sep->output_shape().w, c.in.c * 2};
    require_close(out, reference_conv(mid, mid_shape, sep->weights()[1], sep->weights()[2].data.data(),
                                      c.filters, 1, 1, 1, 1, 1, 1, Padding::Valid, false),
                  1e-4);
  }
}

TEST_CASE("cnn: CP-decomposed convolution is its four stages", "[nn][cnn]") {
  std::mt19937_64 rng(13);
  for (const ConvCase& c : kConvCases) {
    CAPTURE(c.in.h, c.in.w, c.in.c, c.kh, c.kw, c.sh, c.sw, padding_name(c.padding));
    ConvConfig config = config_of(c, ConvKind::CpDecomposed);
    config.filters = 6;  // rank 3 by the seed's rule
    auto cp = random_conv(c.in, config, rng);
    REQUIRE(cp->config().rank == 3);
    const std::int64_t r = 3;
    const Tensor x = random_tensor(c.batch, c.in.size(), rng);
    Tensor out;
    cp->forward(x, out);
    const auto& w = cp->weights();
    const Tensor a = reference_conv(x, c.in, w[0], nullptr, r, 1, 1, 1, 1, 1, 1, Padding::Valid, false);
    const SpatialShape sa{c.in.h, c.in.w, r};
    const Tensor b = reference_conv(a, sa, w[1], nullptr, r, c.kh, 1, c.sh, 1, c.dh, 1, c.padding, true);
    const SpatialShape sb{static_cast<std::int64_t>(b.cols / (c.in.w * r)), c.in.w, r};
    const Tensor d = reference_conv(b, sb, w[2], nullptr, r, 1, c.kw, 1, c.sw, 1, c.dw, c.padding, true);
    const SpatialShape sd{cp->output_shape().h, cp->output_shape().w, r};
    require_close(out, reference_conv(d, sd, w[3], w[4].data.data(), 6, 1, 1, 1, 1, 1, 1,
                                      Padding::Valid, false),
                  1e-4);
    // The rank rule and parameter count: C*R + kh*R + kw*R + R*F + F.
    std::int64_t params = 0;
    for (const Tensor& t : w) params += t.size();
    REQUIRE(params == c.in.c * r + c.kh * r + c.kw * r + r * 6 + 6);
  }
}

TEST_CASE("cnn: pooling layers match the loop reference", "[nn][cnn]") {
  std::mt19937_64 rng(14);
  struct PoolCase {
    SpatialShape in;
    std::int64_t ph, pw, sh, sw;
    Padding padding;
  };
  const PoolCase cases[] = {{{7, 5, 3}, 2, 2, 2, 2, Padding::Valid},
                            {{7, 5, 3}, 2, 2, 2, 2, Padding::Same},
                            {{6, 6, 2}, 3, 3, 1, 1, Padding::Same},
                            {{5, 7, 2}, 3, 2, 2, 1, Padding::Valid}};
  for (const PoolCase& c : cases) {
    for (const PoolKind kind : {PoolKind::Max, PoolKind::Average}) {
      CAPTURE(c.in.h, c.in.w, c.ph, c.pw, c.sh, c.sw, padding_name(c.padding), kind == PoolKind::Max);
      Pooling2D pool(kind, c.in, c.ph, c.pw, c.sh, c.sw, c.padding, "pool");
      const Tensor x = random_tensor(3, c.in.size(), rng);
      Tensor out;
      pool.forward(x, out);
      std::int64_t oh, ow;
      const std::int64_t pt = pad_before(c.in.h, c.ph, c.sh, 1, c.padding, oh);
      const std::int64_t pl = pad_before(c.in.w, c.pw, c.sw, 1, c.padding, ow);
      REQUIRE(pool.output_shape() == SpatialShape{oh, ow, c.in.c});
      Tensor want(3, oh * ow * c.in.c);
      for (std::int64_t n = 0; n < 3; ++n)
        for (std::int64_t y = 0; y < oh; ++y)
          for (std::int64_t xo = 0; xo < ow; ++xo)
            for (std::int64_t ch = 0; ch < c.in.c; ++ch) {
              double best = -1e30, sum = 0;
              int count = 0;
              for (std::int64_t i = 0; i < c.ph; ++i)
                for (std::int64_t j = 0; j < c.pw; ++j) {
                  const std::int64_t iy = y * c.sh + i - pt, ix = xo * c.sw + j - pl;
                  if (iy < 0 || iy >= c.in.h || ix < 0 || ix >= c.in.w) continue;
                  const double v = x.at(n, (iy * c.in.w + ix) * c.in.c + ch);
                  best = std::max(best, v);
                  sum += v;
                  ++count;
                }
              want.at(n, (y * ow + xo) * c.in.c + ch) =
                  static_cast<float>(kind == PoolKind::Max ? best : sum / count);
            }
      require_close(out, want, 1e-5);
    }
  }
  GlobalAveragePooling2D gap({3, 5, 4}, "gap");
  const Tensor x = random_tensor(2, 60, rng);
  Tensor out;
  gap.forward(x, out);
  Tensor want(2, 4);
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t p = 0; p < 15; ++p)
      for (std::int64_t c = 0; c < 4; ++c) want.at(n, c) += x.at(n, p * 4 + c) / 15.0f;
  require_close(out, want, 1e-5);
}

namespace {

// Central differences of sum(R * layer(x)) (training mode) against the layer's backward, for
// every parameter value and input value (a sample of them for big tensors).
void check_layer_gradients(Layer& layer, const Tensor& x, std::mt19937_64& rng) {
  CAPTURE(layer.type());
  Tensor out;
  layer.forward_train(x, out, rng);
  const Tensor r = random_tensor(out.rows, out.cols, rng);
  auto objective = [&](const Tensor& input) {
    Tensor y;
    std::mt19937_64 local(5);
    layer.forward_train(input, y, local);
    double total = 0;
    for (std::int64_t i = 0; i < y.size(); ++i) total += static_cast<double>(y.data[i]) * r.data[i];
    return total;
  };
  Tensor grad_out = r, grad_in;
  layer.forward_train(x, out, rng);
  layer.backward(x, out, grad_out, &grad_in);
  std::vector<Tensor> analytic;
  for (const Parameter& p : layer.parameters()) analytic.push_back(*p.grad);
  const double step = 1e-2;
  auto check = [&](float& value, double expected, const std::string& what, const Tensor& input) {
    const float saved = value;
    value = saved + static_cast<float>(step);
    const double plus = objective(input);
    value = saved - static_cast<float>(step);
    const double minus = objective(input);
    value = saved;
    CAPTURE(what);
    REQUIRE(expected == Approx((plus - minus) / (2 * step)).margin(2e-2).epsilon(2e-2));
  };
  auto parameters = layer.parameters();
  for (std::size_t k = 0; k < parameters.size(); ++k)
    for (std::int64_t i = 0; i < parameters[k].value->size(); i += 1 + parameters[k].value->size() / 25)
      check(parameters[k].value->data[i], analytic[k].data[i], parameters[k].name + "[" + std::to_string(i) + "]", x);
  Tensor input = x;
  for (std::int64_t i = 0; i < input.size(); i += 1 + input.size() / 25)
    check(input.data[i], grad_in.data[i], "input[" + std::to_string(i) + "]", input);
}

}  // namespace

TEST_CASE("cnn: gradient checks of every CNN layer", "[nn][cnn][gradients]") {
  std::mt19937_64 rng(21);
  std::printf("cnn gradient checks: seed 21\n");
  const SpatialShape in{6, 5, 3};
  const Tensor x = random_tensor(2, in.size(), rng);
  for (const ConvKind kind : {ConvKind::Standard, ConvKind::Depthwise, ConvKind::Separable,
                              ConvKind::CpDecomposed}) {
    for (const Padding padding : {Padding::Same, Padding::Valid}) {
      for (const std::int64_t stride : {1, 2}) {
        CAPTURE(static_cast<int>(kind), padding_name(padding), stride);
        ConvConfig c;
        c.kind = kind;
        c.filters = 4;
        c.sh = c.sw = stride;
        c.padding = padding;
        c.depth_multiplier = 2;
        auto conv = random_conv(in, c, rng);
        check_layer_gradients(*conv, x, rng);
      }
    }
  }
  ConvConfig dilated;
  dilated.filters = 2;
  dilated.dh = dilated.dw = 2;
  auto conv = random_conv(in, dilated, rng);
  check_layer_gradients(*conv, x, rng);
  // Max pooling: distinct values 0.05 apart, so a finite-difference step never moves the max.
  Tensor spaced(x.rows, x.cols);
  for (std::int64_t i = 0; i < spaced.size(); ++i) spaced.data[i] = 0.05f * static_cast<float>(i);
  std::shuffle(spaced.data.begin(), spaced.data.end(), rng);
  for (const PoolKind kind : {PoolKind::Max, PoolKind::Average}) {
    Pooling2D pool(kind, in, 2, 2, 2, 2, Padding::Same, "pool");
    check_layer_gradients(pool, spaced, rng);
  }
  GlobalAveragePooling2D gap(in, "gap");
  check_layer_gradients(gap, x, rng);
  Flatten flatten(in, "flatten");
  check_layer_gradients(flatten, x, rng);
  auto bn = BatchNorm::fresh(in.c, "bn", 1e-3, 0.99, in.h * in.w);
  std::vector<Parameter> bn_params = bn->parameters();
  *bn_params[0].value = random_tensor(1, in.c, rng, 0.5f, 1.5f);
  *bn_params[1].value = random_tensor(1, in.c, rng);
  check_layer_gradients(*bn, x, rng);
}

TEST_CASE("cnn: BatchNorm + ReLU trained as one block equals the two layers", "[nn][cnn][gradients]") {
  std::mt19937_64 rng(22);
  const SpatialShape in{4, 3, 5};
  const Tensor x = random_tensor(3, in.size(), rng);
  auto fused = BatchNorm::fresh(in.c, "bn", 1e-3, 0.9, in.h * in.w);
  auto plain = BatchNorm::fresh(in.c, "bn", 1e-3, 0.9, in.h * in.w);
  const Tensor gamma = random_tensor(1, in.c, rng, 0.5f, 1.5f), beta = random_tensor(1, in.c, rng);
  for (BatchNorm* bn : {fused.get(), plain.get()}) {
    *bn->parameters()[0].value = gamma;
    *bn->parameters()[1].value = beta;
  }
  ActivationLayer relu(in.size(), Activation::Relu, "relu");
  Tensor fused_out, normalized, plain_out;
  fused->forward_train_relu(x, fused_out);
  plain->forward_train(x, normalized, rng);
  relu.forward_train(normalized, plain_out, rng);
  require_close(fused_out, plain_out, 1e-6);
  const Tensor dy = random_tensor(3, in.size(), rng);
  Tensor g1 = dy, g2 = dy, fused_dx, relu_dx, plain_dx;
  fused->backward_relu(fused_out, g1, &fused_dx);
  relu.backward(normalized, plain_out, g2, &relu_dx);
  plain->backward(x, normalized, relu_dx, &plain_dx);
  require_close(fused_dx, plain_dx, 1e-5);
  require_close(*fused->parameters()[0].grad, *plain->parameters()[0].grad, 1e-5);
  require_close(*fused->parameters()[1].grad, *plain->parameters()[1].grad, 1e-5);
  require_close(fused->moving_mean(), plain->moving_mean(), 1e-7);
  require_close(fused->moving_variance(), plain->moving_variance(), 1e-7);
}
