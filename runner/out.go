package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/atomicfile"
	"github.com/dojo-rl/dojo/internal/shard"
)

// syncEvery is how often the output file is fsync'd while a run writes it.
// Every record is written to the OS as soon as its episode ends, so a killed
// process loses no finished episode; fsync only guards against a crash of
// the machine, and batching it keeps the disk out of the hot path.
const syncEvery = time.Second

// outFile is the output file of a run, opened for appending after the
// records of earlier attempts were read.
type outFile struct {
	f        *os.File
	path     string
	lastSync time.Time
	dirty    bool
	stream   bool // not a regular file: never synced
}

// identity is what every record of one run shares.
type identity struct {
	env     string
	options []byte // canonical JSON
	agent   string
	seed    uint64 // seed base: a record's seed minus its index
	shard   *shard.Tag
}

// result is what the summary needs of a record.
type result struct {
	index   int
	success bool
	ret     float64
	length  int
	code    dojo.Code // "" when the episode did not fail
	msg     string    // the error, when it failed
}

func (r result) failed() bool { return r.code != "" }

func resultOf(ep *Episode) result {
	r := result{index: ep.Episode, success: ep.Success, ret: ep.Return, length: ep.Length}
	if ep.Error != "" {
		r.code, r.msg = ep.ErrorCode, ep.Error
		if r.code == "" {
			r.code = dojo.CodeInternal
		}
	}
	return r
}

// header is the part of a record that resuming reads.
type header struct {
	Episode   *int            `json:"episode"`
	Env       string          `json:"env"`
	Options   json.RawMessage `json:"options"`
	Seed      *uint64         `json:"seed"`
	Agent     string          `json:"agent"`
	Return    float64         `json:"return"`
	Success   bool            `json:"success"`
	Length    int             `json:"length"`
	Error     string          `json:"error"`
	ErrorCode dojo.Code       `json:"error_code"`
	Shard     *shard.Tag      `json:"shard"`
}

func sameShard(a, b *shard.Tag) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func describeShard(t *shard.Tag) string {
	if t == nil {
		return "the whole run (no --shard)"
	}
	return fmt.Sprintf("shard %d/%d of %d episodes", t.Index, t.Count, t.Total)
}

