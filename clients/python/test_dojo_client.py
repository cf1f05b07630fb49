"""Tests of dojo_client against a real ``dojo serve``.

Run from this directory with the dojo binary in DOJO_BIN (or dojo on PATH):

    DOJO_BIN=/path/to/dojo python3 -m unittest -v test_dojo_client

The Go test in this directory (go test ./clients/python/) builds the binary
and runs these tests. They are generic over the registry: every registered
env plays full seeded episodes.
"""

import http.server
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dojo_client as dojo  # noqa: E402

BIN = None


def setUpModule():
    global BIN
    try:
        BIN = dojo.find_binary()
    except FileNotFoundError as e:
        raise unittest.SkipTest("no dojo binary: %s" % e)


def new_client(**kw):
    return dojo.Client(BIN, stderr=subprocess.DEVNULL, **kw)


def sample(space, rng):
    """A random action of a spec's action space."""
    if space.kind == "discrete":
        return rng.randrange(space.n)
    if space.kind == "text":
        return rng.choice(space.labels) if space.labels else "hello"
    if space.kind == "tool_calls":
        if space.tools and rng.random() < 0.5:
            t = rng.choice(space.tools)
            return {"text": "", "tool_calls": [{"id": "c%d" % rng.randrange(100), "name": t["name"], "arguments": {}}]}
        return {"text": "final answer"}
    raise AssertionError("unexpected action space %s" % space.kind)


def usable_envs(client):
    """The specs of the registered envs that can start an episode here: an
    env over a data set that is absent (sql/Spider-v0 without
    ../shared/data) answers not_found (-32001) and is left out, as the Go
    tests skip without the data."""
    out = []
    for spec in client.list_envs():
        try:
            with client.make(spec["id"]) as env:
                env.reset(seed=1)
        except dojo.DojoError as e:
            if e.code == -32001:
                sys.stderr.write("skipping %s: %s\n" % (spec["id"], e))
                continue
            raise
        out.append(spec)
    return out


