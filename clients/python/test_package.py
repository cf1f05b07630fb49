"""Tests of dojo_client as an installed package and of its trainer-facing
entry points: the venv install round trip, finding (or building) the
binary, the reward functions in TRL's and verl's call shapes, serve_agent's
error codes, the Ray launcher against a stand-in for Ray's actor API, and
mypy --strict over the package.

    DOJO_BIN=/path/to/dojo python3 -m unittest -v test_package

go test ./clients/python/ runs them. Tests that need a tool the machine
lacks (venv, pip, setuptools, mypy, go) skip with a message, and fail
instead when CI is set.
"""

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import dojo_client as dojo  # noqa: E402
import dojo_client.ray as dray  # noqa: E402

BIN = None


def setUpModule():
    global BIN
    try:
        BIN = dojo.find_binary()
    except FileNotFoundError as e:
        raise unittest.SkipTest("no dojo binary: %s" % e)


def missing(test, why):
    """Skips a test for want of a tool, or fails it under CI, which must
    have every tool (.ci/run installs them)."""
    if os.environ.get("CI"):
        test.fail("CI must run this test: " + why)
    test.skipTest(why)


def clean_env(**extra):
    """The environment without PYTHONPATH (a child must import the package
    as installed, not from this directory)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def copy_package(dst):
    """The package's files (as pip would see them) copied into dst: a build
    in place would leave build/ and *.egg-info in the source tree."""
    os.makedirs(dst, exist_ok=True)
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(HERE, f), dst)
    shutil.copytree(os.path.join(HERE, "dojo_client"), os.path.join(dst, "dojo_client"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dst


PLAY = r"""
import json, os, sys
import dojo_client as dojo
import dojo_client.net, dojo_client.trl, dojo_client.ray, dojo_client.verl
here = os.path.dirname(dojo.__file__)
with dojo.make("gridworld/FrozenLake-v1", {"is_slippery": False}) as env:
    obs, info = env.reset(seed=0)
    steps = [obs]
    for a in (1, 1, 2, 1, 2, 2):
        obs, reward, terminated, truncated, info = env.step(a)
        steps.append(obs)
print(json.dumps({"file": dojo.__file__, "typed": os.path.isfile(os.path.join(here, "py.typed")),
                  "steps": steps, "reward": reward, "terminated": terminated, "success": info["success"]}))
