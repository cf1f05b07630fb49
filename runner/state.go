package runner

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/jsonscan"
)

// stateRecorder turns the states of an env (dojo.Stater) into the state
// members of the records: the whole state at Reset, then, at each step, the
// top-level members that changed.
type stateRecorder struct {
	prev    []byte   // the last state, as JSON
	members []member // its members, slices of prev
}

// member is one top-level member of a JSON object: its key (with quotes)
// and value, as bytes of the object.
type member struct{ key, value []byte }

// reset records the state after Reset: the whole object.
func (r *stateRecorder) reset(s dojo.Stater) (json.RawMessage, error) {
	b, ms, err := marshalState(s)
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
	b, ms, err := marshalState(s)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(b, r.prev) {
		return nil, nil
	}
	patch := []byte{'{'}
	add := func(key, value []byte) {
		if len(patch) > 1 {
			patch = append(patch, ',')
		}
		patch = append(patch, key...)
		patch = append(patch, ':')
		patch = append(patch, value...)
	}
	for _, m := range ms {
		if old, ok := lookupMember(r.members, m.key); !ok || !bytes.Equal(old, m.value) {
			add(m.key, m.value)
		}
	}
	for _, m := range r.members {
		if _, ok := lookupMember(ms, m.key); !ok {
			add(m.key, []byte("null"))
		}
	}
	r.prev, r.members = b, ms
	if len(patch) == 1 {
		return nil, nil // the same members in another order
	}
	return json.RawMessage(append(patch, '}')), nil
}

func lookupMember(ms []member, key []byte) ([]byte, bool) {
	for _, m := range ms {
		if bytes.Equal(m.key, key) {
			return m.value, true
		}
	}
	return nil, false
}

// marshalState marshals the env's state and splits it into its members.
func marshalState(s dojo.Stater) ([]byte, []member, error) {
	b, err := json.Marshal(s.State())
	if err != nil {
		return nil, nil, dojo.Errorf(dojo.CodeInternal, "the env's State does not marshal to JSON: %v", err)
	}
	ms, ok := splitObject(b)
	if !ok {
		return nil, nil, dojo.Errorf(dojo.CodeInternal, "the env's State is %s, not a JSON object", abbreviate(b))
	}
	return b, ms, nil
}

func abbreviate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// splitObject splits compact JSON (as encoding/json writes it) holding an
// object into its top-level members. ok is false when b is not an object.
func splitObject(b []byte) (ms []member, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	i := 1
	for i < len(b)-1 {
		if b[i] == ',' {
			i++
		}
		k0 := i
		i = jsonscan.Value(b, i)
		if i < 0 || i >= len(b) || b[i] != ':' || b[k0] != '"' {
			return nil, false
		}
		k1 := i
		i++
		v0 := i
		i = jsonscan.Value(b, i)
		if i < 0 {
			return nil, false
		}
		ms = append(ms, member{key: b[k0:k1], value: b[v0:i]})
	}
	return ms, true
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
