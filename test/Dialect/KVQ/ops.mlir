// RUN: kvq-opt %s --split-input-file --verify-roundtrip | FileCheck %s
// RUN: kvq-opt %s --split-input-file --mlir-print-op-generic | kvq-opt --split-input-file | FileCheck %s

// Schemes print with short aliases: bits, group, granularity, symmetry,
// rotation, window.
// CHECK-DAG: #[[K4:.*]] = #kvq.scheme<bits = 4, group = 32, window = 32>
// CHECK-DAG: #[[V2:.*]] = #kvq.scheme<bits = 2, group = 8, granularity = per_token, window = 32>
!cache = !kvq.cache<1x4x512x8xf32,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token, window = 32>>

// CHECK-LABEL: func.func @decode_step
func.func @decode_step(%q: tensor<1x8x8xf32>, %k: tensor<1x4x1x8xf32>,
                       %v: tensor<1x4x1x8xf32>, %wk: tensor<32x64xf32>,
                       %wv: tensor<32x64xf32>) -> (tensor<1x8x8xf32>, index) {
  // CHECK: %[[C:.*]] = kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x4x512x8xf32, keys = #[[K4]], values = #[[V2]]>
  %c = kvq.cache_create {layer = 0 : i64} : !cache
  // CHECK: kvq.bind_projections %[[C]] layer 0 keys(%{{.*}} : tensor<32x64xf32>) values(%{{.*}} : tensor<32x64xf32>) :
  kvq.bind_projections %c layer 0 keys(%wk : tensor<32x64xf32>) values(%wv : tensor<32x64xf32>) : !cache
  // CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32> into
  kvq.append %k, %v into %c : tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32> into !cache
  // CHECK: kvq.attend %{{.*}}, %[[C]] scale 3.500000e-01 : tensor<1x8x8xf32>, {{.*}} -> tensor<1x8x8xf32>
  %o = kvq.attend %q, %c scale 0.35 : tensor<1x8x8xf32>, !cache -> tensor<1x8x8xf32>
  // CHECK: kvq.length %[[C]]
  %n = kvq.length %c : !cache
  // CHECK: kvq.storage %[[C]] : {{.*}} -> tensor<39104xi8>
  %bytes = kvq.storage %c : !cache -> tensor<39104xi8>
  return %o, %n : tensor<1x8x8xf32>, index
}

// -----

// Every scheme field spelled out; 16-bit values; key rotation; a ragged batch
// with per-sequence lengths and the default softmax scale.
// CHECK-DAG: #kvq.scheme<bits = 8, group = 64, symmetric = true, scale_type = f32, rotation = hadamard, window = 128>
// CHECK-DAG: #kvq.scheme<bits = 16>
!cache = !kvq.cache<4x8x1024x128xbf16,
    keys = #kvq.scheme<bits = 8, group = 64, granularity = per_channel, symmetric = true,
                       scale_type = f32, rotation = hadamard, window = 128>,
    values = #kvq.scheme<bits = 16>>

// CHECK-LABEL: func.func @ragged_gqa
func.func @ragged_gqa(%q: tensor<4x32x128xbf16>, %len: tensor<4xi32>,
                      %wk: tensor<1024x4096xbf16>, %wv: tensor<1024x4096xbf16>,
                      %g: tensor<128xbf16>) -> tensor<4x32x128xbf16> {
  %c = kvq.cache_create : !cache
  // CHECK: key_norm(%{{.*}} : tensor<128xbf16>)
  kvq.bind_projections %c layer 7 keys(%wk : tensor<1024x4096xbf16>) values(%wv : tensor<1024x4096xbf16>) key_norm(%g : tensor<128xbf16>) : !cache
  // CHECK: kvq.attend %{{.*}}, %{{.*}} lengths(%{{.*}} : tensor<4xi32>) : tensor<4x32x128xbf16>
  %o = kvq.attend %q, %c lengths(%len : tensor<4xi32>) : tensor<4x32x128xbf16>, !cache -> tensor<4x32x128xbf16>
  return %o : tensor<4x32x128xbf16>
}

