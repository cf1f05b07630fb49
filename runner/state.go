package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/tidwall/gjson"
)

// stateRecorder turns the states of an env (dojo.Stater) into the state
// members of the records: the whole state at Reset, then, at each step, the
// top-level members that changed.
type stateRecorder struct {
	prev    string   // the last state, as JSON
	members []member // its members, substrings of prev

	// The state is encoded straight into a string, which gjson reads
	// without a copy.
	sb  strings.Builder
	enc *json.Encoder
}

// member is one top-level member of a JSON object: its key (with quotes)
// and value, as text of the object.
type member struct{ key, value string }

// reset records the state after Reset: the whole object.
func (r *stateRecorder) reset(s dojo.Stater) (json.RawMessage, error) {
	b, ms, err := r.marshal(s)
	if err != nil {
		return nil, err
	}
	r.prev, r.members = b, ms
	return json.RawMessage(b), nil
}

// step records the state after a step: the members that differ from the
// previous state's (a JSON merge patch, RFC 7386, of the top level: a
// member that disappeared is null), or nil when nothing changed.
func (r *stateRecorder) step(s dojo.Stater) (json.RawMessage, error) {
	b, ms, err := r.marshal(s)
	if err != nil {
		return nil, err
	}
	if b == r.prev {
		return nil, nil
	}
	patch := []byte{'{'}
	add := func(key, value string) {
		if len(patch) > 1 {
			patch = append(patch, ',')
		}
		patch = append(patch, key...)
		patch = append(patch, ':')
		patch = append(patch, value...)
	}
	for _, m := range ms {
		if old, ok := lookupMember(r.members, m.key); !ok || old != m.value {
			add(m.key, m.value)
		}
	}
	for _, m := range r.members {
		if _, ok := lookupMember(ms, m.key); !ok {
			add(m.key, "null")
		}
	}
	r.prev, r.members = b, ms
	if len(patch) == 1 {
		return nil, nil // the same members in another order
	}
	return json.RawMessage(append(patch, '}')), nil
}

func lookupMember(ms []member, key string) (string, bool) {
	for _, m := range ms {
		if m.key == key {
			return m.value, true
		}
	}
	return "", false
}

// marshal marshals the env's state as json.Marshal does and splits it into
// its members.
func (r *stateRecorder) marshal(s dojo.Stater) (string, []member, error) {
	if r.enc == nil {
		r.enc = json.NewEncoder(&r.sb)
	}
	r.sb.Reset()
	if err := r.enc.Encode(s.State()); err != nil {
		return "", nil, dojo.Errorf(dojo.CodeInternal, "the env's State does not marshal to JSON: %v", err)
	}
	b := strings.TrimSuffix(r.sb.String(), "\n") // Encode's newline
	ms, ok := splitObject(b)
	if !ok {
		return "", nil, dojo.Errorf(dojo.CodeInternal, "the env's State is %s, not a JSON object", abbreviate(b))
	}
	return b, ms, nil
}

func abbreviate[T ~string | ~[]byte](b T) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// splitObject splits compact JSON (as encoding/json writes it) holding an
// object into its top-level members. ok is false when b is not an object.
//
// gjson finds the members (it was measured as fast as a scanner of our
// own, with fewer lines); it does not validate, so splitObject checks that
// the members it reports tile the object: a colon joins each key to its
// value, a comma each value to the next key, and the last value ends at
// the closing brace.
func splitObject(b string) (ms []member, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	next := 1 // where the next key must start
	ok = true
	gjson.Parse(b).ForEach(func(key, value gjson.Result) bool {
		k0, v0 := key.Index, value.Index
		k1 := k0 + len(key.Raw)
		if k0 != next || k1 >= len(b) || b[k1] != ':' || v0 != k1+1 || value.Raw == "" {
			ok = false
			return false
		}
		v1 := v0 + len(value.Raw)
		if v1 >= len(b) || (b[v1] != ',' && v1 != len(b)-1) {
			ok = false
			return false
		}
		ms = append(ms, member{key: b[k0:k1], value: b[v0:v1]})
		next = v1 + 1 // past the comma
		return true
	})
	if len(ms) == 0 {
		return nil, ok && len(b) == 2 // {}
	}
	return ms, ok && next == len(b) // the last value ends at the brace

}

// MergeState applies a step's state to the state before it, as a JSON
// merge patch of the top level (RFC 7386 without recursion): each member of
// patch replaces the member of the same key, and a null one removes it. It
// returns the state after the step; an empty patch returns state itself.
func MergeState(state, patch json.RawMessage) (json.RawMessage, error) {
	if len(patch) == 0 {
		return state, nil
	}
	var s map[string]json.RawMessage
	if err := json.Unmarshal(state, &s); err != nil || s == nil {
		return nil, fmt.Errorf("state %s is not a JSON object", abbreviate(state))
	}
	if err := mergeInto(s, patch); err != nil {
		return nil, err
	}
	b, err := json.Marshal(s)
	return json.RawMessage(b), err
}

// mergeInto applies patch to the members s.
func mergeInto(s map[string]json.RawMessage, patch json.RawMessage) error {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil || p == nil {
		return fmt.Errorf("state change %s is not a JSON object", abbreviate(patch))
	}
	for k, v := range p {
		if string(bytes.TrimSpace(v)) == "null" {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return nil
}
