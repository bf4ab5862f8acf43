// Measures the convolution back ends the CNN runner could use, on seed 003's shapes (NHWC
// float32, 3x3 "same" convolutions, batch 1 and 32): oneDNN (libdnnl), LIBXSMM's direct
// convolution (libxsmm_dnn, NHWC/RSCK) and im2col + OpenBLAS sgemm; and depthwise 3x3 on its
// own (oneDNN grouped convolution against a plain NHWC loop). Prints the 10th percentile of
// repeated runs per case in microseconds. Build: `cmake --build build --target cnn_conv_backends`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include <cblas.h>
#include <dnnl.hpp>
#include <libxsmm.h>
#include <omp.h>

namespace {

struct Shape {
  int n, h, w, c, k, r, stride;
};

double low_percentile_us(const std::function<void()>& run) {
  run();
  std::vector<double> times;
  const auto budget = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
  while (times.size() < 5 || (std::chrono::steady_clock::now() < budget && times.size() < 200)) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 10];  // 10th percentile: the machine is shared
}

int out_size(int in, int stride) { return (in + stride - 1) / stride; }

std::vector<float> random_vector(std::size_t n) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

double onednn_conv(const Shape& s, bool weights_any, int groups = 1) {
  using namespace dnnl;
  static engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  const int oh = out_size(s.h, s.stride), ow = out_size(s.w, s.stride);
  const int pad_total_h = std::max((oh - 1) * s.stride + s.r - s.h, 0);
  const int pad_total_w = std::max((ow - 1) * s.stride + s.r - s.w, 0);
  memory::dims src_dims{s.n, s.c, s.h, s.w}, dst_dims{s.n, s.k, oh, ow};
  memory::dims wei_dims = groups == 1 ? memory::dims{s.k, s.c, s.r, s.r}
                                      : memory::dims{groups, s.k / groups, s.c / groups, s.r, s.r};
  auto dt = memory::data_type::f32;
  memory::desc src_md(src_dims, dt, memory::format_tag::nhwc);
  memory::desc dst_md(dst_dims, dt, memory::format_tag::nhwc);
  memory::desc wei_md(wei_dims, dt,
                      weights_any ? memory::format_tag::any
                                  : (groups == 1 ? memory::format_tag::hwio : memory::format_tag::hwigo));
  memory::desc bias_md({s.k}, dt, memory::format_tag::a);
  convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                 src_md, wei_md, bias_md, dst_md, {s.stride, s.stride},
                                 {pad_total_h / 2, pad_total_w / 2},
                                 {pad_total_h - pad_total_h / 2, pad_total_w - pad_total_w / 2});
  convolution_forward::primitive_desc pd(desc, eng);
  auto src = random_vector(static_cast<std::size_t>(s.n) * s.h * s.w * s.c);
  auto wei = random_vector(static_cast<std::size_t>(s.r) * s.r * s.c * s.k / groups);
  std::vector<float> bias(static_cast<std::size_t>(s.k)), dst(static_cast<std::size_t>(s.n) * oh * ow * s.k);
  memory src_m(src_md, eng, src.data()), dst_m(dst_md, eng, dst.data()),
      bias_m(bias_md, eng, bias.data());
  memory wei_m(pd.weights_desc(), eng);
  std::copy(wei.begin(), wei.end(), static_cast<float*>(wei_m.get_data_handle()));
  convolution_forward conv(pd);
  std::printf("    (oneDNN impl: %s)\n", pd.impl_info_str());
  return low_percentile_us([&] {
    conv.execute(strm, {{DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, wei_m},
                        {DNNL_ARG_BIAS, bias_m}, {DNNL_ARG_DST, dst_m}});
    strm.wait();
  });
}

