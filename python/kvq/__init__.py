"""kvq Python tools. `kvq.cuda` runs kvq-gpu-aot kernels on torch tensors."""
