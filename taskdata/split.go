package taskdata

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Split is a named range of seeds: the tasks of seeds First to End-1.
type Split struct {
	Name  string
	First uint64
	End   uint64 // exclusive
}

// N is the number of tasks in the split.
func (s Split) N() int { return int(s.End - s.First) }

var splitName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// MaxSplitTasks bounds one split, as dojo gen bounds --n.
const MaxSplitTasks = 100_000_000

// ParseSplits reads --split values: "name=first:end" (seeds first to
// end-1), several separated by commas or given in several values. Names
// are unique; ranges are non-empty and do not overlap, so no task is in
// two splits.
func ParseSplits(values []string) ([]Split, error) {
	var out []Split
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, rng, ok := strings.Cut(part, "=")
			if !ok {
				return nil, fmt.Errorf("split %q: want name=first:end, e.g. train=0:9000 (seeds 0 to 8999)", part)
			}
			if !splitName.MatchString(name) {
				return nil, fmt.Errorf("split %q: the name %q must start with a letter and hold letters, digits, _ or - (it names a file)", part, name)
			}
			a, b, ok := strings.Cut(rng, ":")
			if !ok {
				return nil, fmt.Errorf("split %q: the range %q must be first:end, e.g. 0:9000", part, rng)
			}
			first, err := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("split %q: first seed %q is not a non-negative integer", part, a)
			}
			end, err := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("split %q: end seed %q is not a non-negative integer", part, b)
			}
			if end <= first {
				return nil, fmt.Errorf("split %q: the range is empty (end %d must be above first %d; end is exclusive)", part, end, first)
			}
			if end-first > MaxSplitTasks {
				return nil, fmt.Errorf("split %q: %d tasks is more than %d", part, end-first, MaxSplitTasks)
			}
			out = append(out, Split{Name: name, First: first, End: end})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no split given: want name=first:end[,name=first:end...]")
	}
	for i, s := range out {
		for _, t := range out[:i] {
			if s.Name == t.Name {
				return nil, fmt.Errorf("split %q is named twice", s.Name)
			}
			if s.First < t.End && t.First < s.End {
				return nil, fmt.Errorf("splits %s (%d:%d) and %s (%d:%d) overlap: a task would be in both", t.Name, t.First, t.End, s.Name, s.First, s.End)
			}
		}
	}
	return out, nil
}
