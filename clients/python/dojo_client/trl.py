"""dojo's tool envs as TRL environments: GRPOTrainer(environment_factory=...).

TRL's GRPOTrainer makes one instance of the environment class per rollout
(its __init__ takes no arguments), calls ``reset(**row)`` with the dataset
row, offers the model every public method but ``reset`` as a tool (the
tool's schema built from the method's signature and its Google-style
docstring, "Args:" naming each parameter), calls the tools the model asks
for with keyword arguments and feeds their return values (or the message of
an exception they raise) back to the model. The reward functions get the
instances as ``environments``.

environment_factory(env_id, ...) builds such a class for one of dojo's tool
envs (toolcall worlds, sql, websim): one method per tool of the env, named
as the tool, with the tool's description and parameters in its signature
and docstring. An instance is one episode: reset(seed=..., ...) starts it
from the row's seed and returns the task; each tool call steps the env with
that call and returns the tool's result text; the episode ends when the
model answers without a tool call, which TRL does not pass to the env, so
reward_func (or get_reward) sends the completion's final answer as the
env's last action and returns the episode's reward::

    from dojo_client import trl as dojo_trl

    DojoBank = dojo_trl.environment_factory("toolcall/Bank-v0", url="ws://gpu-box:8000", token="T")
    trainer = GRPOTrainer(model=..., train_dataset=dataset,       # rows with a "seed" column
                          environment_factory=DojoBank, reward_funcs=dojo_trl.reward_func)

Only the tools are public methods: TRL would offer any other public method
to the model as a tool, so the episode's state is in attributes (reward,
done, success, parts) and the reward is computed by the module's functions.
"""

import json
import keyword
import re
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Type

from . import BaseClient, DojoError, Env, _response, connect, default_client, row_options

__all__ = ["environment_factory", "reward_func", "get_reward", "DojoToolEnv"]

# list[...] built at run time (the builtin generic, which transformers reads).
_LIST: Any = list

_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "object": dict, "array": list}

# Words that start a section of a Google-style docstring: a description
# containing one would end the section it is in (transformers' parser looks
# for them anywhere, not only at the start of a line).
_SECTION = re.compile(r"\b(Args|Arguments|Returns|Raises|Yields|Examples?|Notes?):")


def _one_line(text: Any) -> str:
    """text on one line, without the words that would start a docstring
    section (transformers' parser cuts descriptions there)."""
    text = " ".join(str(text or "").split())
    text = re.sub(r"(?i)\(choices:", "(choices -", text)
    return _SECTION.sub(lambda m: m.group(1) + " -", text)


def _identifier(name: str, taken: Set[str]) -> str:
    """A Python identifier for a tool or parameter name."""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = "p_" + ident
    if keyword.iskeyword(ident) or ident in ("self",):
        ident += "_"
    while ident in taken:
        ident += "_"
    return ident


def _annotation(schema: Any) -> Any:
    """The Python type for a JSON Schema, one that transformers'
    get_json_schema maps back to it: str, int, float, bool, dict,
    list[...] (a bare list would read as an object), Any. An enum keeps its
    values' type; its values go in the description's "(choices: [...])",
    which every version of the parser reads (not all read Literal)."""
    if not isinstance(schema, dict):
        return Any
    t = schema.get("type")
    if isinstance(t, list):
        non_null = [x for x in t if x != "null"]
        t = non_null[0] if len(non_null) == 1 else None
    enum = schema.get("enum")
    if t is None and enum:
        kinds = {type(v) for v in enum}
        t = {str: "string", int: "integer", float: "number"}.get(kinds.pop()) if len(kinds) == 1 else None
    if t == "array":
        return _LIST[_annotation(schema.get("items"))]
    return _TYPES.get(t, Any) if isinstance(t, str) else Any


