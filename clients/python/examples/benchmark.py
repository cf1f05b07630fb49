#!/usr/bin/env python3
"""Throughput of FrozenLake stepped from Python: through dojo (one env in
lockstep with env/step, and 64 envs with env/stepMany), and in-process by a
pure-Python FrozenLake with Gymnasium's dynamics, as a stand-in for
Gymnasium's own env where Gymnasium is not installed.

    DOJO_BIN=/path/to/dojo python3 examples/benchmark.py [--seconds S]

Every loop takes its random actions from one table drawn beforehand (so the
numbers measure the envs and the transport, not random.Random) and resets
ended episodes the same way, with next-step autoreset (the reset counts as a
step), so the numbers compare like with like. The pure-Python stand-in is
leaner than Gymnasium's FrozenLake (no wrappers, no numpy generator, no
passive env checker): Gymnasium's own step is slower than it.
"""
import os
import random
import sys
import time

import dojo_client as dojo

MAPS = {
    "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
    "8x8": ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"],
}


class PyFrozenLake:
    """Gymnasium's FrozenLake-v1 (toy_text/frozen_lake.py) in plain Python:
    the transition table P, slippery moves to the chosen direction and its
    two perpendiculars with probability 1/3 each, reward 1 on the goal, and
    the TimeLimit of 100 steps (200 on 8x8)."""

    def __init__(self, map_name="4x4", is_slippery=True):
        desc = MAPS[map_name]
        nrow, ncol = len(desc), len(desc[0])
        self.max_steps = 100 if map_name == "4x4" else 200

        def move(r, c, a):
            if a == 0:
                c = max(c - 1, 0)
            elif a == 1:
                r = min(r + 1, nrow - 1)
            elif a == 2:
                c = min(c + 1, ncol - 1)
            else:
                r = max(r - 1, 0)
            return r, c

        self.P = []
        for r in range(nrow):
            for c in range(ncol):
                acts = []
                for a in range(4):
                    outs = []
                    if desc[r][c] in "GH":
                        outs.append((1.0, r * ncol + c, 0.0, True))
                    else:
                        for b in ((a - 1) % 4, a, (a + 1) % 4) if is_slippery else (a,):
                            nr, nc = move(r, c, b)
                            tile = desc[nr][nc]
                            outs.append((1.0 / 3.0 if is_slippery else 1.0, nr * ncol + nc, float(tile == "G"), tile in "GH"))
                    acts.append(outs)
                self.P.append(acts)

    def reset(self, seed=None):
        if seed is not None or not hasattr(self, "rng"):  # Gymnasium reseeds only when given a seed
            self.rng = random.Random(seed)
        self.s, self.t = 0, 0
        return 0, {"prob": 1}

    def step(self, a):
        outs = self.P[self.s][a]
        u, acc = self.rng.random(), 0.0
        for p, s, r, term in outs:  # categorical_sample
            acc += p
            if u < acc:
                break
        self.s = s
        self.t += 1
        return s, r, term, self.t >= self.max_steps, {"prob": p}


def timed(seconds, body):
    """Runs body() (which returns the env-steps it took) for about seconds;
    returns env-steps per second."""
    n, t0 = 0, time.perf_counter()
    while True:
        n += body()
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt


def main():
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3.0
    rng = random.Random(0)
    table = [rng.randrange(4) for _ in range(64 * 1024)]
    batches = [table[i * 64:(i + 1) * 64] for i in range(1024)]
    pos = [0]

    def action():
        pos[0] = (pos[0] + 1) & 0xFFFF
        return table[pos[0]]

    def batch():
        pos[0] = (pos[0] + 1) & 1023
        return batches[pos[0]]

    print("python %s, %d CPUs" % (sys.version.split()[0], os.cpu_count()))

    # In process, pure Python.
    py = PyFrozenLake("4x4")
    py.reset(seed=0)

    done1 = [False]

    def py_steps():  # next-step autoreset, as dojo's autoreset env below
        for _ in range(1000):
            if done1[0]:
                py.reset()
                done1[0] = False
            else:
                _, _, te, tr, _ = py.step(action())
                done1[0] = te or tr
        return 1000
    py1 = timed(seconds, py_steps)

    pyv = [PyFrozenLake("8x8") for _ in range(64)]
    for i, e in enumerate(pyv):
        e.reset(seed=i)
    done = [False] * 64

    def pyv_steps():  # SyncVectorEnv-style loop with next-step autoreset
        for _ in range(20):
            for i, e in enumerate(pyv):
                if done[i]:
                    e.reset()
                    done[i] = False
                else:
                    _, _, te, tr, _ = e.step(action())
                    done[i] = te or tr
        return 20 * 64
    py64 = timed(seconds, pyv_steps)

    # Through dojo.
    client = dojo.Client()
    env = client.make("gridworld/FrozenLake-v1", autoreset=True)
    env.reset(seed=0)

    def dojo_steps():
        for _ in range(200):
            env.step(action())
        return 200
    d1 = timed(seconds, dojo_steps)

    results = {}
    for name in ("gridworld/FrozenLake8x8-v1", "gridworld/FrozenLake-v1"):
        venv = dojo.VectorEnv(name, 64, client=client)
        venv.reset(seed=0)

        def dojo_vec():
            for _ in range(20):
                venv.step(batch())
            return 20 * 64
        results[name] = timed(seconds, dojo_vec)
        venv.close()
    client.close()

    print("%-62s %12.0f steps/s" % ("pure-Python FrozenLake 4x4 slippery, one env, in process", py1))
    print("%-62s %12.0f steps/s" % ("pure-Python FrozenLake 8x8 slippery, 64 envs, sync loop", py64))
    print("%-62s %12.0f steps/s  (%.1f us per round trip)" % ("dojo FrozenLake 4x4, one env, env/step", d1, 1e6 / d1))
    for name, v in results.items():
        print("%-62s %12.0f steps/s" % ("dojo %s, 64 envs, env/stepMany compact" % name.split("/")[1], v))


if __name__ == "__main__":
    main()
