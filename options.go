package dojo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// OptionType is the type of an option's value.
type OptionType string

// Option types. Values in Options have the Go types given here.
const (
	OptInt     OptionType = "int"     // int
	OptFloat   OptionType = "float"   // float64
	OptBool    OptionType = "bool"    // bool
	OptString  OptionType = "string"  // string; restricted to Choices when given
	OptStrings OptionType = "strings" // []string
	OptReward  OptionType = "reward"  // string (a profile name) or map[string]float64
	OptJSON    OptionType = "json"    // any JSON value, decoded
)

// Option describes one option an env accepts.
type Option struct {
	Name        string     `json:"name"`
	Type        OptionType `json:"type"`
	Default     any        `json:"default"`
	Description string     `json:"description"`
	Choices     []string   `json:"choices,omitempty"`
	Min         *float64   `json:"min,omitempty"`
	Max         *float64   `json:"max,omitempty"`
	// Path marks an option (of type string) that names a file or folder
	// the env reads: a registry restricted to a data dir
	// (Registry.WithDataDir) refuses paths outside it.
	Path bool `json:"path,omitempty"`
}

// Range returns the option with numeric bounds set.
func (o Option) Range(min, max float64) Option {
	o.Min, o.Max = &min, &max
	return o
}

func (o Option) validateSelf() error {
	if o.Name == "" {
		return fmt.Errorf("option without a name")
	}
	switch o.Type {
	case OptInt, OptFloat, OptBool, OptString, OptStrings, OptReward, OptJSON:
	default:
		return fmt.Errorf("option %q: unknown type %q", o.Name, o.Type)
	}
	if o.Path && o.Type != OptString {
		return fmt.Errorf("option %q: a path option must be of type string", o.Name)
	}
	if o.Default == nil {
		return nil
	}
	if _, err := o.coerce(o.Default); err != nil {
		return fmt.Errorf("option %q: default: %v", o.Name, err)
	}
	return nil
}

// coerce checks v against the option's type and returns it in canonical Go
// form. v may come from JSON decoding (float64 for numbers) or Go code.
func (o Option) coerce(v any) (any, error) {
	switch o.Type {
	case OptInt:
		var i int
		switch x := v.(type) {
		case int:
			i = x
		case int64:
			i = int(x)
		case uint64:
			if x > math.MaxInt64 {
				return nil, fmt.Errorf("%d is too large", x)
			}
			i = int(x)
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("%v is not an integer", x)
			}
			i = int(x)
		case json.Number:
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s is not an integer", x)
			}
			i = int(n)
		default:
			return nil, fmt.Errorf("want an integer, got %s", describe(v))
		}
		if err := o.inRange(float64(i)); err != nil {
			return nil, err
		}
		return i, nil
	case OptFloat:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int:
			f = float64(x)
		case json.Number:
			n, err := x.Float64()
			if err != nil {
				return nil, fmt.Errorf("%s is not a number", x)
			}
			f = n
		default:
			return nil, fmt.Errorf("want a number, got %s", describe(v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a finite number", f)
		}
		if err := o.inRange(f); err != nil {
			return nil, err
		}
		return f, nil
	case OptBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want true or false, got %s", describe(v))
		}
		return b, nil
	case OptString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", describe(v))
		}
		if len(o.Choices) > 0 && !slices.Contains(o.Choices, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(o.Choices, ", "))
		}
		return s, nil
	case OptStrings:
		switch x := v.(type) {
		case []string:
			return slices.Clone(x), nil
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("element %d: want a string, got %s", i, describe(e))
				}
				out[i] = s
			}
			return out, nil
		case string: // a comma-separated list, as typed on a command line
			return strings.Split(x, ","), nil
		}
		return nil, fmt.Errorf("want a list of strings, got %s", describe(v))
	case OptReward:
		switch x := v.(type) {
		case string:
			return x, nil
		case map[string]float64:
			return maps2(x), nil
		case map[string]any:
			out := make(map[string]float64, len(x))
			for k, e := range x {
				f, ok := e.(float64)
				if !ok {
					if i, isInt := e.(int); isInt {
						f, ok = float64(i), true
					}
				}
				if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, fmt.Errorf("weight of %q: want a finite number, got %s", k, describe(e))
				}
				out[k] = f
			}
			return out, nil
		}
		return nil, fmt.Errorf("want a profile name or an object of weights, got %s", describe(v))
	case OptJSON:
		return v, nil
	}
	return nil, fmt.Errorf("unknown option type %q", o.Type)
}

