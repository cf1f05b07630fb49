package shard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		err  string
	}{
		{"0/1", Shard{0, 1}, ""},
		{"2/7", Shard{2, 7}, ""},
		{" 1 / 3 ", Shard{1, 3}, ""},
		{"none", Shard{}, ""},
		{"", Shard{}, ""},
		{"3/3", Shard{}, "index 3 is not below the count 3"},
		{"-1/3", Shard{}, "negative"},
		{"0/0", Shard{}, "want at least 1"},
		{"1", Shard{}, "want i/n"},
		{"a/3", Shard{}, "whole numbers"},
	} {
		got, err := Parse(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q): error %v, want one saying %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		name string
		flag string
		env  map[string]string
		want Shard
		src  string
		err  string
	}{
		{"nothing", "", nil, Shard{}, "", ""},
		{"flag", "1/4", nil, Shard{1, 4}, "--shard 1/4", ""},
		{"flag wins", "1/4", map[string]string{"DOJO_SHARD": "2/3", "SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2"}, Shard{1, 4}, "--shard 1/4", ""},
		{"flag none wins", "none", map[string]string{"DOJO_SHARD": "2/3"}, Shard{}, "", ""},
		{"DOJO_SHARD", "", map[string]string{"DOJO_SHARD": "2/3", "JOB_COMPLETION_INDEX": "0", "DOJO_SHARDS": "5"}, Shard{2, 3}, "DOJO_SHARD=2/3", ""},
		{"bad DOJO_SHARD", "", map[string]string{"DOJO_SHARD": "3/3"}, Shard{}, "", "DOJO_SHARD: shard \"3/3\": index 3"},
		{"kubernetes", "", map[string]string{"JOB_COMPLETION_INDEX": "4", "DOJO_SHARDS": "5"}, Shard{4, 5}, "JOB_COMPLETION_INDEX=4, DOJO_SHARDS=5", ""},
		{"kubernetes half", "", map[string]string{"JOB_COMPLETION_INDEX": "4"}, Shard{}, "", "JOB_COMPLETION_INDEX=4 is set but DOJO_SHARDS is not"},
		{"kubernetes other half", "", map[string]string{"DOJO_SHARDS": "4"}, Shard{}, "", "DOJO_SHARDS=4 is set but JOB_COMPLETION_INDEX is not"},
		{"kubernetes beyond", "", map[string]string{"JOB_COMPLETION_INDEX": "5", "DOJO_SHARDS": "5"}, Shard{}, "", "index 5 is not below the count 5"},
		{"kubernetes not a number", "", map[string]string{"JOB_COMPLETION_INDEX": "x", "DOJO_SHARDS": "5"}, Shard{}, "", `JOB_COMPLETION_INDEX="x": not a whole number`},
		{"slurm", "", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"}, Shard{2, 3}, "SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3", ""},
		{"slurm from 1", "", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"}, Shard{2, 3}, "SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MIN=1", ""},
		{"slurm half", "", map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, Shard{}, "", "SLURM_ARRAY_TASK_ID=2 is set but SLURM_ARRAY_TASK_COUNT is not"},
		{"slurm beyond", "", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"}, Shard{}, "", "index 3 is not below the count 3"},
		{"bad flag", "x", nil, Shard{}, "", "--shard: shard \"x\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, src, err := Resolve(c.flag, func(k string) string { return c.env[k] })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want || src != c.src {
				t.Fatalf("got %v %q %v, want %v %q", got, src, err, c.want, c.src)
			}
		})
	}
}

func TestOwnsAndSize(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for total := range 20 {
			seen := make([]int, total)
			sizes := 0
			for i := range n {
				s := Shard{i, n}
				own := 0
				for k := range total {
					if s.Owns(k) {
						seen[k]++
						own++
					}
				}
				if own != s.Size(total) {
					t.Errorf("%v of %d: owns %d items, Size says %d", s, total, own, s.Size(total))
				}
				sizes += own
			}
			for k, c := range seen {
				if c != 1 {
					t.Errorf("%d shards of %d: item %d owned %d times", n, total, k, c)
				}
			}
			if sizes != total {
				t.Errorf("%d shards of %d: sizes add up to %d", n, total, sizes)
			}
		}
	}
}

