//===- KVQOps.td - kvq operations ---------------------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_KVQOPS_TD
#define KVQ_DIALECT_KVQ_IR_KVQOPS_TD

include "kvq/Dialect/KVQ/IR/KVQTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

class KVQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<KVQ_Dialect, mnemonic, traits>;

def KVQ_FloatTensor : RankedTensorOf<[F16, BF16, F32]>;
def KVQ_CodeTensor : RankedTensorOf<[I8]>;

//===----------------------------------------------------------------------===//
// Cache life cycle
//===----------------------------------------------------------------------===//

def KVQ_CacheCreateOp : KVQ_Op<"cache_create"> {
  let summary = "Allocate an empty cache";
  let description = [{
    Creates a cache of the result type holding zero tokens. `layer`, when
    present, names the transformer layer the cache belongs to; reports and
    bit allocation use it.

    ```mlir
    %c = kvq.cache_create {layer = 0 : i64} : !kvq.cache<1x4x512x8xf32,
        keys = #kvq.scheme<bits = 4, group = 32>,
        values = #kvq.scheme<bits = 2, group = 8, granularity = per_token>>
    ```
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$layer);
  let results = (outs Res<KVQ_CacheType, "", [MemAlloc]>:$cache);
  let assemblyFormat = "attr-dict `:` qualified(type($cache))";
}

def KVQ_BindProjectionsOp : KVQ_Op<"bind_projections"> {
  let summary = "Tie a cache to its layer and its key/value projection weights";
  let description = [{
    States that the keys appended to `cache` are produced by the projection
    weight `key_weight` and its values by `value_weight`, in transformer layer
    `layer`. Weights are row-major `[kv_heads * head_dim, hidden]`
    (`y = W x`, as in PyTorch `nn.Linear`); rows `h * head_dim ..
    (h + 1) * head_dim` belong to KV head `h`.

    `key_norm_weight`, when present, is the gain of an RMSNorm applied to each
    key head after the projection (Qwen3's `k_norm`), of shape `[head_dim]`.

    The op has no run-time effect: analyses read it and lowerings erase it.

    ```mlir
    kvq.bind_projections %c layer 0 keys(%wk : tensor<32x64xf32>)
        values(%wv : tensor<32x64xf32>) : !kvq.cache<...>
    ```
  }];
  let arguments = (ins KVQ_CacheType:$cache, I64Attr:$layer,
                       KVQ_FloatTensor:$key_weight,
                       KVQ_FloatTensor:$value_weight,
                       Optional<KVQ_FloatTensor>:$key_norm_weight);
  let assemblyFormat = [{
    $cache `layer` $layer `keys` `(` $key_weight `:` type($key_weight) `)`
    `values` `(` $value_weight `:` type($value_weight) `)`
    (`key_norm` `(` $key_norm_weight^ `:` type($key_norm_weight) `)`)?
    attr-dict `:` qualified(type($cache))
  }];
  let hasVerifier = 1;
}

def KVQ_AppendOp : KVQ_Op<"append"> {
  let summary = "Append new key/value tokens to a cache";
  let description = [{
    Appends `T` new tokens per sequence (`keys`, `values`:
    `[batch, kv_heads, T, head_dim]`) after the tokens already cached. New
    tokens enter the full-precision window; whenever more than `window`
    tokens of a tensor are unquantized, its oldest whole token group is
    quantized, so every token is quantized exactly once, from its
    full-precision value, and nothing quantized is ever re-quantized. Keys are
    rotated first when the key scheme asks for it.

    Appending past `capacity` is a run-time error.

    ```mlir
    kvq.append %k, %v into %c : tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>
        into !kvq.cache<...>
    ```
  }];
  let arguments = (ins KVQ_FloatTensor:$keys, KVQ_FloatTensor:$values,
                       Arg<KVQ_CacheType, "", [MemRead, MemWrite]>:$cache);
  let assemblyFormat = [{
    $keys `,` $values `into` $cache attr-dict `:` type($keys) `,`
    type($values) `into` qualified(type($cache))
  }];
  let hasVerifier = 1;
}

def KVQ_LengthOp : KVQ_Op<"length"> {
  let summary = "Number of tokens currently in a cache";
  let arguments = (ins Arg<KVQ_CacheType, "", [MemRead]>:$cache);
  let results = (outs Index:$length);
  let assemblyFormat = "$cache attr-dict `:` qualified(type($cache))";
}

def KVQ_AttendOp : KVQ_Op<"attend"> {
  let summary = "Decode-step attention of queries against a cache";
  let description = [{
    For every sequence `b` and query head `h`, computes
    `softmax(scale * q[b, h] . K[b, g]^T) . V[b, g]` over the cached tokens,
    where `g = h / (q_heads / kv_heads)` is the KV head shared by a group of
    query heads (grouped-query attention). Quantized tokens are dequantized
    and the full-precision window is read as is. The softmax is numerically
    stable and accumulated in f32.

    `lengths`, when given (`tensor<batch x i32>`), limits sequence `b` to its
    first `lengths[b]` cached tokens (a causal/padding mask for ragged
    batches); otherwise every cached token is attended to. `scale` defaults to
    `1 / sqrt(head_dim)`.

    ```mlir
    %o = kvq.attend %q, %c scale 0.353553 : tensor<1x8x8xf32>,
        !kvq.cache<...> -> tensor<1x8x8xf32>
    ```
  }];
  let arguments = (ins KVQ_FloatTensor:$queries,
                       Arg<KVQ_CacheType, "", [MemRead]>:$cache,
                       Optional<RankedTensorOf<[I32]>>:$lengths,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs KVQ_FloatTensor:$output);
  let assemblyFormat = [{
    $queries `,` $cache (`lengths` `(` $lengths^ `:` type($lengths) `)`)?
    (`scale` $scale^)? attr-dict `:` type($queries) `,`
    qualified(type($cache)) `->` type($output)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: the attribute, or 1/sqrt(head_dim) when absent.
    float getScaleOrDefault();
  }];
}

def KVQ_StorageOp : KVQ_Op<"storage"> {
  let summary = "A copy of a cache's raw bytes in the documented layout";
  let description = [{
    Returns the cache buffer byte for byte (docs/storage-format.md): the
    header with the token count, then codes, scales, zero points and window
    rings of keys and values. The result must be `tensor<N x i8>` where N is
    the cache's size in bytes. Used to check storage bit for bit, to compare
    implementations, and to save a cache.
  }];
  let arguments = (ins Arg<KVQ_CacheType, "", [MemRead]>:$cache);
  let results = (outs RankedTensorOf<[I8]>:$bytes);
  let assemblyFormat = [{
    $cache attr-dict `:` qualified(type($cache)) `->` type($bytes)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Storage numerics
//===----------------------------------------------------------------------===//

def KVQ_QuantizeOp : KVQ_Op<"quantize", [Pure]> {
  let summary = "Quantize a [tokens, channels] tile under a scheme";
  let description = [{
    Quantizes `input` (`[tokens, channels]`) under `scheme` (which must be
    quantized and not rotated; rotation is the cache's business). Produces
    one unpacked code per element (`i8`, read as unsigned,
    `0 .. 2^bits - 1`), the scales, and, for asymmetric schemes, the zero
    points. Scales and zeros are `[tokens / group, channels]` for per_channel
    schemes and `[tokens, channels / group]` for per_token ones, in the
    scheme's scale type. Numerics are specified in docs/storage-format.md.

    ```mlir
    %codes, %scales, %zeros = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 32>}
        : tensor<64x128xf32> -> tensor<64x128xi8>, tensor<2x128xf16>, tensor<2x128xf16>
    ```
  }];
  let arguments = (ins KVQ_FloatTensor:$input, KVQ_SchemeAttr:$scheme);
  let results = (outs KVQ_CodeTensor:$codes, KVQ_FloatTensor:$scales,
                      Optional<KVQ_FloatTensor>:$zeros);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($codes) `,` type($scales)
    (`,` type($zeros)^)?
  }];
  let hasVerifier = 1;
}

def KVQ_DequantizeOp : KVQ_Op<"dequantize", [Pure]> {
  let summary = "Reconstruct a [tokens, channels] tile from codes and scales";
  let description = [{
    The inverse of `kvq.quantize`: `code * scale + zero` for asymmetric
    schemes, `(code - 2^(bits-1)) * scale` for symmetric ones, computed in
    f32 and rounded to the result type.
  }];
  let arguments = (ins KVQ_CodeTensor:$codes, KVQ_FloatTensor:$scales,
                       Optional<KVQ_FloatTensor>:$zeros, KVQ_SchemeAttr:$scheme);
  let results = (outs KVQ_FloatTensor:$output);
  let assemblyFormat = [{
    $codes `,` $scales (`,` $zeros^)? attr-dict `:` type($codes) `,`
    type($scales) (`,` type($zeros)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

def KVQ_PackOp : KVQ_Op<"pack", [Pure]> {
  let summary = "Pack unpacked codes into 32-bit words along the last axis";
  let description = [{
    Packs `[rows, n]` codes of `bits` bits into `[rows, ceil(n / c)]` i32
    words, `c = floor(32 / bits)` codes per word: code `j` of a row goes to
    word `j / c`, bits `(j % c) * bits ..` counted from the least significant
    bit. Unused high bits (3-bit codes leave 2 per word) and unused codes of a
    final partial word are zero. Codes must be below `2^bits`.
  }];
  let arguments = (ins KVQ_CodeTensor:$codes, I32Attr:$bits);
  let results = (outs RankedTensorOf<[I32]>:$words);
  let assemblyFormat = "$codes attr-dict `:` type($codes) `->` type($words)";
  let hasVerifier = 1;
}

def KVQ_UnpackOp : KVQ_Op<"unpack", [Pure]> {
  let summary = "Unpack 32-bit words into one code per element";
  let description = [{
    The inverse of `kvq.pack`; the result's last dimension says how many
    codes each row holds.
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$words, I32Attr:$bits);
  let results = (outs KVQ_CodeTensor:$codes);
  let assemblyFormat = "$words attr-dict `:` type($words) `->` type($codes)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GPU kernels
//===----------------------------------------------------------------------===//

def KVQ_ArriveOp : KVQ_Op<"arrive"> {
  let summary = "Count one arrival at a GPU-scope counter, acquire-release";
  let description = [{
    Atomically adds 1 to the `i32` element `counter[indices]` of GPU global
    memory and returns the value it held before, with acquire-release
    semantics at GPU scope (PTX `atom.acq_rel.gpu.global.add.u32`). What the
    caller ordered before it (in program order, or through a barrier it
    passed) is visible to a thread that later reads the count from another
    arrival, and what earlier arrivals released is visible to the caller's
    later reads. The attention kernels' split merge counts finished splits
    with it (docs/gpu.md, *the split merge*).

    `kvq-convert-kernel-ops-to-nvvm` lowers it. It is an op of its own
    rather than `memref.atomic_rmw` between fences because LLVM's NVPTX
    backend (LLVM 22) emits every `atomicrmw` as a relaxed `atom`, whatever
    its ordering, and one acquire-release atomic measured faster than a
    release fence, a relaxed atomic and an acquire fence
    (docs/performance.md, v3.30).

    ```mlir
    %before = kvq.arrive %counts[%row, %slot]
        : memref<8x17xi32, #gpu.address_space<global>>
    ```
  }];
  let arguments = (ins Arg<MemRefOf<[I32]>, "", [MemRead, MemWrite]>:$counter,
                       Variadic<Index>:$indices);
  let results = (outs I32:$before);
  let builders = [OpBuilder<(ins "Value":$counter, "ValueRange":$indices), [{
    build($_builder, $_state, $_builder.getI32Type(), counter, indices);
  }]>];
  let assemblyFormat = [{
    $counter `[` $indices `]` attr-dict `:` type($counter)
  }];
  let hasVerifier = 1;
}

#endif // KVQ_DIALECT_KVQ_IR_KVQOPS_TD
