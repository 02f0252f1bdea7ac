//===- Runtime.cpp - the kvq GPU runtime (CUDA driver API) -----------------===//
//
// Loads kernels compiled by kvq-gpu-aot and launches them. The CUDA driver is
// opened with dlopen, so this library needs neither the CUDA toolkit to build
// nor a GPU to load; see include/kvq/Runtime/kvq_runtime.h for the ABI.
//
//===----------------------------------------------------------------------===//
#include "kvq/Runtime/Splits.h"
#include "kvq/Runtime/kvq_runtime.h"

#include "Driver.h"
#include "MiniJson.h"


#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {
using namespace kvq::cuda;

int setError(int code, const std::string &message) {
  lastError() = message;
  return code;
}

struct Config {
  std::string name, append, attend;
  unsigned appendBlock = 0, attendBlock = 0;
  // Split heuristic of the attention kernel (DecodeKernels.h).
  int64_t attendTile = 128, attendBlocksPerSM = 32;
  // Attention blocks per KV head and split (each a slice of its queries).
  int64_t querySlices = 1;
  kvq_config_info info{};
  uint64_t arrivalsOffset = 0; // in the workspace, after the partial states
  CUfunction fnAppend = nullptr, fnAttend = nullptr;

  /// The attention grid's y extent (and rows of arrival counts).
  int64_t blockRows(const kvq_config_info &i) const {
    return i.batch * i.kv_heads * querySlices;
  }
};

} // namespace

struct kvq_library {
  std::string dir, binaryPath;
  std::vector<Config> configs;
  CUmodule module = nullptr;
  std::mutex mutex;

  Config *find(const char *name) {
    for (Config &c : configs)
      if (name && c.name == name)
        return &c;
    return nullptr;
  }
  /// Loads the kernel binary and resolves `c`'s kernels (once).
  int load(Driver *d, Config &c) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!module) {
      std::ifstream in(binaryPath, std::ios::binary);
      if (!in)
        return setError(KVQ_ERR_MANIFEST, "cannot read kernel binary '" +
                                              binaryPath + "'");
      std::string bytes((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
      bytes.push_back('\0'); // PTX must be NUL-terminated
      if (!check(d, d->cuModuleLoadData(&module, bytes.data()),
                 ("cuModuleLoadData('" + binaryPath + "')").c_str()))
        return KVQ_ERR_CUDA;
    }
    if (c.fnAppend)
      return KVQ_OK;
    if (!check(d, d->cuModuleGetFunction(&c.fnAppend, module, c.append.c_str()),
               c.append.c_str()) ||
        !check(d, d->cuModuleGetFunction(&c.fnAttend, module, c.attend.c_str()),
               c.attend.c_str())) {
      c.fnAppend = nullptr;
      return KVQ_ERR_CUDA;
    }
    return KVQ_OK;
  }
};

struct kvq_cache {
  kvq_library *library = nullptr;
  Config *config = nullptr;
  CUdeviceptr storage = 0, workspace = 0;
  int64_t length = 0;
  int smCount = 1;
};

