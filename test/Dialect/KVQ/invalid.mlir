// RUN: kvq-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{bits must be 2, 3, 4, 8 or 16 (unquantized), got 5}}
func.func private @bad_bits() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 5, group = 32>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{a 4-bit scheme needs a group size greater than 0}}
func.func private @no_group() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 4>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{scale_type must be f16, bf16 or f32, got 'i8'}}
func.func private @int_scale() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32, scale_type = i8>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{an unquantized (16-bit) scheme takes no group, granularity, symmetric, scale_type, rotation or window}}
func.func private @fp16_with_group() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 16, group = 32>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{window (48) must be a multiple of the token group (32 tokens for per_channel groups)}}
func.func private @ragged_window() -> !kvq.cache<1x1x128x8xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 48>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{keys: per_channel group (32 tokens) must divide the capacity (100)}}
func.func private @capacity_not_grouped() -> !kvq.cache<1x1x100x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{values: per_token group (32 channels) must divide head_dim (8)}}
func.func private @group_exceeds_head_dim() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 2, group = 32, granularity = per_token>>

// -----

// expected-error @+1 {{keys: window plus one token group (96 tokens) exceeds the capacity (64)}}
func.func private @window_too_long() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 64>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{cache dimensions must be positive, got 1x0x64x8}}
func.func private @zero_heads() -> !kvq.cache<1x0x64x8xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{cache element type must be f16, bf16 or f32, got 'i32'}}
func.func private @int_cache() -> !kvq.cache<1x1x64x8xi32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{values: rotation applies to keys only}}
func.func private @rotated_values() -> !kvq.cache<1x1x64x8xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 4, group = 8, granularity = per_token, rotation = hadamard>>

// -----

// expected-error @+1 {{keys: hadamard rotation needs a power-of-two head_dim, got 96}}
func.func private @rotation_needs_pow2() -> !kvq.cache<1x1x64x96xf32, keys = #kvq.scheme<bits = 4, group = 32, rotation = hadamard>, values = #kvq.scheme<bits = 16>>

// -----

// expected-error @+1 {{expected 4 dimensions (batch x kv_heads x capacity x head_dim), got 3}}
func.func private @rank3() -> !kvq.cache<1x64x8xf32, keys = #kvq.scheme<bits = 16>, values = #kvq.scheme<bits = 16>>

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @gqa_ratio(%q: tensor<1x6x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op query heads (6) must be a multiple of the cache's KV heads (4)}}
  %o = kvq.attend %q, %c : tensor<1x6x8xf32>, !cache -> tensor<1x6x8xf32>
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_head_dim(%q: tensor<1x8x16xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op queries dimension 2 (head_dim) is 16 but the cache has 8}}
  %o = kvq.attend %q, %c : tensor<1x8x16xf32>, !cache -> tensor<1x8x16xf32>
  return
}

// -----

!cache = !kvq.cache<2x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_batch(%q: tensor<1x8x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op queries dimension 0 (batch) is 1 but the cache has 2}}
  %o = kvq.attend %q, %c : tensor<1x8x8xf32>, !cache -> tensor<1x8x8xf32>
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_rank(%q: tensor<8x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op queries must be [batch, q_heads, head_dim] (rank 3), got rank 2}}
  %o = kvq.attend %q, %c : tensor<8x8xf32>, !cache -> tensor<8x8xf32>
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_result(%q: tensor<1x8x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op output shape 'tensor<1x4x8xf32>' must match the queries 'tensor<1x8x8xf32>'}}
  %o = kvq.attend %q, %c : tensor<1x8x8xf32>, !cache -> tensor<1x4x8xf32>
  return
}

// -----

