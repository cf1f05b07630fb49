package dojo

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Spec describes an environment completely enough for a client to use it
// without reading its code.
type Spec struct {
	// ID is family/Name-vN. A change that alters any episode bumps N.
	ID          string `json:"id"`
	Description string `json:"description"`
	// Observation describes Obs.Value; ObsText says whether observations
	// also carry Text and Messages for language agents.
	Observation Space `json:"observation"`
	ObsText     bool  `json:"obs_text"`
	// Action is the action space. Envs that accept words or tool calls as
	// well list them in Action.Labels or Action.Tools.
	Action Space `json:"action"`
	// MaxSteps is the step limit after which an episode is truncated.
	MaxSteps int `json:"max_steps"`
	// Stochastic is set when transitions are random (given the seed), so an
	// optimal policy does not always succeed.
	Stochastic bool `json:"stochastic,omitempty"`
	// Rewards lists the named reward components the env computes each step.
	Rewards []Component `json:"rewards"`
	// Profiles are named weight presets beyond "sparse" and "shaped"
	// (for example "gym" for Gymnasium's native rewards or "minigrid").
	Profiles map[string]map[string]float64 `json:"profiles,omitempty"`
	// DefaultProfile is the profile used when the "reward" option is unset.
	DefaultProfile string `json:"default_profile"`
	// Options lists the options the env accepts, with types and defaults.
	Options []Option `json:"options"`
	// Tags are free-form labels (family, paper, ...).
	Tags []string `json:"tags,omitempty"`
}

// Component is a named reward component.
type Component struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Shaped is the component's weight in the "shaped" profile.
	Shaped float64 `json:"shaped"`
}

// SuccessComponent is the component every env computes: 1 on the step that
// ends the episode successfully, else 0. The "sparse" profile weighs it 1
// and every other component 0.
const SuccessComponent = "success"

// SpaceKind names a kind of space.
type SpaceKind string

// Space kinds.
const (
	KindDiscrete  SpaceKind = "discrete"   // integers 0..N-1
	KindBox       SpaceKind = "box"        // numbers of a shape within [Low, High]
	KindText      SpaceKind = "text"       // a string
	KindToolCalls SpaceKind = "tool_calls" // an assistant message with tool calls
	KindDict      SpaceKind = "dict"       // an object with named fields
	KindNone      SpaceKind = "none"       // nothing (an obs with text only)
)

// Space describes the values of an observation or action.
type Space struct {
	Kind SpaceKind `json:"kind"`
	// N is the number of discrete values.
	N int `json:"n,omitempty"`
	// Labels name discrete values (actions as words, such as "left").
	Labels []string `json:"labels,omitempty"`
	// Shape, Low, High and DType describe a box. Box values travel
	// flattened in row-major order.
	Shape []int   `json:"shape,omitempty"`
	Low   float64 `json:"low,omitempty"`
	High  float64 `json:"high,omitempty"`
	DType string  `json:"dtype,omitempty"`
	// MaxLength bounds text, in bytes (0: unbounded).
	MaxLength int `json:"max_length,omitempty"`
	// Tools are the tools an agent may call.
	Tools []Tool `json:"tools,omitempty"`
	// Fields are the parts of a dict space, in order.
	Fields []Field `json:"fields,omitempty"`
	// Description says what the values mean.
	Description string `json:"description,omitempty"`
}

// Field is a named part of a dict space.
type Field struct {
	Name  string `json:"name"`
	Space Space  `json:"space"`
}

// Tool describes a callable tool in MCP's shape.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
}

// Discrete returns a discrete space of n values, optionally named.
func Discrete(n int, labels ...string) Space {
	return Space{Kind: KindDiscrete, N: n, Labels: labels}
}

