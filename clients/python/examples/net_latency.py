#!/usr/bin/env python3
"""Round-trip latency of env/step from Python: one FrozenLake stepped in
lockstep over a WebSocket to ``dojo serve --listen`` (and, for comparison,
over the stdio pipe of a ``dojo serve`` subprocess). Prints p50, p90 and p99.

    DOJO_BIN=/path/to/dojo python3 examples/net_latency.py [--steps N] [--url ws://HOST:PORT --token T]

Without --url it starts ``dojo serve --listen 127.0.0.1:0`` itself (loopback
only) and stops it at the end.
"""
import os
import re
import subprocess
import sys
import time

import dojo_client as dojo


def arg(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def lockstep(client, steps):
    """Per-step round trips (seconds) of env/step on one FrozenLake with
    next-step autoreset, after a warm-up."""
    env = client.make("gridworld/FrozenLake-v1", autoreset=True)
    env.reset(seed=0)
    for i in range(min(2000, steps)):
        env.step(i & 3)
    out = []
    clock = time.perf_counter
    for i in range(steps):
        t = clock()
        env.step(i & 3)
        out.append(clock() - t)
    env.close()
    return sorted(out)


def report(name, ts):
    q = lambda p: ts[min(len(ts) - 1, int(len(ts) * p))] * 1e6  # noqa: E731
    print("%-34s p50 %6.1f us   p90 %6.1f us   p99 %6.1f us   (%d steps)" % (name, q(0.5), q(0.9), q(0.99), len(ts)))
    return q(0.5)


def main():
    steps = int(arg("--steps", "20000"))
    url, token, proc = arg("--url"), arg("--token"), None
    if url is None:
        proc = subprocess.Popen([dojo.find_binary(), "serve", "--listen", "127.0.0.1:0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = proc.stderr.readline().decode()
        m = re.search(r"listening on (\S+)", line)
        if not m:
            proc.kill()
            sys.exit("dojo serve --listen did not start: %s" % line)
        url = "ws://" + m.group(1)
    print("python %s, %d CPUs" % (sys.version.split()[0], os.cpu_count()))
    try:
        with dojo.connect(url, token=token) as c:
            report("WebSocket (%s)" % dojo.net.redact_url(url), lockstep(c, steps))
        if "--no-stdio" not in sys.argv:
            with dojo.Client(stderr=subprocess.DEVNULL) as c:
                report("stdio pipe (dojo serve)", lockstep(c, steps))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)
            proc.stderr.close()


if __name__ == "__main__":
    main()
