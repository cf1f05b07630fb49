package shard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Input is one shard file to merge.
type Input struct {
	// Path is the file; Name names it in errors (default Path).
	Path, Name string
	// Shard, when set, is the shard the file is known to hold (a
	// benchmark shard's directory says it): its lines must say the same,
	// and the file may be empty when the shard owns no item. Otherwise
	// the file's lines say which shard it is, and it must have some.
	Shard Shard
}

func (in Input) name() string {
	if in.Name != "" {
		return in.Name
	}
	return in.Path
}

// Item is what Merge needs to know of a line (its tag cut off).
type Item struct {
	// Key is the item's index within the whole work, from 0.
	Key int
	// Identity is what every line of the work shares (env, options,
	// agent): two shards of different work differ in it. Errors quote it.
	Identity string
}

// ItemFunc reads a line whose tag was cut off.
type ItemFunc func(line []byte, tag Tag) (Item, error)

// Expect, given to Merge, is what every tag must say besides the shard's
// index: the number of shards, the items of the work and its seed.
type Expect struct {
	Count, Total int
	Seed         uint64
}

type loc struct {
	file   int
	off    int64
	length int
}

// fileInfo is what the first pass learned of one input.
type fileInfo struct {
	tag    Tag
	tagged bool // the file had at least one line
	line1  int  // line number of its first record
	keys   map[int]int
}