"""


class VenvTest(unittest.TestCase):
    def test_install_round_trip(self):
        """pip installs the package offline into a fresh venv; its Python
        imports it from the venv (py.typed included), plays an episode and
        runs an example."""
        py = sys.executable
        probe = subprocess.run([py, "-c", "import venv, ensurepip, setuptools, wheel"], capture_output=True, text=True)
        if probe.returncode != 0:
            missing(self, "%s cannot build a venv install (Debian: python3-venv python3-pip python3-setuptools "
                          "python3-wheel): %s" % (py, probe.stderr.strip().splitlines()[-1:]))
        with tempfile.TemporaryDirectory() as tmp:
            venv = os.path.join(tmp, "venv")
            # --system-site-packages: pip builds with the system's setuptools
            # and wheel, as no index can be reached.
            p = subprocess.run([py, "-m", "venv", "--system-site-packages", venv], capture_output=True, text=True,
                               timeout=300)
            if p.returncode != 0:
                missing(self, "python3 -m venv failed (Debian: python3-venv): " + p.stderr)
            vpy = os.path.join(venv, "bin", "python")
            src = copy_package(os.path.join(tmp, "src"))
            p = subprocess.run([vpy, "-m", "pip", "install", "--no-index", "--no-build-isolation", src],
                               capture_output=True, text=True, timeout=600, env=clean_env(), cwd=tmp)
            self.assertEqual(p.returncode, 0, "pip install failed:\n" + p.stdout + p.stderr)
            p = subprocess.run([vpy, "-c", PLAY], capture_output=True, text=True, timeout=300,
                               env=clean_env(DOJO_BIN=BIN), cwd=tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            out = json.loads(p.stdout)
            self.assertTrue(out["file"].startswith(venv), "imported from %s, not the venv" % out["file"])
            self.assertTrue(out["typed"], "py.typed is not installed")
            self.assertEqual(out["steps"], [0, 4, 8, 9, 13, 14, 15])
            self.assertEqual((out["reward"], out["terminated"], out["success"]), (1, True, True))
            p = subprocess.run([vpy, os.path.join(HERE, "examples", "random_frozenlake.py"), "20"],
                               capture_output=True, text=True, timeout=300, env=clean_env(DOJO_BIN=BIN), cwd=tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("20 episodes", p.stdout)

    def test_old_import(self):
        """The old single-file import still works: clients/python on
        sys.path and import dojo_client, with every name it exported."""
        old = ["DojoError", "ServerExited", "Client", "Env", "VectorEnv", "Space", "make", "default_client",
               "generate", "verify", "reward_fn", "serve_agent", "find_binary", "PROTOCOL_VERSION"]
        code = ("import sys; sys.path.insert(0, %r)\nimport dojo_client\nprint(dojo_client.__file__)\n"
                "print([n for n in %r if not hasattr(dojo_client, n)])" % (HERE, old))
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env=clean_env(), cwd=tempfile.gettempdir())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split("\n")[1], "[]")
        self.assertTrue(set(old) <= set(dojo.__all__))


class BinaryTest(unittest.TestCase):
    def test_not_found_names_all_three(self):
        """Without DOJO_BIN, dojo on PATH or a checkout around, the error
        names all three ways to provide the binary."""
        with tempfile.TemporaryDirectory() as tmp:
            copy_package(tmp)
            code = ("import dojo_client\ntry:\n    dojo_client.find_binary()\nexcept FileNotFoundError as e:\n"
                    "    print(e)\nelse:\n    print('found')")
            env = clean_env(PYTHONPATH=tmp, PATH="/nonexistent")
            env.pop("DOJO_BIN", None)
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                               env=env, cwd=tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            msg = p.stdout
            for want in ("DOJO_BIN is not set", "no dojo on PATH", "dojo checkout", "go build"):
                self.assertIn(want, msg)

    def test_builds_from_checkout(self):
        """Run from a checkout with Go and nothing else, the client builds
        the binary with go build and plays with it."""
        go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.isfile("/usr/local/go/bin/go") else None)
        if go is None:
            missing(self, "go is not installed: the build-from-a-checkout path needs it")
        with tempfile.TemporaryDirectory() as tmp:
            code = ("import dojo_client\npath = dojo_client.find_binary()\nprint(path)\n"
                    "with dojo_client.Client() as c:\n    print(len(c.list_envs()))")
            path = os.path.dirname(go) + os.pathsep + "/usr/bin:/bin"
            # Go's build cache stays where it is (it would move under
            # XDG_CACHE_HOME and build everything cold).
            gocache = subprocess.run([go, "env", "GOCACHE"], capture_output=True, text=True).stdout.strip()
            env = clean_env(PYTHONPATH=HERE, PATH=path, XDG_CACHE_HOME=tmp, GOCACHE=gocache)
            env.pop("DOJO_BIN", None)
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                               env=env, cwd=ROOT)
            self.assertEqual(p.returncode, 0, p.stderr)
            built, n = p.stdout.split()
            self.assertEqual(built, os.path.join(tmp, "dojo_client", "dojo"))
            self.assertGreater(int(n), 10)

    def test_wrong_dojo_bin(self):
        old = os.environ.get("DOJO_BIN")
        os.environ["DOJO_BIN"] = "/nonexistent/dojo2"
        try:
            with self.assertRaises(FileNotFoundError) as cm:
                dojo.find_binary()
            self.assertIn("/nonexistent/dojo2", str(cm.exception))
            self.assertIn("PATH", str(cm.exception))
        finally:
            os.environ["DOJO_BIN"] = old if old is not None else ""
            if old is None:
                del os.environ["DOJO_BIN"]


SQL = "sql/HR-v0"


class RewardShapesTest(unittest.TestCase):
    """reward_fn as TRL's GRPOTrainer calls it and compute_score as verl's
    reward managers call it, scored against task/verify."""

    @classmethod
    def setUpClass(cls):
        cls.client = dojo.Client(BIN, stderr=subprocess.DEVNULL)
        if SQL not in [s["id"] for s in cls.client.list_envs()]:
            cls.client.close()
            raise unittest.SkipTest("%s is not registered in this dojo build" % SQL)
        cls.gold = cls.client.generate(SQL, n=3, seed=7, verify=True)
        cls.tasks = cls.client.generate(SQL, n=3, seed=7)
        # A right answer (the gold query), a wrong one, and an empty one.
        cls.answers = [cls.gold[0]["verify"]["gold_sql"], "SELECT 1", ""]
        cls.want = [cls.client.verify(t, a) for t, a in zip(cls.gold, cls.answers)]
        assert cls.want[0]["success"] and not cls.want[1]["success"]

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_trl_call_shape(self):
        """GRPOTrainer calls reward_func(prompts=..., completions=...,
        completion_ids=..., **dataset columns) by keyword, with strings or
        conversational completions (lists of messages)."""
        cols = {"env": [t["env"] for t in self.tasks], "seed": [t["seed"] for t in self.tasks],
                "options": [t["options"] for t in self.tasks], "id": [t["id"] for t in self.tasks]}
        want = [s["reward"] for s in self.want]
        got = self.client.reward_fn(prompts=[t["prompt"] for t in self.tasks], completions=self.answers,
                                    completion_ids=[[1, 2]] * 3, trainer_state=None, **cols)
        self.assertEqual(got, want)
        conv = [[{"role": "assistant", "content": a}] for a in self.answers]
        self.assertEqual(self.client.reward_fn(prompts=[t["prompt"] for t in self.tasks], completions=conv, **cols),
                         want)
        self.assertGreater(got[0], got[1])

    def test_verl_call_shape(self):
        """verl calls compute_score(data_source=..., solution_str=...,
        ground_truth=..., extra_info=...) by keyword per response; the
        ground truth may be the task dict, its JSON text, or a seed with the
        env as data_source and the options in extra_info."""
        for i, (task, answer, want) in enumerate(zip(self.tasks, self.answers, self.want)):
            forms = [
                dict(data_source=SQL, solution_str=answer, ground_truth=task, extra_info={"index": i}),
                dict(data_source=SQL, solution_str=answer, ground_truth=json.dumps(self.gold[i])),
                dict(data_source=SQL, solution_str=answer, ground_truth=task["seed"],
                     extra_info={"options": task["options"], "split": "train"}),
            ]
            for kw in forms:
                got = self.client.compute_score(**kw)
                self.assertEqual(got, {"score": want["reward"], "success": 1.0 if want["success"] else 0.0}, kw)
        batch = self.client.compute_score_batch(data_sources=[SQL] * 3, solution_strs=self.answers,
                                                ground_truths=self.tasks, extra_infos=[None] * 3)
        self.assertEqual([b["score"] for b in batch], [w["reward"] for w in self.want])

    def test_verl_loads_the_file(self):
        """verl imports custom_reward_function.path as a file outside any
        package: dojo_client/verl.py works that way."""
        path = os.path.join(HERE, "dojo_client", "verl.py")
        spec = importlib.util.spec_from_file_location("custom_module", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        old = os.environ.get("DOJO_BIN")
        os.environ["DOJO_BIN"] = BIN
        try:
            got = mod.compute_score(SQL, self.answers[0], self.tasks[0], None)
        finally:
            if old is None:
                del os.environ["DOJO_BIN"]
        self.assertEqual(got["score"], self.want[0]["reward"])

    def test_bad_ground_truth(self):
        for gt, words in (("not json", "not a dojo task"), ([1, 2], "of type list"),
                          ({"env": SQL}, "no \"seed\"")):
            with self.assertRaises(ValueError) as cm:
                self.client.compute_score(SQL, "x", gt)
            self.assertIn(words, str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            self.client.compute_score("", "x", 3)
        self.assertIn("no env", str(cm.exception))
        with self.assertRaises(ValueError):
            self.client.compute_score_batch([SQL], ["a", "b"], [1, 2])


class ServeAgentCodesTest(unittest.TestCase):
    def test_error_codes(self):
        """serve_agent answers bad input with the protocol's codes."""
        def act(obs, info, ep):
            if obs == "boom":
                raise RuntimeError("boom")
            return 1

        lines = [b"not json\n", b"[1, 2]\n", b'{"jsonrpc":"2.0","id":1,"method":"nope"}\n',
                 b'{"jsonrpc":"2.0","id":2,"method":"agent/act","params":{"episode":"e","observation":"boom"}}\n',
                 b'{"jsonrpc":"2.0","id":3,"method":"agent/act","params":{"episode":"e","observation":0}}\n']
        out = io.BytesIO()
        dojo.serve_agent(act, stdin=io.BytesIO(b"".join(lines)), stdout=out)
        got = [json.loads(x) for x in out.getvalue().splitlines()]
        codes = [(m.get("id"), m["error"]["code"], m["error"]["data"]["kind"]) if "error" in m else (m["id"], m["result"])
                 for m in got]
        self.assertEqual(codes, [(None, dojo.CODES["parse_error"], "parse_error"),
                                 (None, dojo.CODES["invalid_request"], "invalid_request"),
                                 (1, dojo.CODES["method_not_found"], "method_not_found"),
                                 (2, dojo.CODES["internal"], "internal"),
                                 (3, {"action": 1})])