def _param_doc(name: str, schema: Any) -> str:
    """A parameter's description, with the constraints of its schema."""
    s = schema if isinstance(schema, dict) else {}
    desc = _one_line(s.get("description")) or "the %s" % name.replace("_", " ")
    notes = []
    if "pattern" in s:
        notes.append("matching %s" % s["pattern"])
    for k, word in (("minimum", "at least %s"), ("exclusiveMinimum", "more than %s"), ("maximum", "at most %s"),
                    ("exclusiveMaximum", "less than %s"), ("minLength", "at least %s characters"),
                    ("maxLength", "at most %s characters")):
        if k in s and not (k == "minLength" and s[k] == 0):
            note = word % s[k]
            notes.append(note[:-1] if note.endswith(" 1 characters") else note)
    if notes:
        desc += " (%s)" % ", ".join(notes)
    enum = s.get("enum")
    if isinstance(enum, list) and enum:
        # At the end of the line, where the parser reads it as the enum.
        desc += " (choices: %s)" % json.dumps(enum)
    return desc


def _tool_method(tool: Dict[str, Any], reserved: Set[str]) -> Callable[..., str]:
    """The method for one tool: its signature from the tool's input schema,
    its docstring from the tool's description and parameters."""
    name = tool["name"]
    meth_name = _identifier(name, reserved)
    if meth_name != name:
        raise ValueError("tool %r: its name is not a Python identifier, or is taken (%s): TRL calls tools by their "
                         "method's name" % (name, ", ".join(sorted(reserved))))
    schema = tool.get("inputSchema") or {}
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    # Required parameters first (Python wants them before the optional ones),
    # each in the schema's order.
    order = [p for p in props if p in required] + [p for p in props if p not in required]
    taken: Set[str] = set()
    params: List[str] = []
    ns: Dict[str, Any] = {}
    doc_args: List[str] = []
    wire: List[Tuple[str, str, bool]] = []
    for p in order:
        ident = _identifier(p, taken | {"self"})
        taken.add(ident)
        ns["T_" + ident] = _annotation(props[p])
        params.append("%s: T_%s%s" % (ident, ident, "" if p in required else " = None"))
        doc_args.append("        %s: %s" % (ident, _param_doc(p, props[p])))
        wire.append((p, ident, p in required))
    desc = _one_line(tool.get("description")) or "The %s tool." % name
    doc = desc + "\n\n"
    if doc_args:
        doc += "    Args:\n" + "\n".join(doc_args) + "\n\n"
    doc += "    Returns:\n        The tool's result.\n    "
    src = "def %s(self%s) -> str:\n    return self._call(%r, {%s}, %r)\n" % (
        meth_name, "".join(", " + x for x in params), name,
        ", ".join("%r: %s" % (p, ident) for p, ident, _ in wire),
        tuple(p for p, _, req in wire if not req))
    exec(src, ns)  # a real function, so that inspect and get_type_hints see a plain signature
    fn: Callable[..., str] = ns[meth_name]
    fn.__doc__ = doc
    fn.__qualname__ = meth_name
    return fn


