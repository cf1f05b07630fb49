"""dojo_client: drive dojo environments from Python over dojo's protocol.

Standard library only (Python 3.9+; dojo_client.gym needs Gymnasium and
numpy). Client starts ``dojo serve`` as a subprocess and speaks
newline-delimited JSON-RPC 2.0 with it (the protocol of dojo's package
``protocol``; ``go doc github.com/dojo-rl/dojo/protocol`` documents every
method); connect() opens the same session with a ``dojo
serve --listen`` server over a WebSocket (NetClient, in dojo_client.net)::

    client = dojo.connect("ws://HOST:8000", token="T")
    env = client.make("gridworld/FrozenLake-v1")

dojo_client.trl adapts the tool envs to TRL's GRPOTrainer(environment_factory=...).

Environments, Gymnasium style::

    import dojo_client as dojo

    with dojo.make("gridworld/FrozenLake-v1", {"is_slippery": False}) as env:
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(2)

Many environments at once, stepped in one request (``env/stepMany``, compact
form) with Gymnasium's next-step autoreset::

    envs = dojo.VectorEnv("gridworld/FrozenLake8x8-v1", 64)
    obs, infos = envs.reset(seed=0)
    obs, rewards, terminated, truncated, infos = envs.step([0] * 64)

Verifiable tasks and rewards for trainers::

    client = dojo.Client()
    tasks = client.generate("toolcall/Calendar-v0", n=8, seed=0)
    score = client.verify(tasks[0], "model output")   # {"reward", "success", "parts"}
    rewards = client.reward_fn(completions, **dataset_columns)  # TRL's GRPO signature

Agents for ``dojo run --agent exec:CMD``: ``serve_agent(act)`` answers dojo's
``agent/act`` requests on stdin/stdout with ``act(observation, info)``.

Gymnasium (dojo_client.gym: spaces, gymnasium.make("dojo/..."), a vector
env), verl (compute_score, dojo_client.verl) and Ray (dojo_client.ray: a
``dojo serve --listen`` per node) are served by their own modules.

The ``dojo`` binary is found from the ``binary`` argument, else the DOJO_BIN
environment variable, else ``dojo`` on PATH, else it is built with ``go
build`` from the dojo checkout around the current directory or this package
(find_binary). Errors from the server are raised as :class:`DojoError` with
the JSON-RPC code, message and data.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import random
import select
import shutil
import subprocess
import sys
import threading
import time
from typing import IO, TypeVar, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

_T = TypeVar("_T")

__all__ = [
    "DojoError",
    "ServerExited",
    "ConnectError",
    "ConnectionClosed",
    "CapacityReached",
    "BaseClient",
    "Client",
    "NetClient",
    "connect",
    "Env",
    "VectorEnv",
    "Space",
    "make",
    "default_client",
    "generate",
    "verify",
    "reward_fn",
    "compute_score",
    "compute_score_batch",
    "serve_agent",
    "find_binary",
    "build_binary",
    "CODES",
    "next_seed",
    "PROTOCOL_VERSION",
]

PROTOCOL_VERSION = "1"

# JSON-RPC error codes of the protocol, by kind.
CODES = {
    "parse_error": -32700,
    "invalid_request": -32600,
    "method_not_found": -32601,
    "invalid": -32602,
    "internal": -32000,
    "not_found": -32001,
    "state": -32002,
    "timeout": -32003,
    "canceled": -32004,
    "unavailable": -32005,
    "unsupported": -32006,
    "limit": -32007,
}


class DojoError(Exception):
    """An error answered by dojo: its JSON-RPC ``code``, ``message`` and
    ``data`` (``{"kind": ..., "field": ...}``; ``kind`` and ``field`` are
    also attributes)."""

    def __init__(self, code: Optional[int], message: str, data: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data or {}

    @property
    def kind(self) -> Optional[str]:
        """The error's kind in words ("invalid", "state", "not_found", ...)."""
        return self.data.get("kind")

    @property
    def field(self) -> Optional[str]:
        """The parameter that was wrong, as a dotted path, or None."""
        return self.data.get("field")

    def __str__(self) -> str:
        extra = [str(self.code)] if self.code is not None else []
        if self.kind:
            extra.append(self.kind)
        if self.field:
            extra.append("field " + self.field)
        return "%s (%s)" % (self.message, ", ".join(extra)) if extra else self.message


