package openenv

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo"
)

// obj is a JSON object under construction; encoding/json writes its keys
// sorted, so the documents are deterministic.
type obj = map[string]any

// envMetadata is OpenEnv's EnvironmentMetadata.
type envMetadata struct {
	Name          string `json:"name"`
	Description   string `json:"description"`
	ReadmeContent string `json:"readme_content"`
	Version       string `json:"version"`
	Author        string `json:"author"`
}

func metadata(spec *dojo.Spec, version string) envMetadata {
	return envMetadata{
		Name:          spec.ID,
		Description:   spec.Description,
		ReadmeContent: readme(spec),
		Version:       version,
		Author:        "dojo",
	}
}

// readme describes the env for OpenEnv's web UI and for people: the
// action and observation shapes, the options and the reward components.
func readme(spec *dojo.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", spec.ID, spec.Description)
	fmt.Fprintf(&b, "## Action\n\n`%s`\n\n", actionShape(spec))
	if spec.Action.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", spec.Action.Description)
	}
	b.WriteString("## Observation\n\nAn object with dojo's observation members (`text`, `messages`, `value`, `tools`, those that apply) and `metadata`: `{\"terminated\", \"truncated\", \"info\": {\"success\", \"parts\", ...}}`; `done` is terminated or truncated.\n\n")
	if spec.Observation.Description != "" {
		fmt.Fprintf(&b, "`value`: %s\n\n", spec.Observation.Description)
	}
	fmt.Fprintf(&b, "Episodes are truncated after %d steps.\n\n", spec.MaxSteps)
	b.WriteString("## Options (reset keyword arguments)\n\n")
	for _, o := range spec.Options {
		fmt.Fprintf(&b, "- `%s` (%s", o.Name, o.Type)
		if o.Default != nil {
			fmt.Fprintf(&b, ", default %s", marshal(o.Default))
		}
		fmt.Fprintf(&b, "): %s\n", o.Description)
	}
	b.WriteString("\n## Reward components\n\n")
	for _, c := range spec.Rewards {
		fmt.Fprintf(&b, "- `%s` (shaped weight %v): %s\n", c.Name, c.Shaped, c.Description)
	}
	return b.String()
}

// schemas is /schema: {"action", "observation", "state"}.
func schemas(spec *dojo.Spec) []byte {
	return marshal(obj{
		"action":      actionSchema(spec),
		"observation": observationSchema(spec),
		"state":       stateSchema(spec),
	})
}

func actionSchema(spec *dojo.Spec) obj {
	props := obj{
		"metadata": obj{"type": "object", "description": "ignored (OpenEnv's Action base class carries it)"},
	}
	s := obj{
		"title":                "Action",
		"type":                 "object",
		"description":          fmt.Sprintf("an action of %s: %s", spec.ID, actionShape(spec)),
		"properties":           props,
		"additionalProperties": false,
	}
	switch spec.Action.Kind {
	case dojo.KindDiscrete:
		word := "text the env parses"
		if len(spec.Action.Labels) > 0 {
			word = "an action's name (" + strings.Join(spec.Action.Labels, ", ") + ") or text the env parses"
		}
		props["action"] = obj{
			"description": spec.Action.Description,
			"oneOf": []obj{
				{"type": "integer", "minimum": 0, "maximum": spec.Action.N - 1},
				{"type": "string", "description": word},
			},
		}
		s["required"] = []string{"action"}
	case dojo.KindText:
		props["text"] = obj{"type": "string", "description": textDescription(spec)}
		if hasTools(spec) {
			props["tool_calls"] = toolCallsSchema(spec)
			s["anyOf"] = []obj{{"required": []string{"text"}}, {"required": []string{"tool_calls"}}}
		} else {
			s["required"] = []string{"text"}
		}
	case dojo.KindToolCalls:
		props["text"] = obj{"type": "string", "description": "the assistant's text; without tool_calls it is the final answer"}
		props["tool_calls"] = toolCallsSchema(spec)
		s["anyOf"] = []obj{{"required": []string{"text"}}, {"required": []string{"tool_calls"}}}
	default:
		props["action"] = obj{"description": "dojo's wire action: an integer, a string or {\"text\", \"tool_calls\"}"}
		s["required"] = []string{"action"}
	}
	return s
}

func textDescription(spec *dojo.Spec) string {
	if spec.Action.Description != "" {
		return spec.Action.Description
	}
	return "the text the env parses"
}

