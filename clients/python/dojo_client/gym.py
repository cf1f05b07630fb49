"""Gymnasium adapter: dojo envs as ``gymnasium.Env`` and a Gymnasium vector
env over ``env/stepMany``. Needs Gymnasium (1.x) and numpy: ``pip install
dojo-client[gymnasium]``; the core package does not import this module.

Importing it registers every env of the dojo binary with Gymnasium as
``dojo/NAME-vN`` (the env id without its family; a name that two families
share keeps its family: ``dojo/toolcall-Shop-v0``)::

    import gymnasium
    import dojo_client.gym  # registers dojo/...

    env = gymnasium.make("dojo/FrozenLake-v1", options={"is_slippery": False}, render_mode="ansi")
    obs, info = env.reset(seed=0)
    envs = gymnasium.make_vec("dojo/DoorKey-5x5-v0", num_envs=8, vectorization_mode="vector_entry_point")

Spaces are Gymnasium's: ``Discrete``, ``Box`` (with the spec's shape and
dtype; MiniGrid's image is (7, 7, 3) uint8), ``Dict`` and ``Text``. dojo's
text can hold any Unicode, so text spaces are ``DojoText``, a ``Text``
that contains every string within its length bounds. An env whose
observation is chat messages (tool use, SQL) observes the observation's
text, with the messages and tools in ``info["messages"]`` and
``info["tools"]``; its actions are the model's reply (a str) or a dict
``{"text", "tool_calls"}``.

``reset(seed=None)`` without a seed continues from the last reset's seed
the way the server does (SplitMix64), so seedless episodes repeat too.
``reset(options={...})`` merges dojo options over the env's for this and
later episodes (the env is made again on the server).
"""

from __future__ import annotations

import re
import string
import struct
import zlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, SupportsFloat, Tuple

try:
    import gymnasium
    import numpy as np
    from gymnasium import spaces
    from gymnasium.vector import AutoresetMode, VectorEnv
    from gymnasium.vector.utils import batch_space, concatenate, create_empty_array
except ImportError as e:  # pragma: no cover - exercised where Gymnasium is absent
    raise ImportError("dojo_client.gym needs Gymnasium 1.x and numpy (pip install 'dojo-client[gymnasium]'): %s"
                      % e) from e

from . import BaseClient, Client, DojoError, Env, VectorEnv as _DojoVectorEnv, connect, default_client

__all__ = ["DojoEnv", "DojoVectorEnv", "DojoText", "register_envs", "gym_id", "to_space", "decode_png",
           "RENDER_MODES"]

RENDER_MODES = ["ansi", "rgb_array"]

# The characters DojoText samples from (it contains any string).
_SAMPLE_CHARSET = string.ascii_letters + string.digits + " .,:;!?-_()[]{}'\"/"
_TEXT_MAX = 1 << 20


class DojoText(spaces.Text):
    """A Text space that contains every str whose length is within
    [min_length, max_length]: dojo's observations and actions may hold any
    Unicode character, which Gymnasium's Text (a fixed charset) would
    refuse. sample() draws from printable ASCII."""

    def __init__(self, max_length: int = _TEXT_MAX, min_length: int = 0, seed: Any = None) -> None:
        super().__init__(max_length, min_length=min_length, charset=_SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return "DojoText(%d, %d)" % (self.min_length, self.max_length)


def _box(raw: Mapping[str, Any]) -> spaces.Box:
    shape = tuple(int(d) for d in raw.get("shape") or ())
    low, high = float(raw.get("low", 0)), float(raw.get("high", 0))
    name = raw.get("dtype") or "float64"
    try:
        dtype = np.dtype(name)
    except TypeError as e:
        raise ValueError("box space: dtype %r is not a numpy dtype" % name) from e
    if np.issubdtype(dtype, np.integer):
        if low >= 0 and high <= 255:
            dtype = np.dtype(np.uint8)  # images and grids of small codes, as MiniGrid's
        info = np.iinfo(dtype)
        if low == 0 and high == 0:
            low, high = info.min, info.max
        return spaces.Box(low=int(low), high=int(high), shape=shape, dtype=dtype)
    if low == 0 and high == 0:  # no bounds given
        low, high = -np.inf, np.inf
    return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)


