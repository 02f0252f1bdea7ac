"""Writes a synthetic 70B-scale checkpoint for the kvq-assign-bits benchmark:
80 layers of k_proj and v_proj, each [1024, 8192] bf16 (8 KV heads of head
dim 128, hidden 8192, as Llama-3-70B), 2.7 GB in one raw file, and a module
that references them the way kvq-import does (#ml_program.extern globals with
kvq.external = {file, tensor, offset, bytes, file_size}) with one cache and
one kvq.bind_projections per layer.

Usage: make_checkpoint.py OUTDIR
"""
import os
import sys

import numpy as np

LAYERS, ROWS, COLS, HEADS, HEAD_DIM = 80, 1024, 8192, 8, 128


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "weights.bin")
    rng = np.random.default_rng(70)
    bytes_per = ROWS * COLS * 2
    names = []
    with open(path, "wb") as f:
        for l in range(LAYERS):
            for which, scale in (("k_proj", 0.02 * (1.5 + 0.5 * np.sin(l))), ("v_proj", 0.01)):
                w = (rng.standard_normal((ROWS, COLS), dtype=np.float32) * scale)
                # A few outlier channels, as real key projections have.
                w[:, rng.integers(0, COLS, 16)] *= 8
                bits = (w.view(np.uint32) >> 16).astype(np.uint16)  # truncate to bf16
                f.write(bits.tobytes())
                names.append(f"model.layers.{l}.self_attn.{which}.weight")
    size = os.path.getsize(path)
    cache = (f"!kvq.cache<1x{HEADS}x4096x{HEAD_DIM}xbf16, keys = #kvq.scheme<bits = 16>, "
             f"values = #kvq.scheme<bits = 16>>")
    lines = [f"!c = {cache}"]
    for i, n in enumerate(names):
        lines.append(
            f"ml_program.global private @w{i}(#ml_program.extern : tensor<{ROWS}x{COLS}xbf16>) : "
            f"tensor<{ROWS}x{COLS}xbf16> {{kvq.external = {{file = \"weights.bin\", tensor = \"{n}\", "
            f"offset = {i * bytes_per} : i64, bytes = {bytes_per} : i64, file_size = {size} : i64}}}}")
    lines.append("func.func @decode() {")
    for l in range(LAYERS):
        lines.append(f"  %c{l} = kvq.cache_create {{layer = {l} : i64}} : !c")
        lines.append(f"  %k{l} = ml_program.global_load_const @w{2 * l} : tensor<{ROWS}x{COLS}xbf16>")
        lines.append(f"  %v{l} = ml_program.global_load_const @w{2 * l + 1} : tensor<{ROWS}x{COLS}xbf16>")
        lines.append(f"  kvq.bind_projections %c{l} layer {l} keys(%k{l} : tensor<{ROWS}x{COLS}xbf16>) "
                     f"values(%v{l} : tensor<{ROWS}x{COLS}xbf16>) : !c")
    lines.append("  return")
    lines.append("}")
    with open(os.path.join(out, "model.mlir"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path} ({size / 1e9:.2f} GB) and model.mlir")


if __name__ == "__main__":
    main()
