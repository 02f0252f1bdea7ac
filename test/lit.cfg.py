# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "KVQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "consumer", "Consumer/consumer"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kvq_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.substitutions.append(("%kvq_src", config.kvq_src_root))
config.substitutions.append(("%kvq_obj", config.kvq_obj_root))
config.substitutions.append(("%kvq_libs", config.kvq_lib_dir))
config.substitutions.append(("%mlir_cmake_dir", config.mlir_cmake_dir))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cxx_compiler))
# Tests that need numpy use Debian's interpreter explicitly: the python3 on a
# developer's PATH may be a pyenv build without numpy.
config.substitutions.append(("%python", "/usr/bin/python3"))

# The real model and norm profiles beside the project root (CI has them).
shared_data = os.path.join(os.path.dirname(config.kvq_src_root), "shared", "data")
config.substitutions.append(("%shared_data", shared_data))
if os.path.isdir(shared_data):
    config.available_features.add("shared-data")
if config.ptxas:
    config.available_features.add("ptxas")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.kvq_tools_dir, config.llvm_tools_dir]
tools = [
    "kvq-opt",
    "kvq-run",
    "kvq-gpu-aot",
    "kvq-import",
    "kvq-generate",
    "kvq-calibrate",
    "kvq-alloc",
    "split-file",
    "not",
    "count",
    # Stock upstream mlir-opt, to prove the plugin loads into it.
    ToolSubst("%mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)
