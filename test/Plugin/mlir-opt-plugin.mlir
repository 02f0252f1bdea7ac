// Stock upstream mlir-opt (not kvq-opt) loads kvq as a dialect and pass plugin.
// RUN: %mlir_opt %s --load-dialect-plugin=%kvq_libs/libKVQPlugin%shlibext \
// RUN:   --load-pass-plugin=%kvq_libs/libKVQPlugin%shlibext \
// RUN:   --pass-pipeline="builtin.module(kvq-report-footprint)" \
// RUN:   --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s
// RUN: not %mlir_opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// NOPLUGIN: Dialect `kvq' not found for custom op 'kvq.cache_create'

// CHECK: remark: kvq cache (layer 3): {{[0-9]+}} bytes; keys 5.000 bits/elem, values 3.000 bits/elem
// CHECK-LABEL: func.func @in_stock_mlir_opt
// CHECK: kvq.cache_create {layer = 3 : i64} : !kvq.cache<1x8x1024x128xf16, keys = #{{.*}}, values = #{{.*}}>
func.func @in_stock_mlir_opt() {
  %c = kvq.cache_create {layer = 3 : i64} : !kvq.cache<1x8x1024x128xf16,
      keys = #kvq.scheme<bits = 4, group = 32>,
      values = #kvq.scheme<bits = 2, group = 32, granularity = per_token>>
  return
}