class ServerExited(DojoError):
    """The dojo process ended or closed its output: no more requests can be
    served."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message, {"kind": "unavailable"})


_MASK64 = (1 << 64) - 1


def next_seed(seed: int) -> int:
    """The seed the server uses after ``seed`` when none is given (an
    autoreset, or reset() without a seed): the SplitMix64 mix of seed+1,
    as protocol.NextSeed computes it."""
    z = (seed + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


_HOW = ("set DOJO_BIN=/path/to/dojo, put dojo on PATH, or run from a dojo checkout with Go installed "
        "(the client then builds it with go build ./cmd/dojo)")
_built: Optional[str] = None  # the binary this process built from a checkout


def _checkout(start: str) -> Optional[str]:
    """The root of the dojo checkout holding start (a directory), or None."""
    d = os.path.abspath(start)
    while True:
        gomod = os.path.join(d, "go.mod")
        if os.path.isfile(gomod) and os.path.isdir(os.path.join(d, "cmd", "dojo")):
            try:
                with open(gomod, encoding="utf-8") as f:
                    if f.readline().split()[1:2] == ["github.com/dojo-rl/dojo"]:
                        return d
            except OSError:
                pass
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def build_binary(root: str, out: Optional[str] = None, timeout: float = 900) -> str:
    """Builds the dojo binary of the checkout at root with ``go build
    ./cmd/dojo`` (cgo off) into out (default: a per-user cache directory,
    $XDG_CACHE_HOME/dojo_client or ~/.cache/dojo_client) and returns its
    path. Go's build cache makes a rebuild of unchanged sources quick.
    Raises FileNotFoundError naming what failed."""
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.isfile("/usr/local/go/bin/go") else None)
    if go is None:
        raise FileNotFoundError("dojo binary not found: %s is a dojo checkout but Go is not installed "
                                "(no go on PATH or at /usr/local/go/bin/go): %s" % (root, _HOW))
    if out is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        out = os.path.join(cache, "dojo_client", "dojo.exe" if os.name == "nt" else "dojo")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = "%s.%d.tmp" % (out, os.getpid())
    env = dict(os.environ, CGO_ENABLED="0")
    try:
        p = subprocess.run([go, "build", "-o", tmp, "./cmd/dojo"], cwd=root, env=env,
                           capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FileNotFoundError("dojo binary not found: go build ./cmd/dojo in %s failed: %s: %s" % (root, e, _HOW)) from e
    if p.returncode != 0:
        raise FileNotFoundError("dojo binary not found: go build ./cmd/dojo in %s failed (exit %d): %s\n%s"
                                % (root, p.returncode, _HOW, p.stderr.strip()))
    os.replace(tmp, out)  # atomic: concurrent builders never run a half-written file
    return out


def find_binary(binary: Optional[str] = None) -> str:
    """Returns the path of the dojo binary, looking in order at: ``binary``,
    $DOJO_BIN, ``dojo`` on PATH, and a dojo checkout around the current
    directory or this package (built once per process with build_binary;
    DOJO_BUILD=0 turns that off). A binary given by the argument or
    DOJO_BIN must exist. Raises FileNotFoundError naming every place it
    looked and how to provide one."""
    global _built
    path = binary or os.environ.get("DOJO_BIN")
    if path:
        found = path if os.path.isfile(path) else shutil.which(path)
        if not found:
            src = "binary argument" if binary else "DOJO_BIN"
            raise FileNotFoundError("dojo binary %r (from the %s) does not exist: %s" % (path, src, _HOW))
        if not os.access(found, os.X_OK):
            raise FileNotFoundError("dojo binary %r is not executable: %s" % (found, _HOW))
        return found
    on_path = shutil.which("dojo")
    if on_path:
        return on_path
    if _built is not None and os.path.isfile(_built):
        return _built
    tried = "DOJO_BIN is not set, there is no dojo on PATH"
    if os.environ.get("DOJO_BUILD", "1") != "0":
        for start in (os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
            root = _checkout(start)
            if root is not None:
                _built = build_binary(root)
                return _built
        tried += ", and neither the current directory nor %s is inside a dojo checkout to build it from" % (
            os.path.dirname(os.path.abspath(__file__)))
    else:
        tried += ", and DOJO_BUILD=0 turns off building it from a checkout"
    raise FileNotFoundError("dojo binary not found: %s: %s" % (tried, _HOW))


def _dumps(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


# The wire form of the small integer actions, for VectorEnv.step's hot
# path.
_INT_BYTES = {i: str(i).encode() for i in range(-16, 1024)}
_INT_ONLY = {int}


def _encode_action(a: Any) -> str:
    """The wire form of an action: an integer, a string, or an object
    {"text", "tool_calls"}."""
    if isinstance(a, bool):
        raise TypeError("action %r: a bool is not an action (want an int, a str or a dict)" % (a,))
    if isinstance(a, int):
        return str(a)
    if isinstance(a, str):
        return json.dumps(a)
    if isinstance(a, dict):
        return _dumps(a)
    if hasattr(a, "__index__"):  # numpy integers
        return str(a.__index__())
    raise TypeError("action %r: want an int (discrete), a str (text) or a dict {'text', 'tool_calls'}" % (a,))


class BaseClient:
    """What every client of a dojo server has: JSON-RPC calls (call,
    call_many, call_json, send_raw), the env list, envs (make), tasks
    (generate, verify, reward_fn), and close. Client talks to a ``dojo
    serve`` subprocess over its stdin and stdout; NetClient (connect) to a
    network server over a WebSocket. Env, VectorEnv and the reward helpers
    use only this surface, so they work over either.

    A client is safe to share between threads: calls are serialized. Use it
    as a context manager, or call close(). ``trace``, a list, receives every
    message the server sends (bytes, each ending in a newline), for
    debugging and for checking that runs are byte-identical."""

    server_info: Optional[Dict[str, Any]] = None
    capabilities: Optional[Dict[str, Any]] = None

    def __init__(self, trace: Optional[List[bytes]] = None) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._stash: Dict[Any, Dict[str, Any]] = {}  # responses read while waiting for another id
        self._closed = False
        self._trace = trace
        self._methods: Dict[str, bytes] = {}  # method name -> its JSON string, as bytes

    # ---- transport, provided by subclasses

    def _send_msgs(self, msgs: Sequence[bytes]) -> None:
        """Sends messages (bytes, one JSON-RPC request each, no newline)."""
        raise NotImplementedError

    def _recv_msg(self) -> bytes:
        """Returns the next message from the server (bytes), or raises
        ServerExited when the session is over."""
        raise NotImplementedError

    def close(self) -> None:
        """Ends the session."""
        raise NotImplementedError

    # ---- JSON-RPC

    @property
    def closed(self) -> bool:
        """Whether close() was called (or the session was lost)."""
        return self._closed

    def _initialize(self) -> None:
        r = self.call("initialize", {
            "protocolVersion": PROTOCOL_VERSION,
            "clientInfo": {"name": "dojo_client.py", "version": PROTOCOL_VERSION},
        })
        self.server_info = r.get("serverInfo")
        self.capabilities = r.get("capabilities")

    def _read(self, rid: int) -> Dict[str, Any]:
        """Reads messages until the response with id rid, stashing others."""
        msg = self._stash.pop(rid, None)
        while msg is None:
            line = self._recv_msg()
            if self._trace is not None:
                self._trace.append(line if line.endswith(b"\n") else line + b"\n")
            m = json.loads(line)
            got = m.get("id") if isinstance(m, dict) else None
            if got == rid:
                msg = m
            elif got is not None:
                self._stash[got] = m
            elif isinstance(m, dict) and "error" in m:  # an error about no request of ours (id null)
                e = m["error"]
                raise DojoError(e.get("code"), e.get("message", ""), e.get("data"))
        return msg

    @staticmethod
    def _result(msg: Dict[str, Any]) -> Any:
        e = msg.get("error")
        if e is not None:
            raise DojoError(e.get("code"), e.get("message", ""), e.get("data"))
        return msg.get("result")

    def _request(self, method: str, params_json: bytes) -> Tuple[int, bytes]:
        """A request's bytes, with a fresh id; returns (id, bytes). Hold
        the lock."""
        m = self._methods.get(method)
        if m is None:
            m = self._methods[method] = json.dumps(method).encode()
        self._next += 1
        rid = self._next
        return rid, b'{"jsonrpc":"2.0","id":%d,"method":%s,"params":%s}' % (rid, m, params_json)

    def call(self, method: str, params: Any = None) -> Any:
        """Calls a method and returns its result; an error response raises
        DojoError."""
        return self.call_json(method, _dumps(params if params is not None else {}).encode())

    def call_json(self, method: str, params_json: bytes) -> Any:
        """Calls a method with its params already encoded as JSON (bytes),
        and returns its result: the hot path of Env.step and VectorEnv.step,
        which encode their requests once and fill in the action."""
        with self._lock:
            rid, req = self._request(method, params_json)
            self._send_msgs((req,))
            return self._result(self._read(rid))

    def call_many(self, calls: Iterable[Tuple[str, Any]], return_errors: bool = False) -> List[Any]:
        """Sends every (method, params) request at once, then reads their
        responses: the server works on them concurrently. Returns the results
        in order. An error raises the first DojoError after all responses
        are read, unless return_errors, which puts the DojoError in its
        place."""
        with self._lock:
            ids, reqs = [], []
            for method, params in calls:
                rid, req = self._request(method, _dumps(params if params is not None else {}).encode())
                ids.append(rid)
                reqs.append(req)
            if reqs:
                self._send_msgs(reqs)
            msgs = [self._read(rid) for rid in ids]
        out, first = [], None
        for m in msgs:
            try:
                out.append(self._result(m))
            except DojoError as e:
                if not return_errors and first is None:
                    first = e
                out.append(e)
        if first is not None:
            raise first
        return out

    def send_raw(self, line: Union[bytes, str]) -> Any:
        """Sends one raw message (bytes or str) and returns the next message
        read, as a dict. For testing the server's handling of bad input;
        other calls must not be in flight."""
        if isinstance(line, str):
            line = line.encode()
        with self._lock:
            self._send_msgs((line.rstrip(b"\n"),))
            line = self._recv_msg()
            if self._trace is not None:
                self._trace.append(line if line.endswith(b"\n") else line + b"\n")
            return json.loads(line)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- methods

    def list_envs(self, family: Optional[str] = None) -> List[Dict[str, Any]]:
        """Returns the specs of the registered envs (of one family if given)."""
        params = {"family": family} if family else {}
        envs: List[Dict[str, Any]] = self.call("env/list", params)["envs"]
        return envs

    def make(self, id: str, options: Optional[Mapping[str, Any]] = None, obs: str = "auto",
             autoreset: bool = False) -> Env:
        """Makes an env; see Env."""
        return Env(id, options, client=self, obs=obs, autoreset=autoreset)

    def generate(self, id: str, n: int = 1, seed: int = 0, options: Optional[Mapping[str, Any]] = None,
                 verify: bool = False) -> List[Dict[str, Any]]:
        """Returns n tasks of a task-based env for seeds seed..seed+n-1,
        without their gold (the "verify" block) unless verify is true."""
        params = {"id": id, "seed": seed, "count": n}
        if options:
            params["options"] = options
        if verify:
            params["verify"] = True
        tasks: List[Dict[str, Any]] = self.call("task/generate", params)["tasks"]
        return tasks

    def verify(self, task: Union[str, Mapping[str, Any]], response: Any) -> Dict[str, Any]:
        """Scores a response (the model's final text, or a dict {"text",
        "messages"}, or a list of chat messages) to a task as generate
        returned it (with or without its verify block). Returns
        {"reward", "success", "parts", "error"?}."""
        score: Dict[str, Any] = self.call("task/verify", {"task": _task(task), "response": _response(response)})
        return score

    def verify_many(self, tasks: Sequence[Union[str, Mapping[str, Any]]], responses: Sequence[Any]) -> List[Dict[str, Any]]:
        """Scores many responses at once (the server verifies them in
        parallel); returns the scores in order."""
        if len(tasks) != len(responses):
            raise ValueError("%d tasks for %d responses" % (len(tasks), len(responses)))
        return self.call_many([("task/verify", {"task": _task(t), "response": _response(r)})
                               for t, r in zip(tasks, responses)])

    def reward_fn(self, completions: Sequence[Any], **kwargs: Any) -> List[float]:
        """A reward function with the signature of TRL's GRPO trainer:
        reward_fn(completions, **columns) -> [float].

        Each completion is a string or a list of chat messages (the
        conversational format). The task of completion i is kwargs["task"][i]
        when the dataset has a "task" column, else it is rebuilt from the
        columns of a ``dojo gen`` dataset: "env", "seed", "options" and "id"
        (the gold is never needed: the server regenerates it). Other keyword
        arguments are ignored."""
        n = len(completions)
        if "task" in kwargs:
            tasks = list(kwargs["task"])
        else:
            if "env" not in kwargs or "seed" not in kwargs:
                raise ValueError("reward_fn: no task columns: want a \"task\" column, or \"env\" and \"seed\" "
                                 "(and \"options\", \"id\") columns of a dojo gen dataset; got %s" % sorted(kwargs))
            tasks = []
            for i in range(n):
                t = {"env": kwargs["env"][i], "seed": int(kwargs["seed"][i])}
                opts = row_options(kwargs["options"][i]) if "options" in kwargs else None
                if opts:
                    t["options"] = opts
                if "id" in kwargs:
                    t["id"] = kwargs["id"][i]
                tasks.append(t)
        if len(tasks) != n:
            raise ValueError("reward_fn: %d tasks for %d completions" % (len(tasks), n))
        return [s["reward"] for s in self.verify_many(tasks, completions)]

    def compute_score(self, data_source: Optional[str], solution_str: Any, ground_truth: Any,
                      extra_info: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
        """A reward function with the signature of verl's compute_score:
        compute_score(data_source, solution_str, ground_truth, extra_info)
        -> {"score": reward, "success": 1.0 or 0.0}, as verl's reward
        managers take it (the "score" is the reward; the other keys are
        logged as metrics). See _score_task for what ground_truth may be.
        Other keyword arguments are ignored."""
        return self.compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info])[0]

    def compute_score_batch(self, data_sources: Sequence[Optional[str]], solution_strs: Sequence[Any],
                            ground_truths: Sequence[Any], extra_infos: Optional[Sequence[Any]] = None,
                            **kwargs: Any) -> List[Dict[str, Any]]:
        """compute_score for many responses at once, in the shape of verl's
        batch reward manager (lists, verified in parallel by the server)."""
        n = len(solution_strs)
        infos: Sequence[Any] = extra_infos if extra_infos is not None else [None] * n
        if not (len(data_sources) == len(ground_truths) == len(infos) == n):
            raise ValueError("compute_score_batch: %d data_sources, %d solution_strs, %d ground_truths, %d extra_infos: "
                             "want one of each per response" % (len(data_sources), n, len(ground_truths), len(infos)))
        tasks = [_score_task(d, g, e) for d, g, e in zip(data_sources, ground_truths, infos)]
        return [{"score": float(s["reward"]), "success": 1.0 if s["success"] else 0.0}
                for s in self.verify_many(tasks, solution_strs)]


class Client(BaseClient):
    """A ``dojo serve`` process and the JSON-RPC session with it, over its
    stdin and stdout (see BaseClient for the methods).

    ``binary`` is the dojo binary (default: find_binary()), ``args`` more
    arguments for ``dojo serve``, ``stderr`` where its logs go (default: this
    process's stderr; pass subprocess.DEVNULL to silence them). ``trace``,
    a list, receives every line the server sends (bytes).

    ``spin_us``: while waiting for a response the client first polls the
    pipe for up to this many microseconds before it sleeps until data comes.
    A lockstep step answers in a few tens of microseconds, so polling saves
    the operating system's wake-up latency (about half of a round trip on a
    small VM) at the cost of that much CPU per call; 0 always sleeps. On
    systems without non-blocking pipes (Windows) the client always sleeps.
    """

    def __init__(self, binary: Optional[str] = None, args: Sequence[str] = (), stderr: Any = None,
                 initialize: bool = True, trace: Optional[List[bytes]] = None, spin_us: float = 200) -> None:
        super().__init__(trace=trace)
        path = find_binary(binary)
        self.binary = path
        try:
            self._proc = subprocess.Popen(
                [path, "serve", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        except OSError as e:
            raise FileNotFoundError("cannot start %s serve: %s" % (path, e)) from e
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._w: IO[bytes] = self._proc.stdin
        self._r: IO[bytes] = self._proc.stdout
        self._rbuf = bytearray()  # bytes read past the last line returned
        self._spin = max(0.0, spin_us / 1e6)
        self._fd: Optional[int] = None
        if os.name == "posix":
            try:
                self._fd = self._r.fileno()
                os.set_blocking(self._fd, False)
            except (OSError, AttributeError, ValueError):
                self._fd = None
        if initialize:
            self._initialize()

    # ---- transport

    def _send_msgs(self, msgs: Sequence[bytes]) -> None:
        try:
            if len(msgs) == 1:
                self._w.write(msgs[0] + b"\n")
            else:
                self._w.write(b"\n".join(msgs) + b"\n")
            self._w.flush()
        except (BrokenPipeError, ValueError, OSError) as e:
            raise self._exited("writing a request: %s" % e) from None

    def _recv_msg(self) -> bytes:
        line = self._readline()
        if not line:
            raise self._exited("waiting for a response")
        return line

    def _exited(self, what: str) -> ServerExited:
        code = self._proc.poll()
        if code is None:
            try:
                code = self._proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                code = None
        status = "is still running but closed its output" if code is None else "exited with status %s" % code
        return ServerExited("dojo serve %s (%s); its log is on stderr" % (status, what))

    def _readline(self) -> bytes:
        """Returns the next line from the server (b"" at its end)."""
        if self._fd is None:
            return self._r.readline()
        buf = self._rbuf
        while True:
            i = buf.find(b"\n")
            if i >= 0:
                line = bytes(buf[:i + 1])
                del buf[:i + 1]
                return line
            chunk = self._read_chunk()
            if not chunk:
                line = bytes(buf)
                buf.clear()
                return line
            buf += chunk

    def _read_chunk(self) -> bytes:
        """Reads what the server has written, polling for up to spin_us,
        then sleeping in select until data or the end comes."""
        fd = self._fd
        assert fd is not None
        end = time.perf_counter() + self._spin
        while True:
            try:
                return os.read(fd, 1 << 20)
            except BlockingIOError:
                pass
            if time.perf_counter() >= end:
                select.select([fd], [], [])

    def close(self, timeout: float = 5) -> None:
        """Ends the session: closes the server's input (it closes every env
        and exits), waits for it, and kills it after timeout seconds."""
        if self._closed:
            return
        self._closed = True
        try:
            self._w.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._r.close()

    def __del__(self) -> None:
        try:
            self.close(timeout=1)
        except Exception:
            pass


def _task(t: Union[str, Mapping[str, Any]]) -> Any:
    if isinstance(t, str):
        t = json.loads(t)
    return t


def _score_task(data_source: Optional[str], ground_truth: Any, extra_info: Any) -> Dict[str, Any]:
    """The task a verl-style row names. ground_truth is a task as dojo gen
    writes it (a dict, or its JSON text: {"env", "seed", "options"?, "id"?,
    "verify"?}) or a seed; data_source is the env id when ground_truth has
    none; extra_info (a dict) may carry "seed", "options" and "id" that
    ground_truth leaves out. The gold is never needed: the server rebuilds
    it from env, options and seed."""
    t: Any = ground_truth
    if isinstance(t, (bytes, bytearray)):
        t = t.decode()
    if isinstance(t, str):
        try:
            t = json.loads(t)
        except ValueError:
            raise ValueError("compute_score: ground_truth %r is not a dojo task: want the task dict dojo gen writes "
                             "(or its JSON text, or a seed)" % (t[:80],)) from None
    if isinstance(t, bool) or not isinstance(t, (int, dict)):
        raise ValueError("compute_score: ground_truth of type %s is not a dojo task: want the task dict dojo gen "
                         "writes (or its JSON text, or a seed)" % type(t).__name__)
    task: Dict[str, Any] = {"seed": t} if isinstance(t, int) else dict(t)
    if isinstance(extra_info, Mapping):
        for k in ("seed", "options", "id"):
            if k not in task and extra_info.get(k) is not None:
                task[k] = extra_info[k]
    if not task.get("env"):
        if not data_source:
            raise ValueError("compute_score: no env: ground_truth has no \"env\" and data_source is empty")
        task["env"] = data_source
    if "seed" not in task:
        raise ValueError("compute_score: the task of %s has no \"seed\" (in ground_truth or extra_info)" % task["env"])
    if task.get("options") is not None:
        # A dojo gen row holds options as JSON text; datasets fill options
        # missing from a row with None.
        opts = row_options(task["options"])
        if opts:
            task["options"] = opts
        else:
            task.pop("options")
    return task


def _response(r: Any) -> Any:
    if isinstance(r, str):
        return r
    if isinstance(r, list):  # chat messages, as TRL's conversational completions
        msgs = [m for m in r if isinstance(m, dict)]
        text = ""
        for m in reversed(msgs):
            if m.get("role", "assistant") == "assistant":
                text = m.get("content") or ""
                break
        return {"text": text, "messages": [{"role": m.get("role", "assistant"), "content": m.get("content") or "",
                                            **({"tool_calls": m["tool_calls"]} if m.get("tool_calls") else {})}
                                           for m in msgs]}
    if isinstance(r, dict):
        return r
    raise TypeError("response %r: want a str, a dict {'text', 'messages'} or a list of chat messages" % (r,))


class Space:
    """A space of a spec: ``kind`` ("discrete", "box", "text", "tool_calls",
    "dict", "none"), and for discrete spaces ``n`` and ``labels``; ``raw`` is
    the spec's dict. ``tools`` are the tools an agent may call ({"name",
    "description", "inputSchema"}): for an Env's action_space, after reset,
    those of the episode's task. sample() draws a random member where that
    makes sense."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.raw = raw
        self.kind = raw.get("kind")
        self.n = raw.get("n", 0)
        self.labels = raw.get("labels") or []
        self.shape = tuple(raw.get("shape") or ())
        self.tools = raw.get("tools") or []

    def sample(self, rng: Any = random) -> Any:
        if self.kind == "discrete":
            return rng.randrange(self.n)
        if self.kind == "text" and self.labels:
            return rng.choice(self.labels)
        if self.kind == "tool_calls":
            return {"text": ""}
        raise ValueError("cannot sample a %s space" % self.kind)

    def __repr__(self) -> str:
        if self.kind == "discrete":
            return "Discrete(%d)" % self.n
        return "Space(%s)" % self.kind