func toolCallsSchema(spec *dojo.Spec) obj {
	var names []string
	for _, t := range spec.Action.Tools {
		names = append(names, t.Name)
	}
	desc := "tool calls, run in order"
	if len(names) > 0 {
		desc += "; the env's tools: " + strings.Join(names, ", ") + " (the first observation's tools are the episode's)"
	}
	args := obj{"type": []string{"object", "string"}, "description": "a JSON object, or a string holding one (OpenAI's form)"}
	return obj{
		"type":        "array",
		"description": desc,
		"items": obj{
			"type": "object",
			"properties": obj{
				"id":        obj{"type": "string"},
				"name":      obj{"type": "string", "minLength": 1},
				"arguments": args,
				"type":      obj{"const": "function"},
				"function": obj{
					"type":       "object",
					"properties": obj{"name": obj{"type": "string", "minLength": 1}, "arguments": args},
					"required":   []string{"name"},
				},
			},
			"anyOf":                []obj{{"required": []string{"name"}}, {"required": []string{"function"}}},
			"additionalProperties": false,
		},
	}
}

func observationSchema(spec *dojo.Spec) obj {
	props := obj{
		"text": obj{"type": "string", "description": "the observation as text, for language agents"},
		"messages": obj{
			"type":        "array",
			"description": "chat messages in OpenAI's format to append to the history",
			"items": obj{
				"type": "object",
				"properties": obj{
					"role": obj{"type": "string"}, "content": obj{"type": "string"}, "name": obj{"type": "string"},
					"tool_calls": obj{"type": "array"}, "tool_call_id": obj{"type": "string"},
				},
				"required": []string{"role", "content"},
			},
		},
		"tools": obj{
			"type":        "array",
			"description": "on the first observation: the tools the episode's task offers",
			"items": obj{
				"type": "object",
				"properties": obj{
					"name": obj{"type": "string"}, "description": obj{"type": "string"}, "inputSchema": obj{"type": "object"},
				},
				"required": []string{"name", "description", "inputSchema"},
			},
		},
		"metadata": obj{
			"type": "object",
			"properties": obj{
				"terminated": obj{"type": "boolean", "description": "a terminal state was reached"},
				"truncated":  obj{"type": "boolean", "description": "a step limit cut the episode short"},
				"info":       infoSchema(spec),
			},
			"required":             []string{"terminated", "truncated", "info"},
			"additionalProperties": false,
		},
	}
	if v := valueSchema(&spec.Observation, false); v != nil {
		props["value"] = v
	}
	return obj{
		"title":                "Observation",
		"type":                 "object",
		"description":          "dojo's observation members that apply, and metadata: terminated, truncated and the step's info (success, reward parts, metrics)",
		"properties":           props,
		"required":             []string{"metadata"},
		"additionalProperties": false,
	}
}

// valueSchema describes an observation value of space sp (nil for a space
// with no value); inDict is set for the fields of a dict space.
func valueSchema(sp *dojo.Space, inDict bool) obj {
	var s obj
	switch sp.Kind {
	case dojo.KindDiscrete:
		s = obj{"type": "integer", "minimum": 0, "maximum": sp.N - 1}
		if inDict && sp.N == 2 {
			// A flag: dojo's spaces model it as Discrete(2), and envs send
			// a field of a dict as a boolean (websim's shop does).
			s = obj{"anyOf": []obj{s, {"type": "boolean"}}}
		}
	case dojo.KindBox:
		n := 1
		for _, d := range sp.Shape {
			n *= d
		}
		item := obj{"type": "number"}
		if strings.HasPrefix(sp.DType, "int") || strings.HasPrefix(sp.DType, "uint") {
			item["type"] = "integer"
		}
		if sp.Low < sp.High {
			item["minimum"], item["maximum"] = sp.Low, sp.High
		}
		s = obj{"type": "array", "items": item, "minItems": n, "maxItems": n,
			"description": fmt.Sprintf("a box of shape %v, flattened in row-major order", sp.Shape)}
	case dojo.KindText:
		s = obj{"type": "string"}
		if inDict {
			// Spaces have no list kind: a text field of a dict may be a
			// list of strings (the shop's clickables), null when empty.
			s = obj{"type": []string{"string", "array", "null"}, "items": obj{"type": "string"}}
		}
	case dojo.KindDict:
		props := obj{}
		var req []string
		for _, f := range sp.Fields {
			if v := valueSchema(&f.Space, true); v != nil {
				props[f.Name] = v
				req = append(req, f.Name)
			}
		}
		s = obj{"type": "object", "properties": props, "required": req, "additionalProperties": false}
	default:
		return nil
	}
	if sp.Description != "" {
		if _, ok := s["description"]; !ok {
			s["description"] = sp.Description
		}
	}
	return s
}

