"""Tests of dojo_client.gym against Gymnasium's own checks and a real
``dojo serve``. They need numpy and Gymnasium 1.x and skip with a message
without them:

    DOJO_BIN=/path/to/dojo PYTHONPATH=.:../../../shared/third_party/gymnasium-1.4.0:../../../shared/third_party/stubs \\
        /usr/bin/python3 -m unittest -v test_gym

(Debian's numpy is for /usr/bin/python3.) go test ./clients/python/ runs
them with an interpreter that has numpy when there is one.
"""

import os
import subprocess
import sys
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dojo_client as dojo  # noqa: E402

try:
    import numpy as np
    import gymnasium
    from gymnasium.utils.env_checker import check_env, data_equivalence
    from gymnasium.vector import SyncVectorEnv
except ImportError as e:  # the module's tests skip with this reason
    MISSING = "numpy and Gymnasium 1.x are needed (%s): install python3-numpy and put Gymnasium on PYTHONPATH" % e
else:
    MISSING = None

# The families of classic-control-style envs: toy text and MiniGrid
# (gridworld) and the bandits.
CLASSIC = ("gridworld", "bandit")


def setUpModule():
    global dg
    if MISSING:
        raise unittest.SkipTest(MISSING)
    try:
        dojo.find_binary()
    except FileNotFoundError as e:
        raise unittest.SkipTest("no dojo binary: %s" % e)
    import dojo_client.gym as dg  # registers the envs


