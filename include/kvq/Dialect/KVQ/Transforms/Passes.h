//===- Passes.h - kvq transformation passes ----------------------*- C++ -*-===//
#ifndef KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_H
#define KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_H

#include "kvq/Dialect/KVQ/IR/KVQ.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::kvq {

#define GEN_PASS_DECL
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kvq/Dialect/KVQ/Transforms/Passes.h.inc"

} // namespace mlir::kvq

#endif // KVQ_DIALECT_KVQ_TRANSFORMS_PASSES_H