func TestTagRoundTrip(t *testing.T) {
	line := []byte(`{"episode":4,"seed":7,"usage":{"a":1}}`)
	tag := Tag{Index: 1, Count: 3, Total: 10, Seed: 3}
	tagged := tag.Append(line)
	if want := `{"episode":4,"seed":7,"usage":{"a":1},"shard":{"index":1,"count":3,"total":10,"seed":3}}`; string(tagged) != want {
		t.Fatalf("Append = %s, want %s", tagged, want)
	}
	if !json.Valid(tagged) {
		t.Fatalf("tagged line is not JSON: %s", tagged)
	}
	got, rest, ok, err := Cut(tagged)
	if err != nil || !ok || got != tag || !bytes.Equal(rest, line) {
		t.Fatalf("Cut = %v %s %v %v", got, rest, ok, err)
	}
	if _, rest, ok, err := Cut(line); ok || err != nil || !bytes.Equal(rest, line) {
		t.Fatalf("Cut of an untagged line = %s %v %v", rest, ok, err)
	}
	for _, bad := range []string{
		`{"a":1,"shard":{"index":3,"count":3,"total":10,"seed":0}}`,
		`{"a":1,"shard":{"count":3,"index":1,"total":10,"seed":0}}`,
		`{"a":1,"shard":{"index":1,"count":3,"total":10,"seed":0,"x":1}}`,
	} {
		if _, _, _, err := Cut([]byte(bad)); err == nil {
			t.Errorf("Cut(%s): no error", bad)
		}
	}
}