def gym_warnings(fn, *args, **kw):
    """Runs fn and returns the warnings it raised (Gymnasium's checker
    reports most problems as warnings)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn(*args, **kw)
    return out, [str(x.message) for x in w]


def usable(env_id):
    """Whether env_id can start an episode here (an env over an absent data
    set answers not_found, as the Go tests skip without ../shared/data)."""
    try:
        with dojo.make(env_id) as env:
            env.reset(seed=1)
        return True
    except dojo.DojoError as e:
        if e.code == -32001:
            sys.stderr.write("skipping %s: %s\n" % (env_id, e))
            return False
        raise


class CheckEnvTest(unittest.TestCase):
    def test_check_env_every_classic_env(self):
        """gymnasium.utils.env_checker.check_env passes, without a warning,
        for every toy-text, MiniGrid and bandit env, with each render mode."""
        ids = [i for i in dg.register_envs() if i.split("/")[0] in CLASSIC]
        self.assertGreater(len(ids), 20, ids)
        for env_id in ids:
            with self.subTest(env_id):
                env = gymnasium.make(dg.gym_id(env_id))
                _, warned = gym_warnings(check_env, env.unwrapped)
                env.close()
                self.assertEqual(warned, [], "%s: check_env warned" % env_id)

    def test_spaces(self):
        env = gymnasium.make("dojo/DoorKey-5x5-v0")
        space = env.observation_space
        self.assertIsInstance(space, gymnasium.spaces.Dict)
        image = space["image"]
        self.assertEqual((image.shape, image.dtype), ((7, 7, 3), np.uint8))
        self.assertIsInstance(space["direction"], gymnasium.spaces.Discrete)
        self.assertIsInstance(space["mission"], gymnasium.spaces.Text)
        self.assertEqual(env.action_space, gymnasium.spaces.Discrete(7))
        obs, _ = env.reset(seed=3)
        self.assertEqual((obs["image"].shape, obs["image"].dtype), ((7, 7, 3), np.uint8))
        self.assertIn(obs, space)
        # The image is the flat row-major value, reshaped.
        flat = env.unwrapped.dojo_env.client.call("env/render", {"env": env.unwrapped.dojo_env.handle})["data"]
        self.assertIn(str(obs["image"].reshape(-1).tolist()).replace(" ", ""), flat)
        env.close()
        lin = gymnasium.make("dojo/Linear-10-v0")
        self.assertEqual((lin.observation_space.shape, lin.observation_space.dtype), ((10, 5), np.float64))
        lin.close()
        fl = gymnasium.make("dojo/FrozenLake-v1")
        self.assertEqual((fl.observation_space, fl.action_space), (gymnasium.spaces.Discrete(16),
                                                                   gymnasium.spaces.Discrete(4)))
        fl.close()

    def test_reset_seed_and_options(self):
        env = gymnasium.make("dojo/FrozenLake-v1")
        def episode():
            out = [env.reset(seed=5)]
            for _ in range(100):
                out.append(env.step(2))
                if out[-1][2] or out[-1][3]:
                    break
            return out
        a = episode()
        self.assertGreater(len(a), 2)
        self.assertTrue(data_equivalence(a, episode()), "the same seed replays the episode")
        # Without a seed, episodes continue from the last seed, as the server does.
        env.reset(seed=5)
        s1 = env.reset()
        env.reset(seed=5)
        self.assertEqual(s1, env.reset())
        # reset(options=...) merges dojo options: the non-slippery lake is deterministic.
        env.reset(seed=0, options={"is_slippery": False})
        path = [env.step(a)[0] for a in (2, 2, 1, 1, 1)]
        self.assertEqual(path, [1, 2, 6, 10, 14])
        self.assertEqual(env.unwrapped.dojo_env.spec["id"], "gridworld/FrozenLake-v1")
        env.close()

    def test_render_modes(self):
        env = gymnasium.make("dojo/FrozenLake-v1", render_mode="ansi")
        env.reset(seed=0)
        text = env.render()
        self.assertIn("HFFG", text, "ansi renders the lake's map")
        env.close()
        env = gymnasium.make("dojo/DoorKey-5x5-v0", render_mode="rgb_array")
        env.reset(seed=0)
        img = env.render()
        self.assertEqual((img.ndim, img.shape[2], img.dtype), (3, 3, np.uint8))
        # The raw frame is the PNG's, pixel for pixel.
        png = env.unwrapped.dojo_env.render("png")
        self.assertTrue(np.array_equal(img, dg.decode_png(png)))
        env.step(0)  # turn left
        self.assertFalse(np.array_equal(img, env.render()), "the frame follows the state")
        env.close()
        with self.assertRaises(ValueError):
            dg.DojoEnv("gridworld/FrozenLake-v1", render_mode="human")

    def test_make_every_registered_id(self):
        """gymnasium.make of every registered id builds the env; each usable
        one resets and takes a step with a sampled action."""
        names = dg.register_envs()
        with dojo.Client() as c:
            self.assertEqual(sorted(names), sorted(s["id"] for s in c.list_envs()))
        self.assertEqual(len(set(names.values())), len(names), "Gymnasium ids are unique")
        for env_id, gid in sorted(names.items()):
            with self.subTest(env_id):
                self.assertTrue(gid.startswith("dojo/"), gid)
                self.assertEqual(gymnasium.spec(gid).kwargs["env_id"], env_id)
                if not usable(env_id):
                    continue
                env = gymnasium.make(gid)
                obs, info = env.reset(seed=2)
                self.assertIn(obs, env.observation_space)
                env.action_space.seed(2)
                obs, reward, term, trunc, info = env.step(env.action_space.sample())
                self.assertIn(obs, env.observation_space)
                self.assertIsInstance(reward, float)
                env.close()

    def test_message_envs(self):
        """A tool env observes its text, with its messages and tools in info."""
        ids = [i for i in dg.register_envs() if i.startswith("toolcall/")]
        if not ids:
            self.skipTest("no toolcall env registered")
        env = gymnasium.make(dg.gym_id(ids[0]))
        obs, info = env.reset(seed=0)
        self.assertIsInstance(obs, str)
        self.assertTrue(info["messages"] and info["tools"])
        obs, reward, term, trunc, info = env.step({"text": "I cannot help."})
        self.assertTrue(term or trunc)
        env.close()


class VectorTest(unittest.TestCase):
    def play(self, envs, seed, steps, rng):
        out = [envs.reset(seed=seed)]
        for _ in range(steps):
            out.append(envs.step(np.array([rng.integers(envs.single_action_space.n) for _ in range(envs.num_envs)])))
        return out

    def test_matches_gymnasium_sync_vector_env(self):
        """DojoVectorEnv (one env/stepMany per step, the server's next-step
        autoreset) gives what Gymnasium's SyncVectorEnv over single DojoEnvs
        gives: observations, rewards, flags and infos, through episode ends."""
        for gid, n, steps in (("dojo/FrozenLake-v1", 6, 60), ("dojo/DoorKey-5x5-v0", 3, 40),
                              ("dojo/Bernoulli-5-v0", 4, 30)):
            with self.subTest(gid):
                kwargs = ({"options": {"horizon": 7}} if "Bernoulli" in gid else
                          {"options": {"max_steps": 9}} if "DoorKey" in gid else {})
                ours = gymnasium.make_vec(gid, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
                self.assertIsInstance(ours, dg.DojoVectorEnv)
                ref = SyncVectorEnv([lambda: gymnasium.make(gid, **kwargs) for _ in range(n)])
                self.assertEqual(ours.single_observation_space, ref.single_observation_space)
                self.assertEqual(ours.observation_space, ref.observation_space)
                self.assertEqual(ours.action_space, ref.action_space)
                self.assertEqual(ours.metadata["autoreset_mode"], ref.metadata["autoreset_mode"])
                a = self.play(ours, 11, steps, np.random.default_rng(0))
                b = self.play(ref, 11, steps, np.random.default_rng(0))
                ends = 0
                autoresets = 0
                for t, (x, y) in enumerate(zip(a, b)):
                    # Ours marks autoreset steps in info["extra"]; SyncVectorEnv's reset infos have no extra.
                    info = dict(x[-1])
                    if "extra" in info:
                        autoresets += int(info["_extra"].sum())
                        self.assertTrue(all(bool(e) for e in info["extra"]["autoreset"][info["extra"]["_autoreset"]]))
                        del info["extra"], info["_extra"]
                    x = x[:-1] + (info,)
                    self.assertTrue(data_equivalence(x, y), "%s step %d:\n%r\n%r" % (gid, t, x, y))
                    self.assertIn(x[0], ours.observation_space)
                    if t:
                        self.assertEqual(x[1].dtype, np.float64)
                        ends += int(np.sum(x[2] | x[3]))
                self.assertGreater(ends, 0, "%s: no episode ended, so autoreset went untested" % gid)
                self.assertGreater(autoresets, 0, gid)
                ours.close()
                ref.close()

    def test_next_step_autoreset(self):
        """The step after an episode ends returns the reset observation,
        reward 0 and both flags false, ignoring the action."""
        envs = dg.DojoVectorEnv("gridworld/FrozenLake-v1", 2, options={"is_slippery": False})
        obs, _ = envs.reset(seed=0)
        # Env 0 walks into the hole at state 5 (down, right); env 1 stays put (left).
        for a in ([1, 0], [2, 0]):
            obs, rew, term, trunc, info = envs.step(a)
        self.assertEqual((obs.tolist(), term.tolist()), ([5, 0], [True, False]))
        obs, rew, term, trunc, info = envs.step([2, 0])
        self.assertEqual((obs.tolist(), rew.tolist(), term.tolist(), trunc.tolist()),
                         ([0, 0], [0.0, 0.0], [False, False], [False, False]))
        envs.close()

    def test_vector_against_a_loop_of_single_envs(self):
        """Each column of the vector env is the episode a single env plays
        with the same seed and actions (autoreset seeds follow the server's
        seedless reset)."""
        n, steps = 4, 50
        envs = dg.DojoVectorEnv("gridworld/FrozenLake8x8-v1", n)
        rng = np.random.default_rng(1)
        actions = rng.integers(4, size=(steps, n))
        obs, _ = envs.reset(seed=20)
        got = [obs.tolist()]
        for a in actions:
            o, r, te, tr, _ = envs.step(a)
            got.append(list(zip(o.tolist(), r.tolist(), te.tolist(), tr.tolist())))
        envs.close()
        for i in range(n):
            env = dg.DojoEnv("gridworld/FrozenLake8x8-v1")
            o, _ = env.reset(seed=20 + i)
            self.assertEqual(o, got[0][i])
            done = False
            for t, a in enumerate(actions[:, i]):
                if done:
                    o, _ = env.reset()
                    r, te, tr = 0.0, False, False
                else:
                    o, r, te, tr, _ = env.step(int(a))
                done = te or tr
                self.assertEqual((o, r, te, tr), got[t + 1][i], "env %d step %d" % (i, t))
            env.close()


class ImportTest(unittest.TestCase):
    def test_needs_gymnasium(self):
        """Without Gymnasium, importing dojo_client.gym says what to install;
        the core imports anyway."""
        code = ("import sys; sys.modules['gymnasium'] = None\n"
                "import dojo_client\n"
                "try:\n    import dojo_client.gym\nexcept ImportError as e:\n    print('ImportError:', e)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=HERE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ImportError: dojo_client.gym needs Gymnasium", p.stdout)


if __name__ == "__main__":
    unittest.main()
