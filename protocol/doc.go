// Package protocol speaks dojo's protocol, JSON-RPC 2.0 over
// newline-delimited JSON (as MCP's stdio transport): Server serves envs to
// any client (dojo serve; trainers, notebooks, the Python client), and
// ExecAgent drives agents written in any language as subprocesses
// (dojo run --agent exec:CMD). Tasker, GenerateTasks and VerifyResponses
// are the one code path of task/generate, task/verify, dojo gen and
// dojo verify.
//
// # Transports
//
// The same sessions are served on three transports, by the one Serve:
//
//   - stdio (dojo serve): requests on stdin, responses on stdout, one per
//     line;
//   - WebSocket (dojo serve --listen, route /rpc, package server): one
//     text message per request line and per response line, a session per
//     socket;
//   - HTTP (POST /rpc, package server): one request in the body, one
//     response, for the methods that need no session (initialize,
//     env/list, task/generate, task/verify).
//
// Results, errors and bytes are the same on each (the golden sessions are
// replayed over stdio and WebSocket). The network server adds its own
// limits (sessions, message size, idle sessions; package server) and
// serves a registry whose file-path options are restricted to a data dir
// (dojo.Registry.WithDataDir: a path outside it is a -32602 error naming
// options.NAME). Server.StepTimeout (dojo serve --step-timeout, on either
// transport) bounds each step; there is none by default.
//
// One JSON object per line, UTF-8, in both directions; blank lines are
// ignored. The server's stdout carries protocol messages only; its logs go
// to stderr. There are no batch arrays (env/stepMany batches steps). A
// request line may be up to 16 MiB (Server.MaxLineBytes); a longer one is
// answered with a -32600 error with id null and serving goes on. A line
// that is not JSON gets a -32700 error with id null and the next line is
// served. A request without an id is a notification: it is served, and
// never answered.
//
// Requests are served concurrently and answered by id, so responses may
// come in another order than their requests. Operations on one env are
// applied in the order their requests arrived, so a client may pipeline
// env/make, env/reset and env/step on the same env without waiting: a
// handle is allocated when env/make is read (handles are "e1", "e2", ...
// in order of the env/make requests), and requests naming it wait for the
// env to be made. At the end of the input the server finishes the requests
// in flight, closes every env and exits.
//
// The same requests (env ids, options, seeds, actions) give byte-identical
// responses: observations and infos are encoded deterministically (object
// members in a fixed order, map keys sorted, floats formatted as Go's
// encoding/json does, no HTML escaping). The golden transcripts under
// testdata/ pin this.
//
// # Values on the wire
//
// An action is an integer (a discrete index), a string (free text the env
// parses, such as "left" or an LLM completion), or an object
// {"text": "...", "tool_calls": [{"id", "name", "arguments": {...}}]} (an
// assistant message). An observation is an object
// {"text": "...", "messages": [chat messages], "value": ..., "tools": [...]}
// whose members that do not apply are left out; "tools", on the first
// observation of an env whose tools vary per task or with its options, are
// the tools the task offers ({name, description, inputSchema}, in the order
// its prompt shows them), to be offered to a model instead of the spec's
// action.tools. An info is an object
// {"success": bool, "parts": [{"name", "value", "weight"}],
// "invalid": true, "error": "...", "metrics": {"name": number},
// "extra": {...}} whose last four members appear only when set; the reward
// is the sum of value*weight over parts. Seeds are unsigned 64-bit
// integers. A spec is dojo.Spec as JSON (dojo describe --json shows one).
// A task is dojo.Task as JSON: {"id", "env", "options", "seed", "prompt",
// "tools", "verify", "meta"}.
//
// # Server methods
//
//	initialize     {protocolVersion, clientInfo, capabilities} (all optional)
//	               -> {protocolVersion: "1", serverInfo: {name: "dojo", version},
//	                   capabilities: {methods: [...], autoreset: "next-step",
//	                   render: ["text", "png", "rgb"], limits: {maxLineBytes, maxEnvs, maxTasks}}}
//	env/list       {family?} -> {envs: [spec]}
//	env/make       {id, options?, autoreset?} -> {env: handle, spec}
//	env/reset      {env, seed?} -> {observation, info}
//	env/step       {env, action} -> {observation, reward, terminated, truncated, info}
//	env/stepMany   {steps: [{env, action}]} or {envs: [...], actions: [...]},
//	               with compact?, info?, values? -> see below
//	env/render     {env, format?: "text" | "png" | "rgb"} -> {mimeType, data, width?, height?}
//	env/close      {env} -> null
//	task/generate  {id, options?, seed?, count?, verify?} -> {tasks: [task]}
//	task/verify    {id?, task, response} -> {reward, success, parts, error?}
//
// initialize is optional: every method works without it. Unknown
// parameters are errors (-32602 naming them), so a misspelt "sed" does not
// silently become seed 0.
//
// env/make makes an env of a registered id with options (an object,
// validated against the spec: an unknown option or a bad value is a -32602
// error whose data.field is "options.NAME"). The handle is an opaque
// string. The spec returned is the env's as configured. With
// "autoreset": true the env follows Gymnasium's next-step autoreset: the
// env/step (or stepMany entry) after the one that ended an episode
// (terminated or truncated) ignores its action, resets the env with
// NextSeed of the last reset's seed (a SplitMix64 mix, so envs seeded
// base+i never replay each other's episodes), and returns the reset observation
// with reward 0, terminated and truncated false, and the reset info with
// info.extra.autoreset = true and info.extra.seed = the new seed. Without
// autoreset, stepping an ended episode is a state error (-32002).
//
// env/reset starts an episode with seed; without a seed it uses NextSeed of
// the last reset's seed (0 for the first reset).
//
// env/step applies an action; stepping before the first reset is a state
// error (-32002). An invalid action is not an error: its info says
// "invalid": true and why.
//
// env/stepMany steps many envs in one request, in parallel across envs
// when their steps are slow enough to gain from it (bounded by
// Server.Parallelism) and in order for entries naming the same env.
// Entries are given as "steps": [{"env", "action"}, ...] or as parallel
// arrays "envs": [...] and "actions": [...]. Each entry succeeds
// or fails on its own (an unknown handle or a bad action fails that entry
// only). The result is, by default,
//
//	{results: [{observation, reward, terminated, truncated, info} | {error: {code, message, data}}]}
//
// in entry order, and with "compact": true one array per field, in entry
// order, which a client parses several times faster:
//
//	{observations: [observation | null], rewards: [number],
//	 terminated: [bool], truncated: [bool], errors: [null | error],
//	 infos: [info | null]}
//
// where infos is present only with "info": true, and a failed entry has a
// null observation, reward 0 and false flags. With "values": true as well,
// each observation is given as its bare value (what "value" holds, null
// when there is none): [4, 5, ...] rather than [{"value": 4}, ...], the
// leanest form for classic RL clients. In compact form without infos, an
// autoreset step is known as in Gymnasium: it is the step after one whose
// terminated or truncated was true.
//
// The hot requests are read fastest in their plain form: env/step as
// {"env": "e1", "action": 2} and env/stepMany as {"envs": [...],
// "actions": [...], "compact": true} with integer or plain-string actions
// and handles without escapes; any other valid form works the same, a
// little slower.
//
// env/render draws the env's current state: "text" (the default) gives
// {mimeType: "text/plain; charset=utf-8", data: the current observation's
// text, else its messages' contents, else its value as JSON}; "png" gives
// {mimeType: "image/png", data: base64 PNG}: the env's own frame when it
// implements dojo.Renderer, else a frame drawn by package render from the
// env's state (dojo.Stater) as episode files are drawn, or from its last
// observation, with an unsupported error (-32006) when that state cannot
// be drawn. "rgb" draws the same frame as "png" and gives its pixels
// uncompressed: {mimeType: "application/octet-stream", data: base64 of
// height rows of width 8-bit R, G, B triples, width, height}, the layout of
// a (height, width, 3) uint8 array (what Gymnasium's rgb_array render mode
// returns), cheaper for a client to decode than a PNG.
//
// env/close closes the env; its handle is unknown from the next request
// on. Requests queued on the env before the close are still served.
//
// task/generate returns count tasks (default 1, at most 10000) of a
// task-based env for seeds seed, seed+1, ... (seed defaults to 0), without
// their verify block (the gold) unless "verify": true. The response is at
// most Server.MaxLineBytes long, as a request line is: tasks that would
// take more fail the request with a limit error (-32007, data.field
// "count") saying how many fit; page through them with seed. There is no
// separate token: the task itself is what task/verify needs back.
//
// task/verify scores a response, a string (the final text) or
// {"text", "messages"}, to a task. The task is rebuilt from its env,
// options and seed (and must then have the same id), and the response is
// scored against the rebuilt gold: a client never needs the gold, and a
// task whose verify block differs from the rebuilt one (an altered answer
// key) is refused with a -32602 error whose data.field is "task.verify".
// id, when given, must be the task's env. The result is dojo.Score: {reward, success, parts, error?} where
// error notes why the verifier scored the response as malformed.
//
// Envs that are not task-based (they do not implement dojo.TaskGenerator
// or dojo.TaskVerifier) answer both task methods with an unsupported error
// (-32006) naming the env.
//
// # Errors
//
// Every error object is {"code", "message", "data": {"kind", "field"?}}:
// message is a sentence saying what was wrong and what would be right,
// data.kind names the error in words, and data.field, when one parameter
// was wrong, names it as a dotted path ("seed", "options.map_name",
// "steps.3.action", "actions.3"). The codes:
//
//	code    kind              meaning
//	-32700  parse_error       the line is not JSON (id null)
//	-32600  invalid_request   not a JSON-RPC 2.0 request object, a bad id,
//	                          or a line over the limit (id null)
//	-32601  method_not_found  no such method
//	-32602  invalid           bad params, options or action (data.field names it)
//	-32000  internal          a bug or unexpected failure in dojo or an env;
//	                          details go to the server log, not the client
//	-32001  not_found         unknown env id or env handle
//	-32002  state             step or render before reset, step after the end,
//	                          an env left unusable by a panic
//	-32003  timeout           a deadline passed (Server.StepTimeout)
//	-32004  canceled          the session is shutting down
//	-32005  unavailable       a transient failure: retry
//	-32006  unsupported       the env lacks what the method needs (tasks, PNG)
//	-32007  limit             too many open envs (Server.MaxEnvs, default 4096),
//	                          or, over the network, too many sessions
//	                          (the message starts with CAPACITY_REACHED)
//
// RPCCode and KindOf convert between kinds and codes.
//
// # Agent side
//
// With dojo run --agent exec:CMD, dojo is the client and the agent process
// serves, on its stdin and stdout, the methods
//
//	initialize     {protocolVersion: "1", clientInfo: {name: "dojo", version}} -> any result
//	episode/start  {episode, spec, seed, tools} -> any result
//	agent/act      {episode, step, observation, reward, info} -> {action}
//	episode/end    {episode, return, success, length, error?} (a notification)
//
// where episode is the episode's index in the run, tools the tools of the
// episode's task to offer a model (the first observation's tools, else the
// spec's action.tools; [] for none), step the number of steps taken so far
// (0 for the first action), and reward and info those of the step that
// produced the observation (0 and the reset info at first). An
// agent logs on stderr, which dojo copies to its log and quotes in errors;
// anything on stdout that is not a JSON-RPC response to a request in
// flight breaks the protocol and fails the episode at once: a line that is
// not JSON-RPC, a request or notification from the agent, an answer to an
// id dojo never sent or already answered. Each episode/start and agent/act
// has a deadline, the run's (dojo run --action-timeout) or else
// DefaultExecActionTimeout (10 minutes). An agent runs in a process group
// of its own, which is killed with it: at a deadline, after a protocol
// error and at shutdown, nothing it spawned outlives it.
// An error the agent answers with keeps its kind: -32005 (unavailable) is
// retried by the runner when it has retries, and -32602 (invalid) from
// episode/start says the agent cannot play this env, which stops the run.
// See ExecAgent for processes, restarts and shutdown.
package protocol
