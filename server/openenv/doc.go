// Package openenv serves dojo's envs over OpenEnv's wire protocol
// (meta-pytorch/OpenEnv, openenv-core 0.2.x), as OpenEnv's own client
// (EnvClient, GenericEnvClient) and the trainers built on it speak it
// unmodified. One Handler serves every env of a registry, chosen by path:
// an env's base URL is /envs/{family}/{name} (for example
// /envs/gridworld/FrozenLake-v1: dojo's ids are all family/Name-vN, so
// {name} is one path segment), and the client appends /ws to it.
//
// The Handler checks neither tokens nor origins: the server that mounts it
// (package server) does, and strips a /t/TOKEN prefix before calling it.
//
// # Routes under an env's base URL
//
//	GET  /ws            the WebSocket session (below)
//	GET  /health        {"status": "healthy"}
//	GET  /metadata      {"name", "description", "readme_content", "version", "author"}
//	GET  /schema        {"action", "observation", "state"}: JSON Schemas derived from the env's spec
//	GET  /openapi.json  an OpenAPI 3.1 document of these routes; info.version is Config.Version
//	POST /reset         {"seed"?, "episode_id"?, OPTION...} -> {"observation", "reward": null, "done"}
//	POST /step          {"action": {...}, "timeout_s"?, "request_id"?, "seed"?, OPTION...} -> {"observation", "reward", "done"}
//	GET  /state         the state of a fresh env
//	POST /mcp           a JSON-RPC error naming the server's own /mcp (OpenEnv's validator posts here)
//
// GET /envs lists the ids served. The stateless POST /reset, POST /step
// and GET /state work on a fresh env each, as OpenEnv defines them: /step
// makes the env with the body's options, resets it with the body's seed
// (0 by default) and applies the action. A body that is not valid (an
// action not of the env's shape, an unknown option, a bad value) is
// answered 422 with FastAPI's {"detail": [{"type", "loc", "msg"}]}; an
// unknown env or route 404, a wrong method 405, both with {"detail"}.
//
// # The WebSocket session
//
// One env per session, made at the first reset with the reset data's
// options and made again when a later reset names other options. The
// client sends text frames {"type", "data"}; each is answered by exactly
// one frame, and no other frame is ever sent, as OpenEnv's client reads
// one answer per request without checking its type:
//
//	{"type": "reset", "data": {"seed"?, "episode_id"?, OPTION...}}  -> observation
//	{"type": "step", "data": ACTION}                                -> observation
//	{"type": "state"}                                               -> {"type": "state", "data": {"episode_id", "step_count", "env_id", "seed", "done"}}
//	{"type": "close"}                                               -> no answer: the session ends (close status 1000)
//
// An observation answer is {"type": "observation", "data": {"observation",
// "reward", "done"}}, an error {"type": "error", "data": {"message",
// "code", "field"?}} with OpenEnv's codes (INVALID_JSON, UNKNOWN_TYPE,
// VALIDATION_ERROR, EXECUTION_ERROR, CAPACITY_REACHED, FACTORY_ERROR); the
// field, when set, names the option or action member at fault
// ("options.is_slippery", "action.action"). After an error the session goes
// on. The seed is the reset's, else 0 for the first episode and
// protocol.NextSeed of the last one after, as dojo's env/reset; the
// episode_id is kept for the state.
//
// # Actions and observations
//
// An action is a JSON object, as OpenEnv's step data and GenericEnvClient
// actions are dicts; /schema's action schema describes exactly what an env
// accepts:
//
//	discrete envs (gridworld, bandit):  {"action": 2}, or {"action": "left"} (a word the env parses)
//	text envs (websim's Shop, SearchR1): {"text": "search[red shoes]"}
//	tool envs (toolcall, sql, websim):   {"text"?: "...", "tool_calls": [{"id", "name", "arguments": {...}}]}
//	                                     ({"text": "..."} alone is the final answer)
//
// An optional "metadata" object (OpenEnv's Action base class has one) is
// ignored. An action of the wrong shape (not an object, an unknown member,
// "action" missing or out of range, a tool call without a name or with
// arguments that are not an object) is answered with a VALIDATION_ERROR
// and changes nothing. A well-formed action that the env judges invalid (a
// word it does not know, a call of a tool it lacks) is a normal step, as
// in dojo: the step's info says invalid and why.
//
// The observation is a non-empty object holding dojo's observation
// members that apply ("text", "messages", "value", "tools") and
// "metadata": {"terminated", "truncated", "info"}, info being dojo's
// {"success", "parts", "invalid"?, "error"?, "metrics"?, "extra"?}: OpenEnv's
// client keeps only data.observation, data.reward and data.done, so
// everything a trainer needs is inside the observation. done is
// terminated or truncated; reward is null after a reset. Observations and
// infos are encoded by package protocol's deterministic encoders, so the
// same env, options, seed and actions give byte-identical frames.
//
// # Limits
//
//   - Config.Acquire is asked for a slot when a WebSocket opens; the slot
//     is held until the session ends (close message, client gone, idle
//     reaping, shutdown). At capacity the socket is accepted, its first
//     message answered with a CAPACITY_REACHED error, and it is closed with
//     status 1013 (try again later); a refused client that sends nothing
//     is dropped after the idle timeout (30 s at most). The stateless POST
//     routes hold a slot while they run and answer 503 without one.
//   - Config.MaxMessageBytes bounds a message (a longer one closes the
//     session with status 1009, message too big) and a POST body (413).
//   - Config.IdleTimeout closes a session that sends nothing for that long
//     with status 1008 and frees its env and slot: half-open clients do
//     not hold slots.
//   - Config.StepTimeout is the deadline of each reset and step: the env's
//     context is canceled, and an env that gives up (the sql and websim
//     envs check their context) answers an EXECUTION_ERROR; the episode
//     must then be reset.
//   - A binary frame is answered with INVALID_JSON (send text frames), a
//     frame that is not JSON with INVALID_JSON, a message with members
//     other than type and data with VALIDATION_ERROR, an unknown type with
//     UNKNOWN_TYPE; the session goes on.
//   - A client that vanishes mid-step loses its answer; the session ends
//     when the write fails, freeing the env and the slot.
//
// Shutdown stops new sessions (503), lets each request in flight finish
// and be answered, then closes every session with status 1001 (going
// away).
package openenv
