/*===- kvq_runtime.h - C ABI of the kvq GPU runtime -------------------------===
 *
 * Runs kernels compiled by kvq-gpu-aot (a manifest.json plus a cubin or PTX)
 * with no MLIR present. The library loads the CUDA driver (libcuda.so.1) at
 * run time, so it links and its CPU-side checks work on machines without a
 * GPU. Device pointers and streams are passed as integers (e.g. torch's
 * tensor.data_ptr() and stream.cuda_stream); 0 means "none"/default stream.
 *
 * Every function returning int returns KVQ_OK or an error code and, on
 * error, leaves a message in kvq_last_error(). Nothing is launched when an
 * argument is invalid or a cache would overflow.
 *===----------------------------------------------------------------------===*/
#ifndef KVQ_RUNTIME_KVQ_RUNTIME_H
#define KVQ_RUNTIME_KVQ_RUNTIME_H

#include <stdint.h>

#if defined(__GNUC__)
#define KVQ_API __attribute__((visibility("default")))
#else
#define KVQ_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
  KVQ_OK = 0,
  KVQ_ERR_ARGUMENT = 1, /* invalid argument (null, unknown config, ...) */
  KVQ_ERR_MANIFEST = 2, /* manifest or kernel binary missing or malformed */
  KVQ_ERR_NO_DRIVER = 3, /* libcuda.so.1 or a GPU is not available */
  KVQ_ERR_CUDA = 4,      /* a CUDA driver call failed */
  KVQ_ERR_CAPACITY = 5   /* the append would exceed the cache capacity */
};

typedef struct kvq_library kvq_library;
typedef struct kvq_cache kvq_cache;

typedef struct kvq_config_info {
  int64_t batch, kv_heads, query_heads, capacity, head_dim;
  int64_t element_bytes; /* 2 (f16/bf16) or 4 (f32) */
  int64_t append_tokens; /* tokens per sequence one append takes */
  int64_t max_splits;
  uint64_t cache_bytes, workspace_bytes;
  double scale;
} kvq_config_info;

/* The message of the last failure on this thread ("" if none). */
KVQ_API const char *kvq_last_error(void);

/* Reads a manifest (no GPU needed); kernels load on first use. */
KVQ_API int kvq_library_open(const char *manifest_path, kvq_library **out);
KVQ_API void kvq_library_close(kvq_library *library);
KVQ_API int kvq_library_num_configs(const kvq_library *library);
KVQ_API const char *kvq_library_config_name(const kvq_library *library, int index);
KVQ_API int kvq_library_config_info(const kvq_library *library, const char *config,
                            kvq_config_info *out);

/* An empty cache of `config`: device storage and workspace, both zeroed
 * (the attention kernel's arrival counts start at zero and every launch
 * leaves them so). */
KVQ_API int kvq_cache_create(kvq_library *library, const char *config,
                     kvq_cache **out);
KVQ_API void kvq_cache_destroy(kvq_cache *cache);
/* Appends `tokens` tokens per sequence: keys/values [B, H, tokens, D]. */
KVQ_API int kvq_cache_append(kvq_cache *cache, uint64_t keys, uint64_t values,
                     int64_t tokens, uint64_t stream);
/* Decode attention, one kernel launch: queries/out [B, Hq, D] (queries
 * 16-byte aligned); lengths [B] int32 or 0; splits 0 chooses the split-K count
 * from the SM count. Calls on one cache must be ordered (one stream, or
 * synchronized): they share its workspace. */
KVQ_API int kvq_cache_attend(kvq_cache *cache, uint64_t queries, uint64_t out,
                     uint64_t lengths, int32_t splits, uint64_t stream);
/* The split-K count kvq_cache_attend uses for `requested` (0 = auto). */
KVQ_API int32_t kvq_cache_splits(const kvq_cache *cache, int32_t requested);
KVQ_API int64_t kvq_cache_length(const kvq_cache *cache);
KVQ_API uint64_t kvq_cache_storage(const kvq_cache *cache);
/* Copies the raw storage (docs/storage-format.md) to host memory; syncs. */
KVQ_API int kvq_cache_read_storage(const kvq_cache *cache, void *host, uint64_t bytes);
/* Empties the cache (zeroes storage) on `stream`. */
KVQ_API int kvq_cache_reset(kvq_cache *cache, uint64_t stream);

#ifdef __cplusplus
}
#endif

#endif /* KVQ_RUNTIME_KVQ_RUNTIME_H */