def discrete_env_id(client):
    """FrozenLake when registered, else the first env with discrete actions
    and observations."""
    ids = [s["id"] for s in client.list_envs()]
    if "gridworld/FrozenLake-v1" in ids:
        return "gridworld/FrozenLake-v1"
    for s in client.list_envs():
        if s["action"]["kind"] == "discrete" and s["observation"]["kind"] == "discrete":
            return s["id"]
    raise unittest.SkipTest("no env with discrete actions and observations registered")


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = new_client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_initialize(self):
        c = self.client
        self.assertEqual(c.server_info["name"], "dojo")
        self.assertEqual(c.capabilities["autoreset"], "next-step")
        for m in ("env/make", "env/reset", "env/step", "env/stepMany", "env/render", "env/close",
                  "task/generate", "task/verify"):
            self.assertIn(m, c.capabilities["methods"])

    def test_list(self):
        specs = self.client.list_envs()
        self.assertTrue(specs, "no env registered")
        for s in specs:
            self.assertRegex(s["id"], r"^[a-z][a-z0-9_]*/.+-v[0-9]+$")
            self.assertIn("success", [r["name"] for r in s["rewards"]])
        fam = specs[0]["id"].split("/")[0]
        self.assertTrue(all(s["id"].startswith(fam + "/") for s in self.client.list_envs(fam)))

    def test_errors(self):
        c = self.client
        env_id = discrete_env_id(c)
        cases = [
            ("unknown env id", lambda: c.make("nosuch/Env-v0"), -32001, "not_found", "id"),
            ("unknown option", lambda: c.make(env_id, {"no_such_option": 1}), -32602, "invalid", "options.no_such_option"),
            ("bad params", lambda: c.call("env/reset", {"env": "e1", "sed": 1}), -32602, "invalid", None),
            ("unknown handle", lambda: c.call("env/reset", {"env": "e999999"}), -32001, "not_found", "env"),
            ("unknown method", lambda: c.call("env/jump", {}), -32601, "method_not_found", None),
        ]
        for name, fn, code, kind, field in cases:
            with self.subTest(name):
                with self.assertRaises(dojo.DojoError) as cm:
                    fn()
                e = cm.exception
                self.assertEqual((e.code, e.kind), (code, kind), str(e))
                if field:
                    self.assertEqual(e.field, field, str(e))
                self.assertTrue(e.message)

        with c.make(env_id) as env:
            with self.assertRaises(dojo.DojoError) as cm:
                env.step(0)
            self.assertEqual((cm.exception.code, cm.exception.kind), (-32002, "state"), "step before reset")
            with self.assertRaises(dojo.DojoError) as cm:
                c.call("env/step", {"env": env.handle, "action": [1, 2]})
            self.assertEqual((cm.exception.code, cm.exception.field), (-32602, "action"))
            with self.assertRaises(TypeError):
                env.step([1, 2])
            env.reset(seed=0)
            done, steps = False, 0
            while not done:
                _, _, term, trunc, _ = env.step(0)
                done, steps = term or trunc, steps + 1
                self.assertLessEqual(steps, env.spec["max_steps"])
            with self.assertRaises(dojo.DojoError) as cm:
                env.step(0)
            self.assertEqual(cm.exception.code, -32002, "step after the end")
            handle = env.handle
        with self.assertRaises(dojo.DojoError) as cm:
            c.call("env/reset", {"env": handle})
        self.assertEqual(cm.exception.code, -32001, "a closed handle is unknown")

    def test_garbage(self):
        c = self.client
        cases = [
            ("not json", "this is not json", -32700),
            ("truncated", '{"jsonrpc":"2.0","id":1,"method":"env/li', -32700),
            ("array", "[1, 2, 3]", -32600),
            ("no method", '{"jsonrpc":"2.0","id":77}', -32600),
            ("wrong version", '{"jsonrpc":"1.0","id":78,"method":"env/list"}', -32600),
            ("binary", b"\xff\xfe\x00garbage", -32700),
        ]
        for name, line, code in cases:
            with self.subTest(name):
                r = c.send_raw(line)
                self.assertIn("error", r, r)
                self.assertEqual(r["error"]["code"], code, r)
        # The session goes on.
        self.assertTrue(c.list_envs())
        r = c.send_raw('{"jsonrpc":"2.0","id":"x-1","method":"env/nope"}')
        self.assertEqual((r["id"], r["error"]["code"]), ("x-1", -32601))

    def test_every_env_plays_seeded_episodes(self):
        """Every registered env plays full episodes from seeds, with rewards
        equal to the sum of their parts, and two fresh sessions give
        byte-identical responses (one reading by polling, one by sleeping)."""
        transcripts = []
        for spin_us in (200, 0):
            trace = []
            with new_client(trace=trace, spin_us=spin_us) as c:
                for spec in usable_envs(c):
                    with self.subTest(spec["id"]):
                        self.play(c, spec["id"])
            transcripts.append(trace)
        self.assertEqual(len(transcripts[0]), len(transcripts[1]))
        for a, b in zip(*transcripts):
            self.assertEqual(a, b)

    def play(self, c, env_id):
        env = c.make(env_id, obs="dict")
        try:
            space = env.action_space
            for seed in (1, 12345678901234567890):
                rng = random.Random(seed)
                obs, info = env.reset(seed=seed)
                self.assertIsInstance(obs, dict)
                self.assertIn("parts", info)
                for step in range(1, env.spec["max_steps"] + 1):
                    obs, reward, term, trunc, info = env.step(sample(space, rng))
                    total = sum(p["value"] * p["weight"] for p in info["parts"])
                    self.assertAlmostEqual(reward, total, places=9, msg="step %d" % step)
                    if info.get("invalid"):
                        self.assertTrue(info.get("error"), "an invalid action without an error")
                    if term or trunc:
                        break
                else:
                    self.fail("seed %d: no end within max_steps=%d" % (seed, env.spec["max_steps"]))
            self.assertIsInstance(env.render("text"), str)
        finally:
            env.close()

    def test_obs_formats(self):
        c = self.client
        env_id = discrete_env_id(c)
        with c.make(env_id, obs="dict") as full, c.make(env_id) as auto, c.make(env_id, obs="text") as text:
            o_full, _ = full.reset(seed=3)
            o_auto, _ = auto.reset(seed=3)
            o_text, _ = text.reset(seed=3)
            self.assertEqual(o_auto, o_full.get("value"))
            self.assertEqual(o_text, o_full.get("text", ""))
            with self.assertRaises(ValueError):
                c.make(env_id, obs="pixels")

    def test_render_png(self):
        c = self.client
        for spec in usable_envs(c):
            with c.make(spec["id"]) as env:
                env.reset(seed=0)
                try:
                    png = env.render("png")
                except dojo.DojoError as e:
                    self.assertEqual((e.code, e.kind), (-32006, "unsupported"), str(e))
                    continue
                self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"), spec["id"])

    def test_autoreset(self):
        c = self.client
        env_id = discrete_env_id(c)
        with c.make(env_id, autoreset=True, obs="dict") as env:
            env.reset(seed=5)
            ended = False
            for _ in range(env.spec["max_steps"] * 3):
                obs, reward, term, trunc, info = env.step(0)
                if ended:
                    self.assertEqual((reward, term, trunc), (0, False, False))
                    self.assertTrue(info["extra"]["autoreset"])
                    self.assertEqual(info["extra"]["seed"], dojo.next_seed(5))
                    break
                ended = term or trunc
            else:
                self.fail("no episode ended")


class VectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = new_client()
        cls.env_id = discrete_env_id(cls.client)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def run_vector(self, n, steps, info=False):
        rng = random.Random(9)
        out = []
        with dojo.VectorEnv(self.env_id, n, client=self.client, info=info) as v:
            obs, infos = v.reset(seed=100)
            out.append((obs, infos))
            for _ in range(steps):
                out.append(v.step([v.single_action_space.sample(rng) for _ in range(n)]))
        return out

    def test_matches_single_envs(self):
        """Env i of a VectorEnv plays as a lone Env from seed 100+i with the
        same actions, its autoresets included."""
        n, steps = 8, 150
        run = self.run_vector(n, steps, info=True)
        spec = [x for x in self.client.list_envs() if x["id"] == self.env_id][0]
        space, rng = dojo.Space(spec["action"]), random.Random(9)
        acts = [[space.sample(rng) for _ in range(n)] for _ in range(steps)]  # as run_vector drew them
        for i in range(n):
            with self.client.make(self.env_id) as env:
                obs, info = env.reset(seed=100 + i)
                self.assertEqual(obs, run[0][0][i])
                self.assertEqual(info, run[0][1][i])
                done = False
                for t in range(steps):
                    got = tuple(x[i] for x in run[t + 1])
                    if done:
                        self.assertEqual(got[1:4], (0, False, False), "the step after the end is a reset")
                        self.assertTrue(got[4]["extra"]["autoreset"])
                        env.reset(seed=got[4]["extra"]["seed"])
                        done = False
                        continue
                    o, r, term, trunc, inf = env.step(acts[t][i])
                    self.assertEqual(got, (o, r, term, trunc, inf), "env %d step %d" % (i, t))
                    done = term or trunc

    def test_deterministic(self):
        a = self.run_vector(16, 100)
        b = self.run_vector(16, 100)
        self.assertEqual(a, b)
        self.assertEqual(len(a[1][0]), 16)
        self.assertEqual(a[1][4], {})

    def test_reset_seeds_continue(self):
        with dojo.VectorEnv(self.env_id, 4, client=self.client, obs="dict") as v:
            v.reset()
            _, infos = v.reset()
        with dojo.VectorEnv(self.env_id, 4, client=self.client, obs="dict") as w:
            _, want = w.reset(seed=4)
        self.assertEqual(infos, want)

    def test_errors(self):
        with self.assertRaises(dojo.DojoError) as cm:
            dojo.VectorEnv("nosuch/Env-v0", 3, client=self.client)
        self.assertEqual(cm.exception.code, -32001)
        with dojo.VectorEnv(self.env_id, 3, client=self.client) as v:
            v.reset(seed=0)
            with self.assertRaises(ValueError):
                v.step([0, 0])
            with self.assertRaises(dojo.DojoError) as cm:
                v.step([0, "not an action of this env at all, but text is allowed", {"bad": 1}])
            self.assertEqual(cm.exception.data.get("index"), 2, str(cm.exception))
            self.assertEqual(cm.exception.code, -32602)
            v.step([0, 0, 0])  # still usable


class TaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = new_client()
        cls.task_envs = []
        for s in usable_envs(cls.client):
            try:
                cls.client.generate(s["id"], n=1)
            except dojo.DojoError as e:
                if e.code != -32006:
                    raise
                continue
            cls.task_envs.append(s["id"])

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_unsupported(self):
        non_task = [s["id"] for s in self.client.list_envs() if s["id"] not in self.task_envs]
        if not non_task:
            self.skipTest("every env is task-based")
        with self.assertRaises(dojo.DojoError) as cm:
            self.client.generate(non_task[0], n=2)
        self.assertEqual((cm.exception.code, cm.exception.kind), (-32006, "unsupported"))
        with self.assertRaises(dojo.DojoError) as cm:
            self.client.verify({"env": non_task[0], "seed": 0}, "x")
        self.assertEqual(cm.exception.code, -32006)

    def test_generate_verify(self):
        if not self.task_envs:
            self.skipTest("no task-based env registered in this dojo build")
        c = self.client
        for env_id in self.task_envs:
            with self.subTest(env_id):
                tasks = c.generate(env_id, n=4, seed=10)
                self.assertEqual(tasks, c.generate(env_id, n=4, seed=10), "generation is deterministic")
                self.assertEqual([t["seed"] for t in tasks], [10, 11, 12, 13])
                self.assertTrue(all("verify" not in t for t in tasks), "the gold is left out")
                gold = c.generate(env_id, n=4, seed=10, verify=True)
                self.assertTrue(all("verify" in t for t in gold))
                responses = ["", "I do not know", [{"role": "assistant", "content": "x"}], {"text": "y"}]
                scores = [c.verify(t, r) for t, r in zip(tasks, responses)]
                for s in scores:
                    self.assertEqual(set(s) - {"error"}, {"reward", "success", "parts"})
                    self.assertFalse(s["success"], "a junk response succeeded")
                self.assertEqual(scores, [c.verify(t, r) for t, r in zip(gold, responses)],
                                 "a task scores the same with or without its gold")
                cols = {"env": [t["env"] for t in tasks], "seed": [t["seed"] for t in tasks],
                        "options": [t.get("options") or {} for t in tasks], "id": [t["id"] for t in tasks],
                        "completion_ids": [[1]] * 4}
                self.assertEqual(c.reward_fn(responses, **cols), [s["reward"] for s in scores])
                self.assertEqual(c.reward_fn(responses, task=tasks), [s["reward"] for s in scores])

    def test_reward_fn_reads_dojo_gen_rows(self):
        """The columns of a dojo gen file, as a dataset loader gives them:
        options as JSON text, the rest as written."""
        if not self.task_envs:
            self.skipTest("no task-based env registered in this dojo build")
        env_id = self.task_envs[0]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tasks.jsonl")
            subprocess.run([BIN, "gen", env_id, "--n", "3", "--seed", "5", "--out", path, "--card=false"],
                           check=True, stderr=subprocess.DEVNULL)
            with open(path) as f:
                rows = [json.loads(line) for line in f]
        self.assertTrue(all(isinstance(r["options"], str) for r in rows), "options are JSON text")
        cols = {k: [r[k] for r in rows] for k in rows[0]}
        responses = ["", "no idea", "x"]
        tasks = [{"env": r["env"], "seed": r["seed"], "options": json.loads(r["options"])} for r in rows]
        want = [self.client.verify(t, resp)["reward"] for t, resp in zip(tasks, responses)]
        self.assertEqual(self.client.reward_fn(responses, **cols), want)
        self.assertEqual(dojo.row_options('{"a": 1, "b": null}'), {"a": 1})
        self.assertEqual(dojo.row_options({"a": None}), {})
        self.assertIsNone(dojo.row_options(None))
        with self.assertRaises(ValueError):
            dojo.row_options("[1]")

    def test_reward_fn_needs_tasks(self):
        with self.assertRaises(ValueError) as cm:
            self.client.reward_fn(["a"], prompts=["p"])
        self.assertIn("env", str(cm.exception))


