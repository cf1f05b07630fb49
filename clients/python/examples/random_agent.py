#!/usr/bin/env python3
"""A random agent for dojo run --agent exec:CMD.

    dojo run gridworld/FrozenLake-v1 --agent exec:"python3 clients/python/examples/random_agent.py" --episodes 100

dojo starts this process and sends it JSON-RPC requests on stdin: it answers
each agent/act with a uniformly random action of the env's action space,
drawn from a generator seeded by the episode seed (so runs repeat). Logs go
to stderr; stdout carries the protocol only.
"""
import random
import sys

import dojo_client as dojo


def start(ep):
    ep["rng"] = random.Random(ep["seed"])
    ep["space"] = dojo.Space((ep["spec"] or {}).get("action", {"kind": "none"}))


def act(observation, info, ep):
    if "rng" not in ep:
        start(ep)
    space = ep["space"]
    if space.kind == "text" and not space.labels:
        return "I do not know."
    return space.sample(ep["rng"])


def end(ep, result):
    print("random agent: episode %s return %s success %s" % (ep["episode"], result.get("return"), result.get("success")),
          file=sys.stderr)


if __name__ == "__main__":
    dojo.serve_agent(act, start=start, end=end)
