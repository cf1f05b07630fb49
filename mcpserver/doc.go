// Package mcpserver serves dojo's tool-using environments over the Model
// Context Protocol, so that an MCP-native agent harness (Claude Desktop, an
// IDE, an SDK's client) can play them. It is built on the official Go SDK,
// github.com/modelcontextprotocol/go-sdk, and serves stdio (dojo mcp) and
// Streamable HTTP (Server.HTTPHandler, mounted at /mcp by dojo serve
// --listen).
//
// # Handshakes
//
// Both handshakes are served: the stateless one of protocol 2026-07-28
// (server/discover, then requests carrying their _meta), which the SDK's
// client v1.8.0 tries first, and the initialize handshake of 2025-11-25 and
// older, which older clients send directly and newer ones fall back to.
// Over HTTP, requests of the 2026-07-28 protocol are answered statelessly,
// and an initialize starts a stateful session (Mcp-Session-Id), both as the
// SDK serves them; episodes' handles are global to the Server either way,
// so an episode may be started by one client and played by another.
//
// # Playable envs
//
// An env is playable when its actions are tool calls (its spec's action
// space is dojo.KindToolCalls): the toolcall worlds, sql in its multi-turn
// mode, websim's search question answering in its tools mode and the shop.
// Where an option chooses between text and tools (websim's mode, the
// shop's action_format), start_episode sets it to "tools" unless the
// caller chose otherwise, and a choice that makes the actions text is an
// error. list_envs lists the playable envs, their options and the options
// fixed for them.
//
// # Tools
//
//   - list_envs: the playable envs with their descriptions, options and tools.
//   - start_episode(env, options?, seed?): makes the env, resets it with the
//     seed (default 0) and returns a handle, the task (the first
//     observation: text and chat messages) and the tools the episode's task
//     offers, under their MCP names with their input schemas. The result is
//     structured content, and the same JSON as text content for clients
//     that read only text.
//   - the envs' own tools (toolcall's worlds, sql's list_tables,
//     describe_table, run_sql and submit_sql, websim's search, open, find and
//     answer, the shop's search and click), each taking a required "handle"
//     argument beside its own. A call is one env step whose action is that
//     one tool call (an assistant message with a single tool call, as an
//     LLM agent's reply would be). It returns the tool's result (the text of
//     the tool message of the next observation) and whether the episode
//     ended; never the reward.
//   - end_episode(handle, answer?): closes the episode and returns its
//     return (the sum of its rewards), the reward parts summed over its
//     steps, success, and the final observation. With answer, and while the
//     episode is running, the answer is sent first as the assistant's final
//     reply without tool calls (how a toolcall task is answered). An episode
//     that had not ended is scored as the env scored it so far, and the
//     result says so.
//
// MCP lists tools once for every client (a stateless client has no session
// to hold a per-episode list), while each toolcall task offers its own few
// tools and different envs may give one tool name different schemas. So
// the server lists the union of the tools of every playable env (as made
// with its default options, in its tools mode), each with "handle" added
// to its input schema's properties and required list. A name that two
// envs give different schemas or descriptions is kept by the variant
// offered by the most envs; the others are namespaced with the lower-case
// name of the first env offering them ("shop_search" for websim/Shop-v0's
// search, beside websim's search engine's "search"). start_episode lists
// the episode's tools under these names, in the order the task's prompt
// shows them. A call of a tool the episode's task does not offer is a tool
// error naming the episode's tools; a call by the env's own name of a
// namespaced tool ("search" on a shop episode) is accepted.
//
// # Errors
//
// A bad handle, arguments that do not match the tool's schema (checked
// before the env sees them, so no step is spent), a step after the episode
// ended, a step over Config.StepTimeout, too many open episodes, an unknown
// or unplayable env and bad options are tool errors (isError) whose text
// says what was wrong; nothing crashes the server.
//
// # What stays hidden
//
// Until end_episode, no tool result carries a reward, a reward part,
// success, the env's info (which may name the gold) or the gold itself:
// results are built from observations alone (their text and messages, not
// their structured values), and the observation of the step that ends an
// episode, which may say how it went ("the answer is correct", the shop's
// score), is withheld and returned by end_episode.
//
// # Limits
//
// Episode handles are random, global to a Server and shared by all its
// clients and transports. At most Config.MaxEpisodes are open at once; an
// episode untouched for Config.IdleTimeout is closed (a later call with its
// handle says so); a step or reset that takes longer than
// Config.StepTimeout fails and closes its episode.
package mcpserver
