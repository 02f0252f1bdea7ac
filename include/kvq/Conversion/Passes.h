//===- Passes.h - kvq conversion passes --------------------------*- C++ -*-===//
#ifndef KVQ_CONVERSION_PASSES_H
#define KVQ_CONVERSION_PASSES_H

#include "kvq/Conversion/KVQToSCF/KVQToSCF.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::kvq {

/// On a gpu.module: the gpu.module (a symbol in the same parent) that
/// kvq-merge-kernel-modules moves its converted contents into.
inline constexpr llvm::StringLiteral kMergeIntoAttrName = "kvq.merge_into";

#define GEN_PASS_DECL
#include "kvq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kvq/Conversion/Passes.h.inc"

} // namespace mlir::kvq

#endif // KVQ_CONVERSION_PASSES_H
