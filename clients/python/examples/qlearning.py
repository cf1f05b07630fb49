#!/usr/bin/env python3
"""Tabular Q-learning on FrozenLake through dojo, then the greedy policy's
success rate.

    DOJO_BIN=/path/to/dojo python3 examples/qlearning.py [episodes] [--slippery]

On the non-slippery 4x4 lake the greedy policy always succeeds after a few
hundred episodes; on slippery ice the best policy succeeds about 74% of the
time (Gymnasium's FrozenLake-v1), which Q-learning approaches slowly.
"""
import random
import sys

import dojo_client as dojo


def greedy(q, s, rng):
    best = max(q[s])
    return rng.choice([a for a, v in enumerate(q[s]) if v == best])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    episodes = int(args[0]) if args else 3000
    slippery = "--slippery" in sys.argv
    alpha, gamma = 0.1, 0.99
    rng = random.Random(0)
    with dojo.make("gridworld/FrozenLake-v1", {"is_slippery": slippery}) as env:
        ns, na = env.observation_space.n, env.action_space.n
        q = [[0.0] * na for _ in range(ns)]
        for ep in range(episodes):
            eps = max(0.05, 1.0 - ep / (0.8 * episodes))
            s, _ = env.reset(seed=ep)
            while True:
                a = rng.randrange(na) if rng.random() < eps else greedy(q, s, rng)
                s2, r, terminated, truncated, _ = env.step(a)
                target = r if terminated else r + gamma * max(q[s2])
                q[s][a] += alpha * (target - q[s][a])
                s = s2
                if terminated or truncated:
                    break
        wins, trials = 0, 1000
        for ep in range(trials):
            s, _ = env.reset(seed=10**6 + ep)
            while True:
                s, r, terminated, truncated, info = env.step(greedy(q, s, rng))
                if terminated or truncated:
                    wins += info["success"]
                    break
    arrows = "<v>^"
    print("greedy policy (H hole, G goal):")
    for row in range(4):
        print(" ".join(arrows[greedy(q, row * 4 + c, random.Random(0))] for c in range(4)))
    print("slippery=%s: after %d training episodes the greedy policy succeeds in %.1f%% of %d episodes" % (
        slippery, episodes, 100.0 * wins / trials, trials))


if __name__ == "__main__":
    main()
