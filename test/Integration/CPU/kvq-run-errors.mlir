// kvq-run's handling of bad command lines and bad .npy inputs: each is
// rejected before anything runs, with exit status 1 and exactly one line
// `kvq-run: error: ...` that names the offending file and what is wrong.

// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save(r'%t/x.npy', np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)); np.save(r'%t/y.npy', np.ones((3, 8), np.float16)); np.save(r'%t/y5.npy', np.ones((5, 8), np.float16))"
// RUN: %python -c "import numpy as np; np.save(r'%t/shape.npy', np.ones((8, 4), np.float32)); np.save(r'%t/rank.npy', np.ones((32,), np.float32)); np.save(r'%t/f64.npy', np.ones((4, 8)))"
// RUN: %python -c "import numpy as np; np.save(r'%t/u4.npy', np.ones((4, 8), np.uint32)); np.save(r'%t/fortran.npy', np.asfortranarray(np.ones((4, 8), np.float32)))"
// RUN: %python -c "import numpy as np; b = open(r'%t/x.npy', 'rb').read(); open(r'%t/trunc.npy', 'wb').write(b[:-64]); open(r'%t/hdr.npy', 'wb').write(b[:40]); open(r'%t/garbage.npy', 'wb').write(b'garbage bytes, no magic'); open(r'%t/empty.npy', 'wb').close()"
// RUN: %python -c "import numpy as np; x = np.zeros((4, 8), np.float32); x[2, 3] = np.nan; np.save(r'%t/nan.npy', x); x[2, 3] = -np.inf; np.save(r'%t/inf.npy', x); h = np.ones((3, 8), np.float16); h[0, 0] = np.inf; np.save(r'%t/hinf.npy', h); h[0, 0] = np.nan; np.save(r'%t/hnan.npy', h)"

// A good run, for contrast (the dynamic dimension takes 3 or 5 rows).
// RUN: kvq-run %s --input=%t/x.npy --input=%t/y.npy --output=%t/c.npy --output=%t/s.npy | count 0
// RUN: kvq-run %s --input=%t/x.npy --input=%t/y5.npy | FileCheck %s --check-prefix=GOOD
// GOOD: result 0: |i1 (4, 8)
// GOOD: result 1: <f2 (1, 8)

// Wrong number of inputs and outputs.
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=NARGS
// NARGS: {{^}}kvq-run: error: @main takes 2 argument(s) but 1 --input file(s) were given{{$}}
// NARGS-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/y.npy --input=%t/y.npy 2>&1 | FileCheck %s --check-prefix=NARGS3
// NARGS3: {{^}}kvq-run: error: @main takes 2 argument(s) but 3 --input file(s) were given{{$}}
// NARGS3-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/y.npy --output=%t/o.npy 2>&1 | FileCheck %s --check-prefix=NOUTS
// NOUTS: {{^}}kvq-run: error: @main returns 2 result(s) but 1 --output file(s) were given{{$}}
// NOUTS-NOT: {{.}}

// Wrong shape (static dimension, rank) and wrong dtype.
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/shape.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=SHAPE
// SHAPE: {{^}}kvq-run: error: input 0 '[[T]]/shape.npy' has shape (8, 4) but argument 0 is tensor<4x8xf32>{{$}}
// SHAPE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/rank.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=RANK
// RANK: {{^}}kvq-run: error: input 0 '[[T]]/rank.npy' has shape (32,) but argument 0 is tensor<4x8xf32>{{$}}
// RANK-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/shape.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=DYNSHAPE
// DYNSHAPE: {{^}}kvq-run: error: input 1 '[[T]]/shape.npy' has dtype <f4 but argument 1 is tensor<?x8xf16> (dtype <f2){{$}}
// DYNSHAPE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/f64.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=DTYPE
// DTYPE: {{^}}kvq-run: error: input 0 '[[T]]/f64.npy' has dtype <f8 but argument 0 is tensor<4x8xf32> (dtype <f4){{$}}
// DTYPE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/u4.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=UDTYPE
// UDTYPE: {{^}}kvq-run: error: input 0: '[[T]]/u4.npy': unsupported dtype '<u4' (expected little-endian f2/f4/f8/i1/u1/i2/u2/i4/i8){{$}}
// UDTYPE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/fortran.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=FORTRAN
// FORTRAN: {{^}}kvq-run: error: input 0: '[[T]]/fortran.npy': Fortran-order arrays are not supported; save a C-contiguous array (np.ascontiguousarray){{$}}
// FORTRAN-NOT: {{.}}

