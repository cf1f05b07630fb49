#!/usr/bin/env python3
"""64 FrozenLake 8x8 envs stepped together with random actions through
env/stepMany, with Gymnasium's next-step autoreset; prints the throughput.

    DOJO_BIN=/path/to/dojo python3 examples/vector_loop.py [num_envs] [steps]
"""
import random
import sys
import time

import dojo_client as dojo


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(0)
    with dojo.VectorEnv("gridworld/FrozenLake8x8-v1", n) as envs:
        obs, infos = envs.reset(seed=0)
        episodes = wins = 0
        t0 = time.perf_counter()
        for _ in range(steps):
            actions = [rng.randrange(4) for _ in range(n)]
            obs, rewards, terminated, truncated, infos = envs.step(actions)
            for r, te, tr in zip(rewards, terminated, truncated):
                if te or tr:
                    episodes += 1
                    wins += r > 0  # FrozenLake pays 1 on the goal only
        dt = time.perf_counter() - t0
    print("%d envs x %d steps = %d env-steps in %.2fs: %.0f env-steps/s (%d episodes ended, %d at the goal)" % (
        n, steps, n * steps, dt, n * steps / dt, episodes, wins))


if __name__ == "__main__":
    main()
