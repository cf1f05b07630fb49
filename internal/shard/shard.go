// Package shard splits a run's work (episodes, tasks, a benchmark's
// tasks) into n shards that machines play without talking to each other,
// and merges the shards' files back into the file one machine would have
// written.
//
// # Which items a shard plays
//
// Shard i of n (0-based) plays the items whose index is ≡ i mod n
// (round-robin), with the seeds the unsharded run gives them (item k has
// seed base+k). Round-robin rather than contiguous blocks because items
// differ in cost along the index (a benchmark's entries come in order,
// and within an entry later seeds are no cheaper): every shard gets an
// even slice of every entry, so shards finish together; and which shard
// owns an item does not depend on the number of items, so a benchmark's
// entries of any size split the same way.
//
// # Where the shard comes from
//
// Resolve takes the --shard flag, else the environment: DOJO_SHARD
// ("i/n"), else JOB_COMPLETION_INDEX with DOJO_SHARDS (a Kubernetes
// Indexed Job), else SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (a
// Slurm job array; SLURM_ARRAY_TASK_MIN, when set, is subtracted, so that
// --array=1-8 gives shards 0..7). The flag value "none" runs unsharded
// whatever the environment says. A variable of a pair set without the
// other, an index not below the count, or anything that is not a number
// is an error naming the variable.
//
// # Tags and merges
//
// Each line a shard writes (an episode record, a task) is a JSON object
// that ends with a Tag member, "shard":{"index":i,"count":n,"total":N,
// "seed":S}: the shard, the number of items of the whole work and the
// seed of item 0. Cut removes exactly those bytes again, so that a merged
// file holds, item for item, the very lines the unsharded run writes.
// Merge checks that the files given are the n shards of one piece of work,
// each complete and each once, and writes the items in index order.
package shard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Shard is shard Index of Count. The zero value (Count 0) is no shard:
// the whole work.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Sharded reports whether s is a shard rather than the whole work.
func (s Shard) Sharded() bool { return s.Count > 0 }

// String is "i/n", or "none" for the zero Shard.
func (s Shard) String() string {
	if !s.Sharded() {
		return "none"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Owns reports whether item k belongs to the shard (always, unsharded).
func (s Shard) Owns(k int) bool {
	return !s.Sharded() || k%s.Count == s.Index
}

// Size is the number of the total items that the shard owns.
func (s Shard) Size(total int) int {
	if !s.Sharded() {
		return total
	}
	if total <= s.Index {
		return 0
	}
	return (total-s.Index-1)/s.Count + 1
}

// Parse reads "i/n": 0 ≤ i < n. "none" (or "") is the zero Shard.
func Parse(v string) (Shard, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "none" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4 (shards count from 0)", v)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n with whole numbers i and n, e.g. 0/4", v)
	}
	return newShard(i, n, fmt.Sprintf("shard %q", v))
}