!cache = !kvq.cache<2x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_lengths(%q: tensor<2x8x8xf32>, %c: !cache, %len: tensor<3xi32>) {
  // expected-error @+1 {{'kvq.attend' op lengths dimension 0 (batch) is 3 but the cache has 2}}
  %o = kvq.attend %q, %c lengths(%len : tensor<3xi32>) : tensor<2x8x8xf32>, !cache -> tensor<2x8x8xf32>
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @attend_scale(%q: tensor<1x8x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.attend' op scale must be finite and positive}}
  %o = kvq.attend %q, %c scale -1.0 : tensor<1x8x8xf32>, !cache -> tensor<1x8x8xf32>
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf16, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @append_element_type(%k: tensor<1x4x1x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.append' op keys element type 'f32' differs from the cache element type 'f16'}}
  kvq.append %k, %k into %c : tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32> into !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @append_heads(%k: tensor<1x2x1x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.append' op keys dimension 1 (kv_heads) is 2 but the cache has 4}}
  kvq.append %k, %k into %c : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32> into !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @append_rank(%k: tensor<4x1x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.append' op keys must be [batch, kv_heads, tokens, head_dim] (rank 4), got rank 3}}
  kvq.append %k, %k into %c : tensor<4x1x8xf32>, tensor<4x1x8xf32> into !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @append_mismatch(%k: tensor<1x4x1x8xf32>, %v: tensor<1x4x2x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.append' op keys 'tensor<1x4x1x8xf32>' and values 'tensor<1x4x2x8xf32>' must have the same shape}}
  kvq.append %k, %v into %c : tensor<1x4x1x8xf32>, tensor<1x4x2x8xf32> into !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @append_overflow(%k: tensor<1x4x65x8xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.append' op appends 65 tokens to a cache of capacity 64}}
  kvq.append %k, %k into %c : tensor<1x4x65x8xf32>, tensor<1x4x65x8xf32> into !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @bind_rows(%w: tensor<16x64xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.bind_projections' op key weight has 16 rows but the cache needs kv_heads * head_dim = 32}}
  kvq.bind_projections %c layer 0 keys(%w : tensor<16x64xf32>) values(%w : tensor<16x64xf32>) : !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @bind_rank(%w: tensor<32x64xf32>, %v: tensor<32x64x1xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.bind_projections' op value weight must be a 2-D [kv_heads * head_dim, hidden] matrix, got rank 3}}
  kvq.bind_projections %c layer 0 keys(%w : tensor<32x64xf32>) values(%v : tensor<32x64x1xf32>) : !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @bind_norm(%w: tensor<32x64xf32>, %g: tensor<16xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.bind_projections' op key_norm weight must be [head_dim] = [8], got 'tensor<16xf32>'}}
  kvq.bind_projections %c layer 0 keys(%w : tensor<32x64xf32>) values(%w : tensor<32x64xf32>) key_norm(%g : tensor<16xf32>) : !cache
  return
}

// -----

!cache = !kvq.cache<1x4x64x8xf32, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 16>>
func.func @bind_layer(%w: tensor<32x64xf32>, %c: !cache) {
  // expected-error @+1 {{'kvq.bind_projections' op layer must be non-negative, got -1}}
  kvq.bind_projections %c layer -1 keys(%w : tensor<32x64xf32>) values(%w : tensor<32x64xf32>) : !cache
  return
}

// -----

func.func @quantize_fp16_scheme(%x: tensor<32x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op scheme must be quantized (bits < 16)}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 16>} : tensor<32x8xf32> -> tensor<32x8xi8>, tensor<1x8xf16>, tensor<1x8xf16>
  return
}

// -----

func.func @quantize_rotated(%x: tensor<32x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op scheme must not rotate: rotation belongs to caches}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32, rotation = hadamard>} : tensor<32x8xf32> -> tensor<32x8xi8>, tensor<1x8xf16>, tensor<1x8xf16>
  return
}

// -----

func.func @quantize_group(%x: tensor<48x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op per_channel group (32) must divide the tokens (48)}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<48x8xf32> -> tensor<48x8xi8>, tensor<1x8xf16>, tensor<1x8xf16>
  return
}

// -----

func.func @quantize_channel_group(%x: tensor<4x24xf32>) {
  // expected-error @+1 {{'kvq.quantize' op per_token group (16) must divide the channels (24)}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 16, granularity = per_token>} : tensor<4x24xf32> -> tensor<4x24xi8>, tensor<4x1xf16>, tensor<4x1xf16>
  return
}

// -----

func.func @quantize_scale_shape(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op scales must be 'tensor<2x8xf16>', got 'tensor<2x8xf32>'}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<64x8xf32> -> tensor<64x8xi8>, tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @quantize_symmetric_zeros(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op a symmetric scheme has no zero points}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32, symmetric = true>} : tensor<64x8xf32> -> tensor<64x8xi8>, tensor<2x8xf16>, tensor<2x8xf16>
  return
}

// -----

func.func @quantize_missing_zeros(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op an asymmetric scheme needs zero points}}
  %c, %s = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<64x8xf32> -> tensor<64x8xi8>, tensor<2x8xf16>
  return
}

// -----

