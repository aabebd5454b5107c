#!/usr/bin/env python3
"""
memsample.py POSTMASTER_PID OUTFILE: sample the memory of a PostgreSQL
server (the postmaster and all its children) every 20 ms until OUTFILE.stop
exists, then write the peaks to OUTFILE as shell assignments (kB):
  rss    sum of resident set sizes (shared memory counted once per process)
  anon   sum of resident private anonymous memory (RssAnon: heap, the
         argon2id buffers; shared memory is RssShmem and not in it)
  shmem  the largest RssShmem of one process (the shared memory touched)
  procs  the number of processes at the anon peak
The server's real footprint is about shmem + anon.
Standard library only; reads /proc/<pid>/status (cheap enough for 20 ms).
"""
import os
import sys
import time


def children(ppid):
    try:  # Linux 3.5+ with CONFIG_PROC_CHILDREN
        with open("/proc/%d/task/%d/children" % (ppid, ppid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        out.append(int(d))
            except OSError:
                pass
    return out


def status(pid):
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmRSS:", "RssAnon:", "RssShmem:")):
                    k, v = line.split()[:2]
                    vals[k[:-1]] = int(v)
    except OSError:
        return None
    return vals


def main():
    pm, outfile = int(sys.argv[1]), sys.argv[2]
    peak = {"rss": 0, "anon": 0, "shmem": 0, "procs": 0, "samples": 0}
    while not os.path.exists(outfile + ".stop"):
        rss = anon = shmem = n = 0
        for pid in [pm] + children(pm):
            v = status(pid)
            if v:
                n += 1
                rss += v.get("VmRSS", 0)
                anon += v.get("RssAnon", 0)
                shmem = max(shmem, v.get("RssShmem", 0))
        peak["samples"] += 1
        peak["rss"] = max(peak["rss"], rss)
        if anon > peak["anon"]:
            peak["anon"], peak["procs"] = anon, n
        peak["shmem"] = max(peak["shmem"], shmem)
        time.sleep(0.02)
    with open(outfile, "w") as f:
        for k, v in peak.items():
            f.write("%s=%d\n" % (k, v))


if __name__ == "__main__":
    main()
