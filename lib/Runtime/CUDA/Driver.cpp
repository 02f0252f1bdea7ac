//===- Driver.cpp - the CUDA driver API, opened at run time ----------------===//
#include "Driver.h"

#include <dlfcn.h>

#include <mutex>
#include <type_traits>

using namespace kvq::cuda;

std::string &kvq::cuda::lastError() {
  thread_local std::string message;
  return message;
}

Driver *kvq::cuda::driver(std::string &why) {
  static Driver d;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failure = "cannot load the CUDA driver (libcuda.so.1): no NVIDIA driver "
                "on this machine";
      return;
    }
    bool ok = true;
    auto bind = [&](auto &fn, const char *name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(lib, name));
      if (!fn) {
        failure = std::string("libcuda.so.1 lacks ") + name;
        ok = false;
      }
    };
    bind(d.cuInit, "cuInit");
    bind(d.cuDeviceGet, "cuDeviceGet");
    bind(d.cuDeviceGetAttribute, "cuDeviceGetAttribute");
    bind(d.cuCtxGetCurrent, "cuCtxGetCurrent");
    bind(d.cuCtxSetCurrent, "cuCtxSetCurrent");
    bind(d.cuCtxGetDevice, "cuCtxGetDevice");
    bind(d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    bind(d.cuModuleLoadData, "cuModuleLoadData");
    bind(d.cuModuleUnload, "cuModuleUnload");
    bind(d.cuModuleGetFunction, "cuModuleGetFunction");
    bind(d.cuLaunchKernel, "cuLaunchKernel");
    bind(d.cuMemAlloc, "cuMemAlloc_v2");
    bind(d.cuMemFree, "cuMemFree_v2");
    bind(d.cuMemsetD8Async, "cuMemsetD8Async");
    bind(d.cuMemsetD32Async, "cuMemsetD32Async");
    bind(d.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
    bind(d.cuMemcpyAsync, "cuMemcpyAsync");
    bind(d.cuStreamCreate, "cuStreamCreate");
    bind(d.cuStreamSynchronize, "cuStreamSynchronize");
    bind(d.cuStreamDestroy, "cuStreamDestroy_v2");
    bind(d.cuCtxSynchronize, "cuCtxSynchronize");
    bind(d.cuGetErrorName, "cuGetErrorName");
    d.loaded = ok;
  });
  if (!d.loaded) {
    why = failure;
    return nullptr;
  }
  return &d;
}

bool kvq::cuda::check(Driver *d, CUresult rc, const char *what) {
  if (rc == 0)
    return true;
  const char *name = "unknown CUDA error";
  d->cuGetErrorName(rc, &name);
  lastError() = std::string(what) + " failed: " + name + " (" +
                std::to_string(rc) + ")";
  return false;
}

bool kvq::cuda::ensureContext(Driver *d) {
  if (!check(d, d->cuInit(0), "cuInit"))
    return false;
  CUcontext ctx = nullptr;
  if (!check(d, d->cuCtxGetCurrent(&ctx), "cuCtxGetCurrent"))
    return false;
  if (ctx)
    return true;
  CUdevice dev;
  return check(d, d->cuDeviceGet(&dev, 0), "cuDeviceGet") &&
         check(d, d->cuDevicePrimaryCtxRetain(&ctx, dev),
               "cuDevicePrimaryCtxRetain") &&
         check(d, d->cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
}
