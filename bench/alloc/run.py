"""Times kvq-assign-bits on the synthetic 70B-scale checkpoint
(make_checkpoint.py) streamed from disk, and samples the peak anonymous
resident memory (RssAnon: memory beyond the mapped weight file, whose pages
count as file-backed RSS) of kvq-opt.

Usage: run.py KVQ_OPT OUTDIR [--drop-caches]
"""
import subprocess
import sys
import time


def run(kvq_opt, outdir, options):
    cmd = [kvq_opt, f"{outdir}/model.mlir", f"--kvq-assign-bits={options}",
           "-o", "/dev/null", "--mlir-print-op-on-diagnostic=false"]
    t0 = time.time()
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    peak_anon = peak_file = 0
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("RssAnon:"):
                    peak_anon = max(peak_anon, int(line.split()[1]))
                if line.startswith("RssFile:"):
                    peak_file = max(peak_file, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)
    wall = time.time() - t0
    err = p.stderr.read()
    if p.returncode:
        print(err)
        sys.exit(1)
    summary = [l for l in err.splitlines() if l.startswith("average")]
    print(f"{options}: {wall:.1f} s, peak RssAnon {peak_anon / 1024:.0f} MiB, "
          f"peak RssFile {peak_file / 1024:.0f} MiB")
    print("  " + (summary[0] if summary else "(no summary)"))
    return wall


def main():
    kvq_opt, outdir = sys.argv[1], sys.argv[2]
    for options in ("norm=frobenius granularity=layer",
                    "norm=spectral granularity=layer"):
        run(kvq_opt, outdir, options)


if __name__ == "__main__":
    main()
