"""kvq.cuda's Library works (and fails clearly) without torch or a GPU."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from kvq.cuda import KvqError, Library  # noqa: E402

lib = Library(sys.argv[1], runtime=sys.argv[2])
print("configs", lib.configs)
c = lib.config(lib.configs[0])
print("element", c["element_type"], "cache_bytes", c["cache_bytes"])
try:
    Library("/nonexistent.json", runtime=sys.argv[2])
except (KvqError, OSError) as e:
    print("KvqError:" if isinstance(e, KvqError) else "OSError:", e)
