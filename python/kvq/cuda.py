"""Run kvq's ahead-of-time GPU kernels on torch tensors (ctypes, no MLIR).

    lib = kvq.cuda.Library("out/manifest.json")        # from kvq-gpu-aot
    cache = lib.cache(lib.configs[0])
    cache.append(k, v)         # k, v: [B, H, T, D] CUDA tensors, contiguous
    out = cache.attend(q)      # q: [B, Hq, D] -> [B, Hq, D]

Tensors are passed by data_ptr on torch's current stream. Shapes, dtypes,
devices and contiguity are checked here; the runtime checks capacity and
CUDA errors; every failure raises KvqError with the runtime's message.
"""
import ctypes
import json
import os

KVQ_OK = 0
_DTYPES = {"f16": "float16", "bf16": "bfloat16", "f32": "float32"}


class KvqError(RuntimeError):
    pass


class ConfigInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int64) for n in (
        "batch", "kv_heads", "query_heads", "capacity", "head_dim",
        "element_bytes", "append_tokens", "max_splits")] + [
        ("cache_bytes", ctypes.c_uint64), ("workspace_bytes", ctypes.c_uint64),
        ("scale", ctypes.c_double)]


def _default_runtime():
    env = os.environ.get("KVQ_RUNTIME")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "lib", "libkvq_runtime.so")


def _load(path):
    lib = ctypes.CDLL(path)
    P, I, U, V = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_char_p
    sig = {
        "kvq_last_error": ([], V),
        "kvq_library_open": ([V, ctypes.POINTER(P)], I),
        "kvq_library_close": ([P], None),
        "kvq_library_config_info": ([P, V, ctypes.POINTER(ConfigInfo)], I),
        "kvq_cache_create": ([P, V, ctypes.POINTER(P)], I),
        "kvq_cache_destroy": ([P], None),
        "kvq_cache_append": ([P, U, U, ctypes.c_int64, U], I),
        "kvq_cache_attend": ([P, U, U, U, ctypes.c_int32, U], I),
        "kvq_cache_splits": ([P, ctypes.c_int32], ctypes.c_int32),
        "kvq_cache_length": ([P], ctypes.c_int64),
        "kvq_cache_storage": ([P], U),
        "kvq_cache_read_storage": ([P, P, U], I),
        "kvq_cache_reset": ([P, U], I),
    }
    for name, (args, res) in sig.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    return lib


class _DeviceBytes:
    """`n` bytes of device memory at `ptr`, for torch.as_tensor (CUDA array
    interface, version 2: no stream semantics)."""

    def __init__(self, ptr, n):
        self.__cuda_array_interface__ = {
            "shape": (n,), "typestr": "|u1", "data": (ptr, False),
            "version": 2}


class Library:
    """A manifest written by kvq-gpu-aot and the kernels it names."""

    def __init__(self, manifest, runtime=None):
        self._rt = _load(runtime or _default_runtime())
        self._handle = ctypes.c_void_p()
        self._check(self._rt.kvq_library_open(manifest.encode(),
                                               ctypes.byref(self._handle)))
        with open(manifest) as f:
            self.manifest = json.load(f)
        self.configs = [c["name"] for c in self.manifest["configs"]]

    def _check(self, rc):
        if rc != KVQ_OK:
            raise KvqError(self._rt.kvq_last_error().decode())

    def config(self, name):
        for c in self.manifest["configs"]:
            if c["name"] == name:
                return c
        raise KvqError(f"unknown config '{name}'")

    def cache(self, name):
        return Cache(self, name)

    def close(self):
        if self._handle:
            self._rt.kvq_library_close(self._handle)
            self._handle = ctypes.c_void_p()


class Cache:
    """A device cache of one configuration (storage + workspace)."""

    def __init__(self, library, name):
        import torch
        self._torch = torch
        self.library, self.name = library, name
        self.config = library.config(name)
        self.dtype = getattr(torch, _DTYPES[self.config["element_type"]])
        self._handle = ctypes.c_void_p()
        library._check(library._rt.kvq_cache_create(
            library._handle, name.encode(), ctypes.byref(self._handle)))

    def _stream(self):
        return self._torch.cuda.current_stream().cuda_stream

    def _expect(self, what, t, shape, dtype=None):
        dtype = dtype or self.dtype
        if not isinstance(t, self._torch.Tensor) or not t.is_cuda:
            raise KvqError(f"{what} must be a CUDA tensor")
        if tuple(t.shape) != tuple(shape):
            raise KvqError(f"{what} has shape {tuple(t.shape)}, expected "
                           f"{tuple(shape)} for config '{self.name}'")
        if t.dtype != dtype:
            raise KvqError(f"{what} has dtype {t.dtype}, expected {dtype}")
        if not t.is_contiguous():
            raise KvqError(f"{what} must be contiguous")

    @property
    def length(self):
        return self.library._rt.kvq_cache_length(self._handle)

    def append(self, keys, values):
        c = self.config
        shape = (c["batch"], c["kv_heads"], c["append_tokens"], c["head_dim"])
        self._expect("keys", keys, shape)
        self._expect("values", values, shape)
        self.library._check(self.library._rt.kvq_cache_append(
            self._handle, keys.data_ptr(), values.data_ptr(),
            c["append_tokens"], self._stream()))

    def attend(self, queries, lengths=None, splits=0, out=None):
        c = self.config
        shape = (c["batch"], c["query_heads"], c["head_dim"])
        self._expect("queries", queries, shape)
        if out is None:
            out = self._torch.empty(shape, dtype=self.dtype,
                                    device=queries.device)
        self._expect("out", out, shape)
        lp = 0
        if lengths is not None:
            self._expect("lengths", lengths, (c["batch"],), self._torch.int32)
            lp = lengths.data_ptr()
        self.library._check(self.library._rt.kvq_cache_attend(
            self._handle, queries.data_ptr(), out.data_ptr(), lp, splits,
            self._stream()))
        return out

    def append_raw(self, keys_ptr, values_ptr, stream=0):
        """append() from raw device pointers (each [B, H, append_tokens, D],
        contiguous, the cache's dtype) on `stream` (an integer, 0 = the
        default stream), without append()'s checks: for fill loops that
        append many tokens. The runtime still checks the capacity."""
        self.library._check(self.library._rt.kvq_cache_append(
            self._handle, keys_ptr, values_ptr, self.config["append_tokens"],
            stream))

    def splits(self, requested=0):
        return self.library._rt.kvq_cache_splits(self._handle, requested)

    def storage(self):
        """The raw storage bytes (docs/storage-format.md) as a bytearray."""
        n = self.config["cache_bytes"]
        buf = (ctypes.c_uint8 * n)()
        self.library._check(self.library._rt.kvq_cache_read_storage(
            self._handle, ctypes.cast(buf, ctypes.c_void_p), n))
        return bytes(buf)

    def storage_ptr(self):
        """The device address of the raw storage (docs/storage-format.md)."""
        return self.library._rt.kvq_cache_storage(self._handle)

    def storage_tensor(self):
        """The raw storage as a uint8 CUDA tensor that views the cache's
        device memory (no copy): valid while the cache lives, and it sees
        pending kernels' writes only after a synchronization."""
        n = self.config["cache_bytes"]
        view = _DeviceBytes(self.storage_ptr(), n)
        return self._torch.as_tensor(view, device="cuda")

    def reset(self):
        self.library._check(self.library._rt.kvq_cache_reset(
            self._handle, self._stream()))

    def close(self):
        if self._handle:
            self.library._rt.kvq_cache_destroy(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