_OBS_FORMATS = ("auto", "value", "text", "messages", "dict")


def _obs_getter(fmt: str, spec: Mapping[str, Any]) -> Callable[[Any], Any]:
    if fmt not in _OBS_FORMATS:
        raise ValueError("obs=%r: want one of %s" % (fmt, ", ".join(_OBS_FORMATS)))
    if fmt == "auto":
        fmt = "value" if spec["observation"].get("kind", "none") != "none" else "dict"
    if fmt == "dict":
        return lambda o: o
    if fmt == "value":
        return lambda o: o.get("value") if o is not None else None
    if fmt == "text":
        return lambda o: o.get("text", "") if o is not None else None
    return lambda o: o.get("messages", []) if o is not None else None


class Env:
    """One dojo env, Gymnasium style.

    ``obs`` chooses what reset and step return as the observation: "value"
    (the structured value, such as FrozenLake's tile index), "text",
    "messages" (chat messages), "dict" (the whole observation {"text",
    "messages", "value", "tools"}), or "auto" (the default): "value" when the
    spec's observation space has one, else "dict". With ``autoreset`` the
    step after the end of an episode resets the env (Gymnasium's next-step
    autoreset).

    After reset, ``action_space.tools`` are the tools of the episode's task,
    in the order its prompt shows them: the first observation's "tools" (an
    env whose tools vary per task or with its options, such as toolcall,
    sends them), else the spec's. Offer these, not ``spec["action"]["tools"]``,
    to a model.

    The env lives in ``client`` (default: the shared default_client()).
    """

    def __init__(self, id: str, options: Optional[Mapping[str, Any]] = None, client: Optional[BaseClient] = None,
                 obs: str = "auto", autoreset: bool = False) -> None:
        self.client = client or default_client()
        params: Dict[str, Any] = {"id": id}
        if options:
            params["options"] = options
        if autoreset:
            params["autoreset"] = True
        r = self.client.call("env/make", params)
        self.id = id
        self.handle = r["env"]
        self.spec = r["spec"]
        self.action_space = Space(self.spec["action"])
        self.observation_space = Space(self.spec["observation"])
        self._get = _obs_getter(obs, self.spec)
        self._closed = False
        self._step_head = b'{"env":' + json.dumps(self.handle).encode() + b',"action":'

    def reset(self, seed: Optional[int] = None, options: Optional[Mapping[str, Any]] = None) -> Tuple[Any, Dict[str, Any]]:
        """Starts an episode; returns (observation, info). Without a seed the
        server uses the seed after the last reset's (0 at first)."""
        if options:
            raise ValueError("reset(options=...): dojo options are set when the env is made")
        params = {"env": self.handle}
        if seed is not None:
            params["seed"] = int(seed)
        r = self.client.call("env/reset", params)
        obs = r["observation"]
        self.action_space.tools = (obs or {}).get("tools") or self.spec["action"].get("tools") or []
        return self._get(obs), r["info"]

    def step(self, action: Any) -> Tuple[Any, float, bool, bool, Dict[str, Any]]:
        """Applies an action; returns (observation, reward, terminated,
        truncated, info)."""
        r = self.client.call_json("env/step", self._step_head + _encode_action(action).encode() + b"}")
        return self._get(r["observation"]), r["reward"], r["terminated"], r["truncated"], r["info"]

    def render(self, format: str = "text") -> Union[str, bytes]:
        """The current state as text (format "text": str), as a PNG image
        ("png": bytes) or as raw pixels ("rgb": bytes, see render_rgb)."""
        r = self.client.call("env/render", {"env": self.handle, "format": format})
        if r["mimeType"] != "text/plain; charset=utf-8":
            return base64.b64decode(r["data"])
        text: str = r["data"]
        return text

    def render_rgb(self) -> Tuple[int, int, bytes]:
        """The current state's frame as (height, width, pixels): height rows
        of width 8-bit R, G, B triples, the layout of a (height, width, 3)
        uint8 array."""
        r = self.client.call("env/render", {"env": self.handle, "format": "rgb"})
        h, w = int(r["height"]), int(r["width"])
        pix = base64.b64decode(r["data"])
        if len(pix) != h * w * 3:
            raise DojoError(None, "env/render rgb: %d bytes for %dx%d pixels" % (len(pix), w, h), {"kind": "internal"})
        return h, w, pix

    def close(self) -> None:
        """Closes the env (the client stays open)."""
        if self._closed:
            return
        self._closed = True
        if not self.client.closed:
            self.client.call("env/close", {"env": self.handle})

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<dojo Env %s %s>" % (self.id, self.handle)