// canonicalJSON re-encodes a JSON value with object keys sorted and numbers
// in Go's shortest form, so equal values compare equal as bytes.
func canonicalJSON(b []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// openOut opens (creating it if need be) the output file of a run and reads
// the records already in it. Records of this run are returned; a record of
// another run, a repeated episode or a line that is not a record is an
// error; a partial last line (a process killed while writing it) is cut
// off.
//
// A regular file is locked (flock) for as long as the run writes it, and
// a file locked by another run is refused. With dedupe, a file whose
// episodes repeat is rewritten first (see dedupeOut) and deduped is the
// number of lines dropped. An output that exists and is not a regular file
// (a pipe, a device such as /dev/stdout) is written as is: not read back,
// not locked, nothing resumed.
func openOut(path string, id identity, dedupe bool) (out *outFile, results []result, deduped int, err error) {
	st, statErr := os.Stat(path)
	if statErr == nil && !st.Mode().IsRegular() {
		return openStream(path, st)
	}
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, 0, dojo.Errorf(dojo.CodeInvalid, "output file: %w", err).WithField("out")
	}
	if err := lockOut(f, path); err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	if created {
		// Make the new file's directory entry durable too.
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	firstLine := map[int]int{}
	var keep []span // with dedupe: the lines to keep, once a repeat is seen
	var last span   // the lines kept since the last repeat
	dups := 0
	complete, err := scanLinesAt(f, func(n int, off, end int64, line []byte) error {
		var h header
		if err := json.Unmarshal(line, &h); err != nil || h.Episode == nil || h.Seed == nil {
			why := "missing episode or seed"
			if err != nil {
				why = err.Error()
			}
			return dojo.Errorf(dojo.CodeInvalid, "%s line %d is not an episode record (%s): resume needs a file written by dojo run; use another output file", path, n, why).WithField("out")
		}
		i := *h.Episode
		mismatch := func(what string) error {
			return dojo.Errorf(dojo.CodeInvalid, "%s line %d (episode %d) is from another run: %s; rerun with the same settings to resume, or use another output file", path, n, i, what).WithField("out")
		}
		switch {
		case i < 0:
			return dojo.Errorf(dojo.CodeInvalid, "%s line %d: episode index %d is negative", path, n, i).WithField("out")
		case h.Env != id.env:
			return mismatch(fmt.Sprintf("its env is %q, this run's is %q", h.Env, id.env))
		case h.Agent != id.agent:
			return mismatch(fmt.Sprintf("its agent is %q, this run's is %q", h.Agent, id.agent))
		case *h.Seed-uint64(i) != id.seed:
			return mismatch(fmt.Sprintf("its seed base (seed minus episode index) is %d, this run's is %d", *h.Seed-uint64(i), id.seed))
		case !sameShard(h.Shard, id.shard):
			return mismatch(fmt.Sprintf("it is of %s, this run is %s", describeShard(h.Shard), describeShard(id.shard)))
		}
		opts, err := canonicalJSON(h.Options)
		if err != nil {
			return dojo.Errorf(dojo.CodeInvalid, "%s line %d: options: %v", path, n, err).WithField("out")
		}
		if !bytes.Equal(opts, id.options) {
			return mismatch(fmt.Sprintf("its options %s differ from this run's %s", opts, id.options))
		}
		if prev, dup := firstLine[i]; dup {
			if !dedupe {
				return dojo.Errorf(dojo.CodeInvalid, "%s line %d repeats episode %d of line %d: the file was written by two runs at once; rerun with --dedupe to keep the first line of each episode", path, n, i, prev).WithField("out")
			}
			dups++
			if last.end > last.off {
				keep = append(keep, last)
			}
			last = span{off: end, end: end}
			return nil
		}
		firstLine[i] = n
		if last.end == off {
			last.end = end
		} else {
			if last.end > last.off {
				keep = append(keep, last)
			}
			last = span{off: off, end: end}
		}
		results = append(results, resultOf(&Episode{Episode: i, Return: h.Return, Success: h.Success, Length: h.Length, Error: h.Error, ErrorCode: h.ErrorCode}))
		return nil
	})
	if err != nil {
		f.Close()
		if _, ok := err.(*dojo.Error); !ok {
			err = dojo.Errorf(dojo.CodeInvalid, "reading %s: %w", path, err).WithField("out")
		}
		return nil, nil, 0, err
	}
	if dups > 0 {
		if last.end > last.off {
			keep = append(keep, last)
		}
		err := dedupeOut(f, path, keep)
		f.Close() // releases the lock on the old file; the reopened one is locked again
		if err != nil {
			return nil, nil, 0, err
		}
		out, results, _, err := openOut(path, id, false)
		return out, results, dups, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, 0, dojo.Errorf(dojo.CodeInternal, "output file: %w", err)
	}
	if st.Size() > complete {
		// The last line was cut short by a kill: drop it; its episode runs
		// again and gives the same record.
		if err := f.Truncate(complete); err != nil {
			f.Close()
			return nil, nil, 0, dojo.Errorf(dojo.CodeInternal, "cutting the partial last line of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, 0, dojo.Errorf(dojo.CodeInternal, "output file: %w", err)
		}
	}
	return &outFile{f: f, path: path, lastSync: time.Now()}, results, 0, nil
}

// openStream opens an output that is not a regular file for writing only.
func openStream(path string, st fs.FileInfo) (*outFile, []result, int, error) {
	if st.IsDir() {
		return nil, nil, 0, dojo.Errorf(dojo.CodeInvalid, "output file %s is a directory", path).WithField("out")
	}
	if st.Mode()&fs.ModeSocket != 0 {
		return nil, nil, 0, dojo.Errorf(dojo.CodeInvalid, "output file %s is a socket: want a file, a named pipe or a device", path).WithField("out")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, 0, dojo.Errorf(dojo.CodeInvalid, "output file: %w", err).WithField("out")
	}
	return &outFile{f: f, path: path, stream: true}, nil, 0, nil
}

// span is a range of bytes of a file.
type span struct{ off, end int64 }

// dedupeOut rewrites the output file whole (atomicfile.Write: a temporary
// file renamed into place) with only the lines of keep, copied from f
// while it is locked.
func dedupeOut(f *os.File, path string, keep []span) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		for _, s := range keep {
			if _, err := io.Copy(w, io.NewSectionReader(f, s.off, s.end-s.off)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dojo.Errorf(dojo.CodeInternal, "removing the repeated episodes of %s: %w", path, err).WithField("out")
	}
	return nil
}

// write appends one record line with a single write, so that a killed
// process leaves complete lines (and at worst one partial last line, which
// the next resume cuts off).
func (o *outFile) write(line []byte) error {
	if _, err := o.f.Write(line); err != nil {
		return dojo.Errorf(dojo.CodeInternal, "writing %s: %w", o.path, err)
	}
	o.dirty = true
	if time.Since(o.lastSync) >= syncEvery {
		return o.sync()
	}
	return nil
}

func (o *outFile) sync() error {
	if !o.dirty || o.stream {
		return nil
	}
	o.lastSync = time.Now()
	o.dirty = false
	if err := o.f.Sync(); err != nil {
		return dojo.Errorf(dojo.CodeInternal, "syncing %s: %w", o.path, err)
	}
	return nil
}

func (o *outFile) close() error {
	err := o.sync()
	if cerr := o.f.Close(); err == nil && cerr != nil {
		err = dojo.Errorf(dojo.CodeInternal, "closing %s: %w", o.path, cerr)
	}
	return err
}
