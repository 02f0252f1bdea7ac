#!/usr/bin/env python3
"""Runs the host-lowered module (bench/gpu/host/decode.mlir compiled by
kvq-lower-to-nvvm into decode.o, linked with kvq's runtime into a shared
library) through its C interface and compares with the CPU reference:
storage byte for byte, attention output to 1e-3.

    python3 bench/gpu/host_e2e.py <libdecode.so> <artifacts/host>
"""
import ctypes
import json
import os
import sys

import numpy as np


def descriptor(array):
    """A ranked memref descriptor {alloc, aligned, offset, sizes, strides}."""
    rank = array.ndim
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
              ("strides", ctypes.c_int64 * rank)]
    cls = type(f"Memref{rank}", (ctypes.Structure,), {"_fields_": fields})
    d = cls()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    for i in range(rank):
        d.sizes[i] = array.shape[i]
        d.strides[i] = array.strides[i] // array.itemsize
    return d, cls


def empty_descriptor(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
              ("strides", ctypes.c_int64 * rank)]
    return type(f"Memref{rank}", (ctypes.Structure,), {"_fields_": fields})


def read(desc, dtype):
    n = int(np.prod(list(desc.sizes)))
    buf = (ctypes.c_char * (n * np.dtype(dtype).itemsize)).from_address(
        desc.aligned + desc.offset * np.dtype(dtype).itemsize)
    return np.frombuffer(bytes(buf), dtype).reshape(list(desc.sizes))


def main():
    lib = ctypes.CDLL(sys.argv[1])
    d = sys.argv[2]
    k, v, q = (np.ascontiguousarray(np.load(os.path.join(d, n + ".npy")))
               for n in "kvq")
    want_out = np.load(os.path.join(d, "expected_out.npy")).astype(np.float32)
    want_storage = np.load(os.path.join(d, "expected_storage.npy")).view(np.uint8)
    Out, Storage = empty_descriptor(3), empty_descriptor(1)

    class Result(ctypes.Structure):
        _fields_ = [("out", Out), ("storage", Storage)]

    result = Result()
    kd, _ = descriptor(k)
    vd, _ = descriptor(v)
    qd, _ = descriptor(q)
    fn = lib._mlir_ciface_decode
    fn.restype = None
    fn(ctypes.byref(result), ctypes.byref(kd), ctypes.byref(vd), ctypes.byref(qd))
    out = read(result.out, np.float16).astype(np.float32)
    storage = read(result.storage, np.uint8)
    r = {
        "host_path": "bench/gpu/host/decode.mlir",
        "storage_mismatches": int(np.count_nonzero(storage != want_storage)),
        "rel_err": float(np.abs(out - want_out).max() / np.abs(want_out).max()),
    }
    r["ok"] = r["storage_mismatches"] == 0 and r["rel_err"] <= 1e-3
    print(json.dumps(r), flush=True)
    sys.exit(0 if r["ok"] else 1)


if __name__ == "__main__":
    main()
