//===- PackedAttend.h - register-blocked decode attention --------*- C++ -*-===//
//
// The attention kernel for caches whose keys are packed per channel and whose
// values are packed per token (the layouts the paper and KIVI use), at 2, 4
// or 8 bits. docs/gpu.md describes its design.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_CONVERSION_KVQTOGPU_PACKEDATTEND_H
#define KVQ_LIB_CONVERSION_KVQTOGPU_PACKEDATTEND_H

#include "kvq/Conversion/KVQToGPU/DecodeKernels.h"

namespace mlir::kvq {

/// Threads of a block of the packed kernel (one warp) and tokens per tile.
constexpr int64_t kPackedAttendBlock = 32;

/// Whether `config` can use the packed kernel; otherwise the generic one.
bool canUsePackedAttend(const DecodeKernelConfig &config);

/// Builds the packed attention kernel `name` (same parameters, grid and
/// workspace contract as the generic kernel; block kPackedAttendBlock).
void buildPackedAttend(OpBuilder &builder, gpu::GPUModuleOp module,
                       const DecodeKernelConfig &config, StringRef name);

} // namespace mlir::kvq

#endif // KVQ_LIB_CONVERSION_KVQTOGPU_PACKEDATTEND_H
