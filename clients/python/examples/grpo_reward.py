#!/usr/bin/env python3
"""dojo as the reward function of a GRPO-style trainer.

A GRPO step samples a group of completions per prompt, scores each with a
reward function, and uses the reward's deviation from its group's mean as the
advantage. dojo generates the prompts (task/generate) and scores the
completions (task/verify); dojo_client.reward_fn has the signature TRL's
GRPOTrainer expects, so with TRL installed the wiring is:

    # dojo gen toolcall/... --n 10000 --seed 0 --out tasks.jsonl
    dataset = datasets.load_dataset("json", data_files="tasks.jsonl")["train"]
    trainer = trl.GRPOTrainer(model=..., reward_funcs=[dojo_client.reward_fn], train_dataset=dataset)

This example needs no third-party package: it stands in for the model with
canned completions and computes the group-relative advantages itself.

    DOJO_BIN=/path/to/dojo python3 examples/grpo_reward.py [ENV_ID]
"""
import statistics
import sys

import dojo_client as dojo


def task_env(client):
    """The first registered env that generates tasks here (envs over a data
    set that is absent, such as sql/BIRD-v0 without its folder, answer
    not_found and are passed over)."""
    for spec in client.list_envs():
        try:
            client.generate(spec["id"], n=1)
            return spec["id"]
        except dojo.DojoError as e:
            if e.kind not in ("unsupported", "not_found"):
                raise
    return None


def main():
    client = dojo.default_client()
    env_id = sys.argv[1] if len(sys.argv) > 1 else task_env(client)
    if env_id is None:
        print("this dojo build registers no task-based env (task/generate is unsupported by every env)")
        return
    prompts, group = 4, 4
    tasks = client.generate(env_id, n=prompts, seed=0)
    print("%s: %d tasks; the first prompt:" % (env_id, len(tasks)))
    for m in tasks[0]["prompt"]:
        print("  [%s] %s" % (m["role"], m["content"][:200].replace("\n", " ")))

    # The "policy": canned completions, a group per prompt (a real trainer
    # samples them from the model). The last one is a chat-format reply.
    canned = ["", "I don't know.", "<answer>42</answer>", [{"role": "assistant", "content": "Let me think. <answer>yes</answer>"}]]
    completions, columns = [], {"env": [], "seed": [], "options": [], "id": []}
    for t in tasks:
        for g in range(group):
            completions.append(canned[g % len(canned)])
            columns["env"].append(t["env"])
            columns["seed"].append(t["seed"])
            columns["options"].append(t.get("options") or {})
            columns["id"].append(t["id"])

    # What the trainer calls: one batch, verified in parallel by the server.
    rewards = dojo.reward_fn(completions, **columns)

    for p in range(prompts):
        rs = rewards[p * group:(p + 1) * group]
        mean, std = statistics.fmean(rs), statistics.pstdev(rs)
        adv = [(r - mean) / (std + 1e-4) for r in rs]
        print("prompt %d (%s): rewards %s advantages %s" % (
            p, tasks[p]["id"], ["%.3f" % r for r in rs], ["%+.2f" % a for a in adv]))


if __name__ == "__main__":
    main()