// write writes the items of shard s of total items (seed base 0) as
// tagged lines {"k":K,"id":ID} to a file, skipping the keys in skip.
func write(t *testing.T, dir string, s Shard, total int, id string, skip ...int) string {
	t.Helper()
	var b bytes.Buffer
	for k := total - 1; k >= 0; k-- { // any order: shards write in finish order
		if !s.Owns(k) || contains(skip, k) {
			continue
		}
		b.Write(Tag{Index: s.Index, Count: s.Count, Total: total}.Append(fmt.Appendf(nil, `{"k":%d,"id":%q}`, k, id)))
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, fmt.Sprintf("s%d-of-%d-%s.jsonl", s.Index, s.Count, id))
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func contains(s []int, k int) bool {
	for _, x := range s {
		if x == k {
			return true
		}
	}
	return false
}

func readItem(line []byte, tag Tag) (Item, error) {
	var v struct {
		K  *int   `json:"k"`
		ID string `json:"id"`
	}
	if err := json.Unmarshal(line, &v); err != nil || v.K == nil {
		return Item{}, fmt.Errorf("not an item: %s", line)
	}
	return Item{Key: *v.K, Identity: "work " + v.ID}, nil
}

func merge(paths ...string) (string, error) {
	var in []Input
	for _, p := range paths {
		in = append(in, Input{Path: p, Name: filepath.Base(p)})
	}
	var b bytes.Buffer
	_, err := Merge(in, nil, readItem, &b)
	return b.String(), err
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	const total = 10
	var want strings.Builder
	for k := range total {
		fmt.Fprintf(&want, `{"k":%d,"id":"a"}`+"\n", k)
	}
	for _, n := range []int{1, 2, 3, 7} {
		var paths []string
		for i := n - 1; i >= 0; i-- {
			paths = append(paths, write(t, dir, Shard{i, n}, total, "a"))
		}
		got, err := merge(paths...)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		if got != want.String() {
			t.Fatalf("%d shards merge to\n%s\nwant\n%s", n, got, want.String())
		}
	}

	s0 := write(t, dir, Shard{0, 3}, total, "a")
	s1 := write(t, dir, Shard{1, 3}, total, "a")
	s2 := write(t, dir, Shard{2, 3}, total, "a")
	for _, c := range []struct {
		name  string
		paths []string
		err   string
	}{
		{"missing", []string{s0, s2}, "shard 1/3 missing"},
		{"duplicate", []string{s0, s1, s1, s2}, "s1-of-3-a.jsonl and s1-of-3-a.jsonl are both shard 1/3"},
		{"mismatched work", []string{s0, write(t, dir, Shard{1, 3}, total, "b"), s2}, "s1-of-3-b.jsonl line 1: shards of different work: this line is of work b, but s0-of-3-a.jsonl line 1 is of work a"},
		{"other count", []string{s0, s1, write(t, dir, Shard{2, 4}, total, "a")}, "s2-of-4-a.jsonl: shard 2/4 of 10 items from seed 0, but s0-of-3-a.jsonl: shard 0/3"},
		{"other work, incomplete", []string{s0, write(t, dir, Shard{1, 3}, total, "x", 4), s2}, "s1-of-3-x.jsonl line 1: shards of different work"},
		{"no shard", []string{s0}, "shard 1/3, 2/3 missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := merge(c.paths...)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one saying %q", err, c.err)
			}
		})
	}

	t.Run("incomplete shard", func(t *testing.T) {
		d := t.TempDir()
		a := write(t, d, Shard{0, 2}, total, "a")
		b := write(t, d, Shard{1, 2}, total, "a", 3, 7)
		_, err := merge(a, b)
		if err == nil || !strings.Contains(err.Error(), "s1-of-2-a.jsonl: shard 1/2 is incomplete: 3 of its 5 items (missing 3, 7)") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("partial last line", func(t *testing.T) {
		d := t.TempDir()
		a := write(t, d, Shard{0, 2}, total, "a")
		b := write(t, d, Shard{1, 2}, total, "a")
		data, _ := os.ReadFile(b)
		os.WriteFile(b, data[:len(data)-5], 0o644) // killed while writing its last line
		if _, err := merge(a, b); err == nil || !strings.Contains(err.Error(), "shard 1/2 is incomplete: 4 of its 5 items (missing 1)") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("untagged", func(t *testing.T) {
		d := t.TempDir()
		p := filepath.Join(d, "plain.jsonl")
		os.WriteFile(p, []byte(`{"k":0,"id":"a"}`+"\n"), 0o644)
		if _, err := merge(p); err == nil || !strings.Contains(err.Error(), "plain.jsonl line 1: no shard tag") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		d := t.TempDir()
		p := filepath.Join(d, "empty.jsonl")
		os.WriteFile(p, nil, 0o644)
		if _, err := merge(s0, p); err == nil || !strings.Contains(err.Error(), "empty.jsonl: no records") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("wrong shard's item", func(t *testing.T) {
		d := t.TempDir()
		p := filepath.Join(d, "odd.jsonl")
		os.WriteFile(p, append(Tag{Index: 1, Count: 2, Total: 10}.Append([]byte(`{"k":2,"id":"a"}`)), '\n'), 0o644)
		if _, err := merge(p); err == nil || !strings.Contains(err.Error(), "odd.jsonl line 1: item 2 does not belong to shard 1/2") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("expected shard, empty file", func(t *testing.T) {
		d := t.TempDir()
		// 3 shards of 2 items: shard 2 owns none.
		a := write(t, d, Shard{0, 3}, 2, "a")
		b := write(t, d, Shard{1, 3}, 2, "a")
		c := filepath.Join(d, "c.jsonl")
		os.WriteFile(c, nil, 0o644)
		var out bytes.Buffer
		in := []Input{{Path: a, Shard: Shard{0, 3}}, {Path: b, Shard: Shard{1, 3}}, {Path: c, Shard: Shard{2, 3}}}
		n, err := Merge(in, &Expect{Count: 3, Total: 2}, readItem, &out)
		if err != nil || n != 2 || out.String() != `{"k":0,"id":"a"}`+"\n"+`{"k":1,"id":"a"}`+"\n" {
			t.Fatalf("merge = %d %q %v", n, out.String(), err)
		}
		in[1].Shard = Shard{2, 3}
		if _, err := Merge(in, &Expect{Count: 3, Total: 2}, readItem, &out); err == nil || !strings.Contains(err.Error(), "the line is of shard 1/3, but the file should hold shard 2/3") {
			t.Fatalf("error %v", err)
		}
	})
}