class VectorEnv:
    """num_envs envs of one id stepped together through env/stepMany
    (compact form), with Gymnasium's next-step autoreset: the step after an
    episode ended ignores that env's action and returns its reset
    observation, reward 0 and both flags false.

    reset(seed) seeds env i with seed+i; without a seed, the first reset uses
    0 and each later one continues after the last seeds used. Results are
    lists in env order. ``info=True`` asks for every env's info on each step
    (slower); otherwise step returns an empty dict as infos. ``obs`` is as
    for Env.

    Note: an autoreset draws its seed from the env's last one by the
    server's SplitMix64 mix (next_seed), so envs seeded seed+i never replay
    each other's episodes.
    """

    def __init__(self, id: str, num_envs: int, options: Optional[Mapping[str, Any]] = None,
                 client: Optional[BaseClient] = None, obs: str = "auto", info: bool = False) -> None:
        if num_envs < 1:
            raise ValueError("num_envs %d: want at least 1" % num_envs)
        self.client = client or default_client()
        self.id = id
        self.num_envs = num_envs
        params = {"id": id, "autoreset": True}
        if options:
            params["options"] = options
        results = self.client.call_many([("env/make", params)] * num_envs, return_errors=True)
        made = [r["env"] for r in results if not isinstance(r, DojoError)]
        errs = [r for r in results if isinstance(r, DojoError)]
        if errs:
            self.client.call_many([("env/close", {"env": h}) for h in made], return_errors=True)
            raise errs[0]
        self.handles = made
        self.spec = results[0]["spec"]
        self.single_action_space = Space(self.spec["action"])
        self.single_observation_space = Space(self.spec["observation"])
        self._get = _obs_getter(obs, self.spec)
        # With value observations the server sends bare values ("values":
        # true): the leanest response to parse.
        self._values = obs == "value" or (obs == "auto" and self.single_observation_space.kind != "none")
        self._raw = self._values or obs == "dict" or (obs == "auto" and self.single_observation_space.kind == "none")
        self._info = info
        self._next_seed = 0
        self._closed = False
        self._step_head = (b'{"envs":' + _dumps(self.handles).encode()
                           + b',"compact":true' + (b',"info":true' if info else b"")
                           + (b',"values":true' if self._values else b"") + b',"actions":[')

    def reset(self, seed: Optional[int] = None) -> Tuple[List[Any], List[Dict[str, Any]]]:
        """Resets every env (env i with seed+i); returns (observations,
        infos)."""
        base = self._next_seed if seed is None else int(seed)
        self._next_seed = base + self.num_envs
        rs = self.client.call_many([("env/reset", {"env": h, "seed": base + i}) for i, h in enumerate(self.handles)])
        return [self._get(r["observation"]) for r in rs], [r["info"] for r in rs]

    def step(self, actions: Sequence[Any]) -> Tuple[List[Any], List[float], List[bool], List[bool], Any]:
        """Steps every env with its action; returns (observations, rewards,
        terminated, truncated, infos) as lists (infos is {} unless the
        VectorEnv was made with info=True)."""
        if len(actions) != self.num_envs:
            raise ValueError("%d actions for %d envs" % (len(actions), self.num_envs))
        acts = None
        if set(map(type, actions)) == _INT_ONLY:  # plain ints (not bools)
            try:
                acts = b",".join(map(_INT_BYTES.__getitem__, actions))
            except KeyError:
                acts = ",".join(map(str, actions)).encode()
        if acts is None:
            acts = ",".join(_encode_action(a) for a in actions).encode()
        r = self.client.call_json("env/stepMany", self._step_head + acts + b"]}")
        errs = r["errors"]
        if errs.count(None) != len(errs):
            for i, e in enumerate(errs):
                if e is not None:
                    data = dict(e.get("data") or {}, index=i)
                    raise DojoError(e.get("code"), "env %d (%s): %s" % (i, self.handles[i], e.get("message", "")), data)
        obs = r["observations"]
        if not self._raw:
            obs = list(map(self._get, obs))
        return obs, r["rewards"], r["terminated"], r["truncated"], r.get("infos", {}) if self._info else {}

    def close(self) -> None:
        """Closes the envs (the client stays open)."""
        if self._closed:
            return
        self._closed = True
        if not self.client.closed:
            self.client.call_many([("env/close", {"env": h}) for h in self.handles], return_errors=True)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---- the shared default client