class ProcessTest(unittest.TestCase):
    def test_missing_binary(self):
        with self.assertRaises(FileNotFoundError) as cm:
            dojo.Client("/nonexistent/dojo")
        self.assertIn("DOJO_BIN", str(cm.exception))
        old = os.environ.get("DOJO_BIN")
        os.environ["DOJO_BIN"] = "/nonexistent/dojo2"
        try:
            with self.assertRaises(FileNotFoundError) as cm:
                dojo.find_binary()
            self.assertIn("/nonexistent/dojo2", str(cm.exception))
        finally:
            if old is None:
                del os.environ["DOJO_BIN"]
            else:
                os.environ["DOJO_BIN"] = old

    def test_server_exit(self):
        c = new_client()
        c._proc.kill()
        c._proc.wait()
        with self.assertRaises(dojo.ServerExited) as cm:
            c.list_envs()
        self.assertIn("exited", str(cm.exception))
        c.close()

    def test_close(self):
        c = new_client()
        env = c.make(discrete_env_id(c))
        env.reset(seed=0)
        c.close()
        self.assertEqual(c._proc.returncode, 0)
        env.close()  # the session is gone: nothing to do
        c.close()


class AgentTest(unittest.TestCase):
    """serve_agent, fed requests as dojo's exec agent sends them."""

    def test_serve_agent(self):
        seen = []

        def act(obs, info, ep):
            if obs.get("value") == 13:
                raise RuntimeError("unlucky")
            ep.setdefault("acts", 0)
            ep["acts"] += 1
            return ep["acts"] % 4

        lines = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "1"}},
            {"jsonrpc": "2.0", "id": 2, "method": "episode/start", "params": {"episode": 0, "spec": {"id": "x/Y-v0"}, "seed": 7}},
            {"jsonrpc": "2.0", "id": 3, "method": "agent/act", "params": {"episode": 0, "step": 0, "observation": {"value": 1}, "reward": 0, "info": {}}},
            {"jsonrpc": "2.0", "id": 4, "method": "agent/act", "params": {"episode": 0, "step": 1, "observation": {"value": 2}, "reward": 1, "info": {}}},
            {"jsonrpc": "2.0", "id": 5, "method": "agent/act", "params": {"episode": 0, "step": 2, "observation": {"value": 13}, "reward": 0, "info": {}}},
            {"jsonrpc": "2.0", "id": 6, "method": "agent/dance", "params": {}},
            {"jsonrpc": "2.0", "method": "episode/end", "params": {"episode": 0, "return": 1, "success": True, "length": 3}},
        ]
        stdin = io.BytesIO(b"".join(json.dumps(l).encode() + b"\n" for l in lines) + b"not json\n")
        stdout = io.BytesIO()
        err = sys.stderr
        sys.stderr = io.StringIO()
        try:
            dojo.serve_agent(act, start=lambda ep: seen.append(("start", ep["seed"])),
                             end=lambda ep, r: seen.append(("end", ep["acts"], r["success"])), stdin=stdin, stdout=stdout)
        finally:
            sys.stderr = err
        out = [json.loads(l) for l in stdout.getvalue().splitlines()]
        self.assertEqual([m.get("id") for m in out], [1, 2, 3, 4, 5, 6, None])
        self.assertEqual(out[2]["result"], {"action": 1})
        self.assertEqual(out[3]["result"], {"action": 2})
        self.assertEqual(out[4]["error"]["code"], -32000)
        self.assertIn("unlucky", out[4]["error"]["message"])
        self.assertEqual(out[5]["error"]["code"], -32601)
        self.assertEqual(out[6]["error"]["code"], -32700)
        self.assertEqual(seen, [("start", 7), ("end", 2, True)])

    def test_exec_agent_run(self):
        """dojo run --agent exec: with the random agent example writes an
        episode file."""
        env_id = None
        with new_client() as c:
            env_id = discrete_env_id(c)
        agent = "exec:%s %s" % (sys.executable, os.path.join(HERE, "examples", "random_agent.py"))
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.jsonl")
            p = subprocess.run([BIN, "run", env_id, "--agent", agent, "--episodes", "4", "--workers", "2",
                                "--seed", "3", "--out", out], capture_output=True, text=True, timeout=120)
            if p.returncode == 2 and ("unknown agent" in p.stderr or "is not key=value" in p.stderr):
                self.skipTest("this dojo build has no exec agents: " + p.stderr.strip())
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out) as f:
                eps = [json.loads(l) for l in f]
            self.assertEqual(sorted(e["episode"] for e in eps), [0, 1, 2, 3])
            for e in eps:
                self.assertFalse(e.get("error"), e.get("error"))
                self.assertGreater(e["length"], 0)


