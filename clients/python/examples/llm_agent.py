#!/usr/bin/env python3
"""An LLM agent for dojo run --agent exec:CMD, calling any OpenAI-compatible
chat-completions server with urllib (no third-party package).

    export OPENAI_BASE_URL=http://localhost:8000/v1 MODEL=Qwen/Qwen3-8B  # OPENAI_API_KEY if needed
    dojo run toolcall/... --agent exec:"python3 clients/python/examples/llm_agent.py" --episodes 20

It keeps each episode's chat history: the observation's messages (or text)
are appended, the tools of the episode's task (episode/start's "tools": the
tools its prompt shows, which in toolcall are a few of the spec's plus
distractors) are sent as OpenAI tools on every turn, and the reply becomes
the action: tool calls as {"text", "tool_calls"}, else the content (the
final answer in tool envs, a text action elsewhere). dojo's built-in
--agent openai:URL does the same in Go; this file shows the protocol.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

import dojo_client as dojo

BASE = os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1").rstrip("/")
MODEL = os.environ.get("MODEL", "default")
KEY = os.environ.get("DOJO_API_KEY") or os.environ.get("OPENAI_API_KEY")
TEMPERATURE = float(os.environ.get("TEMPERATURE", "0"))


def complete(body, retries=5):
    req = urllib.request.Request(BASE + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": "Bearer " + KEY} if KEY else {})})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            if e.code not in (408, 409, 429) and e.code < 500 or attempt == retries:
                raise RuntimeError("%s: %s" % (e, e.read()[:300].decode(errors="replace"))) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            if attempt == retries:
                raise
        time.sleep(min(30, 0.5 * 2 ** attempt))


def openai_tools(tools):
    """dojo tools ({"name", "description", "inputSchema"}) as OpenAI tools."""
    return [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                              "parameters": t.get("inputSchema") or {"type": "object", "properties": {}}}}
            for t in tools]


def start(ep):
    spec = ep["spec"] or {}
    ep["tools_mode"] = spec.get("action", {}).get("kind") == "tool_calls"
    ep["messages"] = []


def act(observation, info, ep):
    if "messages" not in ep:
        start(ep)
    if "openai_tools" not in ep:
        # The task's tools: episode/start's, else the first observation's.
        tools = ep.get("tools") or observation.get("tools") or []
        ep["openai_tools"] = openai_tools(tools) if ep["tools_mode"] else []
    msgs = observation.get("messages")
    if msgs:
        ep["messages"].extend(msgs)
    elif observation.get("text"):
        ep["messages"].append({"role": "user", "content": observation["text"]})
    else:
        ep["messages"].append({"role": "user", "content": json.dumps(observation.get("value"))})
    body = {"model": MODEL, "messages": ep["messages"], "temperature": TEMPERATURE, "seed": ep["seed"] % 2**31}
    if ep["openai_tools"]:
        body["tools"] = ep["openai_tools"]
    r = complete(body)
    msg = r["choices"][0]["message"]
    for i, c in enumerate(msg.get("tool_calls") or []):
        c["id"] = c.get("id") or "call_%d_%d" % (len(ep["messages"]), i)  # the env's tool results refer to it
    ep["messages"].append({k: msg[k] for k in ("role", "content", "tool_calls") if msg.get(k) is not None})
    content = msg.get("content") or ""
    calls = []
    for i, c in enumerate(msg.get("tool_calls") or []):
        try:
            args = json.loads(c["function"].get("arguments") or "{}")
        except ValueError:
            args = c["function"].get("arguments")  # the env judges it invalid
        calls.append({"id": c["id"], "name": c["function"]["name"], "arguments": args})
    if ep["tools_mode"]:
        return {"text": content, "tool_calls": calls} if calls else {"text": content}
    return content


if __name__ == "__main__":
    dojo.serve_agent(act, start=start)
