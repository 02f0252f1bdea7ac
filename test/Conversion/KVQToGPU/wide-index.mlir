// RUN: kvq-opt %s --kvq-build-gpu-kernels="wide-index=kvq_attend_b1h2q8c512d128_f16_k4c32w32_v2t32w32_t1" | FileCheck %s

// `wide-index=<attention kernel names>` gives the named configurations
// 64-bit index arithmetic where 32 would be chosen: their kernels (attend
// and append) go to a second gpu.module without the 32-bit data layout,
// marked for kvq-merge-kernel-modules, and the module's record says which
// module and width each configuration got.
// CHECK: kvq.kernels = [
// CHECK-SAME: index_bitwidth = 32 : i64, max_splits = 8 : i64, module = "kvq_kernels", name = "b1h2q8c256d128_f16_k4c32w32_v2t32w32_t1"
// CHECK-SAME: index_bitwidth = 64 : i64, max_splits = 16 : i64, module = "kvq_kernels_index64", name = "b1h2q8c512d128_f16_k4c32w32_v2t32w32_t1"
// CHECK: gpu.module @kvq_kernels attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i32>} {
// CHECK-NEXT: gpu.func @kvq_append_b1h2q8c256d128_f16_k4c32w32_v2t32w32_t1(
// CHECK-NOT: gpu.module
// CHECK: gpu.func @kvq_attend_b1h2q8c256d128_f16_k4c32w32_v2t32w32_t1(
// CHECK: gpu.module @kvq_kernels_index64 attributes {kvq.merge_into = @kvq_kernels} {
// CHECK-NEXT: gpu.func @kvq_append_b1h2q8c512d128_f16_k4c32w32_v2t32w32_t1(
// CHECK-NOT: gpu.module
// CHECK: gpu.func @kvq_attend_b1h2q8c512d128_f16_k4c32w32_v2t32w32_t1(
!narrow = !kvq.cache<1x2x256x128xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>
!wide = !kvq.cache<1x2x512x128xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>
func.func @narrow(%q: tensor<1x8x128xf16>, %c: !narrow) -> tensor<1x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x8x128xf16>, !narrow -> tensor<1x8x128xf16>
  return %o : tensor<1x8x128xf16>
}
func.func @wide(%q: tensor<1x8x128xf16>, %c: !wide) -> tensor<1x8x128xf16> {
  %o = kvq.attend %q, %c : tensor<1x8x128xf16>, !wide -> tensor<1x8x128xf16>
  return %o : tensor<1x8x128xf16>
}