// im2col (NHWC rows of kh*kw*c patch values, Keras' "same" padding) then one sgemm with the
// HWIO kernel, which is already the (kh*kw*c, k) matrix.
double im2col_sgemm(const Shape& s) {
  const int oh = out_size(s.h, s.stride), ow = out_size(s.w, s.stride);
  const int pad_top = std::max((oh - 1) * s.stride + s.r - s.h, 0) / 2;
  const int pad_left = std::max((ow - 1) * s.stride + s.r - s.w, 0) / 2;
  auto src = random_vector(static_cast<std::size_t>(s.n) * s.h * s.w * s.c);
  auto wei = random_vector(static_cast<std::size_t>(s.r) * s.r * s.c * s.k);
  const long patch = static_cast<long>(s.r) * s.r * s.c;
  const long rows = static_cast<long>(s.n) * oh * ow;
  std::vector<float> cols(static_cast<std::size_t>(rows * patch)), dst(static_cast<std::size_t>(rows * s.k));
  return low_percentile_us([&] {
#pragma omp parallel for collapse(2)
    for (int b = 0; b < s.n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          float* row = cols.data() + ((static_cast<long>(b) * oh + y) * ow + x) * patch;
          for (int i = 0; i < s.r; ++i)
            for (int j = 0; j < s.r; ++j, row += s.c) {
              const int iy = y * s.stride + i - pad_top, ix = x * s.stride + j - pad_left;
              if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) {
                std::fill(row, row + s.c, 0.0f);
              } else {
                const float* in = src.data() + ((static_cast<long>(b) * s.h + iy) * s.w + ix) * s.c;
                std::copy(in, in + s.c, row);
              }
            }
        }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), s.k,
                static_cast<int>(patch), 1.0f, cols.data(), static_cast<int>(patch), wei.data(),
                s.k, 0.0f, dst.data(), s.k);
  });
}

// LIBXSMM's direct convolution with NHWC buffers and RSCK (= HWIO) filters; its threads are
// the caller's (execute_st per OpenMP thread). Returns -1 when LIBXSMM rejects the shape.
double libxsmm_conv(const Shape& s) {
  const int oh = out_size(s.h, s.stride), ow = out_size(s.w, s.stride);
  const int pad = std::max((oh - 1) * s.stride + s.r - s.h, 0) / 2;
  const int threads = omp_get_max_threads();
  libxsmm_dnn_conv_desc d{};
  d.N = s.n; d.C = s.c; d.H = s.h; d.W = s.w; d.K = s.k; d.R = s.r; d.S = s.r;
  d.u = s.stride; d.v = s.stride; d.pad_h = pad; d.pad_w = pad;
  d.pad_h_in = pad; d.pad_w_in = pad;  // direct convolution: the input buffer carries the rim
  d.threads = threads;
  d.datatype_in = LIBXSMM_DNN_DATATYPE_F32; d.datatype_out = LIBXSMM_DNN_DATATYPE_F32;
  d.buffer_format = LIBXSMM_DNN_TENSOR_FORMAT_NHWC; d.filter_format = LIBXSMM_DNN_TENSOR_FORMAT_RSCK;
  d.algo = LIBXSMM_DNN_CONV_ALGO_DIRECT; d.options = LIBXSMM_DNN_CONV_OPTION_OVERWRITE;
  d.fuse_ops = LIBXSMM_DNN_CONV_FUSE_NONE;
  libxsmm_dnn_err_t status;
  libxsmm_dnn_layer* handle = libxsmm_dnn_create_conv_layer(d, &status);
  if (status != LIBXSMM_DNN_SUCCESS) {
    std::printf("    (LIBXSMM: %s)\n", libxsmm_dnn_get_error(status));
    if (!handle) return -1;
  }
  auto in = random_vector(static_cast<std::size_t>(s.n) * (s.h + 2 * pad) * (s.w + 2 * pad) * s.c);
  auto filter = random_vector(static_cast<std::size_t>(s.r) * s.r * s.c * s.k);
  std::vector<float> out(static_cast<std::size_t>(s.n) * oh * ow * s.k);
  auto link = [&](libxsmm_dnn_tensor_type type, float* data) {
    libxsmm_dnn_tensor_datalayout* layout = libxsmm_dnn_create_tensor_datalayout(handle, type, &status);
    libxsmm_dnn_tensor* t = libxsmm_dnn_link_tensor(layout, data, &status);
    libxsmm_dnn_bind_tensor(handle, t, type);
    libxsmm_dnn_destroy_tensor_datalayout(layout);
  };
  link(LIBXSMM_DNN_REGULAR_INPUT, in.data());
  link(LIBXSMM_DNN_REGULAR_FILTER, filter.data());
  link(LIBXSMM_DNN_REGULAR_OUTPUT, out.data());
  std::vector<char> scratch(libxsmm_dnn_get_scratch_size(handle, LIBXSMM_DNN_COMPUTE_KIND_ALL, &status) + 64);
  libxsmm_dnn_bind_scratch(handle, LIBXSMM_DNN_COMPUTE_KIND_ALL, scratch.data());
  const double t = low_percentile_us([&] {
#pragma omp parallel num_threads(threads)
    libxsmm_dnn_execute_st(handle, LIBXSMM_DNN_COMPUTE_KIND_FWD, 0, omp_get_thread_num());
  });
  return t;
}