func infoSchema(spec *dojo.Spec) obj {
	var names []string
	for _, c := range spec.Rewards {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return obj{
		"type":        "object",
		"description": "the step's info: the reward is the sum of value*weight over parts",
		"properties": obj{
			"success": obj{"type": "boolean"},
			"parts": obj{
				"type": []string{"array", "null"},
				"items": obj{
					"type": "object",
					"properties": obj{
						"name":   obj{"type": "string", "enum": names},
						"value":  obj{"type": "number"},
						"weight": obj{"type": "number"},
					},
					"required":             []string{"name", "value", "weight"},
					"additionalProperties": false,
				},
			},
			"invalid": obj{"type": "boolean", "description": "the action was invalid; error says why"},
			"error":   obj{"type": "string"},
			"metrics": obj{"type": "object", "additionalProperties": obj{"type": "number"}},
			"extra":   obj{"type": "object"},
		},
		"required":             []string{"success", "parts"},
		"additionalProperties": false,
	}
}

func stateSchema(spec *dojo.Spec) obj {
	return obj{
		"title": "State",
		"type":  "object",
		"properties": obj{
			"episode_id": obj{"type": []string{"string", "null"}, "description": "the episode_id given at reset"},
			"step_count": obj{"type": "integer", "minimum": 0, "description": "steps taken in the current episode"},
			"env_id":     obj{"const": spec.ID},
			"seed":       obj{"type": []string{"integer", "null"}, "minimum": 0, "description": "the seed of the current episode (null before the first reset)"},
			"done":       obj{"type": "boolean", "description": "the current episode is over"},
		},
		"required":             []string{"episode_id", "step_count", "env_id", "seed", "done"},
		"additionalProperties": false,
	}
}

// optionSchema describes an option's values.
func optionSchema(o *dojo.Option) obj {
	var s obj
	switch o.Type {
	case dojo.OptInt:
		s = obj{"type": "integer"}
	case dojo.OptFloat:
		s = obj{"type": "number"}
	case dojo.OptBool:
		s = obj{"type": "boolean"}
	case dojo.OptString:
		s = obj{"type": "string"}
		if len(o.Choices) > 0 {
			s["enum"] = o.Choices
		}
	case dojo.OptStrings:
		s = obj{"type": []string{"array", "string"}, "items": obj{"type": "string"}}
	case dojo.OptReward:
		s = obj{"type": []string{"string", "object"}, "additionalProperties": obj{"type": "number"}}
	default:
		s = obj{}
	}
	if o.Min != nil {
		s["minimum"] = *o.Min
	}
	if o.Max != nil {
		s["maximum"] = *o.Max
	}
	if o.Default != nil {
		s["default"] = o.Default
	}
	s["description"] = o.Description
	return s
}

// resetSchema is the body of POST /reset and the data of a reset message:
// seed, episode_id and the env's options.
func resetSchema(spec *dojo.Spec, extra obj) obj {
	props := obj{
		"seed":       obj{"type": []string{"integer", "null"}, "minimum": 0, "description": "the episode's seed (dojo's seeds are unsigned 64-bit)"},
		"episode_id": obj{"type": []string{"string", "null"}, "maxLength": 255},
	}
	for i := range spec.Options {
		props[spec.Options[i].Name] = optionSchema(&spec.Options[i])
	}
	for k, v := range extra {
		props[k] = v
	}
	return obj{"type": "object", "properties": props, "additionalProperties": false}
}

// openAPI is /openapi.json: an OpenAPI 3.1 document of the env's routes,
// relative to its base URL.
func openAPI(spec *dojo.Spec, version string) []byte {
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonBody := func(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }
	ok := func(desc string, schema obj) obj {
		return obj{"200": obj{"description": desc, "content": jsonBody(schema)}}
	}
	withErrors := func(r obj) obj {
		r["422"] = obj{"description": "validation error: the body, an option or the action is not valid", "content": jsonBody(ref("HTTPValidationError"))}
		r["503"] = obj{"description": "at the session limit or shutting down", "content": jsonBody(ref("HTTPError"))}
		r["500"] = obj{"description": "the env failed", "content": jsonBody(ref("HTTPError"))}
		return r
	}
	stepReq := resetSchema(spec, obj{
		"action":     ref("Action"),
		"timeout_s":  obj{"type": []string{"number", "null"}, "exclusiveMinimum": 0, "description": "a deadline for the step, in seconds"},
		"request_id": obj{"type": []string{"string", "null"}, "maxLength": 255},
	})
	stepReq["required"] = []string{"action"}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "dojo OpenEnv server: " + spec.ID,
			"version":     version,
			"description": spec.Description,
		},
		"servers": []obj{{"url": ".", "description": "the env's base URL"}},
		"paths": obj{
			"/health":   obj{"get": obj{"summary": "Health check", "responses": ok("healthy", ref("HealthResponse"))}},
			"/metadata": obj{"get": obj{"summary": "Environment metadata", "responses": ok("the env's metadata", ref("EnvironmentMetadata"))}},
			"/schema":   obj{"get": obj{"summary": "Action, observation and state JSON Schemas", "responses": ok("the schemas", ref("SchemaResponse"))}},
			"/state":    obj{"get": obj{"summary": "The state of a fresh env", "responses": ok("the state", ref("State"))}},
			"/reset": obj{"post": obj{
				"summary":     "Reset a fresh env",
				"description": "Makes a fresh env with the body's options, resets it with its seed (0 by default) and answers the first observation.",
				"requestBody": obj{"required": false, "content": jsonBody(ref("ResetRequest"))},
				"responses":   withErrors(ok("the first observation", ref("StepResult"))),
			}},
			"/step": obj{"post": obj{
				"summary":     "Step a fresh env",
				"description": "Makes a fresh env with the body's options, resets it with its seed (0 by default), applies the action and answers the observation. An action not of the schema's shape is a 422.",
				"requestBody": obj{"required": true, "content": jsonBody(ref("StepRequest"))},
				"responses":   withErrors(ok("the observation after the action", ref("StepResult"))),
			}},
			"/ws": obj{"get": obj{
				"summary":     "WebSocket session",
				"description": "One env per session. Messages {\"type\": \"reset\", \"data\": {seed, episode_id, options...}}, {\"type\": \"step\", \"data\": ACTION}, {\"type\": \"state\"}, {\"type\": \"close\"}; each but close is answered by exactly one frame: {\"type\": \"observation\", \"data\": StepResult}, {\"type\": \"state\", \"data\": State} or {\"type\": \"error\", \"data\": {\"message\", \"code\"}}.",
				"responses":   obj{"101": obj{"description": "switching to the WebSocket protocol"}},
			}},
			"/mcp": obj{"post": obj{
				"summary":   "MCP pointer",
				"responses": ok("a JSON-RPC error naming the server's /mcp endpoint", obj{"type": "object"}),
			}},
		},
		"components": obj{"schemas": obj{
			"Action":      actionSchema(spec),
			"Observation": observationSchema(spec),
			"State":       stateSchema(spec),
			"StepResult": obj{
				"type": "object",
				"properties": obj{
					"observation": ref("Observation"),
					"reward":      obj{"type": []string{"number", "null"}, "description": "null after a reset"},
					"done":        obj{"type": "boolean"},
				},
				"required":             []string{"observation", "reward", "done"},
				"additionalProperties": false,
			},
			"ResetRequest":   resetSchema(spec, nil),
			"StepRequest":    stepReq,
			"HealthResponse": obj{"type": "object", "properties": obj{"status": obj{"const": "healthy"}}, "required": []string{"status"}},
			"EnvironmentMetadata": obj{"type": "object", "properties": obj{
				"name": obj{"type": "string"}, "description": obj{"type": "string"}, "readme_content": obj{"type": "string"},
				"version": obj{"type": "string"}, "author": obj{"type": "string"},
			}, "required": []string{"name", "description"}},
			"SchemaResponse": obj{"type": "object", "properties": obj{
				"action": obj{"type": "object"}, "observation": obj{"type": "object"}, "state": obj{"type": "object"},
			}, "required": []string{"action", "observation", "state"}},
			"HTTPError": obj{"type": "object", "properties": obj{"detail": obj{"type": "string"}}, "required": []string{"detail"}},
			"HTTPValidationError": obj{"type": "object", "properties": obj{"detail": obj{"type": "array", "items": obj{
				"type": "object",
				"properties": obj{
					"type": obj{"type": "string"}, "loc": obj{"type": "array", "items": obj{"type": "string"}}, "msg": obj{"type": "string"},
				},
				"required": []string{"type", "loc", "msg"},
			}}}, "required": []string{"detail"}},
		}},
	}
	return marshal(doc)
}
