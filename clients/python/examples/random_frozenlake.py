#!/usr/bin/env python3
"""A random agent on FrozenLake, Gymnasium style: reset, step until the
episode ends, count successes.

    DOJO_BIN=/path/to/dojo python3 examples/random_frozenlake.py [episodes]
"""
import random
import sys

import dojo_client as dojo


def main():
    episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(0)
    wins, steps = 0, 0
    with dojo.make("gridworld/FrozenLake-v1") as env:
        print(env.spec["description"])
        print("actions:", env.action_space, env.action_space.labels)
        for ep in range(episodes):
            obs, info = env.reset(seed=ep)
            while True:
                obs, reward, terminated, truncated, info = env.step(env.action_space.sample(rng))
                steps += 1
                if terminated or truncated:
                    wins += info["success"]
                    break
        print(env.render())
    print("%d episodes, %d steps: the random agent reached the goal in %.1f%% of them" % (
        episodes, steps, 100.0 * wins / episodes))


if __name__ == "__main__":
    main()