func.func @quantize_codes_shape(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'kvq.quantize' op codes must have the input's shape}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<64x8xf32> -> tensor<32x8xi8>, tensor<2x8xf16>, tensor<2x8xf16>
  return
}

// -----

func.func @quantize_rank(%x: tensor<64xf32>) {
  // expected-error @+1 {{'kvq.quantize' op expects a [tokens, channels] tile, got rank 1}}
  %c, %s, %z = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<64xf32> -> tensor<64xi8>, tensor<2xf16>, tensor<2xf16>
  return
}

// -----

func.func @dequantize_zero_type(%c: tensor<64x8xi8>, %s: tensor<2x8xf16>, %z: tensor<2x8xbf16>) {
  // expected-error @+1 {{'kvq.dequantize' op zero points must have the type of the scales ('tensor<2x8xf16>'), got 'tensor<2x8xbf16>'}}
  %y = kvq.dequantize %c, %s, %z {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<64x8xi8>, tensor<2x8xf16>, tensor<2x8xbf16> -> tensor<64x8xf32>
  return
}

// -----

func.func @dequantize_codes(%c: tensor<32x8xi8>, %s: tensor<2x8xf16>) {
  // expected-error @+1 {{'kvq.dequantize' op codes must have the output's shape}}
  %y = kvq.dequantize %c, %s, %s {scheme = #kvq.scheme<bits = 4, group = 32>} : tensor<32x8xi8>, tensor<2x8xf16>, tensor<2x8xf16> -> tensor<64x8xf32>
  return
}

// -----

func.func @pack_bits(%c: tensor<4x64xi8>) {
  // expected-error @+1 {{'kvq.pack' op bits must be 2, 3, 4 or 8, got 5}}
  %w = kvq.pack %c {bits = 5 : i32} : tensor<4x64xi8> -> tensor<4x11xi32>
  return
}

// -----

func.func @pack_words(%c: tensor<4x64xi8>) {
  // expected-error @+1 {{'kvq.pack' op 64 codes of 3 bits pack into 7 words (10 per word), not 6}}
  %w = kvq.pack %c {bits = 3 : i32} : tensor<4x64xi8> -> tensor<4x6xi32>
  return
}

// -----

func.func @unpack_rows(%w: tensor<4x8xi32>) {
  // expected-error @+1 {{'kvq.unpack' op codes and words differ in dimension 0}}
  %c = kvq.unpack %w {bits = 4 : i32} : tensor<4x8xi32> -> tensor<2x64xi8>
  return
}

// -----

func.func @unpack_rank(%w: tensor<4x8xi32>) {
  // expected-error @+1 {{'kvq.unpack' op codes and words must have the same non-zero rank}}
  %c = kvq.unpack %w {bits = 4 : i32} : tensor<4x8xi32> -> tensor<256xi8>
  return
}

// -----

!cache = !kvq.cache<1x2x64x8xf16, keys = #kvq.scheme<bits = 4, group = 32>, values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>
func.func @storage_size(%c: !cache) {
  // expected-error @+1 {{'kvq.storage' op result must be tensor<2816xi8> (the cache's size in bytes), got 'tensor<100xi8>'}}
  %b = kvq.storage %c : !cache -> tensor<100xi8>
  return
}

// -----

func.func @arrive_indices(%counts: memref<8x17xi32, #gpu.address_space<global>>, %i: index) {
  // expected-error @+1 {{'kvq.arrive' op takes 2 indices for its rank-2 counter, not 1}}
  %b = kvq.arrive %counts[%i] : memref<8x17xi32, #gpu.address_space<global>>
  return
}

// -----

func.func @arrive_shared(%counts: memref<17xi32, #gpu.address_space<workgroup>>, %i: index) {
  // expected-error @+1 {{'kvq.arrive' op counter must be in GPU global memory (#gpu.address_space<global>): the count is shared by the blocks of a launch}}
  %b = kvq.arrive %counts[%i] : memref<17xi32, #gpu.address_space<workgroup>>
  return
}

// -----

func.func @arrive_type(%counts: memref<17xi64, #gpu.address_space<global>>, %i: index) {
  // expected-error @+1 {{'kvq.arrive' op operand #0 must be memref of 32-bit signless integer values, but got 'memref<17xi64, #gpu.address_space<global>>'}}
  %b = kvq.arrive %counts[%i] : memref<17xi64, #gpu.address_space<global>>
  return
}