class ExamplesTest(unittest.TestCase):
    """The examples run and print what they promise."""

    def run_example(self, *args):
        env = dict(os.environ, DOJO_BIN=BIN)
        p = subprocess.run([sys.executable, os.path.join(HERE, "examples", args[0]), *args[1:]],
                           capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def setUp(self):
        with new_client() as c:
            ids = [s["id"] for s in c.list_envs()]
        if "gridworld/FrozenLake-v1" not in ids or "gridworld/FrozenLake8x8-v1" not in ids:
            self.skipTest("the examples play FrozenLake, which this dojo build does not register")

    def test_random_frozenlake(self):
        self.assertRegex(self.run_example("random_frozenlake.py", "50"), r"50 episodes, \d+ steps")

    def test_vector_loop(self):
        self.assertRegex(self.run_example("vector_loop.py", "64", "50"), r"64 envs x 50 steps = 3200 env-steps")

    def test_qlearning(self):
        out = self.run_example("qlearning.py", "1500")
        self.assertIn("slippery=False", out)
        self.assertIn("succeeds in 100.0%", out, "Q-learning did not solve the non-slippery lake:\n" + out)

    def test_grpo_reward(self):
        out = self.run_example("grpo_reward.py")
        self.assertTrue("advantages" in out or "no task-based env" in out, out)

    def test_benchmark(self):
        out = self.run_example("benchmark.py", "--seconds", "0.2")
        self.assertEqual(len(re.findall(r"\d+ steps/s", out)), 5, out)


class FakeLLM:
    """An OpenAI-compatible server on 127.0.0.1 that records the tools of
    every chat-completions request by its seed. It answers a conversation's
    first request with a call of the first tool offered (empty arguments,
    which most tools reject: the env reports it and goes on), and every
    later one with the final answer "done"."""

    def __init__(self):
        self.requests = []  # (seed, tools or None)
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                tools = body.get("tools")
                with fake.lock:
                    fake.requests.append((body.get("seed"), tools))
                first = not any(m.get("role") == "assistant" for m in body["messages"])
                msg = {"role": "assistant", "content": "done"}
                if first and tools:
                    msg = {"role": "assistant", "content": None, "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": tools[0]["function"]["name"], "arguments": "{}"}}]}
                out = json.dumps({"choices": [{"index": 0, "message": msg, "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/v1" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def openai_form(tools):
    """dojo tools as the OpenAI tools a request must carry."""
    return [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                              "parameters": t["inputSchema"]}} for t in tools]


class ToolsTest(unittest.TestCase):
    """Agents are offered the tools of the episode's task (toolcall shows a
    few of its spec's tools plus distractors), not the spec's."""

    CASES = [("toolcall/Mixed-v0", None), ("toolcall/Bank-v0", {"kind": "recovery"}),
             ("sql/Retail-v0", None), ("websim/SearchQA-v0", None), ("websim/Shop-v0", {"action_format": "tools"})]

    @classmethod
    def setUpClass(cls):
        cls.client = new_client()
        ids = {s["id"] for s in cls.client.list_envs()}
        cls.cases = [(i, o) for i, o in cls.CASES if i in ids]

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def setUp(self):
        if not self.cases:
            self.skipTest("no env with per-task tools registered in this dojo build")

    def task_tools(self, env_id, opts, seed):
        return self.client.generate(env_id, n=1, seed=seed, options=opts)[0]["tools"]

    def test_action_space_tools_after_reset(self):
        for env_id, opts in self.cases:
            with self.subTest(env_id, options=opts), self.client.make(env_id, opts, obs="dict") as env:
                self.assertEqual(env.action_space.tools, env.spec["action"].get("tools") or [])
                for seed in range(4):
                    obs, _ = env.reset(seed=seed)
                    want = self.task_tools(env_id, opts, seed)
                    self.assertTrue(want, "a task without tools")
                    self.assertEqual(obs.get("tools"), want)
                    self.assertEqual(env.action_space.tools, want)
        if "toolcall/Mixed-v0" in dict(self.cases):
            with self.client.make("toolcall/Mixed-v0") as env:
                env.reset(seed=0)
                self.assertLess(len(env.action_space.tools), len(env.spec["action"]["tools"]),
                                "a toolcall task shows a few of the spec's tools")
        with self.client.make(discrete_env_id(self.client)) as env:
            env.reset(seed=0)
            self.assertEqual(env.action_space.tools, [])

    def test_env_loop_sends_task_tools(self):
        """An LLM loop over Env, offering action_space.tools as llm_agent.py
        does, sends each episode's task's tools on every turn."""
        fake = FakeLLM()
        self.addCleanup(fake.close)
        for env_id, opts in self.cases:
            with self.subTest(env_id, options=opts), self.client.make(env_id, opts, obs="dict") as env:
                del fake.requests[:]
                for seed in range(3):
                    obs, _ = env.reset(seed=seed)
                    body = {"model": "m", "seed": seed, "messages": list(obs["messages"]),
                            "tools": openai_form(env.action_space.tools)}
                    for _ in range(3):
                        req = urllib.request.Request(fake.url + "/chat/completions", data=json.dumps(body).encode(),
                                                     headers={"Content-Type": "application/json"})
                        with urllib.request.urlopen(req, timeout=30) as r:
                            msg = json.load(r)["choices"][0]["message"]
                        body["messages"].append(msg)
                        calls = [{"id": c["id"], "name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])}
                                 for c in msg.get("tool_calls") or []]
                        obs, _, term, trunc, _ = env.step({"text": msg.get("content") or "", "tool_calls": calls})
                        if term or trunc:
                            break
                        body["messages"].extend(obs.get("messages") or [{"role": "user", "content": obs.get("text", "")}])
                for seed, tools in fake.requests:
                    self.assertEqual(tools, openai_form(self.task_tools(env_id, opts, seed)), "seed %d" % seed)
                self.assertGreater(len(fake.requests), 3)

    def test_llm_agent_example_sends_task_tools(self):
        """dojo run --agent exec:examples/llm_agent.py offers the model the
        task's tools on every turn."""
        for env_id, opts in self.cases:
            with self.subTest(env_id, options=opts):
                fake = FakeLLM()
                self.addCleanup(fake.close)
                agent = "exec:%s %s" % (sys.executable, os.path.join(HERE, "examples", "llm_agent.py"))
                args = [BIN, "run", env_id, "--agent", agent, "--episodes", "3", "--workers", "2", "--seed", "7"]
                for k, v in (opts or {}).items():
                    args += ["--opt", "%s=%s" % (k, v)]
                with tempfile.TemporaryDirectory() as d:
                    out = os.path.join(d, "run.jsonl")
                    env = dict(os.environ, OPENAI_BASE_URL=fake.url, MODEL="m")
                    env.pop("OPENAI_API_KEY", None)
                    env.pop("DOJO_API_KEY", None)
                    p = subprocess.run(args + ["--out", out], capture_output=True, text=True, timeout=300, env=env)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    with open(out) as f:
                        eps = [json.loads(l) for l in f]
                for e in eps:
                    self.assertFalse(e.get("error"), e.get("error"))
                seeds = sorted({s for s, _ in fake.requests})
                self.assertEqual(seeds, [7, 8, 9])
                self.assertEqual(len(fake.requests), sum(e["length"] for e in eps))
                for seed, tools in fake.requests:
                    self.assertEqual(tools, openai_form(self.task_tools(env_id, opts, seed)), "seed %d" % seed)


class ResponseFormTest(unittest.TestCase):
    def test_response_forms(self):
        self.assertEqual(dojo._response("x"), "x")
        self.assertEqual(dojo._response({"text": "t"}), {"text": "t"})
        conv = [{"role": "assistant", "content": "a", "tool_calls": [{"id": "1", "name": "f", "arguments": {}}]},
                {"role": "tool", "content": "r"}, {"role": "assistant", "content": "final"}]
        got = dojo._response(conv)
        self.assertEqual(got["text"], "final")
        self.assertEqual(got["messages"][0]["tool_calls"][0]["name"], "f")
        self.assertEqual([m["role"] for m in got["messages"]], ["assistant", "tool", "assistant"])
        with self.assertRaises(TypeError):
            dojo._response(3)

    def test_encode_action(self):
        self.assertEqual(dojo._encode_action(3), "3")
        self.assertEqual(dojo._encode_action("left"), '"left"')
        self.assertEqual(json.loads(dojo._encode_action({"text": "a", "tool_calls": []})), {"text": "a", "tool_calls": []})
        with self.assertRaises(TypeError):
            dojo._encode_action(True)
        with self.assertRaises(TypeError):
            dojo._encode_action(1.5)


if __name__ == "__main__":
    unittest.main()