// Component returns the named component and whether it exists.
func (s *Spec) Component(name string) (Component, bool) {
	for _, c := range s.Rewards {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}

// Option returns the named option and whether it exists.
func (s *Spec) Option(name string) (Option, bool) {
	for _, o := range s.Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*/[A-Za-z0-9][A-Za-z0-9_.\-]*-v[0-9]+$`)

// ValidID reports whether id has the form family/Name-vN.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Family returns the family part of an id ("gridworld" in
// "gridworld/FrozenLake-v1").
func Family(id string) string {
	f, _, _ := strings.Cut(id, "/")
	return f
}

// Validate checks that the spec is complete and coherent.
func (s *Spec) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !ValidID(s.ID) {
		bad("id %q is not of the form family/Name-vN", s.ID)
	}
	if s.Description == "" {
		bad("no description")
	}
	if err := s.Action.validate("action"); err != nil {
		bad("%v", err)
	}
	if err := s.Observation.validate("observation"); err != nil {
		bad("%v", err)
	}
	if s.MaxSteps <= 0 {
		bad("max_steps %d is not positive", s.MaxSteps)
	}
	seen := map[string]bool{}
	for _, c := range s.Rewards {
		if c.Name == "" || seen[c.Name] {
			bad("reward component %q is empty or repeated", c.Name)
		}
		seen[c.Name] = true
	}
	if !seen[SuccessComponent] {
		bad("no %q reward component", SuccessComponent)
	}
	for name, w := range s.Profiles {
		if name == "sparse" || name == "shaped" || name == "" {
			bad("profile %q is reserved", name)
		}
		for c := range w {
			if !seen[c] {
				bad("profile %q weighs unknown component %q", name, c)
			}
		}
	}
	switch s.DefaultProfile {
	case "sparse", "shaped":
	default:
		if _, ok := s.Profiles[s.DefaultProfile]; !ok {
			bad("default profile %q is not defined", s.DefaultProfile)
		}
	}
	opts := map[string]bool{}
	for _, o := range s.Options {
		if opts[o.Name] {
			bad("option %q is repeated", o.Name)
		}
		opts[o.Name] = true
		if err := o.validateSelf(); err != nil {
			bad("%v", err)
		}
	}
	if len(errs) > 0 {
		return Errorf(CodeInvalid, "spec %s: %s", s.ID, strings.Join(errs, "; "))
	}
	return nil
}

func (sp *Space) validate(what string) error {
	switch sp.Kind {
	case KindDiscrete:
		if sp.N <= 0 {
			return fmt.Errorf("%s space: discrete n %d is not positive", what, sp.N)
		}
		if len(sp.Labels) != 0 && len(sp.Labels) != sp.N {
			return fmt.Errorf("%s space: %d labels for %d values", what, len(sp.Labels), sp.N)
		}
	case KindBox:
		if len(sp.Shape) == 0 {
			return fmt.Errorf("%s space: box without a shape", what)
		}
		for _, d := range sp.Shape {
			if d <= 0 {
				return fmt.Errorf("%s space: box shape %v has a non-positive dimension", what, sp.Shape)
			}
		}
		if sp.Low > sp.High {
			return fmt.Errorf("%s space: box low %v > high %v", what, sp.Low, sp.High)
		}
	case KindText, KindToolCalls, KindNone:
	case KindDict:
		for _, f := range sp.Fields {
			if err := f.Space.validate(what + "." + f.Name); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s space: unknown kind %q", what, sp.Kind)
	}
	return nil
}

// UnmarshalJSON reads a tool in MCP's shape {"name", "description",
// "inputSchema"} or in OpenAI's function-tool shape {"type": "function",
// "function": {"name", "description", "parameters"}}, as task files may
// carry either.
func (t *Tool) UnmarshalJSON(b []byte) error {
	var w struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
		Type        string          `json:"type"`
		Function    *struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Function != nil {
		if w.Type != "" && w.Type != "function" {
			return fmt.Errorf("tool of type %q: want \"function\"", w.Type)
		}
		*t = Tool{Name: w.Function.Name, Description: w.Function.Description, InputSchema: w.Function.Parameters}
		return nil
	}
	*t = Tool{Name: w.Name, Description: w.Description, InputSchema: w.InputSchema}
	return nil
}
