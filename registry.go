package dojo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Factory makes an env from resolved options (every option of the spec
// present, defaults filled in).
type Factory func(opts Options) (Env, error)

// Registry maps env ids to factories. Its zero value is empty and ready to
// use; it is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	entries map[string]entry
}

type entry struct {
	spec    Spec
	factory Factory
}

// Register adds an env. The spec is the env's description with default
// options; Register adds the "reward" option when the spec lacks it and
// validates the spec. Registering an id twice is an error.
func (r *Registry) Register(spec Spec, f Factory) error {
	if f == nil {
		return Errorf(CodeInvalid, "register %s: nil factory", spec.ID)
	}
	if _, ok := spec.Option(RewardOption); !ok {
		spec.Options = append(spec.Options, Option{
			Name:        RewardOption,
			Type:        OptReward,
			Description: "reward profile: sparse, shaped, a named preset, or an object of component weights",
		})
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = map[string]entry{}
	}
	if _, dup := r.entries[spec.ID]; dup {
		return Errorf(CodeInvalid, "register %s: id already registered", spec.ID)
	}
	r.entries[spec.ID] = entry{spec: spec, factory: f}
	return nil
}

// MustRegister is Register for package-level wiring; it panics on error.
func (r *Registry) MustRegister(spec Spec, f Factory) {
	if err := r.Register(spec, f); err != nil {
		panic(err)
	}
}

// Spec returns the registered spec of id (with default options).
func (r *Registry) Spec(id string) (Spec, error) {
	r.mu.RLock()
	e, ok := r.entries[id]
	r.mu.RUnlock()
	if !ok {
		return Spec{}, r.notFound(id)
	}
	return e.spec, nil
}

// Make validates opts against the spec of id and makes the env. A nil opts
// is no options.
func (r *Registry) Make(id string, opts Options) (Env, error) {
	r.mu.RLock()
	e, ok := r.entries[id]
	r.mu.RUnlock()
	if !ok {
		return nil, r.notFound(id)
	}
	resolved, err := e.spec.Resolve(opts)
	if err != nil {
		return nil, err
	}
	env, err := e.factory(resolved)
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, Errorf(CodeInvalid, "%s: %w", id, err)
	}
	return env, nil
}

// IDs returns the registered ids, sorted.
func (r *Registry) IDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.entries))
	for id := range r.entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Specs returns the registered specs, sorted by id.
func (r *Registry) Specs() []Spec {
	ids := r.IDs()
	out := make([]Spec, 0, len(ids))
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, id := range ids {
		out = append(out, r.entries[id].spec)
	}
	return out
}

func (r *Registry) notFound(id string) error {
	ids := r.IDs()
	// Suggest ids whose name (without family and version) appears in the
	// request, then ids of the same family.
	low := strings.ToLower(id)
	var near []string
	for _, x := range ids {
		name := strings.ToLower(x[strings.IndexByte(x, '/')+1:])
		if i := strings.LastIndex(name, "-v"); i > 0 {
			name = name[:i]
		}
		if strings.Contains(low, name) {
			near = append(near, x)
		}
	}
	if len(near) == 0 {
		for _, x := range ids {
			if Family(x) == Family(id) {
				near = append(near, x)
			}
		}
	}
	msg := fmt.Sprintf("unknown env id %q", id)
	if len(near) > 0 {
		if len(near) > 8 {
			near = append(near[:8], "...")
		}
		msg += " (did you mean " + strings.Join(near, ", ") + "?)"
	} else {
		msg += " (dojo list shows the ids)"
	}
	return &Error{Code: CodeNotFound, Field: "id", Msg: msg}
}

// Close closes env if it implements io.Closer.
func Close(env Env) error {
	if c, ok := env.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// CheckContext returns a dojo error for a done context.
func CheckContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &Error{Code: CodeTimeout, Msg: "deadline exceeded", Err: err}
		}
		return &Error{Code: CodeCanceled, Msg: "canceled", Err: err}
	}
	return nil
}

var (
	contextDeadline = context.DeadlineExceeded
	contextCanceled = context.Canceled
)
