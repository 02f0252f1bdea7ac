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

def KVQAssignBits : Pass<"kvq-assign-bits", "ModuleOp"> {
  let summary = "Choose key and value bit widths of every cache under a memory budget";
  let description = [{
    Weight-geometry bit allocation ("Quantize What Counts", arXiv
    2502.15075): keys and values whose projection weights have larger norms
    get more bits, under a budget of average stored bits per cached element.

    1. **Finding the weights.** For every cache (`kvq.cache_create` result or
       `!kvq.cache` function argument) the pass reads the key and value
       projection weights from its `kvq.bind_projections`, or, without one,
       follows the keys and values appended to the cache back through
       use-def chains (reshapes, transposes, casts, RoPE and other
       elementwise ops, normalisations) to the contraction that projects
       them. Weights may be `arith.constant` `dense` or `dense_resource`
       tensors, `ml_program.global`s with such values, or external
       checkpoint references (`#ml_program.extern` globals with a
       `kvq.external = {file, tensor, offset, bytes, file_size}` dictionary,
       mapped read-only; relative paths resolve against `weights-dir`, by
       default the directory of the input file). A cache whose weights cannot
       be read (a function argument, an unknown producer) gets a remark saying
       why and falls back to the mean norms of the caches that were read (norm
       1 for keys and values when none were).
    2. **Norms.** Frobenius or spectral (`norm`), whole layer and per KV
       head, in float64, in parallel over layers (`threads`). When an
       RMSNorm with gain g (Qwen3 `k_norm`) produces the cached keys, their
       size no longer depends on W_K: the pass measures the operator that
       produces them, diag(g) applied to the unit-RMS normalised head
       (docs/allocation.md), and reports both the raw W_K norm and this
       effective key norm.
    3. **Allocation.** Policies `uniform`, `fixed` (`fixed-key-bits`,
       `fixed-value-bits`), `greedy` (the paper's rule, exactly) and
       `optimal` (the exact minimum of sum c * 2^(-2b), c = norm^2, under the
       budget), over `candidates`, per `granularity` (model, layer, head).
       `accounting=stored` charges each width its stored bits per element
       including scale and zero-point bytes (docs/storage-format.md);
       `accounting=paper` charges the width alone. `profile` takes the norms
       from a JSON profile (`{"w_k": [...], "w_v": [...]}` per layer) instead
       of weights. `calibrated` (measured attention-output error) is not
       implemented yet and fails with an error saying so.
    4. **Result.** Each cache is retyped with the chosen key and value
       schemes (the cache_create result or the function argument, and every
       use). Widths the kernels lack (not 2, 3, 4, 8, 16) are rounded down to
       a kernel width (up to 2 below 2) with a warning. Per-head allocations
       cannot be expressed in a cache type: with `granularity=head` the
       pass reports them and records them as `kvq.key_head_bits` /
       `kvq.value_head_bits` attributes without retyping. A per-layer table
       (norms, ratio, bits, modeled error, bytes) is printed as remarks and,
       with `json`, written as a JSON report.
  }];
  let dependentDialects = ["::mlir::kvq::KVQDialect"];
  let options = [
    Option<"policy", "policy", "std::string", /*default=*/"\"optimal\"",
           "uniform, fixed, greedy, optimal or calibrated">,
    Option<"budget", "budget", "double", /*default=*/"4.0",
           "Average bits per cached element (see accounting)">,
    ListOption<"candidates", "candidates", "double",
           "Candidate widths (default 2,3,4,8,16)">,
    Option<"accounting", "accounting", "std::string", /*default=*/"\"stored\"",
           "stored (codes plus scale/zero bytes) or paper (widths only)">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"layer\"",
           "model, layer or head">,
    Option<"normKind", "norm", "std::string", /*default=*/"\"frobenius\"",
           "frobenius or spectral">,
    Option<"keyGroup", "key-group", "unsigned", /*default=*/"0",
           "Key group of quantized schemes (0: keep the cache's, else "
           "gcd(32, capacity))">,
    Option<"valueGroup", "value-group", "unsigned", /*default=*/"0",
           "Value group of quantized schemes (0: keep the cache's, else "
           "gcd(32, head_dim))">,
    Option<"fixedKeyBits", "fixed-key-bits", "double", /*default=*/"4.0",
           "Key width of the fixed policy">,
    Option<"fixedValueBits", "fixed-value-bits", "double", /*default=*/"2.0",
           "Value width of the fixed policy">,
    Option<"profile", "profile", "std::string", /*default=*/"",
           "Take per-layer norms from this JSON profile instead of weights">,
    Option<"emitJson", "json", "std::string", /*default=*/"",
           "Write the report as JSON to this file ('-' for stdout)">,
    Option<"weightsDir", "weights-dir", "std::string", /*default=*/"",
           "Directory for relative external weight files (default: the "
           "input file's)">,
    Option<"threads", "threads", "unsigned", /*default=*/"0",
           "Threads for the norms (0: all cores)">,
    Option<"requireWeights", "require-weights", "bool", /*default=*/"false",
           "Fail instead of falling back when a cache's weights cannot be "
           "read">
  ];
}

#endif // KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD
