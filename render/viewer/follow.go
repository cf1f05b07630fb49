package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dojo-rl/dojo/runner"
)

// Follow reads the episode file at path and sends its records on the
// returned channel as they are written: it reads the whole file, then,
// with follow, polls it for appended records (a run writing it) until ctx
// is done. It reads complete lines only, so a record being written waits
// for its newline, and starts over if the file gets shorter (a resumed run
// cutting a partial last line). The channel is closed when Follow stops;
// the note then says why, for the status line.
func Follow(ctx context.Context, path string, follow bool, poll time.Duration) (episodes <-chan runner.Episode, note func() string) {
	out := make(chan runner.Episode)
	var why string
	go func() {
		why = follow1(ctx, path, follow, poll, out)
		close(out) // after why is set: readers call note once out is closed
	}()
	return out, func() string { return why }
}

func follow1(ctx context.Context, path string, follow bool, poll time.Duration, out chan<- runner.Episode) string {
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	var off int64
	lineNo := 0
	for {
		data, size, err := readFrom(path, off)
		if err != nil {
			return fmt.Sprintf("stopped reading %s: %v", path, err)
		}
		if size < off {
			off, lineNo = 0, 0 // rewritten: read it again
			continue
		}
		if end := bytes.LastIndexByte(data, '\n'); end >= 0 {
			for _, line := range bytes.Split(data[:end], []byte{'\n'}) {
				lineNo++
				if len(bytes.TrimSpace(line)) == 0 {
					continue
				}
				var ep runner.Episode
				if err := json.Unmarshal(line, &ep); err != nil {
					return fmt.Sprintf("stopped at %s line %d: not an episode record: %v", path, lineNo, err)
				}
				select {
				case out <- ep:
				case <-ctx.Done():
					return ""
				}
			}
			off += int64(end + 1)
		}
		if !follow {
			return "all of " + path
		}
		select {
		case <-time.After(poll):
		case <-ctx.Done():
			return ""
		}
	}
}

// readFrom returns the bytes of the file from off on, and its size.
func readFrom(path string, off int64) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if st.Size() <= off {
		return nil, st.Size(), nil
	}
	data, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	return data, st.Size(), err
}
