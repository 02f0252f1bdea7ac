//===- MgpuWrappers.cpp - the mgpu* functions of MLIR's GPU host code ------===//
//
// Host code produced by kvq-lower-to-nvvm (upstream gpu-to-llvm) calls these
// functions; Debian's MLIR ships no CUDA runtime wrappers, so kvq's runtime
// implements them on the driver API (opened at run time, see Driver.h).
// Host code has no error channel: a failing call prints what failed and
// aborts, except module unloading, which runs from a global destructor at
// exit and must not abort there.
//
//===----------------------------------------------------------------------===//
#include "kvq/Runtime/kvq_runtime.h"

#include "Driver.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace kvq::cuda;

static Driver *get() {
  std::string why;
  Driver *d = driver(why);
  if (!d || !ensureContext(d)) {
    std::fprintf(stderr, "kvq runtime: %s\n",
                 d ? lastError().c_str() : why.c_str());
    std::abort();
  }
  return d;
}

static void orDie(Driver *d, CUresult rc, const char *what) {
  if (!check(d, rc, what)) {
    std::fprintf(stderr, "kvq runtime: %s\n", lastError().c_str());
    std::abort();
  }
}

extern "C" {

KVQ_API void *mgpuModuleLoad(void *data, size_t /*size*/) {
  Driver *d = get();
  CUmodule module = nullptr;
  orDie(d, d->cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

KVQ_API void mgpuModuleUnload(void *module) {
  std::string why;
  if (Driver *d = driver(why))
    d->cuModuleUnload(static_cast<CUmodule>(module)); // best effort at exit
}

KVQ_API void *mgpuModuleGetFunction(void *module, const char *name) {
  Driver *d = get();
  CUfunction function = nullptr;
  orDie(d,
        d->cuModuleGetFunction(&function, static_cast<CUmodule>(module), name),
        "cuModuleGetFunction");
  return function;
}

KVQ_API void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                              intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                              intptr_t blockZ, int32_t smem, void *stream,
                              void **params, void **extra,
                              size_t /*paramsCount*/) {
  Driver *d = get();
  orDie(d,
        d->cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                          gridZ, blockX, blockY, blockZ, smem,
                          static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

KVQ_API void *mgpuStreamCreate() {
  Driver *d = get();
  CUstream stream = nullptr;
  orDie(d, d->cuStreamCreate(&stream, /*CU_STREAM_NON_BLOCKING=*/1),
        "cuStreamCreate");
  return stream;
}

KVQ_API void mgpuStreamSynchronize(void *stream) {
  Driver *d = get();
  orDie(d, d->cuStreamSynchronize(static_cast<CUstream>(stream)),
        "cuStreamSynchronize (a kernel or copy failed)");
}

KVQ_API void mgpuStreamDestroy(void *stream) {
  Driver *d = get();
  orDie(d, d->cuStreamDestroy(static_cast<CUstream>(stream)),
        "cuStreamDestroy");
}

KVQ_API void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/,
                           bool /*isHostShared*/) {
  Driver *d = get();
  CUdeviceptr ptr = 0;
  if (bytes)
    orDie(d, d->cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

KVQ_API void mgpuMemFree(void *ptr, void * /*stream*/) {
  Driver *d = get();
  if (ptr)
    orDie(d, d->cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)), "cuMemFree");
}

KVQ_API void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  Driver *d = get();
  orDie(d,
        d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                         reinterpret_cast<CUdeviceptr>(src), bytes,
                         static_cast<CUstream>(stream)),
        "cuMemcpyAsync");
}

KVQ_API void mgpuMemset32(void *dst, unsigned value, size_t count,
                          void *stream) {
  Driver *d = get();
  orDie(d,
        d->cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                            static_cast<CUstream>(stream)),
        "cuMemsetD32Async");
}

/// Streaming multiprocessors of the current device (split-K heuristics).
KVQ_API int32_t kvqDeviceSMCount() {
  Driver *d = get();
  CUdevice dev;
  int count = 1;
  orDie(d, d->cuCtxGetDevice(&dev), "cuCtxGetDevice");
  orDie(d, d->cuDeviceGetAttribute(&count, kAttrMultiprocessorCount, dev),
        "cuDeviceGetAttribute");
  return count;
}

} // extern "C"

//===----------------------------------------------------------------------===//
// Host-side copies of strided memrefs (what memref.copy lowers to when a
// layout is not contiguous; upstream's CRunnerUtils has the same entry point).
//===----------------------------------------------------------------------===//

namespace {
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};
/// {allocated, aligned, offset, sizes[rank], strides[rank]}
struct Strided {
  char *aligned;
  int64_t offset;
  const int64_t *sizes, *strides;
  explicit Strided(const UnrankedMemRef &m) {
    auto *words = static_cast<int64_t *>(m.descriptor);
    aligned = reinterpret_cast<char *>(words[1]);
    offset = words[2];
    sizes = words + 3;
    strides = words + 3 + m.rank;
  }
};
} // namespace

extern "C" KVQ_API void memrefCopy(int64_t elementSize, UnrankedMemRef *src,
                                   UnrankedMemRef *dst) {
  Strided s(*src), d(*dst);
  int64_t rank = src->rank, total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= s.sizes[i];
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < total; ++n) {
    int64_t so = s.offset, dof = d.offset;
    for (int64_t i = 0; i < rank; ++i) {
      so += index[i] * s.strides[i];
      dof += index[i] * d.strides[i];
    }
    std::memcpy(d.aligned + dof * elementSize, s.aligned + so * elementSize,
                elementSize);
    for (int64_t i = rank - 1; i >= 0 && ++index[i] == s.sizes[i]; --i)
      index[i] = 0;
  }
}