_default: Optional[BaseClient] = None
_default_lock = threading.Lock()


def default_client() -> BaseClient:
    """The client shared by make, generate, verify and reward_fn when none
    is given, opened on first use and closed at exit: a session with the
    network server at $DOJO_URL when it is set (see connect; the token from
    $DOJO_TOKEN), else a ``dojo serve`` subprocess."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            url = os.environ.get("DOJO_URL")
            _default = connect(url) if url else Client()
            atexit.register(_default.close)
        return _default


def make(id: str, options: Optional[Mapping[str, Any]] = None, client: Optional[BaseClient] = None,
         obs: str = "auto", autoreset: bool = False) -> Env:
    """Makes an env (see Env), in the default client unless one is given."""
    return Env(id, options, client=client, obs=obs, autoreset=autoreset)


def generate(id: str, n: int = 1, seed: int = 0, options: Optional[Mapping[str, Any]] = None,
             verify: bool = False) -> List[Dict[str, Any]]:
    """Client.generate on the default client."""
    return default_client().generate(id, n=n, seed=seed, options=options, verify=verify)


def verify(task: Union[str, Mapping[str, Any]], response: Any) -> Dict[str, Any]:
    """Client.verify on the default client."""
    return default_client().verify(task, response)


def row_options(value: Any) -> Optional[Dict[str, Any]]:
    """The env options of a data set row: dojo gen writes them as JSON text
    (a string column, so that every row has one schema); older files and
    datasets hold an object, whose missing keys datasets fill with None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError("options %r: want a JSON object of env options" % (value,))
    return {k: v for k, v in value.items() if v is not None}