class DojoToolEnv:
    """One episode of a dojo tool env, in the shape of TRL's
    environment_factory (environment_factory builds its subclasses, with one
    method per tool).

    Attributes, for reward functions: ``reward`` (the episode's return so
    far: the sum of its step rewards), ``done``, ``success``, ``parts`` (the
    last step's reward parts), ``steps``, ``seed``, ``task`` (the text
    reset returned) and ``tools`` (the episode's tools as the env shows
    them; the methods are the env's tools)."""

    # Set by environment_factory on the subclass.
    _env_id: str = ""
    _options: Optional[Dict[str, Any]] = None
    _client: Optional[BaseClient] = None
    _prompt: Optional[str] = "task"
    _orphans: List[str] = []  # handles of envs whose instance was dropped before its end

    def __init__(self) -> None:
        self._env: Optional[Env] = None
        self._finalizer: Optional[weakref.finalize] = None
        self._clear()

    def _clear(self) -> None:
        self._calls = 0
        self.reward = 0.0
        self.done = False
        self.success = False
        self.parts: List[Dict[str, Any]] = []
        self.steps = 0
        self.seed: Optional[int] = None
        self.task: Optional[str] = None
        self.tools: List[Dict[str, Any]] = []

    def reset(self, **row: Any) -> Optional[str]:
        """Starts an episode from a dataset row: its "seed" (required: the
        rollouts of one prompt must play the same task), and its "options"
        when present (merged over the factory's). Returns the task: the
        first observation's user messages (prompt="task", the default), its
        whole text (prompt="text"), or None (prompt=None: the dataset's
        prompt carries the task)."""
        self._release()
        c = type(self)._client
        if c is None:
            raise RuntimeError("%s has no client: make the class with environment_factory" % type(self).__name__)
        _close_orphans(c, type(self)._orphans)
        env_id = type(self)._env_id
        if row.get("env") not in (None, env_id):
            raise ValueError("reset: the row's env %r is not this environment's %r: make one environment_factory per "
                             "env id" % (row.get("env"), env_id))
        if row.get("seed") is None:
            raise ValueError("reset: the dataset row has no \"seed\" column (columns: %s): each row must name its "
                             "task's seed, as dojo gen writes it, so that the rollouts of one prompt play the same "
                             "task" % ", ".join(sorted(row)))
        options = dict(type(self)._options or {})
        options.update(row_options(row.get("options")) or {})
        self._clear()
        self._env = Env(env_id, options or None, client=c, obs="dict")
        self._finalizer = weakref.finalize(self, type(self)._orphans.append, self._env.handle)
        self.seed = int(row["seed"])
        obs, info = self._env.reset(seed=self.seed)
        self.tools = self._env.action_space.tools
        self.success = bool(info.get("success"))
        self.parts = info.get("parts") or []
        msgs = (obs or {}).get("messages") or []
        prompt = type(self)._prompt
        if prompt == "task":
            user = [m.get("content") or "" for m in msgs if m.get("role") == "user"]
            self.task = "\n\n".join(user) if user else (obs or {}).get("text", "")
        elif prompt == "text":
            self.task = (obs or {}).get("text", "")
        else:
            self.task = None
        return self.task

    def _step(self, action: Any) -> Tuple[Any, Dict[str, Any]]:
        if self.done:
            raise ValueError("The episode is over: do not call more tools.")
        if self._env is None:
            raise RuntimeError("call reset(**row) before the tools: the episode has not started")
        obs, r, term, trunc, info = self._env.step(action)
        self.steps += 1
        self.reward += r
        self.success = bool(info.get("success"))
        self.parts = info.get("parts") or []
        if term or trunc:
            self.done = True
            self._release()
        return obs, info

    def _call(self, tool: str, args: Dict[str, Any], optional: Sequence[str] = ()) -> str:
        """Steps the env with one call of a tool; returns the tool's result
        text."""
        for k in optional:
            if args.get(k) is None:
                del args[k]
        self._calls += 1
        obs, info = self._step({"text": "", "tool_calls": [{"id": "call_%d" % self._calls, "name": tool,
                                                            "arguments": args}]})
        results = [m.get("content") or "" for m in (obs or {}).get("messages") or [] if m.get("role") == "tool"]
        text: str = "\n".join(results) if results else (obs or {}).get("text", "")
        if self.done and not results:
            raise ValueError(text or "The episode is over.")
        return text

    def _finish(self, answer: str) -> float:
        """Ends the episode with the model's final answer (text), unless it
        ended already; returns the episode's reward."""
        if not self.done and self._env is not None:
            self._step({"text": answer or ""})
        return self.reward

    def _release(self) -> None:
        """Closes the episode's env on the server (its reward and state stay
        here)."""
        env, self._env = self._env, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if env is not None and not env.client.closed:
            try:
                env.close()
            except DojoError:
                pass

    def __repr__(self) -> str:
        return "<%s seed=%s steps=%d reward=%g done=%s>" % (type(self).__name__, self.seed, self.steps, self.reward,
                                                           self.done)


def _close_orphans(client: BaseClient, orphans: List[str]) -> None:
    """Closes the envs of instances dropped before their episode ended."""
    if not orphans or client.closed:
        return
    handles = []
    while orphans:
        handles.append(orphans.pop())
    client.call_many([("env/close", {"env": h}) for h in handles], return_errors=True)


_shared: Dict[Tuple[str, Optional[str]], BaseClient] = {}
_shared_lock = threading.Lock()


