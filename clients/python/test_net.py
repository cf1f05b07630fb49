"""Tests of dojo_client's network client (connect, NetClient) against a real
``dojo serve --listen 127.0.0.1:0``, and of its WebSocket framing against a
scripted server.

    DOJO_BIN=/path/to/dojo python3 -m unittest -v test_net
"""

import base64
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dojo_client as dojo  # noqa: E402
import test_dojo_client as base  # noqa: E402

TOKEN = "s3cret-T0ken"


def setUpModule():
    base.setUpModule()


class DojoServer:
    """``dojo serve --listen 127.0.0.1:0`` with more flags; its address is
    parsed from the "listening on ADDR" line on stderr. Ends within
    seconds: stop() sends SIGTERM, then kills."""

    def __init__(self, *flags):
        self.proc = subprocess.Popen([base.BIN, "serve", "--listen", "127.0.0.1:0", *flags],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = []
        self._drain = None
        deadline = time.monotonic() + 60
        self.addr = None
        while self.addr is None:
            line = self.proc.stderr.readline()
            if not line:
                self.proc.wait(5)
                raise AssertionError("dojo serve --listen exited (%s) before listening: %s"
                                     % (self.proc.returncode, b"".join(self.log).decode()))
            self.log.append(line)
            m = re.search(rb"listening on (\S+)", line)
            if m:
                self.addr = m.group(1).decode()
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("dojo serve --listen did not say where it listens within 60s")
        self._drain = threading.Thread(target=self._read_log, daemon=True)
        self._drain.start()
        self.url = "ws://" + self.addr

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._drain is not None:
            self._drain.join(5)
        self.proc.stderr.close()
        return self.proc.returncode


class NetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DojoServer("--token", TOKEN)
        cls.client = dojo.connect(cls.server.url, token=TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.stop()

    def test_initialize(self):
        c = self.client
        self.assertIsInstance(c, dojo.NetClient)
        self.assertEqual(c.server_info["name"], "dojo")
        for m in ("env/make", "env/reset", "env/step", "env/stepMany", "task/generate", "task/verify"):
            self.assertIn(m, c.capabilities["methods"])

    def test_episodes_match_stdio(self):
        """Every env plays the same seeded episodes over the WebSocket as
        over stdio, response for response, byte for byte."""
        traces = []
        for connect in (lambda t: base.new_client(trace=t), lambda t: dojo.connect(self.server.url, token=TOKEN, trace=t)):
            trace = []
            with connect(trace) as c:
                for spec in base.usable_envs(c):
                    with self.subTest(spec["id"]):
                        base.ClientTest.play(self, c, spec["id"])
            traces.append(trace)
        stdio, net = traces
        self.assertGreater(len(net), 100)
        self.assertEqual(len(stdio), len(net))
        for i, (a, b) in enumerate(zip(stdio, net)):
            self.assertEqual(a, b, "response %d" % i)

    def test_env_loop(self):
        env_id = base.discrete_env_id(self.client)
        with self.client.make(env_id, obs="dict") as env:
            obs, info = env.reset(seed=4)
            self.assertIn("parts", info)
            for _ in range(env.spec["max_steps"]):
                obs, reward, term, trunc, info = env.step(env.action_space.sample(random.Random(1)))
                if term or trunc:
                    break
            else:
                self.fail("no end within max_steps")
            with self.assertRaises(dojo.DojoError) as cm:
                env.step(0)
            self.assertEqual(cm.exception.code, -32002)

    def test_vector_env_matches_stdio(self):
        env_id = base.discrete_env_id(self.client)
        runs = []
        with base.new_client() as stdio:
            for c in (stdio, self.client):
                rng, out = random.Random(3), []
                with dojo.VectorEnv(env_id, 16, client=c, info=True) as v:
                    out.append(v.reset(seed=50))
                    for _ in range(120):
                        out.append(v.step([v.single_action_space.sample(rng) for _ in range(16)]))
                runs.append(out)
        self.assertEqual(runs[0], runs[1])

    def test_generate_verify_matches_stdio(self):
        task_envs = [s["id"] for s in self.client.list_envs() if s["id"].startswith("toolcall/")]
        if not task_envs:
            self.skipTest("no toolcall env registered")
        env_id = task_envs[0]
        with base.new_client() as stdio:
            want = stdio.generate(env_id, n=4, seed=11)
            got = self.client.generate(env_id, n=4, seed=11)
            self.assertEqual(got, want)
            gold = self.client.generate(env_id, n=4, seed=11, verify=True)
            answers = [t["verify"].get("answer", "") for t in gold]
            self.assertEqual(self.client.verify_many(got, answers), stdio.verify_many(want, answers))
            self.assertEqual(self.client.reward_fn(answers, env=[env_id] * 4, seed=[11, 12, 13, 14]),
                             stdio.reward_fn(answers, env=[env_id] * 4, seed=[11, 12, 13, 14]))

    def test_threads_share_a_client(self):
        """Threads stepping their own envs over one NetClient get the
        responses a lone thread gets."""
        env_id = base.discrete_env_id(self.client)

        def play(seed, out):
            with self.client.make(env_id, autoreset=True) as env:
                out.append(env.reset(seed=seed))
                for i in range(300):
                    out.append(env.step((seed + i) % env.action_space.n))

        alone = []
        for seed in range(4):
            out = []
            play(seed, out)
            alone.append(out)
        together = [[] for _ in range(4)]
        threads = [threading.Thread(target=play, args=(seed, together[seed])) for seed in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(together, alone)

    def test_default_client_from_dojo_url(self):
        """With DOJO_URL set, make() and the other module functions use a
        session with that server (DOJO_BIN points nowhere)."""
        env_id = base.discrete_env_id(self.client)
        code = ("import dojo_client as d\n"
                "c = d.default_client()\n"
                "e = d.make(%r)\n"
                "print(type(c).__name__, e.reset(seed=0)[0] is not None)\n" % env_id)
        env = dict(os.environ, DOJO_URL=self.server.url, DOJO_TOKEN=TOKEN, DOJO_BIN="/nonexistent/dojo")
        p = subprocess.run([sys.executable, "-c", code], cwd=HERE, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split(), ["NetClient", "True"])

    def test_latency_example(self):
        p = subprocess.run([sys.executable, os.path.join(HERE, "examples", "net_latency.py"), "--steps", "300"],
                           env=dict(os.environ, DOJO_BIN=base.BIN), capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"WebSocket \(ws://127\.0\.0\.1:\d+\) +p50 +[\d.]+ us +p90 +[\d.]+ us +p99 +[\d.]+ us")
        self.assertRegex(p.stdout, r"stdio pipe .* p50 +[\d.]+ us")

    def test_garbage(self):
        c = dojo.connect(self.server.url, token=TOKEN)
        try:
            for line, code in (("this is not json", -32700), ("[1, 2, 3]", -32600),
                               ('{"jsonrpc":"2.0","id":77}', -32600), ('{"jsonrpc":"2.0","id":"x","method":"env/nope"}', -32601)):
                with self.subTest(line):
                    r = c.send_raw(line)
                    self.assertEqual(r["error"]["code"], code, r)
            self.assertTrue(c.list_envs(), "the session goes on after bad requests")
        finally:
            c.close()

    def test_token_forms(self):
        """The token as a Bearer header, from DOJO_TOKEN, and as the path
        prefix, with and without /rpc."""
        addr = self.server.addr
        old = os.environ.get("DOJO_TOKEN")
        os.environ["DOJO_TOKEN"] = TOKEN
        try:
            forms = [("header", lambda: dojo.connect("ws://" + addr, token=TOKEN)),
                     ("http scheme", lambda: dojo.connect("http://%s/rpc" % addr, token=TOKEN)),
                     ("DOJO_TOKEN", lambda: dojo.connect("ws://" + addr)),
                     ("prefix", lambda: dojo.connect("ws://%s/t/%s" % (addr, TOKEN), token=None)),
                     ("prefix with /rpc", lambda: dojo.connect("ws://%s/t/%s/rpc" % (addr, TOKEN)))]
            for name, open_ in forms:
                with self.subTest(name):
                    with open_() as c:
                        self.assertTrue(c.list_envs())
        finally:
            if old is None:
                del os.environ["DOJO_TOKEN"]
            else:
                os.environ["DOJO_TOKEN"] = old

    def test_wrong_token(self):
        addr = self.server.addr
        old = os.environ.pop("DOJO_TOKEN", None)
        try:
            cases = [("no token", "ws://" + addr, None, "no token was given"),
                     ("wrong header", "ws://" + addr, "not-the-token", "Authorization: Bearer header is not the server's"),
                     ("wrong prefix", "ws://%s/t/not-the-token/" % addr, None, "/t/TOKEN/ prefix is not the server's")]
            for name, url, token, want in cases:
                with self.subTest(name):
                    with self.assertRaises(dojo.ConnectError) as cm:
                        dojo.connect(url, token=token)
                    e = cm.exception
                    self.assertEqual((e.status, e.kind), (401, "unauthorized"), str(e))
                    self.assertIn("token", str(e))
                    self.assertIn(want, str(e))
                    self.assertNotIn("not-the-token", str(e), "an error message shows a token")
                    self.assertNotIn(TOKEN, str(e), "an error message shows a token")
        finally:
            if old is not None:
                os.environ["DOJO_TOKEN"] = old

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        with self.assertRaises(dojo.ConnectError) as cm:
            dojo.connect("ws://127.0.0.1:%d" % port, token=TOKEN)
        self.assertIn("connection refused", str(cm.exception))
        self.assertIsNone(cm.exception.status)

    def test_bad_urls(self):
        for url in ("ftp://127.0.0.1:1", "ws://", "ws://127.0.0.1:notaport"):
            with self.subTest(url):
                with self.assertRaises(ValueError):
                    dojo.connect(url)

    def test_not_found(self):
        c = dojo.connect(self.server.url, token=TOKEN)
        try:
            with self.assertRaises(dojo.DojoError) as cm:
                c.make("nosuch/Env-v0")
            self.assertEqual((cm.exception.code, cm.exception.kind), (-32001, "not_found"))
        finally:
            c.close()
        self.assertTrue(c.closed)
        with self.assertRaises(dojo.ConnectionClosed):
            c.list_envs()


class LimitsTest(unittest.TestCase):
    """The session limit, the message size limit and shutdown, each on a
    server of its own."""

    def test_capacity(self):
        srv = DojoServer("--max-sessions", "1")
        try:
            with dojo.connect(srv.url) as first:
                with self.assertRaises(dojo.CapacityReached) as cm:
                    dojo.connect(srv.url)
                self.assertIn("session limit", str(cm.exception))
                self.assertIn("CAPACITY_REACHED", str(cm.exception))
                self.assertEqual(cm.exception.code, -32007)
                self.assertTrue(first.list_envs(), "the first session goes on")
            # Its slot is free again once it closed.
            deadline = time.monotonic() + 10
            while True:
                try:
                    with dojo.connect(srv.url) as again:
                        self.assertTrue(again.list_envs())
                    break
                except dojo.CapacityReached:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            srv.stop()

    def test_oversized_message(self):
        srv = DojoServer("--max-message-bytes", "4096")
        try:
            c = dojo.connect(srv.url)
            self.assertTrue(c.list_envs())
            with self.assertRaises(dojo.ConnectionClosed) as cm:
                c.call("env/list", {"family": "x" * 10000})
            e = cm.exception
            self.assertEqual(e.close_code, 1009, str(e))
            self.assertIn("message too big", str(e))
            self.assertIn("--max-message-bytes", str(e))
            self.assertTrue(c.closed)
        finally:
            srv.stop()

    def test_idle_session_closed(self):
        srv = DojoServer("--idle-timeout", "300ms")
        try:
            c = dojo.connect(srv.url)
            self.assertTrue(c.list_envs())
            time.sleep(1.5)
            with self.assertRaises(dojo.ConnectionClosed) as cm:
                c.list_envs()
            self.assertEqual(cm.exception.close_code, 1000, str(cm.exception))
            self.assertIn("idle", str(cm.exception))
            with dojo.connect(srv.url) as again:
                self.assertTrue(again.list_envs(), "the server goes on")
        finally:
            srv.stop()

    def test_server_shutdown(self):
        srv = DojoServer()
        try:
            c = dojo.connect(srv.url)
            env = c.make(base.discrete_env_id(c), autoreset=True)
            env.reset(seed=0)
            srv.proc.send_signal(signal.SIGTERM)
            # Steps go on until the server has closed the session: it
            # finishes those in flight, then closes with 1001.
            deadline = time.monotonic() + 20
            with self.assertRaises(dojo.ConnectionClosed) as cm:
                while time.monotonic() < deadline:
                    env.step(0)
                    time.sleep(0.01)
            self.assertEqual(cm.exception.close_code, 1001, str(cm.exception))
            self.assertIn("shutting down", str(cm.exception))
            self.assertEqual(srv.proc.wait(15), 0)
            env.close()  # the session is gone: nothing to do
            c.close()
        finally:
            srv.stop()


class TLSProxy:
    """A TLS front for a server on 127.0.0.1, as a reverse proxy would be:
    one connection, relayed by one thread."""

    def __init__(self, target, certfile, keyfile):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.target = target
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        raw, _ = self.sock.accept()
        self.sock.close()
        try:
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        host, port = self.target.rsplit(":", 1)
        up = socket.create_connection((host, int(port)))
        try:
            while True:
                r, _, _ = select.select([tls, up], [], [], 30)
                if not r:
                    return
                if tls in r:
                    data = tls.recv(1 << 16)
                    while tls.pending():
                        data += tls.recv(tls.pending())
                    if not data:
                        return
                    up.sendall(data)
                if up in r:
                    data = up.recv(1 << 16)
                    if not data:
                        return
                    tls.sendall(data)
        except OSError:
            return
        finally:
            tls.close()
            up.close()


@unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make a test certificate")
class TLSTest(unittest.TestCase):
    """wss:// through a TLS front with a certificate for 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.cert, cls.key = os.path.join(cls.dir.name, "cert.pem"), os.path.join(cls.dir.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", cls.key, "-out", cls.cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True, timeout=60)
        cls.server = DojoServer("--token", TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dir.cleanup()

    def test_wss(self):
        proxy = TLSProxy(self.server.addr, self.cert, self.key)
        ctx = ssl.create_default_context(cafile=self.cert)
        with dojo.connect("wss://127.0.0.1:%d" % proxy.port, token=TOKEN, ssl_context=ctx) as c:
            env_id = base.discrete_env_id(c)
            with c.make(env_id) as env:
                env.reset(seed=2)
                _, _, term, trunc, info = env.step(0)
                self.assertIn("parts", info)
        proxy.thread.join(20)

    def test_untrusted_certificate(self):
        proxy = TLSProxy(self.server.addr, self.cert, self.key)
        with self.assertRaises(dojo.ConnectError) as cm:
            dojo.connect("wss://127.0.0.1:%d" % proxy.port, token=TOKEN)
        self.assertIn("TLS", str(cm.exception))
        self.assertIn("certificate", str(cm.exception))
        proxy.thread.join(20)


class ScriptedServer:
    """A WebSocket server on 127.0.0.1 for one connection, written from RFC
    6455: it checks the client's handshake and masking, and answers each
    JSON-RPC request with its params echoed, in fragments with a ping
    between them. It records the client's frames."""

    def __init__(self, accept_ok=True, fragments=3):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.accept_ok = accept_ok
        self.fragments = fragments
        self.frames = []  # (fin, opcode, masked, payload) from the client
        self.request = None
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def read_exact(self, conn, n):
        b = b""
        while len(b) < n:
            chunk = conn.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    def read_frame(self, conn):
        b0, b1 = self.read_exact(conn, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read_exact(conn, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read_exact(conn, 8))[0]
        masked = bool(b1 & 0x80)
        key = self.read_exact(conn, 4) if masked else b"\0\0\0\0"
        data = self.read_exact(conn, n)
        payload = bytes(x ^ key[i % 4] for i, x in enumerate(data))
        frame = (bool(b0 & 0x80), b0 & 0x0F, masked, payload)
        self.frames.append(frame)
        return frame

    @staticmethod
    def frame(opcode, payload, fin=True):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([n])
        else:
            head += bytes([126]) + struct.pack("!H", n)
        return head + payload

    def run(self):
        conn = None
        try:
            conn, _ = self.sock.accept()
            conn.settimeout(20)
            req = b""
            while b"\r\n\r\n" not in req:
                req += conn.recv(4096)
            self.request = req.decode("latin-1")
            key = re.search(r"(?im)^Sec-WebSocket-Key:\s*(\S+)", self.request).group(1)
            accept = base64.b64encode(hashlib.sha1(key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            if not self.accept_ok:
                accept = base64.b64encode(b"x" * 20)
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            while True:
                fin, op, masked, payload = self.read_frame(conn)
                if op == 0x8:
                    conn.sendall(self.frame(0x8, payload[:2]))
                    break
                if op != 0x1:
                    continue
                msg = json.loads(payload)
                body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"echo": msg.get("params")}}).encode()
                k = max(1, len(body) // self.fragments)
                pieces = [body[i:i + k] for i in range(0, len(body), k)]
                out = b""
                for i, p in enumerate(pieces):
                    out += self.frame(0x1 if i == 0 else 0x0, p, fin=i == len(pieces) - 1)
                    if i == 0:
                        out += self.frame(0x9, b"ping-%d" % msg["id"])
                conn.sendall(out)
                fin, op, masked, payload = self.read_frame(conn)  # the pong
                if (op, payload) != (0xA, b"ping-%d" % msg["id"]):
                    raise AssertionError("want a pong echoing the ping, got opcode %d %r" % (op, payload))
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            if conn is not None:
                conn.close()
            self.sock.close()


class FramingTest(unittest.TestCase):
    def test_fragments_ping_and_masking(self):
        srv = ScriptedServer()
        c = dojo.connect("ws://127.0.0.1:%d/some/prefix" % srv.port, token="tok", initialize=False)
        big = {"blob": "y" * 70000}  # a 64-bit length frame from the client
        self.assertEqual(c.call("echo", {"a": 1}), {"echo": {"a": 1}})
        self.assertEqual(c.call("echo", big), {"echo": big})
        c.close()
        srv.thread.join(20)
        self.assertIsNone(srv.error)
        self.assertRegex(srv.request, r"^GET /some/prefix/rpc HTTP/1.1\r\n")
        self.assertIn("Authorization: Bearer tok\r\n", srv.request)
        self.assertIn("Sec-WebSocket-Version: 13\r\n", srv.request)
        self.assertTrue(all(masked for _, _, masked, _ in srv.frames), "every client frame must be masked")
        ops = [op for _, op, _, _ in srv.frames]
        self.assertEqual(ops, [0x1, 0xA, 0x1, 0xA, 0x8])
        self.assertEqual(struct.unpack("!H", srv.frames[-1][3][:2])[0], 1000)

    def test_wrong_accept(self):
        srv = ScriptedServer(accept_ok=False)
        with self.assertRaises(dojo.ConnectError) as cm:
            dojo.connect("ws://127.0.0.1:%d" % srv.port, initialize=False)
        self.assertIn("Sec-WebSocket-Accept", str(cm.exception))
        srv.thread.join(20)

    def test_mask(self):
        from dojo_client.net import _mask
        rng = random.Random(5)
        for n in (0, 1, 3, 4, 5, 125, 126, 1000):
            data = bytes(rng.randrange(256) for _ in range(n))
            key = bytes(rng.randrange(256) for _ in range(4))
            self.assertEqual(_mask(data, key), bytes(b ^ key[i % 4] for i, b in enumerate(data)))
            self.assertEqual(len(_mask(b"\0" * n, key)), n, "leading zero bytes are kept")


if __name__ == "__main__":
    unittest.main()