func maps2(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (o Option) inRange(f float64) error {
	if o.Min != nil && f < *o.Min {
		return fmt.Errorf("%v is below the minimum %v", f, *o.Min)
	}
	if o.Max != nil && f > *o.Max {
		return fmt.Errorf("%v is above the maximum %v", f, *o.Max)
	}
	return nil
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case bool, float64, int:
		return fmt.Sprintf("%v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Options are option values by name. Options returned by Spec.Resolve hold
// every option of the spec, defaults filled in, in the Go types that
// OptionType documents, so the getters below never fail on them.
type Options map[string]any

// Int returns the named int option (0 if absent).
func (o Options) Int(name string) int { v, _ := o[name].(int); return v }

// Float returns the named float option (0 if absent).
func (o Options) Float(name string) float64 { v, _ := o[name].(float64); return v }

// Bool returns the named bool option (false if absent).
func (o Options) Bool(name string) bool { v, _ := o[name].(bool); return v }

// String returns the named string option ("" if absent).
func (o Options) String(name string) string { v, _ := o[name].(string); return v }

// Strings returns the named list option (nil if absent).
func (o Options) Strings(name string) []string { v, _ := o[name].([]string); return v }

// Clone returns a copy of the options without those whose value is nil
// (unset, with no default): what a generated Task records, so a verifier
// rebuilds the same env.
func (o Options) Clone() Options {
	out := make(Options, len(o))
	for k, v := range o {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// ParseOptions decodes a JSON object of options. An empty input is no
// options.
func ParseOptions(b []byte) (Options, error) {
	if len(strings.TrimSpace(string(b))) == 0 || string(b) == "null" {
		return Options{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, Errorf(CodeInvalid, "options: want a JSON object: %v", err).WithField("options")
	}
	return Options(m), nil
}

// Resolve validates given options against the spec and returns every
// option, with defaults for those not given. An unknown option, a value of
// the wrong type or out of range, and an unknown reward profile or
// component are errors that name the option.
func (s *Spec) Resolve(given Options) (Options, error) {
	out := make(Options, len(s.Options))
	var unknown []string
	for k := range given {
		if _, ok := s.Option(k); !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		names := make([]string, len(s.Options))
		for i, o := range s.Options {
			names[i] = o.Name
		}
		return nil, Errorf(CodeInvalid, "%s: unknown option %q (options: %s)", s.ID, unknown[0], strings.Join(names, ", ")).WithField("options." + unknown[0])
	}
	for _, o := range s.Options {
		v, ok := given[o.Name]
		if !ok || v == nil {
			if o.Default != nil {
				d, _ := o.coerce(o.Default)
				out[o.Name] = d
			}
			continue
		}
		c, err := o.coerce(v)
		if err != nil {
			return nil, Errorf(CodeInvalid, "%s: option %q: %v", s.ID, o.Name, err).WithField("options." + o.Name)
		}
		out[o.Name] = c
	}
	if o, ok := s.Option(RewardOption); ok && o.Type == OptReward {
		if _, err := s.Weights(out[RewardOption]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ParseOptionString converts text typed on a command line (--opt k=v) to a
// value for the named option: numbers, booleans and JSON for int, float,
// bool, json and object-valued reward options; text for strings;
// comma-separated text for lists. For reward options "a=1,b=0.5" is an
// explicit weight map.
func (s *Spec) ParseOptionString(name, text string) (any, error) {
	o, ok := s.Option(name)
	if !ok {
		names := make([]string, len(s.Options))
		for i, o := range s.Options {
			names[i] = o.Name
		}
		return nil, Errorf(CodeInvalid, "%s: unknown option %q (options: %s)", s.ID, name, strings.Join(names, ", ")).WithField("options." + name)
	}
	var v any
	switch o.Type {
	case OptString:
		v = text
	case OptStrings:
		if strings.HasPrefix(strings.TrimSpace(text), "[") {
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				return nil, Errorf(CodeInvalid, "%s: option %q: %v", s.ID, name, err).WithField("options." + name)
			}
		} else {
			v = text
		}
	case OptReward:
		w, err := ParseWeights(text)
		if err != nil {
			return nil, Errorf(CodeInvalid, "%s: option %q: %v", s.ID, name, err).WithField("options." + name)
		}
		if w == nil {
			v = text
		} else {
			v = w
		}
	default:
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, Errorf(CodeInvalid, "%s: option %q: %q is not a valid %s", s.ID, name, text, o.Type).WithField("options." + name)
		}
	}
	c, err := o.coerce(v)
	if err != nil {
		return nil, Errorf(CodeInvalid, "%s: option %q: %v", s.ID, name, err).WithField("options." + name)
	}
	return c, nil
}

// ParseWeights parses a reward profile typed as text: a JSON object, or
// "name=weight,name=weight". A bare profile name returns nil, nil.
func ParseWeights(text string) (map[string]float64, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "{") {
		var m map[string]float64
		if err := json.Unmarshal([]byte(t), &m); err != nil {
			return nil, fmt.Errorf("weights %q: %v", text, err)
		}
		return m, nil
	}
	if !strings.Contains(t, "=") {
		return nil, nil
	}
	m := map[string]float64{}
	for _, kv := range strings.Split(t, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || k == "" || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("weights %q: %q is not name=number", text, kv)
		}
		m[k] = f
	}
	return m, nil
}

// RewardOption is the name of the option, present on every env, that
// chooses the reward profile.
const RewardOption = "reward"

// Weights resolves a reward profile against the spec's components: nil or
// "" is the default profile; "sparse" weighs success 1 and the rest 0;
// "shaped" uses each component's Shaped weight; another name is one of
// Spec.Profiles; a map gives explicit weights (components it omits weigh 0).
// The result is indexed like Spec.Rewards.
func (s *Spec) Weights(profile any) ([]float64, error) {
	w := make([]float64, len(s.Rewards))
	named := func(name string) error {
		switch name {
		case "sparse":
			for i, c := range s.Rewards {
				if c.Name == SuccessComponent {
					w[i] = 1
				}
			}
		case "shaped":
			for i, c := range s.Rewards {
				w[i] = c.Shaped
			}
		default:
			p, ok := s.Profiles[name]
			if !ok {
				names := []string{"sparse", "shaped"}
				for n := range s.Profiles {
					names = append(names, n)
				}
				sort.Strings(names[2:])
				return Errorf(CodeInvalid, "%s: unknown reward profile %q (profiles: %s, or an object of component weights)", s.ID, name, strings.Join(names, ", ")).WithField("options." + RewardOption)
			}
			for i, c := range s.Rewards {
				w[i] = p[c.Name]
			}
		}
		return nil
	}
	switch p := profile.(type) {
	case nil:
		return w, named(s.DefaultProfile)
	case string:
		if p == "" {
			p = s.DefaultProfile
		}
		return w, named(p)
	case map[string]float64:
		for k, v := range p {
			i := slices.IndexFunc(s.Rewards, func(c Component) bool { return c.Name == k })
			if i < 0 {
				names := make([]string, len(s.Rewards))
				for j, c := range s.Rewards {
					names[j] = c.Name
				}
				return nil, Errorf(CodeInvalid, "%s: reward weights name unknown component %q (components: %s)", s.ID, k, strings.Join(names, ", ")).WithField("options." + RewardOption)
			}
			w[i] = v
		}
		return w, nil
	}
	return nil, Errorf(CodeInvalid, "%s: reward profile: want a name or an object of weights, got %s", s.ID, describe(profile)).WithField("options." + RewardOption)
}
