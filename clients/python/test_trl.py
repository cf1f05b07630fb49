"""Tests of dojo_client.trl, the adapter for TRL's GRPOTrainer
environment_factory, with a harness that drives it as GRPOTrainer does
(TRL itself is not installed): an instance per rollout, reset(**row) with
the dataset row, the tools discovered as the instance's public methods but
reset, each tool's schema built from its signature and its Google-style
docstring, tool calls with keyword arguments (an exception's message goes
back to the model as the tool's result), then the reward functions called
with the instances as ``environments``. Over the subprocess client and the
network client.

    DOJO_BIN=/path/to/dojo python3 -m unittest -v test_trl
"""

import inspect
import json
import os
import re
import sys
import typing
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dojo_client as dojo  # noqa: E402
from dojo_client import trl as dojo_trl  # noqa: E402
import test_dojo_client as base  # noqa: E402
import test_net  # noqa: E402


def setUpModule():
    base.setUpModule()


# ---- the harness: what GRPOTrainer does with an environment_factory


def discover_tools(env):
    """The instance's public methods but reset, by name."""
    return {name: m for name, m in inspect.getmembers(env, predicate=inspect.ismethod)
            if not name.startswith("_") and name != "reset"}


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object", list: "array"}


def json_type(hint):
    """A type hint's JSON Schema, as transformers' get_json_schema maps the
    hints it supports (a bare list or a Literal is not one of them in every
    version: refused here)."""
    origin = typing.get_origin(hint)
    if origin is list:
        args = typing.get_args(hint)
        return {"type": "array", "items": json_type(args[0])}
    if hint is typing.Any:
        return {}
    if origin is not None or hint not in _JSON_TYPES or hint is list:
        raise AssertionError("type hint %r: not one every version of the schema builder reads" % (hint,))
    return {"type": _JSON_TYPES[hint]}


def tool_schema(method):
    """A tool's schema from a method, by the rules of the Google-style
    docstrings TRL's tool schemas are built from: the description is the
    text before the first section; "Args:" lists "name: description" per
    parameter, a "(choices: [...])" ending a description is the enum; each
    parameter needs a type hint and a description; the parameters without
    a default are required."""
    doc = inspect.getdoc(method)
    if not doc:
        raise AssertionError("%s has no docstring" % method.__name__)
    m = re.match(r"^(.*?)[\n\s]*(Args:|Returns:|Raises:|\Z)", doc, re.S)
    desc = m.group(1).strip()
    args = {}
    am = re.search(r"\n\s*Args:\n(.*?)(?:\n\s*(?:Returns:|Raises:)|\Z)", doc, re.S)
    if am:
        for line in am.group(1).splitlines():
            if not line.strip():
                continue
            lm = re.match(r"^\s*(\w+):\s*(.+)$", line)
            if not lm:
                raise AssertionError("%s: an Args line that is not 'name: description': %r" % (method.__name__, line))
            args[lm.group(1)] = lm.group(2).strip()
    sig = inspect.signature(method)
    hints = typing.get_type_hints(method)
    props, required = {}, []
    for name, p in sig.parameters.items():
        if name not in hints:
            raise AssertionError("%s: parameter %s has no type hint" % (method.__name__, name))
        if name not in args:
            raise AssertionError("%s: the docstring has no description for %s" % (method.__name__, name))
        prop = json_type(hints[name])
        pdesc = args[name]
        choices = re.search(r"\(choices:\s*(.*?)\)\s*$", pdesc, flags=re.I)
        if choices:
            prop["enum"] = json.loads(choices.group(1))
            pdesc = pdesc[:choices.start()].strip()
        if re.search(r"\(choices:", pdesc, flags=re.I):
            raise AssertionError("%s: a (choices: ...) not at the end of %s's description" % (method.__name__, name))
        prop["description"] = pdesc
        props[name] = prop
        if p.default is inspect.Parameter.empty:
            required.append(name)
    extra = set(args) - set(props)
    if extra:
        raise AssertionError("%s: Args names %s, not parameters" % (method.__name__, sorted(extra)))
    return {"name": method.__name__, "description": desc,
            "parameters": {"type": "object", "properties": props, "required": required}}


def call_tool(env, name, arguments):
    """A tool call as the trainer runs it: the method by name with keyword
    arguments; an exception's message is the tool's result."""
    tools = discover_tools(env)
    try:
        return str(tools[name](**arguments))
    except Exception as e:  # fed back to the model
        return str(e)


