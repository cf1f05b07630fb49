package viewer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/runner"
)

// TestFollow checks that records written to a file after Follow started
// arrive, that a half-written line waits for its newline, and that a line
// that is not a record stops it with a note naming the line.
func TestFollow(t *testing.T) {
	eps := testEpisodes(t)
	path := filepath.Join(t.TempDir(), "run.jsonl")
	line := func(ep runner.Episode) []byte {
		b, err := json.Marshal(ep)
		if err != nil {
			t.Fatal(err)
		}
		return append(b, '\n')
	}
	os.WriteFile(path, line(eps[0]), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, note := Follow(ctx, path, true, 10*time.Millisecond)
	next := func() runner.Episode {
		t.Helper()
		select {
		case ep, ok := <-ch:
			if !ok {
				t.Fatalf("closed: %s", note())
			}
			return ep
		case <-time.After(10 * time.Second):
			t.Fatal("no episode arrived")
		}
		return runner.Episode{}
	}
	if ep := next(); ep.Agent != eps[0].Agent || ep.Episode != eps[0].Episode {
		t.Fatalf("first record: %+v", ep.Episode)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	l := line(eps[2])
	f.Write(l[:20]) // half a line: nothing yet
	select {
	case ep := <-ch:
		t.Fatalf("a half-written line gave episode %d", ep.Episode)
	case <-time.After(100 * time.Millisecond):
	}
	f.Write(l[20:])
	if ep := next(); ep.Agent != "random" {
		t.Fatalf("appended record: agent %q", ep.Agent)
	}
	f.Write([]byte("not a record\n"))
	f.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("a bad line gave an episode")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a bad line did not stop following")
	}
	if n := note(); !strings.Contains(n, "line 3: not an episode record") {
		t.Errorf("note %q", n)
	}
	// Without follow, the file as it is, then closed.
	ch, note = Follow(context.Background(), path, false, 0)
	n := 0
	for range ch {
		n++
	}
	if n != 2 || !strings.Contains(note(), "line 3") {
		t.Errorf("no follow: %d records, %q", n, note())
	}
}
