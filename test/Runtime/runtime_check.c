/* CPU-side checks of the GPU runtime's C ABI: manifest reading, configuration
 * queries and error reporting, plus cache creation, which must fail cleanly
 * (KVQ_ERR_NO_DRIVER) on a machine without an NVIDIA driver.
 *   runtime_check <manifest.json> */
#include "kvq/Runtime/kvq_runtime.h"

#include <stdio.h>

int main(int argc, char **argv) {
  kvq_library *lib = 0;
  int rc = kvq_library_open("/nonexistent/manifest.json", &lib);
  printf("missing: rc=%d msg=%s\n", rc, kvq_last_error());
  rc = kvq_library_open(argv[0], &lib); /* a binary, not JSON */
  printf("garbage: rc=%d msg=%s\n", rc, kvq_last_error());
  if (argc < 2 || kvq_library_open(argv[1], &lib) != KVQ_OK) {
    printf("open failed: %s\n", kvq_last_error());
    return 1;
  }
  int n = kvq_library_num_configs(lib);
  printf("configs: %d\n", n);
  for (int i = 0; i < n; ++i) {
    const char *name = kvq_library_config_name(lib, i);
    kvq_config_info info;
    kvq_library_config_info(lib, name, &info);
    printf("config %s: batch=%lld kv_heads=%lld query_heads=%lld capacity=%lld "
           "head_dim=%lld append_tokens=%lld max_splits=%lld cache_bytes=%llu "
           "workspace_bytes=%llu\n",
           name, (long long)info.batch, (long long)info.kv_heads,
           (long long)info.query_heads, (long long)info.capacity,
           (long long)info.head_dim, (long long)info.append_tokens,
           (long long)info.max_splits, (unsigned long long)info.cache_bytes,
           (unsigned long long)info.workspace_bytes);
  }
  kvq_config_info info;
  rc = kvq_library_config_info(lib, "no-such-config", &info);
  printf("unknown config: rc=%d msg=%s\n", rc, kvq_last_error());
  kvq_cache *cache = 0;
  rc = kvq_cache_create(lib, "no-such-config", &cache);
  printf("create unknown: rc=%d msg=%s\n", rc, kvq_last_error());
  rc = kvq_cache_append(0, 1, 1, 1, 0);
  printf("append null: rc=%d msg=%s\n", rc, kvq_last_error());
  rc = kvq_cache_create(lib, kvq_library_config_name(lib, 0), &cache);
  if (rc == KVQ_OK) {
    printf("create: ok (a GPU is present)\n");
    kvq_cache_destroy(cache);
  } else {
    printf("create: rc=%d msg=%s\n", rc, kvq_last_error());
  }
  kvq_library_close(lib);
  return 0;
}