class FakeRef:
    def __init__(self, fn, *args, **kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs


class FakeActorHandle:
    """An actor handle of the stand-in: method.remote(...) returns a ref
    that get() resolves by calling the method of a local instance."""

    def __init__(self, instance, options):
        self._instance = instance
        self.options = options
        self.killed = False

    def __getattr__(self, name):
        method = getattr(self._instance, name)
        return types.SimpleNamespace(remote=lambda *a, **kw: FakeRef(method, *a, **kw))


class FakeActorClass:
    def __init__(self, cls, remote_options, ray):
        self.cls, self.remote_options, self.ray = cls, remote_options, ray

    def options(self, **opts):
        def remote(**kwargs):
            h = FakeActorHandle(self.cls(**kwargs), dict(self.remote_options, **opts))
            self.ray.actors.append(h)
            return h
        return types.SimpleNamespace(remote=remote)


class FakeRay(types.ModuleType):
    """A stand-in for the parts of Ray's API that dojo_client.ray uses:
    nodes, remote (actor classes), options(scheduling_strategy=...), get,
    kill and NodeAffinitySchedulingStrategy. Actors run in this process."""

    def __init__(self, nodes):
        super().__init__("ray")
        self._nodes = nodes
        self.actors = []
        self.killed = []
        strat = type("NodeAffinitySchedulingStrategy", (), {
            "__init__": lambda s, node_id, soft: s.__dict__.update(node_id=node_id, soft=soft)})
        self.util = types.SimpleNamespace(scheduling_strategies=types.SimpleNamespace(
            NodeAffinitySchedulingStrategy=strat))

    def nodes(self):
        return self._nodes

    def remote(self, **opts):
        return lambda cls: FakeActorClass(cls, opts, self)

    def get(self, refs, timeout=None):
        return [r.fn(*r.args, **r.kwargs) for r in refs]

    def kill(self, handle):
        handle.killed = True
        self.killed.append(handle)


class RayTest(unittest.TestCase):
    def test_one_server_per_node(self):
        nodes = [{"NodeID": "n1", "Alive": True, "NodeManagerAddress": "127.0.0.1"},
                 {"NodeID": "dead", "Alive": False, "NodeManagerAddress": "127.0.0.9"},
                 {"NodeID": "n2", "Alive": True, "NodeManagerAddress": "127.0.0.1"}]
        ray = FakeRay(nodes)
        group = dray.start_servers(host="127.0.0.1", token="tok", binary=BIN, ray_module=ray)
        try:
            self.assertEqual(group.node_ids, ["n1", "n2"], "one server per alive node")
            self.assertEqual(len(set(group.urls)), 2)
            for h, node in zip(ray.actors, ["n1", "n2"]):
                s = h.options["scheduling_strategy"]
                self.assertEqual((s.node_id, s.soft, h.options["num_cpus"]), (node, False, 0))
                self.assertNotIn("tok", " ".join(h._instance._proc.args), "the token is not on the command line")
            for url in group.urls:
                self.assertRegex(url, r"^ws://127\.0\.0\.1:\d+$")
                with dojo.connect(url, token="tok") as c:
                    with c.make("gridworld/FrozenLake-v1") as env:
                        obs, _ = env.reset(seed=0)
                        self.assertEqual(obs, 0)
                with self.assertRaises(dojo.ConnectError):
                    dojo.connect(url, token="wrong")
        finally:
            group.stop()
        self.assertEqual(len(ray.killed), 2)
        self.assertTrue(all(not h._instance.alive() for h in ray.actors), "the servers ended")

    def test_per_node_and_errors(self):
        ray = FakeRay([{"NodeID": "n1", "Alive": True, "NodeManagerAddress": "127.0.0.1"}])
        with dray.start_servers(per_node=2, host="127.0.0.1", binary=BIN, ray_module=ray) as group:
            self.assertEqual((len(group.urls), len(set(group.urls))), (2, 2))
        self.assertTrue(all(not h._instance.alive() for h in ray.actors))
        with self.assertRaises(RuntimeError) as cm:
            dray.start_servers(ray_module=FakeRay([{"NodeID": "x", "Alive": False}]))
        self.assertIn("no alive node", str(cm.exception))
        with self.assertRaises(ValueError):
            dray.start_servers(per_node=0, ray_module=ray)
        with self.assertRaises(RuntimeError) as cm:
            dray.DojoServer(binary=BIN, host="127.0.0.1", args=("--no-such-flag",), start_timeout=60)
        self.assertIn("exited", str(cm.exception))

    def test_import_without_ray(self):
        code = ("import sys; sys.modules['ray'] = None\nimport dojo_client.ray as r\n"
                "try:\n    r.start_servers()\nexcept ImportError as e:\n    print('ImportError:', e)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=HERE,
                           env=clean_env(PYTHONPATH=HERE))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ImportError: dojo_client.ray.start_servers needs Ray", p.stdout)


class MypyTest(unittest.TestCase):
    def test_strict(self):
        """mypy --strict (the settings in pyproject.toml) passes on the
        package, Gymnasium's types included when it is importable."""
        probe = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True, text=True)
        if probe.returncode != 0:
            missing(self, "mypy is not installed for %s (Debian: python3-mypy)" % sys.executable)
        env = clean_env(MYPYPATH=os.environ.get("PYTHONPATH", ""))
        with tempfile.TemporaryDirectory() as cache:
            p = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", "--cache-dir", cache,
                                "-p", "dojo_client"], capture_output=True, text=True, timeout=600, cwd=HERE, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("Success", p.stdout)


if __name__ == "__main__":
    unittest.main()
