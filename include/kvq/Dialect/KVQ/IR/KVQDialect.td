//===- KVQDialect.td - kvq dialect definition --------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_KVQDIALECT_TD
#define KVQ_DIALECT_KVQ_IR_KVQDIALECT_TD

include "mlir/IR/OpBase.td"

def KVQ_Dialect : Dialect {
  let name = "kvq";
  let cppNamespace = "::mlir::kvq";
  let summary = "Quantized LLM key/value caches and their decode-step attention";
  let description = [{
    The `kvq` dialect describes a quantized key/value cache of a transformer
    layer and the operations of one autoregressive decode step over it:
    creating the cache, appending new key/value tokens (quantizing them and
    flushing whole groups out of a full-precision window of recent tokens), and
    attending from the step's queries to everything cached.

    Keys and values carry independent quantization schemes
    (`#kvq.scheme<...>`) in the cache type (`!kvq.cache<...>`): keys have
    larger norms than values ("Quantize What Counts", arXiv 2502.15075), so for
    the same memory they usually deserve more bits. The schemes in the type are
    where bit-allocation passes record their decisions, and
    `kvq.bind_projections` ties a cache to its layer and to the key/value
    projection weights that feed it so that those passes can find them.

    `kvq.quantize`, `kvq.dequantize`, `kvq.pack` and `kvq.unpack` expose the
    storage numerics as standalone ops for lowering and testing.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 0;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

#endif // KVQ_DIALECT_KVQ_IR_KVQDIALECT_TD