func newShard(i, n int, what string) (Shard, error) {
	switch {
	case n < 1:
		return Shard{}, fmt.Errorf("%s: %d shards: want at least 1", what, n)
	case i < 0:
		return Shard{}, fmt.Errorf("%s: index %d is negative (shards count from 0)", what, i)
	case i >= n:
		return Shard{}, fmt.Errorf("%s: index %d is not below the count %d (shards count from 0: the last of %d is %d)", what, i, n, n, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// Resolve returns the shard the flag value names, else the one the
// environment names (see the package doc), with a word on where it came
// from ("--shard", "DOJO_SHARD", ...), "" when unsharded.
func Resolve(flag string, getenv func(string) string) (Shard, string, error) {
	if strings.TrimSpace(flag) != "" {
		s, err := Parse(flag)
		if err != nil {
			return Shard{}, "", fmt.Errorf("--shard: %w", err)
		}
		if !s.Sharded() {
			return s, "", nil
		}
		return s, "--shard " + s.String(), nil
	}
	if v := getenv("DOJO_SHARD"); v != "" {
		s, err := Parse(v)
		if err != nil {
			return Shard{}, "", fmt.Errorf("DOJO_SHARD: %w", err)
		}
		if !s.Sharded() {
			return s, "", nil
		}
		return s, "DOJO_SHARD=" + v, nil
	}
	if s, src, err := pair(getenv, "JOB_COMPLETION_INDEX", "DOJO_SHARDS", ""); err != nil || src != "" {
		return s, src, err
	}
	return pair(getenv, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN")
}

// pair reads a shard from an index and a count variable, both or
// neither set; minVar, when set, is subtracted from the index.
func pair(getenv func(string) string, idxVar, countVar, minVar string) (Shard, string, error) {
	iv, nv := getenv(idxVar), getenv(countVar)
	switch {
	case iv == "" && nv == "":
		return Shard{}, "", nil
	case nv == "":
		return Shard{}, "", fmt.Errorf("%s=%s is set but %s is not: set %s to the number of shards (or run with --shard i/n, or --shard none to play the whole work)", idxVar, iv, countVar, countVar)
	case iv == "":
		return Shard{}, "", fmt.Errorf("%s=%s is set but %s is not: both or neither", countVar, nv, idxVar)
	}
	i, err := strconv.Atoi(strings.TrimSpace(iv))
	if err != nil {
		return Shard{}, "", fmt.Errorf("%s=%q: not a whole number", idxVar, iv)
	}
	n, err := strconv.Atoi(strings.TrimSpace(nv))
	if err != nil {
		return Shard{}, "", fmt.Errorf("%s=%q: not a whole number", countVar, nv)
	}
	src := fmt.Sprintf("%s=%s, %s=%s", idxVar, iv, countVar, nv)
	if minVar != "" {
		if mv := getenv(minVar); mv != "" {
			m, err := strconv.Atoi(strings.TrimSpace(mv))
			if err != nil {
				return Shard{}, "", fmt.Errorf("%s=%q: not a whole number", minVar, mv)
			}
			i -= m
			src += fmt.Sprintf(", %s=%s", minVar, mv)
		}
	}
	s, err := newShard(i, n, src)
	if err != nil {
		return Shard{}, "", err
	}
	return s, src, nil
}

// Tag is what each line of a shard's file says about it: the shard, the
// number of items of the whole work (Total) and the seed of item 0.
type Tag struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	Total int    `json:"total"`
	Seed  uint64 `json:"seed"`
}

// Shard is the shard the tag names.
func (t Tag) Shard() Shard { return Shard{Index: t.Index, Count: t.Count} }

// String says which shard of what: "shard 1/3 of 10 items from seed 0".
func (t Tag) String() string {
	return fmt.Sprintf("shard %d/%d of %d items from seed %d", t.Index, t.Count, t.Total, t.Seed)
}

// tagKey opens the member Append adds.
var tagKey = []byte(`,"shard":`)

// Append returns the JSON object line (without its newline) with the tag
// added as its last member.
func (t Tag) Append(line []byte) []byte {
	b, _ := json.Marshal(t) // a struct of numbers: cannot fail
	line = bytes.TrimRight(line, " \t\r\n")
	out := make([]byte, 0, len(line)+len(tagKey)+len(b))
	out = append(out, line[:len(line)-1]...)
	out = append(out, tagKey...)
	out = append(out, b...)
	return append(out, '}')
}

// Cut splits a line written by Append into its tag and the line without
// it. ok is false when the line has no tag at its end (a line of an
// unsharded run); an error says the tag is malformed.
func Cut(line []byte) (tag Tag, rest []byte, ok bool, err error) {
	line = bytes.TrimRight(line, " \t\r\n")
	k := bytes.LastIndex(line, tagKey)
	if k < 0 || !bytes.HasSuffix(line, []byte("}}")) {
		return Tag{}, line, false, nil
	}
	body := line[k+len(tagKey) : len(line)-1]
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tag); err != nil || dec.More() {
		if err == nil {
			err = fmt.Errorf("trailing data")
		}
		return Tag{}, line, false, fmt.Errorf("malformed shard tag %s: %v", body, err)
	}
	// The tag must be exactly what Append writes, or cutting it would
	// not give back the unsharded line.
	if want, _ := json.Marshal(tag); !bytes.Equal(want, body) {
		return Tag{}, line, false, fmt.Errorf("shard tag %s is not in the form dojo writes (%s)", body, want)
	}
	if _, err := newShard(tag.Index, tag.Count, "shard tag"); err != nil {
		return Tag{}, line, false, err
	}
	if tag.Total < 0 {
		return Tag{}, line, false, fmt.Errorf("shard tag: total %d is negative", tag.Total)
	}
	rest = make([]byte, 0, k+1)
	rest = append(rest, line[:k]...)
	return tag, append(rest, '}'), true, nil
}
