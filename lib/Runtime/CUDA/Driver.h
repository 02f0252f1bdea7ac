//===- Driver.h - the CUDA driver API, opened at run time ----------*- C++ -*-===//
//
// The slice of the CUDA driver API kvq's runtime uses, resolved with dlopen
// so that the runtime builds without the CUDA toolkit and loads on machines
// without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_RUNTIME_CUDA_DRIVER_H
#define KVQ_LIB_RUNTIME_CUDA_DRIVER_H

#include <cstddef>
#include <string>

namespace kvq::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
constexpr int kAttrMultiprocessorCount = 16; // CU_DEVICE_ATTRIBUTE_...

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxGetDevice)(CUdevice *);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuGetErrorName)(CUresult, const char **);
  bool loaded = false;
};

/// The driver, or null with the reason in `why`.
Driver *driver(std::string &why);

/// Checks a driver call; on failure records "<what> failed: <CUDA error
/// name>" as the last error (kvq_last_error) and returns false.
bool check(Driver *d, CUresult rc, const char *what);

/// Makes a context current: the caller's (e.g. PyTorch's) if there is one,
/// else device 0's primary context.
bool ensureContext(Driver *d);

/// The thread's last error message.
std::string &lastError();

} // namespace kvq::cuda

#endif // KVQ_LIB_RUNTIME_CUDA_DRIVER_H
