//===- KVQAttrs.td - kvq attributes and enums ---------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_KVQATTRS_TD
#define KVQ_DIALECT_KVQ_IR_KVQATTRS_TD

include "kvq/Dialect/KVQ/IR/KVQDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def KVQ_Granularity : I32EnumAttr<"Granularity",
    "which elements share one scale (and zero point)", [
      I32EnumAttrCase<"PerChannel", 0, "per_channel">,
      I32EnumAttrCase<"PerToken", 1, "per_token">
    ]> {
  let cppNamespace = "::mlir::kvq";
  let genSpecializedAttr = 0;
  let description = [{
    `per_channel`: one scale per channel for each run of `group` consecutive
    tokens (groups run along the token axis; the usual layout for keys, whose
    outliers sit in fixed channels). `per_token`: one scale per token for each
    run of `group` consecutive channels (groups run along head_dim; the usual
    layout for values).
  }];
}

def KVQ_Rotation : I32EnumAttr<"Rotation", "orthogonal rotation applied to keys", [
      I32EnumAttrCase<"None", 0, "none">,
      I32EnumAttrCase<"Hadamard", 1, "hadamard">
    ]> {
  let cppNamespace = "::mlir::kvq";
  let genSpecializedAttr = 0;
}

class KVQ_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<KVQ_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def KVQ_SchemeAttr : KVQ_Attr<"Scheme", "scheme"> {
  let summary = "How one of a cache's tensors (keys or values) is stored";
  let description = [{
    A quantization scheme for the keys or the values of a cache.

    - `bits`: 2, 3, 4 or 8 for integer codes; 16 for unquantized storage in
      the cache's element type (the other fields must then keep their
      defaults).
    - `group`: how many elements share one scale; along tokens for
      `per_channel`, along head_dim for `per_token`.
    - `granularity`: `per_channel` (default) or `per_token`.
    - `symmetric`: `false` (default) stores a scale and a zero point
      (min-max asymmetric); `true` stores a scale only.
    - `scale_type`: element type of scales and zero points: f16 (default),
      bf16 or f32.
    - `rotation`: `hadamard` applies a normalised Walsh-Hadamard transform to
      keys before quantization (and to the query at attention time, so q.k is
      preserved). Keys only.
    - `window`: how many most recent tokens stay in full precision. Tokens are
      quantized one whole token group at a time (a group of `group` tokens
      for `per_channel`, one token for `per_token`) once more than `window`
      tokens are unquantized; so `window` must be a multiple of the token
      group.

    Example:
    ```mlir
    #kvq.scheme<bits = 4, group = 32, granularity = per_channel, window = 128>
    #kvq.scheme<bits = 2, group = 32, granularity = per_token, symmetric = true>
    #kvq.scheme<bits = 16>
    ```
  }];
  let parameters = (ins
    "unsigned":$bits,
    DefaultValuedParameter<"unsigned", "0">:$group,
    DefaultValuedParameter<"::mlir::kvq::Granularity",
        "::mlir::kvq::Granularity::PerChannel">:$granularity,
    DefaultValuedParameter<"bool", "false">:$symmetric,
    DefaultValuedParameter<"::mlir::Type",
        "::mlir::Float16Type::get($_ctxt)">:$scale_type,
    DefaultValuedParameter<"::mlir::kvq::Rotation",
        "::mlir::kvq::Rotation::None">:$rotation,
    DefaultValuedParameter<"unsigned", "0">:$window
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True when codes are stored (bits < 16).
    bool isQuantized() const { return getBits() < 16; }
    /// Number of tokens quantized together: `group` for per_channel schemes,
    /// 1 for per_token schemes, 0 for unquantized ones.
    unsigned getTokenGroup() const;
    /// Number of channels sharing one scale within a token group.
    unsigned getChannelGroup() const;
    /// Codes per 32-bit storage word: floor(32 / bits).
    unsigned getCodesPerWord() const { return 32 / getBits(); }
    /// Largest stored code, 2^bits - 1.
    unsigned getMaxCode() const { return (1u << getBits()) - 1; }
  }];
}

#endif // KVQ_DIALECT_KVQ_IR_KVQATTRS_TD
