//===- Passes.td - kvq transformation passes ----------------*- tablegen -*-===//
#ifndef KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD
#define KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KVQReportFootprint : Pass<"kvq-report-footprint", "ModuleOp"> {
  let summary = "Report the storage layout and memory footprint of every cache";
  let description = [{
    For every cache in the module (each `kvq.cache_create`, and each
    `!kvq.cache` argument of a function, as decode steps take them after
    `kvq-raise-attention`), computes the byte layout of the cache buffer (docs/storage-format.md) and reports, as a remark on the
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

def KVQRaiseAttention : Pass<"kvq-raise-attention", "ModuleOp"> {
  let summary = "Raise decode attention over tensor KV caches to kvq cache ops";
  let description = [{
    Finds, in every `func.func`, single-token decode attention written with
    upstream tensor ops over KV caches that are function arguments:

    - the new key and value are written into `[batch, kv_heads, tokens,
      head_dim]` cache tensors at a dynamic position `p` with
      `tensor.insert_slice`, and the updated caches are returned;
    - scores are a contraction of the queries `[batch, heads, head_dim]` with
      the updated key cache over head_dim (a `linalg.generic` or named
      contraction, the key cache possibly transposed, broadcast, reshaped or
      collapsed on the way: grouped-query attention by head expansion or by
      reshaping the queries to `[batch, kv_heads, group, head_dim]`);
    - the scores are scaled by a constant (on the queries or on the scores),
      masked to the tokens `t <= p` (a `select` on `linalg.index`), and
      normalised by `linalg.softmax` or by exp / sum / divide (with or
      without subtracting a per-row maximum);
    - the probabilities are contracted with the updated value cache over the
      tokens.

    Index maps are composed through every view on the way and the pass checks
    semantically (not by op shape) that query head `h` reads KV head
    `h / (heads / kv_heads)`, that channels and tokens line up, and that the
    mask and the cache writes use the same position.

    Each recognised attention becomes

    ```mlir
    kvq.bind_projections %cache layer L keys(%wk : ...) values(%wv : ...)
        [key_norm(%gk : ...)] : !kvq.cache<...>
    kvq.append %k, %v into %cache : ...
    %o = kvq.attend %q, %cache scale S : ...
    ```

    and the two cache tensors become one `!kvq.cache` argument (reference
    semantics: the function no longer returns them). The key/value weights
    are found by following the new key and value back to their projections
    (`key_norm` is Qwen3's per-head key RMSNorm gain). By default a runtime
    check asserts that `p` equals the number of cached tokens, the contract
    of a `kvq.append`: positions must be 0, 1, 2, ... in calls that share a
    cache.

    The cache schemes come from the options (default: 16-bit keys and
    values). Attention the pass does not recognise is left unchanged with a
    remark saying why; a function with callers is left unchanged (its
    signature would change).
  }];
  let dependentDialects = ["::mlir::kvq::KVQDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"keyBits", "key-bits", "unsigned", /*default=*/"16",
           "Bits per key element: 2, 3, 4, 8 or 16 (unquantized)">,
    Option<"valueBits", "value-bits", "unsigned", /*default=*/"16",
           "Bits per value element: 2, 3, 4, 8 or 16 (unquantized)">,
    Option<"keyGroup", "key-group", "unsigned", /*default=*/"32",
           "Key quantization group (tokens for per_channel)">,
    Option<"valueGroup", "value-group", "unsigned", /*default=*/"32",
           "Value quantization group (channels for per_token; clamped to "
           "head_dim)">,
    Option<"keyGranularity", "key-granularity", "std::string",
           /*default=*/"\"per_channel\"", "per_channel or per_token">,
    Option<"valueGranularity", "value-granularity", "std::string",
           /*default=*/"\"per_token\"", "per_channel or per_token">,
    Option<"keySymmetric", "key-symmetric", "bool", /*default=*/"false",
           "Symmetric key quantization (no zero point)">,
    Option<"valueSymmetric", "value-symmetric", "bool", /*default=*/"false",
           "Symmetric value quantization (no zero point)">,
    Option<"scaleType", "scale-type", "std::string", /*default=*/"\"f16\"",
           "Element type of scales and zero points: f16, bf16 or f32">,
    Option<"keyRotation", "key-rotation", "std::string",
           /*default=*/"\"none\"", "none or hadamard">,
    Option<"window", "window", "unsigned", /*default=*/"0",
           "Most recent tokens kept in full precision (keys and values)">,
    Option<"checkPosition", "check-position", "bool", /*default=*/"true",
           "Assert at run time that the position equals the cache length">
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
       of weights. `calibrated` solves the same exact programme with the
       norm proxy replaced by measured errors: `sensitivity` names the JSON
       table `kvq-calibrate` writes (per layer, or per layer and KV head with
       `--per-head`; keys and values; the error at each width when only that
       tensor is quantized), `sensitivity-metric` picks the column
       (`attention_mse`, the default, or `kl`). A per-layer table needs
       `granularity=layer`, a per-head table `granularity=head` (then
       `kvq-split-heads` materialises the widths); a table that does not
       match the module's layers and KV heads, or the candidates, is an
       error naming the file and line. With another policy, a `sensitivity`
       table adds the allocation's measured error to the report.
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
    Option<"sensitivity", "sensitivity", "std::string", /*default=*/"",
           "Measured per-width errors (kvq-calibrate's JSON): required by "
           "the calibrated policy, reported for the others">,
    Option<"sensitivityMetric", "sensitivity-metric", "std::string",
           /*default=*/"\"attention_mse\"",
           "Column of the sensitivity table: attention_mse or kl">,
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

def KVQSplitHeads : Pass<"kvq-split-heads", "ModuleOp"> {
  let summary = "Split caches with per-KV-head widths into one cache per KV head";
  let description = [{
    A cache type has one key and one value scheme, so `kvq-assign-bits
    granularity=head` records its per-KV-head widths as `kvq.key_head_bits`
    and `kvq.value_head_bits` attributes instead of retyping. This pass makes
    such an allocation executable: every `!kvq.cache` function argument that
    carries both attributes (one width per KV head) is replaced by one
    single-head cache per KV head, `!kvq.cache<B x 1 x C x D x E, ...>`,
    whose schemes are the original ones with the head's widths (widths
    without a kernel are rounded down to 2, 3, 4, 8 or 16 as
    `kvq-assign-bits` does; a 16-bit width gets the unquantized scheme).
    Users are rewritten per head:

    - `kvq.append %k, %v` appends slice `h` of the keys and values (a
      `tensor.extract_slice` of the KV-head dimension) into head `h`'s cache;
    - `kvq.attend %q` attends query heads `h*G .. (h+1)*G` (G = query heads per
      KV head, the GQA group) to head `h`'s cache with the same scale and
      lengths, and inserts the outputs into one result;
    - `kvq.length` reads head 0's cache (all heads hold the same tokens);
    - `kvq.bind_projections` is dropped (weight analyses run before).

    Quantization never mixes KV heads (scales are per head, per channel or
    per token group), so a split cache stores exactly the numbers a cache
    with per-head schemes would. The new arguments carry `kvq.role =
    "cache"`, the layer, and `kvq.kv_head`. Any other use of a split cache
    is an error.
  }];
  let dependentDialects = ["::mlir::kvq::KVQDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_TD
