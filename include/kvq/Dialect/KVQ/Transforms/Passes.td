//===- Passes.td - kvq transformation passes ----------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD
#define KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KVQReportFootprint : Pass<"kvq-report-footprint", "ModuleOp"> {
  let summary = "Report the storage layout and memory footprint of every cache";
  let description = [{
    For every `kvq.cache_create` in the module, computes the byte layout of
    the cache buffer (docs/storage-format.md) and reports, as a remark on the
    op: total bytes, stored bits per key and per value element (codes plus
    scale and zero-point bytes, amortised over their group), and bytes per
    token and sequence. A final remark on the module sums all caches and
    compares them with an fp16 cache of the same shape.

    The pass does not change the IR. It answers the first question a serving
    engineer asks of a quantized cache configuration: how much memory does it
    take, and what does each part cost?

    Example: `kvq-opt --kvq-report-footprint model.mlir` prints
    `remark: kvq cache (layer 0): 4288 bytes; keys 5.000 bits/elem, ...`.
  }];
  let options = [
    Option<"emitJson", "json", "std::string", /*default=*/"",
           "Also write the report as JSON to this file ('-' for stdout)">
  ];
}

#endif // KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD
