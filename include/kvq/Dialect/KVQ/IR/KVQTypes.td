//===- KVQTypes.td - kvq types ------------------------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_KVQTYPES_TD
#define KVQ_DIALECT_KVQ_IR_KVQTYPES_TD

include "kvq/Dialect/KVQ/IR/KVQAttrs.td"
include "mlir/IR/AttrTypeBase.td"

def KVQ_CacheType : TypeDef<KVQ_Dialect, "Cache"> {
  let mnemonic = "cache";
  let summary = "A quantized key/value cache of one attention layer";
  let description = [{
    A mutable cache holding the keys and values of `kv_heads` heads for each
    of `batch` sequences, up to `capacity` tokens of `head_dim` channels each.
    `element_type` is the type of full-precision data (f16, bf16 or f32):
    the window of recent tokens, unquantized (16-bit) tensors, and the
    appended keys/values. Keys and values are stored under independent
    schemes.

    The cache is a reference: `kvq.append` updates it in place and
    `kvq.attend` reads it. Its storage is one buffer whose layout is a pure
    function of the type (see docs/storage-format.md).

    Example:
    ```mlir
    !kvq.cache<1x8x4096x128xf16,
               keys = #kvq.scheme<bits = 4, group = 32, window = 128>,
               values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 128>>
    ```
  }];
  let parameters = (ins
    "int64_t":$batch,
    "int64_t":$kv_heads,
    "int64_t":$capacity,
    "int64_t":$head_dim,
    "::mlir::Type":$element_type,
    "::mlir::kvq::SchemeAttr":$keys,
    "::mlir::kvq::SchemeAttr":$values
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // KVQ_DIALECT_KVQ_IR_KVQTYPES_TD