def to_space(raw: Mapping[str, Any]) -> spaces.Space[Any]:
    """The Gymnasium space of a dojo space (a spec's "observation" or
    "action"): discrete -> Discrete(n), box -> Box (shape, bounds, dtype;
    integer boxes within [0, 255] are uint8), text, tool_calls and none ->
    DojoText, dict -> Dict of its fields."""
    kind = raw.get("kind")
    if kind == "discrete":
        n = int(raw.get("n") or 0)
        if n < 1:
            raise ValueError("discrete space with n=%d: want at least 1" % n)
        return spaces.Discrete(n)
    if kind == "box":
        return _box(raw)
    if kind == "dict":
        return spaces.Dict({f["name"]: to_space(f["space"]) for f in raw.get("fields") or []})
    if kind in ("text", "tool_calls", "none"):
        return DojoText(int(raw.get("max_length") or _TEXT_MAX))
    raise ValueError("dojo space of kind %r has no Gymnasium equivalent" % (kind,))


def _converter(space: spaces.Space[Any]) -> Callable[[Any], Any]:
    """A function from a dojo value of the space to Gymnasium's form."""
    if isinstance(space, spaces.Discrete):
        return lambda v: int(v)
    if isinstance(space, spaces.Box):
        dtype, shape = space.dtype, space.shape
        return lambda v: np.asarray(v, dtype=dtype).reshape(shape)
    if isinstance(space, spaces.Dict):
        parts = [(k, _converter(s)) for k, s in space.spaces.items()]
        return lambda v: {k: conv(v.get(k)) for k, conv in parts}
    return lambda v: "" if v is None else v if isinstance(v, str) else str(v)


def _obs_text(o: Optional[Mapping[str, Any]]) -> str:
    """An observation's text, else its messages' contents."""
    if not o:
        return ""
    text = o.get("text") or ""
    if not text and o.get("messages"):
        text = "\n\n".join(str(m.get("content") or "") for m in o["messages"])
    return str(text)