class TRLHarnessTest(unittest.TestCase):
    """The adapter, driven as GRPOTrainer drives an environment_factory."""

    ENV = "toolcall/Bank-v0"

    @classmethod
    def setUpClass(cls):
        cls.stdio = base.new_client()
        ids = [s["id"] for s in cls.stdio.list_envs()]
        if cls.ENV not in ids:
            cls.stdio.close()
            raise unittest.SkipTest("%s is not registered" % cls.ENV)
        cls.server = test_net.DojoServer("--token", test_net.TOKEN)
        cls.net = dojo.connect(cls.server.url, token=test_net.TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.net.close()
        cls.server.stop()
        cls.stdio.close()

    def factories(self):
        return [("stdio", dojo_trl.environment_factory(self.ENV, client=self.stdio)),
                ("net", dojo_trl.environment_factory(self.ENV, client=self.net)),
                ("url", dojo_trl.environment_factory(self.ENV, url=self.server.url, token=test_net.TOKEN))]

    def check_schemas(self, cls, spec_tools):
        env = cls()  # TRL's __init__ takes no arguments
        tools = discover_tools(env)
        self.assertEqual(set(tools), set(spec_tools), "the public methods are exactly the env's tools")
        types = {"number": "number", "integer": "integer", "string": "string", "boolean": "boolean"}
        for name, method in tools.items():
            schema = tool_schema(method)
            want = spec_tools[name].get("inputSchema") or {}
            props = want.get("properties", {})
            self.assertEqual(set(schema["parameters"]["properties"]), set(props), name)
            self.assertEqual(sorted(schema["parameters"]["required"]), sorted(want.get("required", [])), name)
            for p, ps in props.items():
                got = schema["parameters"]["properties"][p]
                if ps.get("type") in types:
                    self.assertEqual(got.get("type"), types[ps["type"]], "%s.%s" % (name, p))
                self.assertEqual(got.get("enum"), ps.get("enum"), "%s.%s" % (name, p))
                if ps.get("description"):
                    self.assertIn(" ".join(ps["description"].split()), got["description"])
            self.assertTrue(schema["description"].startswith(" ".join(spec_tools[name]["description"].split())[:40]))

    def test_tools_and_schemas(self):
        spec_tools = {t["name"]: t for t in self.stdio.make(self.ENV).spec["action"]["tools"]}
        for how, cls in self.factories():
            with self.subTest(how):
                self.check_schemas(cls, spec_tools)

    def test_schemas_of_every_tool_env(self):
        """Every tool env's tools become methods whose schemas, read back as
        the trainer reads them, are the tools' own (enums included)."""
        n = 0
        for spec in self.stdio.list_envs():
            if spec["action"]["kind"] != "tool_calls":
                continue
            with self.subTest(spec["id"]):
                try:
                    cls = dojo_trl.environment_factory(spec["id"], client=self.stdio)
                except dojo.DojoError as e:
                    if e.code == -32001:  # its data set is absent here
                        continue
                    raise
                self.check_schemas(cls, {t["name"]: t for t in cls.spec["action"]["tools"]})
                n += 1
        self.assertGreater(n, 3)

    def rollout_group(self, cls, row, plan, answer):
        """Two rollouts of one row, as GRPO groups them: fresh instances,
        reset(**row), the plan's tool calls, then the reward function."""
        envs = [cls() for _ in range(2)]
        firsts, results = [], []
        for env in envs:
            firsts.append(env.reset(**row))
            results.append([call_tool(env, c["name"], c["arguments"]) for c in plan])
        completions = [[{"role": "assistant", "content": "", "tool_calls": plan},
                        {"role": "assistant", "content": answer}]] * len(envs)
        rewards = dojo_trl.reward_func(completions=completions, environments=envs, prompts=[row["prompt"]] * 2)
        return envs, firsts, results, rewards

    def test_gold_rollouts_succeed_over_both_clients(self):
        """The gold tool calls and answer of a task, played through the
        adapter, succeed; the same rollout over stdio and the network gives
        the same texts and rewards, and a direct Env the same rewards."""
        tasks = self.stdio.generate(self.ENV, n=6, seed=200, verify=True)
        played = 0
        for t in tasks:
            plan = [c for turn in t["verify"].get("gold_turns") or [] for c in turn]
            if not plan:
                continue
            played += 1
            row = {"prompt": [{"role": "user", "content": "Use the tools."}], "seed": t["seed"], "env": self.ENV}
            answer = t["verify"]["answer"]
            outs = {}
            for how, cls in self.factories():
                with self.subTest(how, seed=t["seed"]):
                    envs, firsts, results, rewards = self.rollout_group(cls, row, plan, answer)
                    user = [m["content"] for m in t["prompt"] if m["role"] == "user"]
                    self.assertEqual(firsts, ["\n\n".join(user)] * 2, "reset returns the task")
                    self.assertEqual(rewards[0], rewards[1], "the rollouts of one row play the same task")
                    for env in envs:
                        self.assertTrue(env.done and env.success, env)
                    self.assertGreater(rewards[0], 0)
                    self.assertEqual(len(results[0]), len(plan))
                    outs[how] = (firsts, results, rewards)
            self.assertEqual(outs["stdio"], outs["net"])
            self.assertEqual(outs["stdio"], outs["url"])
            # The same episode through a plain Env.
            with self.stdio.make(self.ENV) as env:
                env.reset(seed=t["seed"])
                total = 0.0
                for i, c in enumerate(plan):
                    total += env.step({"text": "", "tool_calls": [{"id": "call_%d" % (i + 1), "name": c["name"],
                                                                   "arguments": c["arguments"]}]})[1]
                _, r, term, _, info = env.step({"text": answer})
                self.assertTrue(term and info["success"])
                self.assertAlmostEqual(outs["stdio"][2][0], total + r, places=9)
        self.assertGreater(played, 0, "no task with gold tool calls")

    def test_wrong_calls_and_the_end(self):
        """A wrong answer scores less than the gold one; bad arguments come
        back as the tool's error text; after the end, tools raise (TRL
        feeds the message back) and no env is left open on the server."""
        t = [x for x in self.stdio.generate(self.ENV, n=8, seed=300, verify=True) if x["verify"].get("gold_turns")][0]
        for how, cls in self.factories():
            with self.subTest(how):
                env = cls()
                env.reset(prompt="p", seed=t["seed"])
                tools = discover_tools(env)
                name = sorted(tools)[0]
                text = call_tool(env, name, {"no_such_argument": 1})
                self.assertIn("unexpected keyword argument", text, "a bad keyword fails in Python, as TRL sees it")
                req = [p for p, q in inspect.signature(tools[name]).parameters.items() if q.default is inspect.Parameter.empty]
                args = {p: 7 if p == "amount" else "ACC-0" for p in req}
                text = call_tool(env, name, args)
                self.assertTrue(text, "an empty tool result")
                self.assertEqual(env.steps, 1)
                reward = dojo_trl.get_reward(env, "I do not know.")
                self.assertTrue(env.done)
                self.assertFalse(env.success)
                gold_env = cls()
                gold_env.reset(seed=t["seed"])
                for c in [c for turn in t["verify"]["gold_turns"] for c in turn]:
                    call_tool(gold_env, c["name"], c["arguments"])
                self.assertLess(reward, dojo_trl.get_reward(gold_env, t["verify"]["answer"]))
                self.assertIn("episode is over", call_tool(env, name, args))
                self.assertEqual(dojo_trl.get_reward(env, "again"), reward, "the reward is final")

    def test_reset_needs_a_seed(self):
        cls = dojo_trl.environment_factory(self.ENV, client=self.stdio)
        env = cls()
        with self.assertRaises(ValueError) as cm:
            env.reset(prompt="p")
        self.assertIn("seed", str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            env.reset(prompt="p", seed=1, env="toolcall/Other-v0")
        self.assertIn("toolcall/Other-v0", str(cm.exception))
        tool = discover_tools(env)[sorted(discover_tools(env))[0]]
        args = {p: "x" for p, q in inspect.signature(tool).parameters.items() if q.default is inspect.Parameter.empty}
        with self.assertRaises(RuntimeError) as cm:
            tool(**args)
        self.assertIn("reset", str(cm.exception))

    def test_non_tool_env(self):
        env_id = base.discrete_env_id(self.stdio)
        with self.assertRaises(ValueError) as cm:
            dojo_trl.environment_factory(env_id, client=self.stdio)
        self.assertIn("tool", str(cm.exception))

    def test_dropped_rollouts_release_their_envs(self):
        """Instances dropped mid-episode (a trainer that moves on) have their
        envs closed on the server at the next reset."""
        cls = dojo_trl.environment_factory(self.ENV, client=self.net)
        env = cls()
        env.reset(seed=1)
        handle = env._env.handle
        del env
        import gc
        gc.collect()
        nxt = cls()
        nxt.reset(seed=2)
        with self.assertRaises(dojo.DojoError) as cm:
            self.net.call("env/reset", {"env": handle})
        self.assertEqual(cm.exception.code, -32001, "the dropped rollout's env is still open")
        handle = nxt._env.handle
        dojo_trl.get_reward(nxt, "done")
        self.assertTrue(nxt.done)
        with self.assertRaises(dojo.DojoError) as cm:
            self.net.call("env/reset", {"env": handle})
        self.assertEqual(cm.exception.code, -32001, "a finished rollout's env is still open")

    def test_other_tool_families(self):
        """sql and websim envs become TRL environments too: their tools
        (run_sql/submit_sql, search/open/answer) are the methods."""
        found = 0
        for spec in self.stdio.list_envs():
            fam = spec["id"].split("/")[0]
            if fam not in ("sql", "websim") or spec["action"]["kind"] != "tool_calls":
                continue
            try:
                cls = dojo_trl.environment_factory(spec["id"], client=self.stdio)
            except dojo.DojoError as e:
                if e.code == -32001:  # its data set is absent here
                    continue
                raise
            env = cls()
            names = set(discover_tools(env))
            self.assertEqual(names, {t["name"] for t in spec["action"]["tools"]}, spec["id"])
            for m in discover_tools(env).values():
                tool_schema(m)
            try:
                first = env.reset(seed=0)
            except dojo.DojoError as e:
                if e.code == -32001:
                    continue
                raise
            self.assertTrue(first, spec["id"])
            dojo_trl.get_reward(env, "no idea")
            self.assertTrue(env.done, spec["id"])
            found += 1
        if not found:
            self.skipTest("no sql or websim tool env can start here")


if __name__ == "__main__":
    unittest.main()
