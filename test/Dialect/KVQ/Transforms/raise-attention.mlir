// Hand-written decode attention over tensor KV caches, in the variants a
// frontend emits, and what kvq-raise-attention makes of it. Each function
// takes x, the position, q/k/v projection weights (or q/k/v themselves) and
// the [1, kv_heads, 16, 4] key and value caches, and returns the attention
// output and the updated caches. 4 query heads, head_dim 4.
// RUN: kvq-opt %s --split-input-file --kvq-raise-attention -verify-diagnostics | FileCheck %s
// RUN: kvq-opt %s --split-input-file --kvq-raise-attention="key-bits=4 value-bits=2 key-group=16 value-group=4 window=0 key-rotation=hadamard" -verify-diagnostics | FileCheck %s --check-prefix=QUANT
// QUANT-DAG: #[[K:.*]] = #kvq.scheme<bits = 4, group = 16, rotation = hadamard>
// QUANT-DAG: #[[V:.*]] = #kvq.scheme<bits = 2, group = 4, granularity = per_token>
// QUANT-LABEL: func.func @gqa_expand
// QUANT-SAME: !kvq.cache<1x2x16x4xf32, keys = #[[K]], values = #[[V]]>
// QUANT: kvq.attend

// GQA by head expansion (linalg.broadcast + collapse_shape), scale and
// causal mask fused after the scores, softmax as max / exp / sum / div.
// CHECK-LABEL: func.func @gqa_expand
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @gqa_expand(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Keys transposed to [b, h, d, t] before the score contraction.
// CHECK-LABEL: func.func @transposed_k
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @transposed_k(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %ekt = tensor.empty() : tensor<1x4x4x16xf32>
  %kt = linalg.transpose ins(%ke : tensor<1x4x16x4xf32>) outs(%ekt : tensor<1x4x4x16xf32>) permutation = [0, 1, 3, 2]
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, d, t)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %kt : tensor<1x4x4xf32>, tensor<1x4x4x16xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// The scale multiplies the queries; it folds into the attend scale.
// CHECK-LABEL: func.func @scale_on_q
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 2.500000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @scale_on_q(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %eqs = tensor.empty() : tensor<1x4x4xf32>
  %qs = linalg.generic {indexing_maps = [affine_map<(b, h, d) -> (b, h, d)>, affine_map<(b, h, d) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q3 : tensor<1x4x4xf32>) outs(%eqs : tensor<1x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.25 : f32
    %y = arith.mulf %in, %c : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%qs, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %in, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// GQA by reshaping the queries to [b, kv_heads, group, d] against the
// unexpanded caches; the output keeps that layout through an expand_shape.
// CHECK-LABEL: func.func @gqa_reshape
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x2x2x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3]] output_shape [1, 2, 2, 4] : tensor<1x4x4xf32> into tensor<1x2x2x4xf32>
func.func @gqa_reshape(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x2x2x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %q4 = tensor.expand_shape %q3 [[0], [1, 2], [3]] output_shape [1, 2, 2, 4] : tensor<1x4x4xf32> into tensor<1x2x2x4xf32>
  %es = tensor.empty() : tensor<1x2x2x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x2x16xf32>) -> tensor<1x2x2x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, g, r, t, d) -> (b, g, r, d)>, affine_map<(b, g, r, t, d) -> (b, g, t, d)>, affine_map<(b, g, r, t, d) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q4, %kc2 : tensor<1x2x2x4xf32>, tensor<1x2x16x4xf32>) outs(%fs : tensor<1x2x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %em = tensor.empty() : tensor<1x2x2x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x2x16xf32>) outs(%em : tensor<1x2x2x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 3 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %er = tensor.empty() : tensor<1x2x2xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%sm : tensor<1x2x2x16xf32>) outs(%fmax : tensor<1x2x2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %ee = tensor.empty() : tensor<1x2x2x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x2x2x16xf32>, tensor<1x2x2xf32>) outs(%ee : tensor<1x2x2x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x2x2x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<1x2x2x16xf32>) outs(%fsum : tensor<1x2x2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %ep = tensor.empty() : tensor<1x2x2x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x2x2x16xf32>, tensor<1x2x2xf32>) outs(%ep : tensor<1x2x2x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %eo = tensor.empty() : tensor<1x2x2x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, g, r, d, t) -> (b, g, r, t)>, affine_map<(b, g, r, d, t) -> (b, g, t, d)>, affine_map<(b, g, r, d, t) -> (b, g, r, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %vc2 : tensor<1x2x2x16xf32>, tensor<1x2x16x4xf32>) outs(%fo : tensor<1x2x2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x4xf32>
  return %o, %kc2, %vc2 : tensor<1x2x2x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Both: reshaped queries and transposed keys.
// CHECK-LABEL: func.func @gqa_reshape_transposed_k
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x2x2x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK: tensor.expand_shape
func.func @gqa_reshape_transposed_k(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x2x2x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %q4 = tensor.expand_shape %q3 [[0], [1, 2], [3]] output_shape [1, 2, 2, 4] : tensor<1x4x4xf32> into tensor<1x2x2x4xf32>
  %es = tensor.empty() : tensor<1x2x2x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x2x16xf32>) -> tensor<1x2x2x16xf32>
  %ekt = tensor.empty() : tensor<1x2x4x16xf32>
  %kt = linalg.transpose ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekt : tensor<1x2x4x16xf32>) permutation = [0, 1, 3, 2]
  %s = linalg.generic {indexing_maps = [affine_map<(b, g, r, t, d) -> (b, g, r, d)>, affine_map<(b, g, r, t, d) -> (b, g, d, t)>, affine_map<(b, g, r, t, d) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q4, %kt : tensor<1x2x2x4xf32>, tensor<1x2x4x16xf32>) outs(%fs : tensor<1x2x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %em = tensor.empty() : tensor<1x2x2x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x2x16xf32>) outs(%em : tensor<1x2x2x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 3 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %er = tensor.empty() : tensor<1x2x2xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%sm : tensor<1x2x2x16xf32>) outs(%fmax : tensor<1x2x2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %ee = tensor.empty() : tensor<1x2x2x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x2x2x16xf32>, tensor<1x2x2xf32>) outs(%ee : tensor<1x2x2x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x2x2x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<1x2x2x16xf32>) outs(%fsum : tensor<1x2x2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %ep = tensor.empty() : tensor<1x2x2x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, g, r, t) -> (b, g, r, t)>, affine_map<(b, g, r, t) -> (b, g, r)>, affine_map<(b, g, r, t) -> (b, g, r, t)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x2x2x16xf32>, tensor<1x2x2xf32>) outs(%ep : tensor<1x2x2x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x16xf32>
  %eo = tensor.empty() : tensor<1x2x2x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, g, r, d, t) -> (b, g, r, t)>, affine_map<(b, g, r, d, t) -> (b, g, t, d)>, affine_map<(b, g, r, d, t) -> (b, g, r, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %vc2 : tensor<1x2x2x16xf32>, tensor<1x2x16x4xf32>) outs(%fo : tensor<1x2x2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x4xf32>
  return %o, %kc2, %vc2 : tensor<1x2x2x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// linalg.softmax, scores divided by a constant.
// CHECK-LABEL: func.func @named_softmax_div_scale
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @named_softmax_div_scale(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 2.0 : f32
    %y = arith.divf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.softmax dimension(2) ins(%sm : tensor<1x4x16xf32>) outs(%ep : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Multi-head attention (no GQA): heads == kv_heads.
// CHECK-LABEL: func.func @mha
// CHECK: !kvq.cache<1x4x16x4xf32
// CHECK: kvq.append
// CHECK: kvq.attend %{{.*}} scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x4x16x4xf32
func.func @mha(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %kc: tensor<1x4x16x4xf32>, %vc: tensor<1x4x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<16xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<16xf32>) -> tensor<16xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fk : tensor<16xf32>) -> tensor<16xf32>
  %ev = tensor.empty() : tensor<16xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<16xf32>) -> tensor<16xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fv : tensor<16xf32>) -> tensor<16xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 4, 1, 4] : tensor<16xf32> into tensor<1x4x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 4, 1, 4] : tensor<16xf32> into tensor<1x4x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 4, 1, 4] [1, 1, 1, 1] : tensor<1x4x1x4xf32> into tensor<1x4x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 4, 1, 4] [1, 1, 1, 1] : tensor<1x4x1x4xf32> into tensor<1x4x16x4xf32>
  %ke = tensor.cast %kc2 : tensor<1x4x16x4xf32> to tensor<1x4x16x4xf32>
  %ve = tensor.cast %vc2 : tensor<1x4x16x4xf32> to tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>
}