def reward_fn(completions: Sequence[Any], **kwargs: Any) -> List[float]:
    """Client.reward_fn on the default client: pass it to a trainer as a
    reward function (TRL: GRPOTrainer(reward_funcs=[dojo_client.reward_fn]))."""
    return default_client().reward_fn(completions, **kwargs)


def compute_score(data_source: Optional[str], solution_str: Any, ground_truth: Any,
                  extra_info: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
    """Client.compute_score on the default client: verl's reward function
    signature (custom_reward_function.name=compute_score; point
    custom_reward_function.path at dojo_client/verl.py)."""
    return default_client().compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)


def compute_score_batch(data_sources: Sequence[Optional[str]], solution_strs: Sequence[Any],
                        ground_truths: Sequence[Any], extra_infos: Optional[Sequence[Any]] = None,
                        **kwargs: Any) -> List[Dict[str, Any]]:
    """Client.compute_score_batch on the default client."""
    return default_client().compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs)


# ---- the agent side: dojo run --agent exec:CMD


def _error(kind: str, message: str) -> Dict[str, Any]:
    """A JSON-RPC error object of the protocol's kind (see CODES)."""
    return {"code": CODES[kind], "message": message, "data": {"kind": kind}}


def serve_agent(act: Callable[[Any, Any, Dict[str, Any]], Any],
                start: Optional[Callable[[Dict[str, Any]], None]] = None,
                end: Optional[Callable[[Dict[str, Any], Dict[str, Any]], None]] = None,
                stdin: Optional[IO[bytes]] = None, stdout: Optional[IO[bytes]] = None) -> None:
    """Serves the agent side of the protocol on stdin and stdout until dojo
    closes stdin: dojo run --agent exec:"python3 my_agent.py".

    act(observation, info, episode) returns the action for an agent/act
    request, where episode is a dict {"episode", "spec", "seed", "tools",
    "step", "reward"} kept for the episode (an agent may store its state in
    it); "tools" are the tools of the episode's task, in the order its prompt
    shows them (episode/start's tools, else the spec's): the tools to offer a
    model.
    start(episode) is called on episode/start and end(episode, result) on
    episode/end with {"return", "success", "length", "error"?}. An exception
    in act is answered as an internal error (the episode fails). Log with
    print(..., file=sys.stderr): stdout carries the protocol only.
    """
    rin = stdin or sys.stdin.buffer
    wout = stdout or sys.stdout.buffer
    episodes: Dict[Any, Dict[str, Any]] = {}

    def reply(rid: Any, result: Any = None, error: Optional[Dict[str, Any]] = None) -> None:
        msg = {"jsonrpc": "2.0", "id": rid}
        if error is not None:
            msg["error"] = error
        else:
            msg["result"] = result
        wout.write((_dumps(msg) + "\n").encode())
        wout.flush()

    for line in rin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            reply(None, error=_error("parse_error", "not JSON: %r" % line[:80]))
            continue
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            reply(req.get("id") if isinstance(req, dict) else None,
                  error=_error("invalid_request", "not a JSON-RPC request: want an object with a \"method\""))
            continue
        method, rid, p = req.get("method"), req.get("id"), req.get("params") or {}
        try:
            if method == "initialize":
                result = {"protocolVersion": PROTOCOL_VERSION, "agentInfo": {"name": "dojo_client.py"}}
            elif method == "episode/start":
                tools = p.get("tools")
                if tools is None:  # a dojo older than episode/start's tools
                    tools = ((p.get("spec") or {}).get("action") or {}).get("tools") or []
                ep = {"episode": p.get("episode"), "spec": p.get("spec"), "seed": p.get("seed"), "tools": tools,
                      "step": 0, "reward": 0}
                episodes[p.get("episode")] = ep
                if start:
                    start(ep)
                result = {}
            elif method == "agent/act":
                ep = episodes.setdefault(p.get("episode"), {"episode": p.get("episode"), "spec": None, "seed": None})
                ep["step"], ep["reward"] = p.get("step", 0), p.get("reward", 0)
                result = {"action": act(p.get("observation"), p.get("info"), ep)}
            elif method == "episode/end":
                ended = episodes.pop(p.get("episode"), None)
                if end and ended is not None:
                    end(ended, p)
                result = None
            else:
                if rid is not None:
                    reply(rid, error=_error("method_not_found", "unknown method %r" % method))
                continue
        except Exception as e:  # the agent's bug: fail this request, keep serving
            print("agent: %s failed: %r" % (method, e), file=sys.stderr)
            if rid is not None:
                reply(rid, error=_error("internal", "%s: %s" % (method, e)))
            continue
        if rid is not None:
            reply(rid, result)


from .net import CapacityReached, ConnectError, ConnectionClosed, NetClient, connect  # noqa: E402