def _gym_info(v: Any, key: str = "") -> Any:
    """An info in Gymnasium's style: JSON numbers as floats (dojo's are
    float64, and a vector env batches each key into one array, so "0" and
    "0.5" must have one type), seeds as numpy uint64."""
    if isinstance(v, dict):
        return {k: _gym_info(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [_gym_info(x) for x in v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if key == "seed" and isinstance(v, int):
        return np.uint64(v)
    return float(v)


def _action(a: Any) -> Any:
    """A Gymnasium action in dojo's wire form: numpy scalars and 0-d arrays
    as Python values."""
    if isinstance(a, np.ndarray):
        if a.ndim == 0:
            return a.item()
        raise TypeError("action %r: an array is not a dojo action (want an int, a str or a dict)" % (a,))
    if isinstance(a, np.generic):
        return a.item()
    return a


def decode_png(data: bytes) -> "np.ndarray[Any, np.dtype[np.uint8]]":
    """Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what dojo's
    env/render draws) into an (H, W, 3) uint8 array."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    pos, idat = 8, []
    width = height = depth = ctype = interlace = -1
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError("PNG of bit depth %d, colour type %d, interlace %d: want 8-bit RGB or RGBA, not interlaced"
                         % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    if raw.size != height * (stride + 1):
        raise ValueError("PNG data of %d bytes for %dx%d pixels" % (raw.size, width, height))
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        f, line = rows[y, 0], rows[y, 1:]
        if f == 0:
            cur = line.copy()
        elif f == 1:  # Sub: a running sum per channel, mod 256
            cur = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(stride)
        elif f == 2:  # Up
            cur = line + prev
        elif f in (3, 4):  # Average and Paeth depend on the pixel to the left: byte by byte
            ln, pv = line.tolist(), prev.tolist()
            c = [0] * stride
            for i in range(stride):
                a = c[i - bpp] if i >= bpp else 0
                b = pv[i]
                if f == 3:
                    c[i] = (ln[i] + ((a + b) >> 1)) & 0xFF
                else:
                    cc = pv[i - bpp] if i >= bpp else 0
                    p = a + b - cc
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else cc
                    c[i] = (ln[i] + pred) & 0xFF
            cur = np.array(c, dtype=np.uint8)
        else:
            raise ValueError("PNG row %d has unknown filter %d" % (y, f))
        out[y] = cur
        prev = cur
    img = out.reshape(height, width, bpp)
    return np.ascontiguousarray(img[:, :, :3])


def _client(client: Optional[BaseClient], url: Optional[str], token: Optional[str]) -> BaseClient:
    if client is not None:
        return client
    if url is not None:
        return connect(url, token=token)
    return default_client()


class DojoEnv(gymnasium.Env[Any, Any]):
    """One dojo env as a ``gymnasium.Env``.

    ``env_id`` is dojo's id ("gridworld/FrozenLake-v1"), ``options`` its
    options; ``render_mode`` is None, "ansi" (the current observation's text;
    an env with a ``text`` option is made with text=true for it) or
    "rgb_array" (dojo's frame of the current state, (H, W, 3) uint8). The
    env lives in ``client``, else a session with the server at ``url``,
    else the shared default client."""

    metadata: Dict[str, Any] = {"render_modes": RENDER_MODES, "render_fps": 4}

    def __init__(self, env_id: str, options: Optional[Mapping[str, Any]] = None, render_mode: Optional[str] = None,
                 client: Optional[BaseClient] = None, url: Optional[str] = None,
                 token: Optional[str] = None) -> None:
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError("render_mode=%r: want None or one of %s" % (render_mode, ", ".join(RENDER_MODES)))
        self.render_mode = render_mode
        self.env_id = env_id
        self.client = _client(client, url, token)
        self._options: Dict[str, Any] = dict(options or {})
        self._env: Optional[Env] = None
        self._make()

    def _make(self) -> None:
        opts = dict(self._options)
        env = Env(self.env_id, opts or None, client=self.client, obs="dict")
        spec = env.spec
        if (self.render_mode == "ansi" and "text" not in opts and not spec.get("obs_text")
                and any(o.get("name") == "text" and o.get("type") == "bool" for o in spec.get("options") or [])):
            env.close()
            opts["text"] = True
            env = Env(self.env_id, opts, client=self.client, obs="dict")
            spec = env.spec
        if self._env is not None:
            self._env.close()
        self._env = env
        self.dojo_spec: Dict[str, Any] = spec
        self.observation_space = to_space(spec["observation"])
        self.action_space = to_space(spec["action"])
        self._messages = spec["observation"].get("kind", "none") == "none"
        self._conv = _converter(self.observation_space)

    def _obs(self, o: Optional[Dict[str, Any]], info: Dict[str, Any]) -> Any:
        """The observation in Gymnasium's form; fills in info in place."""
        gi = _gym_info(info)
        info.clear()
        info.update(gi)
        if self._messages:
            if o:
                if o.get("messages"):
                    info["messages"] = o["messages"]
                if o.get("tools"):
                    info["tools"] = o["tools"]
            return _obs_text(o)
        return self._conv((o or {}).get("value"))

    @property
    def dojo_env(self) -> Env:
        """The dojo_client.Env underneath."""
        if self._env is None:
            raise DojoError(None, "the env is closed", {"kind": "state"})
        return self._env

    def reset(self, *, seed: Optional[int] = None,
              options: Optional[Dict[str, Any]] = None) -> Tuple[Any, Dict[str, Any]]:
        super().reset(seed=seed)
        if options:
            merged = dict(self._options, **options)
            if merged != self._options:
                self._options = merged
                self._make()
        obs, info = self.dojo_env.reset(seed=seed)
        return self._obs(obs, info), info

    def step(self, action: Any) -> Tuple[Any, SupportsFloat, bool, bool, Dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.dojo_env.step(_action(action))
        return self._obs(obs, info), float(reward), bool(terminated), bool(truncated), info

    def render(self) -> Any:
        if self.render_mode is None:
            gymnasium.logger.warn("render() without a render_mode: make the env with render_mode=\"ansi\" or "
                                  "\"rgb_array\"")
            return None
        if self.render_mode == "ansi":
            return self.dojo_env.render("text")
        if "rgb" in ((self.client.capabilities or {}).get("render") or []):
            h, w, pix = self.dojo_env.render_rgb()
            return np.frombuffer(pix, dtype=np.uint8).reshape(h, w, 3).copy()
        png = self.dojo_env.render("png")  # a dojo without raw frames
        assert isinstance(png, bytes)
        return decode_png(png)

    def close(self) -> None:
        env, self._env = self._env, None
        if env is not None:
            env.close()
        super().close()

    def __repr__(self) -> str:
        return "<DojoEnv %s>" % self.env_id


class DojoVectorEnv(VectorEnv[Any, Any, Any]):
    """num_envs copies of one dojo env stepped together in one
    ``env/stepMany`` request, as a Gymnasium vector env with next-step
    autoreset (Gymnasium 1.x's default: the step after an episode ends
    returns that env's reset observation, reward 0 and both flags false,
    ignoring its action). reset(seed=s) seeds env i with s+i, as
    Gymnasium's SyncVectorEnv does. Observations are batched numpy arrays
    (gymnasium.vector.utils.concatenate), infos Gymnasium's dict of arrays
    with "_key" masks; ``info=False`` leaves the step infos out (faster)."""

    metadata: Dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, env_id: str, num_envs: int = 1, options: Optional[Mapping[str, Any]] = None,
                 client: Optional[BaseClient] = None, url: Optional[str] = None, token: Optional[str] = None,
                 info: bool = True, render_mode: Optional[str] = None) -> None:
        if render_mode is not None:
            raise ValueError("DojoVectorEnv does not render (render_mode=%r): render a single DojoEnv" % render_mode)
        self.env_id = env_id
        self.num_envs = num_envs
        self.client = _client(client, url, token)
        with self.client.make(env_id, options) as probe:  # for its spec
            spec = probe.spec
        self._messages = spec["observation"].get("kind", "none") == "none"
        self._vec = _DojoVectorEnv(env_id, num_envs, options, client=self.client,
                                   obs="dict" if self._messages else "value", info=info)
        self.dojo_spec: Dict[str, Any] = self._vec.spec
        self.single_observation_space = to_space(self.dojo_spec["observation"])
        self.single_action_space = to_space(self.dojo_spec["action"])
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._conv = _converter(self.single_observation_space)
        self._info = info
        self.render_mode = None
        self.closed = False

    def _batch(self, raw: Sequence[Any], infos: Sequence[Dict[str, Any]]) -> Any:
        if self._messages:
            obs = []
            for o, info in zip(raw, infos):
                if o and o.get("messages"):
                    info["messages"] = o["messages"]
                if o and o.get("tools"):
                    info["tools"] = o["tools"]
                obs.append(_obs_text(o))
        else:
            obs = [self._conv(v) for v in raw]
        # A fresh batch each time: a caller may keep the last one.
        out = create_empty_array(self.single_observation_space, n=self.num_envs, fn=np.zeros)
        return concatenate(self.single_observation_space, obs, out)  # type: ignore[arg-type]

    def _infos(self, infos: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for i, info in enumerate(infos):
            out = self._add_info(out, info, i)
        return out

    def reset(self, *, seed: Optional[int | List[int]] = None,
              options: Optional[Dict[str, Any]] = None) -> Tuple[Any, Dict[str, Any]]:
        if options:
            raise ValueError("DojoVectorEnv.reset(options=...): dojo options are set when the vector env is made")
        if isinstance(seed, list):
            if len(seed) != self.num_envs or any(s != seed[0] + i for i, s in enumerate(seed)):
                raise ValueError("reset(seed=%r): a list of seeds must be s, s+1, ..., s+%d" % (seed, self.num_envs - 1))
            seed = seed[0]
        raw, infos = self._vec.reset(seed=seed)
        infos = [_gym_info(i) for i in infos]
        obs = self._batch(raw, infos)
        return obs, self._infos(infos)

    def step(self, actions: Any) -> Tuple[Any, Any, Any, Any, Dict[str, Any]]:
        acts = [_action(a) for a in (actions.tolist() if isinstance(actions, np.ndarray) else actions)]
        raw, rewards, terms, truncs, infos = self._vec.step(acts)
        infos = [_gym_info(i) for i in infos] if self._info else [{} for _ in range(self.num_envs)]
        obs = self._batch(raw, infos)
        return (obs, np.asarray(rewards, dtype=np.float64), np.asarray(terms, dtype=np.bool_),
                np.asarray(truncs, dtype=np.bool_), self._infos(infos))

    def close_extras(self, **kwargs: Any) -> None:
        self._vec.close()


def _gym_names(ids: Sequence[str]) -> Dict[str, str]:
    """Gymnasium names for dojo ids: the name without its family when no
    other family has it, else family-name."""
    count: Dict[str, int] = {}
    for i in ids:
        base = i.split("/", 1)[-1]
        count[base] = count.get(base, 0) + 1
    out = {}
    for i in ids:
        family, _, base = i.rpartition("/")
        name = base if count[base] == 1 or not family else "%s-%s" % (family, base)
        out[i] = "dojo/" + re.sub(r"[^\w:.-]", "_", name)
    return out


_registered: Dict[str, str] = {}  # dojo id -> Gymnasium id


def gym_id(env_id: str) -> str:
    """The Gymnasium id under which register_envs registered a dojo env."""
    try:
        return _registered[env_id]
    except KeyError:
        raise KeyError("%s is not registered with Gymnasium: call dojo_client.gym.register_envs() (registered: %d "
                       "envs)" % (env_id, len(_registered))) from None


def register_envs(client: Optional[BaseClient] = None, binary: Optional[str] = None) -> Dict[str, str]:
    """Registers every env of the dojo binary (or of the server behind
    ``client``) with Gymnasium, as ``dojo/NAME-vN`` with DojoEnv as entry
    point and DojoVectorEnv as vector entry point; returns {dojo id:
    Gymnasium id}. Importing this module calls it once."""
    own = client is None
    c = client if client is not None else Client(binary)
    try:
        ids = [s["id"] for s in c.list_envs()]
    finally:
        if own:
            c.close()
    names = _gym_names(ids)
    for env_id, name in names.items():
        if name in gymnasium.registry:
            del gymnasium.registry[name]
        gymnasium.register(id=name, entry_point="dojo_client.gym:DojoEnv",
                           vector_entry_point="dojo_client.gym:DojoVectorEnv",
                           kwargs={"env_id": env_id}, nondeterministic=False, disable_env_checker=False)
    _registered.update(names)
    return dict(names)


try:
    register_envs()
except (FileNotFoundError, DojoError) as _e:  # no binary here: register later with register_envs(binary=...)
    gymnasium.logger.warn("dojo_client.gym: no dojo env registered with Gymnasium: %s; call "
                          "dojo_client.gym.register_envs(binary=...) once a binary is available" % _e)