def environment_factory(env_id: str, options: Optional[Dict[str, Any]] = None, url: Optional[str] = None,
                        token: Optional[str] = None, client: Optional[BaseClient] = None,
                        prompt: Optional[str] = "task", name: Optional[str] = None) -> Type[DojoToolEnv]:
    """Returns a class for TRL's ``GRPOTrainer(environment_factory=...)``:
    each instance is one episode of env_id (see DojoToolEnv), with one
    public method per tool of the env.

    The episodes are played over ``client`` if given (a Client or a
    NetClient), else over a session with the server at ``url`` (with
    ``token``; see dojo_client.connect), opened now and shared by the
    class's instances, else over the default client. ``options`` are the
    env's options (a row's "options" column is merged over them).
    ``prompt`` chooses what reset returns: "task" (the task's user
    messages), "text" (the first observation's whole text, with the
    system prompt) or None. ``name`` names the class (default from the env
    id).

    Raises ValueError for an env whose actions are not tool calls, or whose
    tool names cannot be Python methods."""
    if prompt not in ("task", "text", None):
        raise ValueError("prompt=%r: want \"task\", \"text\" or None" % (prompt,))
    if client is None:
        if url is not None:
            with _shared_lock:
                client = _shared.get((url, token))
                if client is None or client.closed:
                    client = _shared[(url, token)] = connect(url, token=token)
        else:
            client = default_client()
    if not isinstance(client, BaseClient):
        raise TypeError("client=%r: want a dojo_client Client or NetClient" % (client,))
    params: Dict[str, Any] = {"id": env_id}
    if options:
        params["options"] = options
    r = client.call("env/make", params)
    client.call("env/close", {"env": r["env"]})
    spec = r["spec"]
    action = spec.get("action") or {}
    if action.get("kind") != "tool_calls":
        raise ValueError("%s takes %s actions, not tool calls: environment_factory needs a tool env (toolcall, sql, "
                         "websim)" % (env_id, action.get("kind")))
    tools = action.get("tools") or []
    if not tools:
        raise ValueError("%s has no tools in its spec" % env_id)
    reserved = {n for n in dir(DojoToolEnv) if not n.startswith("__")}
    attrs: Dict[str, Any] = {
        "_env_id": env_id,
        "_options": dict(options or {}),
        "_client": client,
        "_prompt": prompt,
        "_orphans": [],
        "__doc__": "%s as a TRL environment: one episode per instance; tools: %s." % (
            env_id, ", ".join(t["name"] for t in tools)),
        "spec": None,
    }
    names: Set[str] = set()
    for t in tools:
        fn = _tool_method(t, reserved | names | {"reset", "spec"})
        names.add(fn.__name__)
        attrs[fn.__name__] = fn
    cls_name = name or "Dojo" + re.sub(r"\W", "", env_id.split("/")[-1].split("-v")[0].title()) + "Env"
    attrs["spec"] = spec
    cls: Type[DojoToolEnv] = type(cls_name, (DojoToolEnv,), attrs)
    return cls


def get_reward(env: DojoToolEnv, completion: Any = None) -> float:
    """The reward of one instance's episode: when the episode has not ended
    (the model stopped calling tools, which TRL does not tell the env),
    the completion's final answer (its last assistant message, or the text)
    is sent as the env's last action first. Without a completion, the
    reward earned so far."""
    if completion is not None and not env.done:
        r = _response(completion)
        env._finish(r if isinstance(r, str) else r.get("text", ""))
    return env.reward


def reward_func(completions: Optional[Sequence[Any]] = None, environments: Optional[Sequence[DojoToolEnv]] = None,
                **kwargs: Any) -> List[float]:
    """A TRL reward function for environment_factory's instances:
    reward_funcs=[dojo_client.trl.reward_func]. Ends each episode with its
    completion's final answer (get_reward) and returns the episodes'
    rewards."""
    if environments is None:
        raise ValueError("reward_func needs the environments (GRPOTrainer passes them with environment_factory)")
    if completions is None:
        completions = [None] * len(environments)
    if len(completions) != len(environments):
        raise ValueError("%d completions for %d environments" % (len(completions), len(environments)))
    return [get_reward(e, c) for e, c in zip(environments, completions)]