extern "C" {

const char *kvq_last_error(void) { return lastError().c_str(); }

int kvq_library_open(const char *manifestPath, kvq_library **out) {
  if (!manifestPath || !out)
    return setError(KVQ_ERR_ARGUMENT, "kvq_library_open: null argument");
  *out = nullptr;
  std::ifstream in(manifestPath);
  if (!in)
    return setError(KVQ_ERR_MANIFEST, std::string("cannot read manifest '") +
                                          manifestPath + "'");
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str(), error;
  kvq::json::Value root;
  if (!kvq::json::Parser(body).parse(root, error))
    return setError(KVQ_ERR_MANIFEST,
                    std::string("manifest '") + manifestPath + "': " + error);
  auto fail = [&](const std::string &why) {
    return setError(KVQ_ERR_MANIFEST,
                    std::string("manifest '") + manifestPath + "': " + why);
  };
  const kvq::json::Value *format = root.get("format");
  if (!format || format->string != "kvq-gpu-aot/3")
    return fail(format && (format->string == "kvq-gpu-aot/1" ||
                           format->string == "kvq-gpu-aot/2")
                    ? "a " + format->string +
                          " manifest (an older launch contract): rebuild the "
                          "kernels with this version's kvq-gpu-aot"
                    : std::string("not a kvq-gpu-aot/3 manifest"));
  auto lib = std::make_unique<kvq_library>();
  std::string path(manifestPath);
  size_t slash = path.find_last_of('/');
  lib->dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const kvq::json::Value *cubin = root.get("cubin");
  const kvq::json::Value *ptx = root.get("ptx");
  std::string binary = cubin && cubin->kind == kvq::json::Value::String
                           ? cubin->string
                           : (ptx ? ptx->string : "");
  if (binary.empty())
    return fail("names neither a cubin nor PTX");
  lib->binaryPath = lib->dir + "/" + binary;
  const kvq::json::Value *configs = root.get("configs");
  if (!configs || configs->kind != kvq::json::Value::Array)
    return fail("has no 'configs' array");
  for (const kvq::json::Value &c : configs->array) {
    Config config;
    auto number = [&](const char *key, bool &ok) -> double {
      const kvq::json::Value *v = c.get(key);
      ok = ok && v && v->kind == kvq::json::Value::Number;
      return v ? v->number : 0;
    };
    auto kernel = [&](const char *key, std::string &name, unsigned &block,
                      bool &ok) {
      const kvq::json::Value *k = c.get(key);
      const kvq::json::Value *n = k ? k->get("name") : nullptr;
      const kvq::json::Value *b = k ? k->get("block") : nullptr;
      ok = ok && n && b && n->kind == kvq::json::Value::String;
      if (n)
        name = n->string;
      if (b)
        block = unsigned(b->number);
    };
    bool ok = true;
    const kvq::json::Value *name = c.get("name");
    ok = name && name->kind == kvq::json::Value::String;
    if (ok)
      config.name = name->string;
    kvq_config_info &i = config.info;
    i.batch = int64_t(number("batch", ok));
    i.kv_heads = int64_t(number("kv_heads", ok));
    i.query_heads = int64_t(number("query_heads", ok));
    i.capacity = int64_t(number("capacity", ok));
    i.head_dim = int64_t(number("head_dim", ok));
    i.element_bytes = int64_t(number("element_bytes", ok));
    i.append_tokens = int64_t(number("append_tokens", ok));
    i.max_splits = int64_t(number("max_splits", ok));
    i.cache_bytes = uint64_t(number("cache_bytes", ok));
    i.workspace_bytes = uint64_t(number("workspace_bytes", ok));
    config.arrivalsOffset = uint64_t(number("arrivals_offset", ok));
    i.scale = number("scale", ok);
    kernel("append", config.append, config.appendBlock, ok);
    kernel("attend", config.attend, config.attendBlock, ok);
    if (const kvq::json::Value *a = c.get("attend")) {
      // The grid depends on query_slices, so it is required; tile and
      // blocks_per_sm default to the generic kernel's.
      const kvq::json::Value *tile = a->get("tile");
      const kvq::json::Value *perSM = a->get("blocks_per_sm");
      const kvq::json::Value *slices = a->get("query_slices");
      ok = ok && slices && slices->kind == kvq::json::Value::Number &&
           slices->number >= 1;
      if (ok)
        config.querySlices = int64_t(slices->number);
      if (tile && tile->kind == kvq::json::Value::Number && tile->number >= 1)
        config.attendTile = int64_t(tile->number);
      if (perSM && perSM->kind == kvq::json::Value::Number &&
          perSM->number >= 1)
        config.attendBlocksPerSM = int64_t(perSM->number);
    }
    if (!ok || i.batch <= 0 || i.kv_heads <= 0 || i.max_splits <= 0 ||
        i.query_heads % (i.kv_heads * config.querySlices) != 0 ||
        config.arrivalsOffset % 4 ||
        config.arrivalsOffset + uint64_t(config.blockRows(i)) * 4 >
            i.workspace_bytes)
      return fail("config " + std::to_string(lib->configs.size()) +
                  " is incomplete or inconsistent");
    lib->configs.push_back(std::move(config));
  }
  *out = lib.release();
  return KVQ_OK;
}

void kvq_library_close(kvq_library *library) {
  if (!library)
    return;
  std::string why;
  if (library->module)
    if (Driver *d = driver(why))
      d->cuModuleUnload(library->module); // errors at exit are harmless
  delete library;
}

int kvq_library_num_configs(const kvq_library *library) {
  return library ? int(library->configs.size()) : 0;
}

const char *kvq_library_config_name(const kvq_library *library, int index) {
  if (!library || index < 0 || index >= int(library->configs.size()))
    return nullptr;
  return library->configs[index].name.c_str();
}

int kvq_library_config_info(const kvq_library *library, const char *config,
                            kvq_config_info *out) {
  if (!library || !out)
    return setError(KVQ_ERR_ARGUMENT, "kvq_library_config_info: null argument");
  Config *c = const_cast<kvq_library *>(library)->find(config);
  if (!c)
    return setError(KVQ_ERR_ARGUMENT, std::string("unknown config '") +
                                          (config ? config : "(null)") + "'");
  *out = c->info;
  return KVQ_OK;
}

int kvq_cache_create(kvq_library *library, const char *config,
                     kvq_cache **out) {
  if (!library || !out)
    return setError(KVQ_ERR_ARGUMENT, "kvq_cache_create: null argument");
  *out = nullptr;
  Config *c = library->find(config);
  if (!c)
    return setError(KVQ_ERR_ARGUMENT, std::string("unknown config '") +
                                          (config ? config : "(null)") + "'");
  std::string why;
  Driver *d = driver(why);
  if (!d)
    return setError(KVQ_ERR_NO_DRIVER, why);
  if (!ensureContext(d))
    return KVQ_ERR_NO_DRIVER;
  if (int rc = library->load(d, *c))
    return rc;
  auto cache = std::make_unique<kvq_cache>();
  cache->library = library;
  cache->config = c;
  CUdevice dev;
  if (!check(d, d->cuCtxGetDevice(&dev), "cuCtxGetDevice") ||
      !check(d, d->cuDeviceGetAttribute(&cache->smCount,
                                        kAttrMultiprocessorCount, dev),
             "cuDeviceGetAttribute") ||
      !check(d, d->cuMemAlloc(&cache->storage, c->info.cache_bytes),
             "cuMemAlloc(storage)"))
    return KVQ_ERR_CUDA;
  if (!check(d, d->cuMemAlloc(&cache->workspace, c->info.workspace_bytes),
             "cuMemAlloc(workspace)") ||
      !check(
          d,
          d->cuMemsetD8Async(cache->storage, 0, c->info.cache_bytes, nullptr),
          "cuMemsetD8Async") ||
      // The attention kernel's arrival counts start at zero (DecodeKernels.h).
      !check(d,
             d->cuMemsetD8Async(cache->workspace, 0, c->info.workspace_bytes,
                                nullptr),
             "cuMemsetD8Async(workspace)") ||
      !check(d, d->cuCtxSynchronize(), "cuCtxSynchronize")) {
    d->cuMemFree(cache->storage);
    if (cache->workspace)
      d->cuMemFree(cache->workspace);
    return KVQ_ERR_CUDA;
  }
  *out = cache.release();
  return KVQ_OK;
}

void kvq_cache_destroy(kvq_cache *cache) {
  if (!cache)
    return;
  std::string why;
  if (Driver *d = driver(why)) {
    d->cuMemFree(cache->storage);
    d->cuMemFree(cache->workspace);
  }
  delete cache;
}

int kvq_cache_append(kvq_cache *cache, uint64_t keys, uint64_t values,
                     int64_t tokens, uint64_t stream) {
  if (!cache || !keys || !values)
    return setError(KVQ_ERR_ARGUMENT, "kvq_cache_append: null argument");
  const kvq_config_info &i = cache->config->info;
  if (tokens != i.append_tokens)
    return setError(KVQ_ERR_ARGUMENT,
                    "config '" + cache->config->name + "' appends " +
                        std::to_string(i.append_tokens) +
                        " token(s) per call, not " + std::to_string(tokens));
  if (cache->length + tokens > i.capacity)
    return setError(KVQ_ERR_CAPACITY,
                    "appending " + std::to_string(tokens) + " token(s) to " +
                        std::to_string(cache->length) +
                        " would exceed the capacity of " +
                        std::to_string(i.capacity));
  std::string why;
  Driver *d = driver(why);
  if (!d)
    return setError(KVQ_ERR_NO_DRIVER, why);
  int64_t start = cache->length;
  void *params[] = {&cache->storage, &keys, &values, &start};
  const Config &c = *cache->config;
  // Grid (sequence x KV head, 2): keys and values side by side.
  if (!check(d,
             d->cuLaunchKernel(c.fnAppend, unsigned(i.batch * i.kv_heads), 2,
                               1, c.appendBlock, 1, 1, 0,
                               reinterpret_cast<CUstream>(stream), params,
                               nullptr),
             "launching the append kernel"))
    return KVQ_ERR_CUDA;
  cache->length += tokens;
  return KVQ_OK;
}

int32_t kvq_cache_splits(const kvq_cache *cache, int32_t requested) {
  if (!cache)
    return 0;
  const Config &c = *cache->config;
  const kvq_config_info &i = c.info;
  int64_t tiles = std::max<int64_t>(
      1, (cache->length + c.attendTile - 1) / c.attendTile);
  if (requested > 0)
    return int32_t(
        std::clamp<int64_t>(requested, 1, std::min(i.max_splits, tiles)));
  // One wave (blocks_per_sm per SM; a partial second wave costs a whole
  // tile loop), at most kShortSplitsMax splits where they are short.
  return int32_t(kvq::defaultSplits(c.attendBlocksPerSM, cache->smCount,
                                    c.blockRows(i), i.max_splits, tiles));
}

int kvq_cache_attend(kvq_cache *cache, uint64_t queries, uint64_t out,
                     uint64_t lengths, int32_t splits, uint64_t stream) {
  if (!cache || !queries || !out)
    return setError(KVQ_ERR_ARGUMENT, "kvq_cache_attend: null argument");
  // The kernels read the queries in 16-byte vectors.
  if (queries % 16)
    return setError(KVQ_ERR_ARGUMENT,
                    "kvq_cache_attend: queries must be 16-byte aligned");
  const kvq_config_info &i = cache->config->info;
  if (splits < 0 || splits > i.max_splits)
    return setError(KVQ_ERR_ARGUMENT,
                    "splits must be 0 (auto) to " + std::to_string(i.max_splits));
  std::string why;
  Driver *d = driver(why);
  if (!d)
    return setError(KVQ_ERR_NO_DRIVER, why);
  int32_t s = kvq_cache_splits(cache, splits);
  int32_t useLengths = lengths != 0;
  const Config &c = *cache->config;
  CUstream st = reinterpret_cast<CUstream>(stream);
  CUdeviceptr arrivals = cache->workspace + c.arrivalsOffset;
  void *attendParams[] = {&cache->storage,   &queries,  &lengths, &useLengths,
                          &cache->workspace, &arrivals, &out};
  // One launch: the last split of each KV head merges the others.
  if (!check(d,
             d->cuLaunchKernel(c.fnAttend, unsigned(s),
                               unsigned(c.blockRows(i)), 1, c.attendBlock, 1, 1,
                               0, st, attendParams, nullptr),
             "launching the attention kernel"))
    return KVQ_ERR_CUDA;
  return KVQ_OK;
}

int64_t kvq_cache_length(const kvq_cache *cache) {
  return cache ? cache->length : 0;
}

uint64_t kvq_cache_storage(const kvq_cache *cache) {
  return cache ? cache->storage : 0;
}

int kvq_cache_read_storage(const kvq_cache *cache, void *host, uint64_t bytes) {
  if (!cache || !host)
    return setError(KVQ_ERR_ARGUMENT, "kvq_cache_read_storage: null argument");
  if (bytes != cache->config->info.cache_bytes)
    return setError(KVQ_ERR_ARGUMENT,
                    "the storage is " +
                        std::to_string(cache->config->info.cache_bytes) +
                        " bytes, not " + std::to_string(bytes));
  std::string why;
  Driver *d = driver(why);
  if (!d)
    return setError(KVQ_ERR_NO_DRIVER, why);
  if (!check(d, d->cuCtxSynchronize(), "cuCtxSynchronize") ||
      !check(d, d->cuMemcpyDtoH(host, cache->storage, bytes), "cuMemcpyDtoH"))
    return KVQ_ERR_CUDA;
  return KVQ_OK;
}

int kvq_cache_reset(kvq_cache *cache, uint64_t stream) {
  if (!cache)
    return setError(KVQ_ERR_ARGUMENT, "kvq_cache_reset: null argument");
  std::string why;
  Driver *d = driver(why);
  if (!d)
    return setError(KVQ_ERR_NO_DRIVER, why);
  if (!check(d,
             d->cuMemsetD8Async(cache->storage, 0,
                                cache->config->info.cache_bytes,
                                reinterpret_cast<CUstream>(stream)),
             "cuMemsetD8Async"))
    return KVQ_ERR_CUDA;
  cache->length = 0;
  return KVQ_OK;
}

} // extern "C"
