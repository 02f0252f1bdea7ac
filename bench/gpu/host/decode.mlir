// End-to-end test of the host-side GPU lowering (kvq-lower-to-nvvm): a cache
// in device memory, 100 tokens appended one at a time in a loop, attention,
// and the raw storage copied back. The same module runs on the CPU with
// kvq-run for the reference (bench/gpu/prepare.py).
!cache = !kvq.cache<1x2x256x64xf16,
    keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 32, granularity = per_token, window = 32>>

func.func @decode(%k: tensor<1x2x100x64xf16>, %v: tensor<1x2x100x64xf16>,
                %q: tensor<1x8x64xf16>) -> (tensor<1x8x64xf16>, tensor<57664xi8>)
    attributes {llvm.emit_c_interface} {
  %c = kvq.cache_create {layer = 0 : i64} : !cache
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %kt = tensor.extract_slice %k[0, 0, %i, 0] [1, 2, 1, 64] [1, 1, 1, 1]
        : tensor<1x2x100x64xf16> to tensor<1x2x1x64xf16>
    %vt = tensor.extract_slice %v[0, 0, %i, 0] [1, 2, 1, 64] [1, 1, 1, 1]
        : tensor<1x2x100x64xf16> to tensor<1x2x1x64xf16>
    kvq.append %kt, %vt into %c : tensor<1x2x1x64xf16>, tensor<1x2x1x64xf16> into !cache
  }
  %o = kvq.attend %q, %c : tensor<1x8x64xf16>, !cache -> tensor<1x8x64xf16>
  %s = kvq.storage %c : !cache -> tensor<57664xi8>
  return %o, %s : tensor<1x8x64xf16>, tensor<57664xi8>
}