// Depthwise 3x3 "same", NHWC, a plain loop vectorized along the channels.
double depthwise_loop(const Shape& s) {
  const int oh = out_size(s.h, s.stride), ow = out_size(s.w, s.stride);
  const int pad = std::max((oh - 1) * s.stride + s.r - s.h, 0) / 2;
  auto src = random_vector(static_cast<std::size_t>(s.n) * s.h * s.w * s.c);
  auto wei = random_vector(static_cast<std::size_t>(s.r) * s.r * s.c);
  std::vector<float> dst(static_cast<std::size_t>(s.n) * oh * ow * s.c);
  return low_percentile_us([&] {
#pragma omp parallel for collapse(2)
    for (int b = 0; b < s.n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          float* o = dst.data() + ((static_cast<long>(b) * oh + y) * ow + x) * s.c;
          std::fill(o, o + s.c, 0.0f);
          for (int i = 0; i < s.r; ++i) {
            const int iy = y * s.stride + i - pad;
            if (iy < 0 || iy >= s.h) continue;
            for (int j = 0; j < s.r; ++j) {
              const int ix = x * s.stride + j - pad;
              if (ix < 0 || ix >= s.w) continue;
              const float* in = src.data() + ((static_cast<long>(b) * s.h + iy) * s.w + ix) * s.c;
              const float* k = wei.data() + (i * s.r + j) * s.c;
              for (int c = 0; c < s.c; ++c) o[c] += in[c] * k[c];
            }
          }
        }
  });
}

}  // namespace

int main() {
  libxsmm_init();
  std::printf("threads %d; microseconds, 10th percentile\n", omp_get_max_threads());
  const Shape shapes[] = {{1, 32, 32, 3, 96, 3, 1},   {32, 32, 32, 3, 96, 3, 1},
                          {1, 32, 32, 96, 96, 3, 1},  {32, 32, 32, 96, 96, 3, 1},
                          {1, 32, 32, 96, 96, 3, 2},  {32, 32, 32, 96, 96, 3, 2},
                          {1, 16, 16, 192, 192, 3, 1}, {32, 16, 16, 192, 192, 3, 1},
                          {1, 8, 8, 192, 192, 1, 1},  {32, 8, 8, 192, 192, 1, 1}};
  std::printf("%-32s %12s %12s %12s %12s\n", "conv (n h w c -> k, r, stride)", "onednn_any",
              "onednn_hwio", "im2col_sgemm", "libxsmm");
  for (const Shape& s : shapes) {
    char name[64];
    std::snprintf(name, sizeof name, "%d %dx%dx%d -> %d, %dx%d, s%d", s.n, s.h, s.w, s.c, s.k, s.r, s.r, s.stride);
    const double a = onednn_conv(s, true), b = onednn_conv(s, false), c = im2col_sgemm(s),
                 d = libxsmm_conv(s);
    std::printf("%-32s %12.1f %12.1f %12.1f %12.1f\n", name, a, b, c, d);
  }
  std::printf("\n%-32s %12s %12s %12s\n", "depthwise (n h w c, 3x3)", "onednn_any", "onednn_hwigo",
              "nhwc_loop");
  const Shape depthwise[] = {{1, 32, 32, 96, 96, 3, 1}, {32, 32, 32, 96, 96, 3, 1},
                             {1, 16, 16, 192, 192, 3, 1}, {32, 16, 16, 192, 192, 3, 1}};
  for (const Shape& s : depthwise) {
    char name[64];
    std::snprintf(name, sizeof name, "%d %dx%dx%d", s.n, s.h, s.w, s.c);
    const double a = onednn_conv(s, true, s.c), b = onednn_conv(s, false, s.c), c = depthwise_loop(s);
    std::printf("%-32s %12.1f %12.1f %12.1f\n", name, a, b, c);
  }
  libxsmm_finalize();
}
