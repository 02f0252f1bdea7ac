// RUN: kvq-opt %s --kvq-report-footprint --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: kvq-opt %s --kvq-report-footprint="json=%t.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: kvq-opt %s --kvq-report-footprint | FileCheck %s --check-prefix=IR

// Hand-derived from docs/storage-format.md for 1 sequence, 2 KV heads,
// 64 tokens, head_dim 8, f16:
//  keys   (4-bit, per_channel g32): codes 2*64*1 words*4 = 512, scales and
//         zeros 2*(64/32)*8*2 = 64 each, window ring 2*32*8*2 = 1024
//  values (2-bit, per_token g8):    codes 512, scales and zeros 2*64*1*2 = 256
//         each, window ring 2*1*8*2 = 32
//  64-byte header, 64-byte aligned segments: 2816 bytes in all.
//  Bits/element: keys 4 + (16+16)/32 = 5, values 2 + (16+16)/8 = 6.
//  fp16 cache of the same shape: 64 + 2 * 2048 = 4160 bytes (1.48x).
!cache = !kvq.cache<1x2x64x8xf16, keys = #kvq.scheme<bits = 4, group = 32>,
                    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>

// CHECK: remark: kvq cache (layer 0): 2816 bytes; keys 5.000 bits/elem, values 6.000 bits/elem, 43.0 bytes/token/sequence; 1.48x smaller than fp16
// CHECK: remark: kvq cache (layer 1): 2816 bytes
// A cache a function receives (a decode step after kvq-raise-attention),
// named by the layer of its kvq.bind_projections.
// CHECK: remark: kvq cache (layer 2): 2816 bytes
// CHECK: remark: kvq: 3 cache(s), 8448 bytes in all (1.48x smaller than fp16)

// JSON:      "caches": [
// JSON:          "bytes_per_token": 43,
// JSON:          "fp16_bytes": 4160,
// JSON:          "keys": {
// JSON-NEXT:       "bits": 4,
// JSON-NEXT:       "bits_per_element": 5,
// JSON-NEXT:       "codes_bytes": 512,
// JSON-NEXT:       "scales_bytes": 64,
// JSON-NEXT:       "window_bytes": 1024,
// JSON-NEXT:       "zeros_bytes": 64
// JSON:          "layer": 0,
// JSON:          "total_bytes": 2816,
// JSON:          "values": {
// JSON-NEXT:       "bits": 2,
// JSON-NEXT:       "bits_per_element": 6,
// JSON-NEXT:       "codes_bytes": 512,
// JSON-NEXT:       "scales_bytes": 256,
// JSON-NEXT:       "window_bytes": 32,
// JSON-NEXT:       "zeros_bytes": 256
// JSON:      "fp16_bytes": 12480,
// JSON-NEXT: "total_bytes": 8448

// The pass only reports: the IR is unchanged.
// IR-LABEL: func.func @two_layers
// IR: kvq.cache_create {layer = 0 : i64}
// IR: kvq.cache_create {layer = 1 : i64}
func.func @two_layers() {
  %c0 = kvq.cache_create {layer = 0 : i64} : !cache
  %c1 = kvq.cache_create {layer = 1 : i64} : !cache
  return
}

func.func @decode_step(%c: !cache, %w: tensor<16x64xf32>) {
  kvq.bind_projections %c layer 2 keys(%w : tensor<16x64xf32>) values(%w : tensor<16x64xf32>) : !cache
  return
}