// Merge checks that the inputs are the shards of one piece of work, each
// once and each complete, and writes their lines to w in item order, the
// tags cut off: the lines the unsharded run writes, item for item. With
// expect nil the files' tags set the work. Every error names the file
// (and line) it is about, or the shard missing. It returns the number of
// items written.
//
// A last line without its newline (a shard killed while writing it) is
// left out, as resuming does; its item is then missing and the shard is
// incomplete.
func Merge(inputs []Input, expect *Expect, item ItemFunc, w io.Writer) (int, error) {
	if len(inputs) == 0 {
		return 0, errors.New("no shard files to merge")
	}
	infos := make([]fileInfo, len(inputs))
	var locs []loc // by key, once the total is known
	identity, identityAt := "", ""
	for fi, in := range inputs {
		info := &infos[fi]
		info.keys = map[int]int{}
		err := scan(in.Path, func(n int, off int64, line []byte) error {
			where := fmt.Sprintf("%s line %d", in.name(), n)
			tag, rest, ok, err := Cut(line)
			if err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			if !ok {
				return fmt.Errorf("%s: no shard tag: the file was not written by a shard (run with --shard i/n)", where)
			}
			if !info.tagged {
				info.tag, info.tagged, info.line1 = tag, true, n
			} else if tag != info.tag {
				return fmt.Errorf("%s: %v, but line %d says %v: the file mixes shards", where, tag, info.line1, info.tag)
			}
			if in.Shard.Sharded() && tag.Shard() != in.Shard {
				return fmt.Errorf("%s: the line is of shard %v, but the file should hold shard %v", where, tag.Shard(), in.Shard)
			}
			it, err := item(rest, tag)
			if err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			switch {
			case identity == "":
				identity, identityAt = it.Identity, where
			case it.Identity != identity:
				return fmt.Errorf("%s: shards of different work: this line is of %s, but %s is of %s", where, it.Identity, identityAt, identity)
			}
			if it.Key < 0 || it.Key >= tag.Total {
				return fmt.Errorf("%s: item %d is outside the work's %d items", where, it.Key, tag.Total)
			}
			if it.Key%tag.Count != tag.Index {
				return fmt.Errorf("%s: item %d does not belong to shard %v (it is ≡ %d mod %d)", where, it.Key, tag.Shard(), it.Key%tag.Count, tag.Count)
			}
			if prev, dup := info.keys[it.Key]; dup {
				return fmt.Errorf("%s repeats item %d of line %d: the shard was written by two runs at once; keep one of the lines", where, it.Key, prev)
			}
			info.keys[it.Key] = n
			if locs == nil {
				locs = make([]loc, tag.Total)
				for k := range locs {
					locs[k].file = -1
				}
			}
			if it.Key < len(locs) {
				locs[it.Key] = loc{file: fi, off: off, length: len(line)}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		if !info.tagged {
			if !in.Shard.Sharded() {
				return 0, fmt.Errorf("%s: no records: an empty file cannot say which shard it is (a shard owns no item only when there are more shards than items)", in.name())
			}
			if expect == nil {
				return 0, fmt.Errorf("%s: no records", in.name())
			}
			info.tag = Tag{Index: in.Shard.Index, Count: expect.Count, Total: expect.Total, Seed: expect.Seed}
		}
	}
	// Every file of the same work, each shard once and complete.
	ref := Tag{Count: infos[0].tag.Count, Total: infos[0].tag.Total, Seed: infos[0].tag.Seed}
	refName := inputs[0].name()
	if expect != nil {
		ref = Tag{Count: expect.Count, Total: expect.Total, Seed: expect.Seed}
		refName = ""
	}
	byIndex := map[int]int{}
	for fi, info := range infos {
		t := info.tag
		if t.Count != ref.Count || t.Total != ref.Total || t.Seed != ref.Seed {
			if refName == "" {
				return 0, fmt.Errorf("%s: %v, but the work is %d shards of %d items from seed %d", inputs[fi].name(), t, ref.Count, ref.Total, ref.Seed)
			}
			return 0, fmt.Errorf("%s: %v, but %s: %v: not shards of the same work", inputs[fi].name(), t, refName, infos[0].tag)
		}
		if prev, dup := byIndex[t.Index]; dup {
			return 0, fmt.Errorf("%s and %s are both shard %d/%d: give each shard once", inputs[prev].name(), inputs[fi].name(), t.Index, t.Count)
		}
		byIndex[t.Index] = fi
		want := t.Shard().Size(t.Total)
		if len(info.keys) < want {
			var missing []string
			for k := t.Index; k < t.Total && len(missing) < 5; k += t.Count {
				if _, ok := info.keys[k]; !ok {
					missing = append(missing, fmt.Sprint(k))
				}
			}
			if want-len(info.keys) > len(missing) {
				missing = append(missing, "...")
			}
			return 0, fmt.Errorf("%s: shard %d/%d is incomplete: %d of its %d items (missing %s); rerun the shard with the same command to finish it", inputs[fi].name(), t.Index, t.Count, len(info.keys), want, strings.Join(missing, ", "))
		}
	}
	var missing []string
	for i := range ref.Count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, ref.Count))
		}
	}
	if len(missing) > 0 {
		return 0, fmt.Errorf("shard %s missing: no file given holds it (%d of %d shards given)", strings.Join(missing, ", "), len(byIndex), ref.Count)
	}
	// Write the lines in item order.
	files := make([]*os.File, len(inputs))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for k, l := range locs {
		if l.file < 0 {
			return 0, fmt.Errorf("item %d: no shard holds it", k) // cannot happen: coverage was checked
		}
		f := files[l.file]
		if f == nil {
			var err error
			if f, err = os.Open(inputs[l.file].Path); err != nil {
				return 0, err
			}
			files[l.file] = f
		}
		buf = slices.Grow(buf[:0], l.length)[:l.length]
		if _, err := f.ReadAt(buf, l.off); err != nil {
			return 0, fmt.Errorf("%s: %v", inputs[l.file].name(), err)
		}
		_, rest, _, err := Cut(buf)
		if err != nil {
			return 0, fmt.Errorf("%s: %v (the file changed while being merged?)", inputs[l.file].name(), err)
		}
		bw.Write(rest)
		if err := bw.WriteByte('\n'); err != nil {
			return 0, err
		}
	}
	return len(locs), bw.Flush()
}

// scan calls fn with each complete, non-blank line of the file, its
// number from 1 and its offset. A missing file is an error naming it.
func scan(path string, fn func(n int, off int64, line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return nil // a partial last line is left out
		}
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		start := off
		off += int64(len(line))
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue
		}
		// The offset of the trimmed line: leading blanks skipped.
		lead := bytes.IndexByte(line, trimmed[0])
		if err := fn(n, start+int64(lead), trimmed); err != nil {
			return err
		}
	}
}
