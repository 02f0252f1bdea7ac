#!/usr/bin/env python3
"""expect_exit.py CODE COMMAND ARGS...: runs COMMAND, copies its stdout and
stderr (stderr after stdout) to stdout, and succeeds only when COMMAND exited
with status CODE (lit's `not` accepts any non-zero status)."""
import subprocess
import sys

want = int(sys.argv[1])
r = subprocess.run(sys.argv[2:], capture_output=True, text=True)
sys.stdout.write(r.stdout)
sys.stdout.write(r.stderr)
if r.returncode != want:
    sys.stdout.write("expect_exit.py: %s exited with %d, expected %d\n" % (sys.argv[2], r.returncode, want))
    sys.exit(1)
