"""One ``dojo serve --listen`` per Ray node, for trainers that run on Ray
(verl, SkyRL, NeMo-RL): start_servers places a small actor on every alive
node (node affinity, no CPU reserved), each actor starts a dojo server
there, and the driver gets the servers' WebSocket addresses to hand to its
rollout workers::

    import ray
    from dojo_client.ray import start_servers

    ray.init()
    group = start_servers(token="T")          # one server per node
    print(group.urls)                         # ["ws://10.0.0.5:41234", ...]
    client = dojo_client.connect(group.urls[0], token="T")
    ...
    group.stop()

Each actor finds the binary on its own node (DOJO_BIN, PATH, a checkout:
see dojo_client.find_binary). The token reaches the server through its
environment (DOJO_TOKEN), never its command line.

This module imports without Ray; start_servers imports it when called (or
takes a module with Ray's API as ``ray_module``). It is tested against a
stand-in for Ray's actor API, not on a real Ray cluster.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import threading
import time
from types import ModuleType
from typing import IO, Any, Dict, List, Optional, Sequence

from . import find_binary

__all__ = ["DojoServer", "ServerGroup", "start_servers"]

_WILDCARD = ("", "0.0.0.0", "::", "[::]")


class DojoServer:
    """A ``dojo serve --listen HOST:PORT`` process: the body of the Ray
    actor start_servers places on each node (it is a plain class, usable
    without Ray). ``advertise_host`` is the host the address names when the
    server listens on a wildcard address (the node's IP)."""

    def __init__(self, binary: Optional[str] = None, host: str = "0.0.0.0", port: int = 0,
                 token: Optional[str] = None, args: Sequence[str] = (), advertise_host: Optional[str] = None,
                 start_timeout: float = 60) -> None:
        path = find_binary(binary)
        env = dict(os.environ)
        if token:
            env["DOJO_TOKEN"] = token
        listen = "[%s]:%d" % (host, port) if ":" in host and not host.startswith("[") else "%s:%d" % (host, port)
        self._proc = subprocess.Popen([path, "serve", "--listen", listen, *args], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        assert self._proc.stderr is not None
        err: IO[bytes] = self._proc.stderr
        self._log: List[bytes] = []
        addr = self._wait_listening(err, start_timeout)
        self._drain = threading.Thread(target=self._read_log, args=(err,), daemon=True)
        self._drain.start()
        h, _, p = addr.rpartition(":")
        if h in _WILDCARD:
            h = advertise_host or _node_ip()
        self.url = "ws://%s:%s" % (h, p)

    def _wait_listening(self, err: IO[bytes], timeout: float) -> str:
        result: List[str] = []

        def read() -> None:
            for line in err:
                self._log.append(line)
                m = re.search(rb"listening on (\S+)", line)
                if m:
                    result.append(m.group(1).decode())
                    return

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout)
        if not result:
            code: Optional[int] = None
            if not t.is_alive():  # its stderr ended: the server is exiting
                try:
                    code = self._proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            log = b"".join(self._log).decode(errors="replace").strip()
            if code is None:
                self.stop()
                raise RuntimeError("dojo serve --listen did not say where it listens within %gs: %s" % (timeout, log))
            raise RuntimeError("dojo serve --listen exited with status %d before listening: %s" % (code, log))
        return result[0]

    def _read_log(self, err: IO[bytes]) -> None:
        for line in err:
            self._log.append(line)
            del self._log[:-200]  # the last lines are enough

    def address(self) -> str:
        """The server's WebSocket URL, ws://HOST:PORT."""
        return self.url

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self._proc.poll() is None

    def log(self) -> str:
        """The last lines the server wrote to stderr."""
        return b"".join(self._log).decode(errors="replace")

    def stop(self, timeout: float = 15) -> Optional[int]:
        """Ends the server (SIGTERM, then SIGKILL after timeout seconds);
        returns its exit status."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        drain = getattr(self, "_drain", None)
        if drain is not None:
            drain.join(5)
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        return self._proc.returncode


def _node_ip() -> str:
    """This node's IP as Ray sees it, else the one that routes outwards."""
    try:
        ray = importlib.import_module("ray")
        ip: str = ray.util.get_node_ip_address()
        return ip
    except Exception:
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent
            ip = s.getsockname()[0]
            return ip
        except OSError:
            return "127.0.0.1"
        finally:
            s.close()


class ServerGroup:
    """The servers start_servers started: ``urls`` (one per actor, in node
    order), ``node_ids`` (the Ray node of each) and ``actors`` (their
    handles). stop() ends the servers and their actors."""

    def __init__(self, ray: Any, actors: List[Any], urls: List[str], node_ids: List[str]) -> None:
        self._ray = ray
        self.actors = actors
        self.urls = urls
        self.node_ids = node_ids

    def stop(self, timeout: float = 60) -> None:
        """Stops every server, then kills its actor."""
        if not self.actors:
            return
        try:
            self._ray.get([a.stop.remote() for a in self.actors], timeout=timeout)
        finally:
            for a in self.actors:
                self._ray.kill(a)
            self.actors = []

    def __enter__(self) -> ServerGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_servers(per_node: int = 1, host: str = "0.0.0.0", port: int = 0, token: Optional[str] = None,
                  binary: Optional[str] = None, args: Sequence[str] = (), num_cpus: float = 0,
                  timeout: float = 120, ray_module: Optional[ModuleType] = None) -> ServerGroup:
    """Starts per_node ``dojo serve --listen`` servers on every alive Ray
    node, each in an actor pinned to its node (NodeAffinitySchedulingStrategy,
    soft=False) reserving num_cpus CPUs, and returns them as a ServerGroup
    once all listen. ``port`` 0 picks a free port per server; a fixed port
    p gives the k-th server of a node p+k. ``args`` are more flags for
    ``dojo serve`` (such as --max-sessions). Raises ImportError without Ray,
    RuntimeError when Ray has no alive node."""
    if per_node < 1:
        raise ValueError("per_node=%d: want at least 1" % per_node)
    if ray_module is not None:
        ray: Any = ray_module
    else:
        try:
            ray = importlib.import_module("ray")
        except ImportError as e:
            raise ImportError("dojo_client.ray.start_servers needs Ray (pip install ray): %s" % e) from e
    nodes: List[Dict[str, Any]] = [n for n in ray.nodes() if n.get("Alive")]
    if not nodes:
        raise RuntimeError("Ray reports no alive node: call ray.init() (or connect to the cluster) first")
    affinity = ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy
    actor_cls = ray.remote(num_cpus=num_cpus)(DojoServer)
    actors, node_ids = [], []
    for n in nodes:
        for k in range(per_node):
            strategy = affinity(node_id=n["NodeID"], soft=False)
            actors.append(actor_cls.options(scheduling_strategy=strategy).remote(
                binary=binary, host=host, port=port + k if port else 0, token=token, args=tuple(args),
                advertise_host=n.get("NodeManagerAddress")))
            node_ids.append(n["NodeID"])
    group = ServerGroup(ray, actors, [], node_ids)
    try:
        deadline = time.monotonic() + timeout
        group.urls = list(ray.get([a.address.remote() for a in actors], timeout=max(1.0, deadline - time.monotonic())))
    except BaseException:
        for a in actors:
            ray.kill(a)
        group.actors = []
        raise
    return group