// Missing, truncated and garbage files.
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/missing.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=MISSING
// MISSING: {{^}}kvq-run: error: input 0: '[[T]]/missing.npy': cannot open: No such file or directory{{$}}
// MISSING-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/trunc.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=TRUNC
// TRUNC: {{^}}kvq-run: error: input 0: '[[T]]/trunc.npy': truncated data: shape (4, 8) needs 128 bytes, file has 64{{$}}
// TRUNC-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/hdr.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=HDR
// HDR: {{^}}kvq-run: error: input 0: '[[T]]/hdr.npy': truncated header{{$}}
// HDR-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/garbage.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=GARBAGE
// GARBAGE: {{^}}kvq-run: error: input 0: '[[T]]/garbage.npy': not a .npy file (bad magic){{$}}
// GARBAGE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/empty.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=EMPTY
// EMPTY: {{^}}kvq-run: error: input 1: '[[T]]/empty.npy': not a .npy file (bad magic){{$}}
// EMPTY-NOT: {{.}}

// NaN and infinities (f32 and f16) are rejected unless --allow-nonfinite.
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/nan.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=NAN
// NAN: {{^}}kvq-run: error: input 0 '[[T]]/nan.npy' contains NaN or infinite values (pass --allow-nonfinite to run anyway){{$}}
// NAN-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/inf.npy --input=%t/y.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=INF
// INF: {{^}}kvq-run: error: input 0 '[[T]]/inf.npy' contains NaN or infinite values (pass --allow-nonfinite to run anyway){{$}}
// INF-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/hinf.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=HINF
// HINF: {{^}}kvq-run: error: input 1 '[[T]]/hinf.npy' contains NaN or infinite values (pass --allow-nonfinite to run anyway){{$}}
// HINF-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/hnan.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=HNAN
// HNAN: {{^}}kvq-run: error: input 1 '[[T]]/hnan.npy' contains NaN or infinite values (pass --allow-nonfinite to run anyway){{$}}
// HNAN-NOT: {{.}}
// RUN: kvq-run %s --input=%t/nan.npy --input=%t/hnan.npy --allow-nonfinite | FileCheck %s --check-prefix=ALLOWED
// ALLOWED: result 0: |i1 (4, 8)

// An output that would overwrite an input (also through another spelling of
// the same path); the input is left alone.
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/y.npy --output=%t/c.npy --output=%t/x.npy 2>&1 | FileCheck %s -DT=%t --check-prefix=CLOBBER
// CLOBBER: {{^}}kvq-run: error: output '[[T]]/x.npy' would overwrite input '[[T]]/x.npy'{{$}}
// CLOBBER-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --input=%t/x.npy --input=%t/y.npy --output=%t/../%{t:stem}.tmp/y.npy --output=%t/s.npy 2>&1 | FileCheck %s --check-prefix=CLOBBER2
// CLOBBER2: {{^}}kvq-run: error: output '{{.*}}/y.npy' would overwrite input '{{.*}}/y.npy'{{$}}
// CLOBBER2-NOT: {{.}}
// RUN: %python -c "import numpy as np, sys; x = np.load(r'%t/x.npy'); sys.exit(0 if x.dtype == np.float32 and x.shape == (4, 8) else 1)"

// A module that does not exist or does not parse, an entry that is missing.
// RUN: %python %S/expect_exit.py 1 kvq-run %t/nothere.mlir 2>&1 | FileCheck %s -DT=%t --check-prefix=NOMODULE
// NOMODULE: {{^}}kvq-run: error: cannot open module '[[T]]/nothere.mlir': cannot open input file '[[T]]/nothere.mlir': No such file or directory{{$}}
// NOMODULE-NOT: {{.}}
// RUN: %python %S/expect_exit.py 1 kvq-run %s --entry=nope --input=%t/x.npy --input=%t/y.npy 2>&1 | FileCheck %s --check-prefix=NOENTRY
// NOENTRY: {{^}}kvq-run: error: module '{{.*}}kvq-run-errors.mlir' has no func.func @nope{{$}}
// NOENTRY-NOT: {{.}}

// The lit `not` spelling, for the simplest case.
// RUN: not kvq-run %s --input=%t/x.npy 2>&1 | FileCheck %s --check-prefix=NOT
// NOT: kvq-run: error: @main takes 2 argument(s) but 1 --input file(s) were given

func.func @main(%x: tensor<4x8xf32>, %y: tensor<?x8xf16>) -> (tensor<4x8xi8>, tensor<1x8xf16>) {
  %c, %s = kvq.quantize %x {scheme = #kvq.scheme<bits = 4, group = 4, symmetric = true>}
      : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<1x8xf16>
  return %c, %s : tensor<4x8xi8>, tensor<1x8xf16>
}
