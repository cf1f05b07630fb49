package dojo

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// pathRule is the restriction of a registry's path options.
type pathRule struct {
	dir string // the data dir, absolute with symlinks resolved; "" allows no path
}

// WithDataDir returns a registry of the same envs whose Make refuses a
// path option (Option.Path) naming anything outside dir, after cleaning
// the path and resolving its symlinks: the registry a server offers to
// clients it does not trust with the file system. A relative path is taken
// relative to dir, and the env is given the resolved absolute path. An
// option left at its default (the env's own data) is always allowed. With
// dir empty, every path option but the defaults is refused.
//
// The registry returned holds the envs registered so far; envs registered
// in r later are not in it. Calling WithDataDir on it restricts it to the
// new dir instead.
func (r *Registry) WithDataDir(dir string) (*Registry, error) {
	rule := &pathRule{}
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, Errorf(CodeInvalid, "data dir %q: %v", dir, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, Errorf(CodeInvalid, "data dir %q is not a directory", dir)
		}
		rule.dir = abs
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return &Registry{entries: maps.Clone(r.entries), paths: rule}, nil
}

// DataDir reports whether r restricts path options, and to which dir ("":
// none allowed but the defaults).
func (r *Registry) DataDir() (dir string, restricted bool) {
	if r.paths == nil {
		return "", false
	}
	return r.paths.dir, true
}

// check refuses the path options of resolved that name a file outside the
// data dir, and replaces the others by their resolved absolute paths.
func (p *pathRule) check(spec *Spec, resolved Options) error {
	for _, o := range spec.Options {
		if !o.Path {
			continue
		}
		v, ok := resolved[o.Name].(string)
		if !ok || v == "" {
			continue
		}
		if def, _ := o.Default.(string); v == def {
			continue
		}
		field := "options." + o.Name
		if p.dir == "" {
			return &Error{Code: CodeInvalid, Field: field, Msg: fmt.Sprintf("%s: option %q: this server reads no files but its own data (it was started without a data dir), so %q is refused: leave the option at its default", spec.ID, o.Name, v)}
		}
		path := v
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.dir, path)
		}
		// One message whether the path is outside or missing, so that
		// the answer does not tell which files exist outside.
		refused := &Error{Code: CodeInvalid, Field: field, Msg: fmt.Sprintf("%s: option %q: %q is not in the server's data dir, or does not exist: name a file under it (a relative path is taken relative to it)", spec.ID, o.Name, v)}
		real, err := filepath.EvalSymlinks(filepath.Clean(path))
		if err != nil {
			return refused
		}
		rel, err := filepath.Rel(p.dir, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			return refused
		}
		resolved[o.Name] = real
	}
	return nil
}