// -----

// The mask written as `t >= p + 1 ? -inf : s`.
// CHECK-LABEL: func.func @strict_mask
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @strict_mask(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %one = arith.constant 1 : index
    %p1 = arith.addi %pos, %one : index
    %bad = arith.cmpi sge, %t, %p1 : index
    %r = arith.select %bad, %ninf, %y : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// An additive mask: s + (t <= p ? 0 : -inf).
// CHECK-LABEL: func.func @additive_mask
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>,
// CHECK-SAME: %[[C:.*]]: !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> {kvq.layer = 0 : i64, kvq.role = "cache"}) -> tensor<1x4x4xf32>
// CHECK: kvq.bind_projections %[[C]] layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) :
// CHECK: %[[LEN:.*]] = kvq.length %[[C]]
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LEN]], %arg1 : index
// CHECK: cf.assert %[[OK]], "kvq: decode position differs
// CHECK: kvq.append %{{.*}}, %{{.*}} into %[[C]] : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32> into
// CHECK: kvq.attend %{{.*}}, %[[C]] scale 5.000000e-01 : tensor<1x4x4xf32>, !kvq.cache<1x2x16x4xf32, keys = #b16, values = #b16> -> tensor<1x4x4xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<1x4x4xf32>
func.func @additive_mask(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %bias = arith.select %ok, %zero, %ninf : f32
    %r = arith.addf %y, %bias : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Qwen3: an RMSNorm over every key head between projection and cache;
// its gain is bound as key_norm.
// CHECK-LABEL: func.func @key_norm
// CHECK-SAME: %[[WK:[a-z0-9]+]]: tensor<8x8xf32>, %[[WV:[a-z0-9]+]]: tensor<8x8xf32>, %[[GK:[a-z0-9]+]]: tensor<4xf32>,
// CHECK: kvq.bind_projections %{{.*}} layer 0 keys(%[[WK]] : tensor<8x8xf32>) values(%[[WV]] : tensor<8x8xf32>) key_norm(%[[GK]] : tensor<4xf32>)
// CHECK: kvq.attend
func.func @key_norm(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %gk: tensor<4xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k3 = tensor.expand_shape %k [[0, 1, 2]] output_shape [1, 2, 4] : tensor<8xf32> into tensor<1x2x4xf32>
  %ess = tensor.empty() : tensor<1x2xf32>
  %fss = linalg.fill ins(%zero : f32) outs(%ess : tensor<1x2xf32>) -> tensor<1x2xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(b, g, d) -> (b, g, d)>, affine_map<(b, g, d) -> (b, g)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%k3 : tensor<1x2x4xf32>) outs(%fss : tensor<1x2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %in, %in : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<1x2xf32>
  %ekn = tensor.empty() : tensor<1x2x4xf32>
  %kn = linalg.generic {indexing_maps = [affine_map<(b, g, d) -> (b, g, d)>, affine_map<(b, g, d) -> (b, g)>, affine_map<(b, g, d) -> (d)>, affine_map<(b, g, d) -> (b, g, d)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%k3, %ss, %gk : tensor<1x2x4xf32>, tensor<1x2xf32>, tensor<4xf32>) outs(%ekn : tensor<1x2x4xf32>) {
  ^bb0(%in: f32, %sq: f32, %g: f32, %out: f32):
    %n = arith.constant 4.0 : f32
    %eps = arith.constant 1.0e-06 : f32
    %m = arith.divf %sq, %n : f32
    %me = arith.addf %m, %eps : f32
    %rt = math.rsqrt %me : f32
    %y = arith.mulf %in, %rt : f32
    %z = arith.mulf %y, %g : f32
    linalg.yield %z : f32
  } -> tensor<1x2x4xf32>
  %k4 = tensor.expand_shape %kn [[0], [1, 2], [3]] output_shape [1, 2, 1, 4] : tensor<1x2x4xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Queries, keys and values as arguments: raised, without a binding.
// CHECK-LABEL: func.func @no_projections
// CHECK-NOT: kvq.bind_projections
// CHECK: kvq.append
// CHECK: kvq.attend
func.func @no_projections(%x: tensor<8xf32>, %pos: index, %q: tensor<16xf32>, %k: tensor<8xf32>, %v: tensor<8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @below {{kvq.bind_projections omitted}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Unmasked attention reads unwritten cache slots: not raised.
// CHECK-LABEL: func.func @no_mask
// CHECK-NOT: kvq.
// CHECK: tensor.insert_slice
// CHECK: return
func.func @no_mask(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  // expected-remark @below {{not masked to the cache positions written so far}}
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  // expected-remark @below {{its key cache's attention was not recognised}}
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    linalg.yield %y : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// Head h reads KV head h mod kv_heads (broadcast on the wrong axis): not
// grouped-query attention, not raised.
// CHECK-LABEL: func.func @wrong_gqa
// CHECK-NOT: kvq.
// CHECK: return
func.func @wrong_gqa(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  // expected-remark @below {{no [batch, heads, head_dim] queries whose head h reads KV head h / group}}
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  // expected-remark @below {{its key cache's attention was not recognised}}
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [1]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [1]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// The mask uses another position than the cache writes: not raised.
// CHECK-LABEL: func.func @other_position
// CHECK-NOT: kvq.
// CHECK: return
func.func @other_position(%x: tensor<8xf32>, %pos: index, %pos2: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  // expected-remark @below {{the mask compares with a different position}}
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  // expected-remark @below {{its key cache's attention was not recognised}}
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos2 : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// The updated key cache is also copied out: not raised.
// CHECK-LABEL: func.func @extra_use
// CHECK-NOT: kvq.
// CHECK: return
func.func @extra_use(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  // expected-remark @below {{the cache is read by more than one op}}
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  // expected-remark @below {{do not come from a raisable key cache}}
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  %ecopy = tensor.empty() : tensor<1x2x16x4xf32>
  %copy = linalg.copy ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ecopy : tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  return %o, %kc2, %vc2, %copy : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// -----

// A function with callers keeps its signature: not raised.
// CHECK-LABEL: func.func @called
// CHECK-NOT: kvq.
// CHECK-LABEL: func.func @caller
// expected-remark @below {{has callers}}
func.func @called(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>)
    -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<16xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16xf32>) -> tensor<16xf32>
  %q = linalg.matvec ins(%wq, %x : tensor<16x8xf32>, tensor<8xf32>) outs(%fq : tensor<16xf32>) -> tensor<16xf32>
  %ek = tensor.empty() : tensor<8xf32>
  %fk = linalg.fill ins(%zero : f32) outs(%ek : tensor<8xf32>) -> tensor<8xf32>
  %k = linalg.matvec ins(%wk, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fk : tensor<8xf32>) -> tensor<8xf32>
  %ev = tensor.empty() : tensor<8xf32>
  %fv = linalg.fill ins(%zero : f32) outs(%ev : tensor<8xf32>) -> tensor<8xf32>
  %v = linalg.matvec ins(%wv, %x : tensor<8x8xf32>, tensor<8xf32>) outs(%fv : tensor<8xf32>) -> tensor<8xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [1, 4, 4] : tensor<16xf32> into tensor<1x4x4xf32>
  %k4 = tensor.expand_shape %k [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %v4 = tensor.expand_shape %v [[0, 1, 2, 3]] output_shape [1, 2, 1, 4] : tensor<8xf32> into tensor<1x2x1x4xf32>
  %kc2 = tensor.insert_slice %k4 into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %vc2 = tensor.insert_slice %v4 into %vc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  %ekb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %kb = linalg.broadcast ins(%kc2 : tensor<1x2x16x4xf32>) outs(%ekb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ke = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %evb = tensor.empty() : tensor<1x2x2x16x4xf32>
  %vb = linalg.broadcast ins(%vc2 : tensor<1x2x16x4xf32>) outs(%evb : tensor<1x2x2x16x4xf32>) dimensions = [2]
  %ve = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x16x4xf32> into tensor<1x4x16x4xf32>
  %es = tensor.empty() : tensor<1x4x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, t, d) -> (b, h, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %ke : tensor<1x4x4xf32>, tensor<1x4x16x4xf32>) outs(%fs : tensor<1x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %em = tensor.empty() : tensor<1x4x16xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x16xf32>) outs(%em : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = linalg.index 2 : index
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %in, %c : f32
    %ok = arith.cmpi ule, %t, %pos : index
    %r = arith.select %ok, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %er = tensor.empty() : tensor<1x4xf32>
  %fmax = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sm : tensor<1x4x16xf32>) outs(%fmax : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.maximumf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ee = tensor.empty() : tensor<1x4x16xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm, %mx : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ee : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<1x4x16xf32>
  %fsum = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4xf32>) -> tensor<1x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x16xf32>) outs(%fsum : tensor<1x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x4xf32>
  %ep = tensor.empty() : tensor<1x4x16xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(b, h, t) -> (b, h, t)>, affine_map<(b, h, t) -> (b, h)>, affine_map<(b, h, t) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<1x4x16xf32>, tensor<1x4xf32>) outs(%ep : tensor<1x4x16xf32>) {
  ^bb0(%e: f32, %den: f32, %out: f32):
    %r = arith.divf %e, %den : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16xf32>
  %eo = tensor.empty() : tensor<1x4x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, d, t) -> (b, h, t)>, affine_map<(b, h, d, t) -> (b, h, t, d)>, affine_map<(b, h, d, t) -> (b, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %ve : tensor<1x4x16xf32>, tensor<1x4x16x4xf32>) outs(%fo : tensor<1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  return %o, %kc2, %vc2 : tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}
func.func @caller(%x: tensor<8xf32>, %pos: index, %wq: tensor<16x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %kc: tensor<1x2x16x4xf32>, %vc: tensor<1x2x16x4xf32>) -> tensor<1x4x4xf32> {
  %o, %k, %v = func.call @called(%x, %pos, %wq, %wk, %wv, %kc, %vc) : (tensor<8xf32>, index, tensor<16x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> (tensor<1x4x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>)
  return %o : tensor<1x4x4xf32>
}

// -----

// A decode step with control flow is not raised.
// CHECK-LABEL: func.func @two_blocks
// CHECK-NOT: kvq.
// CHECK: return
// expected-remark @below {{has more than one block}}
func.func @two_blocks(%k: tensor<1x2x1x4xf32>, %pos: index, %kc: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %kc2 = tensor.insert_slice %k into %kc[0, 0, %pos, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x1x4xf32> into tensor<1x2x16x4xf32>
  cf.br ^bb1
^bb1:
  return %kc2 : tensor<1x2x16x4xf32>
}
