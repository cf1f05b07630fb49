package dojo

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// paths, when not nil, restricts path options (WithDataDir).
	paths *pathRule
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
	if r.paths != nil {
		if err := r.paths.check(&e.spec, resolved); err != nil {
			return nil, err
		}
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

// notFound is the error of an unknown id. It suggests the registered ids
// nearest to it (see nearIDs), else the ids of its family, else dojo list.
func (r *Registry) notFound(id string) error {
	ids := r.IDs()
	near := nearIDs(id, ids)
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

// nearIDs returns at most three of ids near id, nearest first. Ids compare
// without case by their parts, family/Name-vN: an id is near when its name
// is within edit distance max(1, len(name)/3) of id's, or starts with id's
// name (distance 1); they rank by that distance plus 2 for another family
// and 1 for another version, then by the edit distance of the whole ids.
// When some ids have id's very name (up to case), only those are near. So gridworld/FrozenLak-v1 suggests gridworld/FrozenLake-v1 first,
// bandit/FrozenLake-v1 the gridworld FrozenLakes, gridworld/Maze-v0 the
// mazes.
func nearIDs(id string, ids []string) []string {
	fam, name, ver := idParts(strings.ToLower(id))
	type cand struct {
		id               string
		name, cost, full int
	}
	var cs []cand
	for _, x := range ids {
		lx := strings.ToLower(x)
		xfam, xname, xver := idParts(lx)
		d := editDistance(name, xname)
		if len(name) >= 4 && strings.HasPrefix(xname, name) {
			d = min(d, 1) // a variant of the name: Maze for Maze-9x9
		}
		if d > max(1, len(xname)/3) {
			continue
		}
		c := cand{id: x, name: d, cost: d, full: editDistance(strings.ToLower(id), lx)}
		if fam != "" && fam != xfam {
			c.cost += 2
		}
		if ver != xver {
			c.cost++
		}
		cs = append(cs, c)
	}
	if slices.ContainsFunc(cs, func(c cand) bool { return c.name == 0 }) {
		// The name is right (its case, family or version is not): only
		// the ids of that name.
		cs = slices.DeleteFunc(cs, func(c cand) bool { return c.name != 0 })
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		if a.full != b.full {
			return a.full < b.full
		}
		return a.id < b.id
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

// idParts splits family/Name-vN into its family, name and version ("" for
// a part that is absent).
func idParts(id string) (fam, name, ver string) {
	name = id
	if i := strings.IndexByte(id, '/'); i >= 0 {
		fam, name = id[:i], id[i+1:]
	}
	if i := strings.LastIndex(name, "-v"); i > 0 && i+2 < len(name) && strings.Trim(name[i+2:], "0123456789") == "" {
		name, ver = name[:i], name[i+2:]
	}
	return fam, name, ver
}

// editDistance is the edit distance between a and b in bytes (ids are
// ASCII): the fewest insertions, deletions, substitutions and swaps of
// adjacent bytes that turn one into the other. It is a copy of
// internal/suggest.Distance, as the root package imports nothing of the
// module; TestEditDistanceIsSuggestDistance holds the two together.
func editDistance(a, b string) int {
	prev2, prev, row := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		row[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			row[j] = min(sub, prev[j]+1, row[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				row[j] = min(row[j], prev2[j-2]+1)
			}
		}
		prev2, prev, row = prev, row, prev2
	}
	return prev[len(b)]
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
