package protocol

import (
	"fmt"
	"os"
	"strings"

	"github.com/dojo-rl/dojo"
)

// DefaultMemoryBudget is Server.MemoryBudget's default: the memory the
// envs of one session are estimated to take, at most (2 GiB).
const DefaultMemoryBudget int64 = 2 << 30

// Memory estimates, measured as the heap an env holds after its first
// reset (Go 1.26, amd64), rounded up to cover the peak while it is built.
const (
	envBaseBytes       = 256 << 10 // any env: spec, buffers, a small world
	searchEntityBytes  = 3 << 10   // websim search worlds, per entity of "size" (~1.9 KiB held)
	shopProductBytes   = 4 << 10   // websim shop, per product (~3.7 KiB held)
	corpusFileOverhead = 4         // websim corpora from files: index and pages, per byte of file
)

// EstimateEnvBytes is the memory an env of id with the resolved options
// opts is estimated to take: a base for any env, plus what its size
// options imply (websim's world "size" and shop "products", and the size
// of corpus files it loads). The estimate is deliberately simple and on
// the high side; env/make refuses an env whose estimate does not fit the
// session's budget (Server.MemoryBudget).
func EstimateEnvBytes(id string, opts dojo.Options) int64 {
	n := int64(envBaseBytes)
	if !strings.HasPrefix(id, "websim/") {
		return n
	}
	if v, ok := opts["size"].(int); ok && v > 0 {
		n += int64(v) * searchEntityBytes
	}
	if v, ok := opts["products"].(int); ok && v > 0 {
		n += int64(v) * shopProductBytes
	}
	for _, name := range []string{"corpus", "qa"} {
		if p, ok := opts[name].(string); ok && p != "" {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				n += st.Size() * corpusFileOverhead
			}
		}
	}
	return n
}

// FormatBytes writes a byte count for people: "512 KiB", "1.5 GiB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseBytes reads a byte count such as "2GiB", "512MiB", "300MB", "4096"
// or "0" (binary and decimal units, case-insensitive, an optional space).
func ParseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var v float64
	if _, err := fmt.Sscan(t, &v); err != nil || v < 0 || v*float64(mult) > 1<<62 || t == "" {
		return 0, fmt.Errorf("%q is not a byte count: want a number with an optional unit, such as 2GiB, 512MiB or 300MB", s)
	}
	return int64(v * float64(mult)), nil
}

// reserve books an env's estimate against the session's budget, or says
// why it does not fit; the caller holds ss.mu.
func (ss *session) reserve(h *handle, id string, est int64) *Error {
	if ss.memBudget > 0 && ss.memUsed+est > ss.memBudget {
		return newError(CodeLimit, "options", "env/make: %s with these options is estimated to take %s, and the session's memory budget is %s, of which its %d open envs take %s: close some with env/close, choose smaller options (size, products, corpus), or raise the server's budget (dojo serve --memory-budget)",
			id, FormatBytes(est), FormatBytes(ss.memBudget), len(ss.handles), FormatBytes(ss.memUsed))
	}
	ss.memUsed += est
	h.mem = est
	return nil
}

// unreserve gives an env's estimate back; the caller holds ss.mu.
func (ss *session) unreserve(h *handle) {
	ss.memUsed -= h.mem
	h.mem = 0
}