// -----

// A prefill: many tokens appended at once, the count known only at run time.
!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 3, group = 64>,
    values = #kvq.scheme<bits = 3, group = 16, granularity = per_token>>

// CHECK-LABEL: func.func @prefill
func.func @prefill(%k: tensor<1x2x?x64xf16>, %v: tensor<1x2x?x64xf16>, %c: !cache) {
  // CHECK: kvq.append %{{.*}}, %{{.*}} into %{{.*}} : tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16> into
  kvq.append %k, %v into %c : tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16> into !cache
  return
}

// -----

// The storage numerics as standalone ops.
// CHECK-LABEL: func.func @numerics
func.func @numerics(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  // CHECK: %[[CODES:.*]], %[[SCALES:.*]], %[[ZEROS:.*]] = kvq.quantize %{{.*}} {scheme = #{{.*}}} : tensor<64x128xf32> -> tensor<64x128xi8>, tensor<2x128xf16>, tensor<2x128xf16>
  %codes, %scales, %zeros = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>}
      : tensor<64x128xf32> -> tensor<64x128xi8>, tensor<2x128xf16>, tensor<2x128xf16>
  // CHECK: kvq.pack %[[CODES]] {bits = 4 : i32} : tensor<64x128xi8> -> tensor<64x16xi32>
  %words = kvq.pack %codes {bits = 4 : i32} : tensor<64x128xi8> -> tensor<64x16xi32>
  // CHECK: kvq.unpack %{{.*}} {bits = 4 : i32} : tensor<64x16xi32> -> tensor<64x128xi8>
  %back = kvq.unpack %words {bits = 4 : i32} : tensor<64x16xi32> -> tensor<64x128xi8>
  // CHECK: kvq.dequantize %{{.*}}, %[[SCALES]], %[[ZEROS]] {scheme = #{{.*}}} : tensor<64x128xi8>, tensor<2x128xf16>, tensor<2x128xf16> -> tensor<64x128xf32>
  %y = kvq.dequantize %back, %scales, %zeros {scheme = #kvq.scheme<bits = 4, group = 32>}
      : tensor<64x128xi8>, tensor<2x128xf16>, tensor<2x128xf16> -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}

// -----

// Symmetric per-token: scales only; 3-bit codes pack 10 to a word.
// CHECK-LABEL: func.func @symmetric_per_token
func.func @symmetric_per_token(%x: tensor<4x64xf16>) -> tensor<4x7xi32> {
  // CHECK: kvq.quantize %{{.*}} : tensor<4x64xf16> -> tensor<4x64xi8>, tensor<4x4xbf16>{{$}}
  %codes, %scales = kvq.quantize %x {scheme = #kvq.scheme<bits = 3, group = 16, granularity = per_token, symmetric = true, scale_type = bf16>}
      : tensor<4x64xf16> -> tensor<4x64xi8>, tensor<4x4xbf16>
  // CHECK: kvq.pack %{{.*}} {bits = 3 : i32} : tensor<4x64xi8> -> tensor<4x7xi32>
  %words = kvq.pack %codes {bits = 3 : i32} : tensor<4x64xi8> -> tensor<4x7xi32>
  return %words : tensor<4x7xi32>
}

// -----

// The split merge's arrival count (GPU kernels).
// CHECK-LABEL: func.func @arrive
func.func @arrive(%counts: memref<8x17xi32, #gpu.address_space<global>>, %row: index, %slot: index) -> i32 {
  // CHECK: %[[B:.*]] = kvq.arrive %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x17xi32, #gpu.address_space<global>>
  // CHECK: return %[[B]] : i32
  %before = kvq.arrive %counts[%row, %slot] : memref<8x17xi32, #gpu.address_space<global>>
  return %before : i32
}
