// Token-by-token append written the natural way: scf.for over the tokens with
// tensor.extract_slice at the loop's (dynamic) token offset. The storage must
// equal that of appending all tokens at once.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); np.save(r'%t/k.npy', r.standard_normal((1, 2, 100, 8)).astype(np.float32)); np.save(r'%t/v.npy', r.standard_normal((1, 2, 100, 8)).astype(np.float32))"
// RUN: kvq-run %s --input=%t/k.npy --input=%t/v.npy --output=%t/one.npy --output=%t/step.npy
// RUN: %python -c "import numpy as np, sys; a = np.load(r'%t/one.npy'); b = np.load(r'%t/step.npy'); print('identical' if (a == b).all() else 'differ at %%d bytes' %% (a != b).sum()); print('length', a[:8].view('<i8')[0])" | FileCheck %s
// CHECK: identical
// CHECK-NEXT: length 100

!cache = !kvq.cache<1x2x128x8xf32, keys = #kvq.scheme<bits = 4, group = 32, window = 32>,
    values = #kvq.scheme<bits = 2, group = 8, granularity = per_token, window = 32>>

func.func @main(%k: tensor<1x2x100x8xf32>, %v: tensor<1x2x100x8xf32>) -> (tensor<9600xi8>, tensor<9600xi8>) {
  %one = kvq.cache_create : !cache
  kvq.append %k, %v into %one : tensor<1x2x100x8xf32>, tensor<1x2x100x8xf32> into !cache
  %a = kvq.storage %one : !cache -> tensor<9600xi8>
  %step = kvq.cache_create : !cache
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 100 : index
  scf.for %i = %c0 to %n step %c1 {
    %ks = tensor.extract_slice %k[0, 0, %i, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x100x8xf32> to tensor<1x2x1x8xf32>
    %vs = tensor.extract_slice %v[0, 0, %i, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x100x8xf32> to tensor<1x2x1x8xf32>
    kvq.append %ks, %vs into %step : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32> into !cache
  }
  %b = kvq.storage %step : !cache -> tensor<9600xi8>
  return %a, %b : tensor<9600xi8>, tensor<9600xi8>
}
