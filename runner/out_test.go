package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
)

// plainConfig is a run of the chain without failures.
func plainConfig(t *testing.T, episodes int) Config {
	t.Helper()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 3}
	cfg.Episodes = episodes
	cfg.Workers = 2
	return cfg
}

func TestRunRefusesAnOutputLockedByAnotherRun(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "both.jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockOut(f, path); err != nil {
		t.Fatal(err)
	}
	cfg := plainConfig(t, 3)
	cfg.Out = path
	_, err = Run(context.Background(), cfg)
	if err == nil {
		t.Fatal("a second writer was let in")
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "locked by") {
		t.Errorf("error %q does not name the file and its lock", msg)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Errorf("the refused run wrote %d bytes", st.Size())
	}
	f.Close() // the lock goes with the file
	cfg.Out = path
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("after the holder closed the file: %v", err)
	}
}

func TestDedupeKeepsTheFirstLineOfEachEpisode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.jsonl")
	cfg := plainConfig(t, 6)
	cfg.Out = path
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	byEp := map[int][]byte{}
	for _, l := range bytes.SplitAfter(mustRead(t, path), []byte("\n")) {
		if len(l) > 0 {
			var h struct{ Episode int }
			if err := json.Unmarshal(l, &h); err != nil {
				t.Fatal(err)
			}
			byEp[h.Episode] = l
		}
	}
	// A second writer's copies of episodes 1 and 3, told apart by their
	// wall time, and a partial last line.
	dup := func(i int) []byte {
		var ep map[string]any
		json.Unmarshal(byEp[i], &ep)
		ep["wall_ms"] = 987654.0
		b, _ := json.Marshal(ep)
		return append(b, '\n')
	}
	var file []byte
	for _, part := range [][]byte{byEp[0], byEp[1], dup(1), byEp[2], {'\n'}, byEp[3], dup(3), dup(1), byEp[4], byEp[5], []byte(`{"episode":6,"env`)} {
		file = append(file, part...)
	}
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}

	cfg.Episodes = 8
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "--dedupe") || !strings.Contains(err.Error(), "repeats episode 1") {
		t.Fatalf("resuming a file with repeats: %v, want an error pointing at --dedupe", err)
	}
	if !bytes.Equal(mustRead(t, path), file) {
		t.Fatal("a refused resume changed the file")
	}
	cfg.Dedupe = true
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Deduped != 3 || sum.Resumed != 6 || sum.Episodes != 8 {
		t.Errorf("deduped %d, resumed %d, episodes %d: want 3, 6, 8", sum.Deduped, sum.Resumed, sum.Episodes)
	}
	eps, err := ReadEpisodes(bytes.NewReader(mustRead(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, ep := range eps {
		if seen[ep.Episode] {
			t.Errorf("episode %d repeats after --dedupe", ep.Episode)
		}
		seen[ep.Episode] = true
		if ep.WallMS == 987654 {
			t.Errorf("episode %d: the repeat was kept, not the first line", ep.Episode)
		}
	}
	if len(eps) != 8 {
		t.Errorf("%d records after dedupe and resume, want 8", len(eps))
	}
	want := append(append(append([]byte{}, byEp[0]...), byEp[1]...), byEp[2]...)
	if got := mustRead(t, path); !bytes.HasPrefix(got, want) {
		t.Errorf("the kept lines are not the first ones, in order")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fifo makes a named pipe.
func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.pipe")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

func TestOutputPipeIsWrittenWithoutResume(t *testing.T) {
	t.Parallel()
	path := fifo(t)
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	cfg := plainConfig(t, 5)
	cfg.Out = path
	type ran struct {
		sum *Summary
		err error
	}
	done := make(chan ran, 1)
	go func() {
		sum, err := Run(context.Background(), cfg)
		done <- ran{sum, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.sum.Episodes != 5 || r.sum.Resumed != 0 {
			t.Errorf("episodes %d, resumed %d: want 5, 0", r.sum.Episodes, r.sum.Resumed)
		}
	case <-time.After(time.Minute):
		t.Fatal("a run writing to a pipe did not end in a minute")
	}
	b := <-got
	eps, err := ReadEpisodes(bytes.NewReader(b))
	if err != nil || len(eps) != 5 {
		t.Errorf("the pipe's reader got %d records (%v), want 5", len(eps), err)
	}
	if st, err := os.Lstat(path); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is gone: %v", err)
	}
}

func TestCancelEndsARunBlockedOnAPipe(t *testing.T) {
	t.Parallel()
	path := fifo(t)
	// A reader that opens the pipe and never reads: the run fills the
	// pipe's buffer and blocks in a write.
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.Open(path)
		if err == nil {
			opened <- f
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := plainConfig(t, 1000000)
	cfg.Out = path
	cfg.OnEpisode = nil
	var written int
	cfg.OnEpisode = func(Episode) { written++ }
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, cfg)
		done <- err
	}()
	var reader *os.File
	select {
	case reader = <-opened:
		defer reader.Close()
	case <-time.After(time.Minute):
		t.Fatal("the run did not open the pipe")
	}
	time.Sleep(500 * time.Millisecond) // let it fill the pipe
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a canceled run returned no error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a canceled run blocked on a pipe nobody reads did not end in 30s")
	}
}

func TestOversizedActionIsRefused(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", DefaultMaxActionBytes+1)
	cfg := plainConfig(t, 2)
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return dojo.AgentFunc(func(context.Context, dojo.Turn) (dojo.Action, error) {
			return dojo.Action{Kind: dojo.ActIndex, Index: 1, Text: big}, nil
		}), nil
	})
	var eps []Episode
	cfg.OnEpisode = func(ep Episode) { eps = append(eps, ep) }
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, ep := range eps {
		if ep.ErrorCode != dojo.CodeInvalid || !strings.Contains(ep.Error, "max_action_bytes") || !strings.Contains(ep.Error, fmt.Sprint(len(big))) {
			t.Errorf("episode %d: %s %q: want invalid naming the size and max_action_bytes", ep.Episode, ep.ErrorCode, ep.Error)
		}
		if len(ep.Steps) != 0 {
			t.Errorf("episode %d recorded %d steps of an oversized action", ep.Episode, len(ep.Steps))
		}
	}
	// A bound the caller sets is the one applied.
	cfg.MaxActionBytes = len(big) + 1
	eps = nil
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, ep := range eps {
		if ep.Error != "" {
			t.Errorf("episode %d under a raised bound: %s", ep.Episode, ep.Error)
		}
	}
}

func TestRecordsClipLongTexts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.jsonl")
	const size = 1 << 20
	long := strings.Repeat("é", size/2) // two bytes each: cuts must fall between them
	args, _ := json.Marshal(map[string]string{"q": long})
	cfg := plainConfig(t, 3)
	cfg.Options["slip"] = 0
	cfg.Out = path
	cfg.MaxActionBytes = -1
	// A long message first (the chain takes it as an invalid move), then
	// steps to the end.
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return dojo.AgentFunc(func(_ context.Context, t dojo.Turn) (dojo.Action, error) {
			if t.Step == 0 {
				return dojo.MessageAction(long, dojo.ToolCall{Name: "f", Arguments: args}), nil
			}
			return dojo.IndexAction(1), nil
		}), nil
	})
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, path)
	// Three episodes of a long action each: its text, its arguments and
	// the env's error quoting it, each clipped to 64 KiB.
	if limit := 3 * 3 * (DefaultMaxRecordText + 1024); len(b) > limit+64<<10 {
		t.Errorf("the file is %d bytes, want at most about %d", len(b), limit)
	}
	eps, err := ReadEpisodes(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	marker := fmt.Sprintf(ClipMarker, len(long))
	for _, ep := range eps {
		if ep.Error != "" || len(ep.Steps) == 0 {
			t.Fatalf("episode %d: %q, %d steps", ep.Episode, ep.Error, len(ep.Steps))
		}
		a := ep.Steps[0].Action
		if !strings.HasSuffix(a.Text, marker) || len(a.Text) > DefaultMaxRecordText+len(marker) {
			t.Errorf("episode %d: action text of %d bytes ends %q, want it clipped with %q", ep.Episode, len(a.Text), a.Text[max(0, len(a.Text)-60):], marker)
		}
		if !strings.HasPrefix(a.Text, "éé") {
			t.Errorf("episode %d: the clipped text lost its start", ep.Episode)
		}
		var c struct {
			Clipped struct {
				Bytes int
				Text  string
			}
		}
		if err := json.Unmarshal(a.ToolCalls[0].Arguments, &c); err != nil || c.Clipped.Bytes != len(args) || !strings.HasSuffix(c.Clipped.Text, fmt.Sprintf(ClipMarker, len(args))) {
			t.Errorf("episode %d: clipped arguments %.80s (%v): want {\"clipped\": {\"bytes\", \"text\"}} ending with the marker", ep.Episode, a.ToolCalls[0].Arguments, err)
		}
		if e := ep.Steps[0].Info.Error; len(e) > DefaultMaxRecordText+100 {
			t.Errorf("episode %d: the env's error quoting the action is recorded whole (%d bytes)", ep.Episode, len(e))
		}
	}
	// The clipped file resumes.
	cfg.Episodes = 4
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != 3 || sum.Episodes != 4 {
		t.Errorf("resumed %d of %d, want 3 of 4", sum.Resumed, sum.Episodes)
	}
}

func TestClipText(t *testing.T) {
	for _, c := range []struct {
		s    string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abc", 0, "abc"},
		{"abcd", 3, "abc" + fmt.Sprintf(ClipMarker, 4)},
		{"aé", 2, "a" + fmt.Sprintf(ClipMarker, 3)}, // not inside é
		{"éé", 1, fmt.Sprintf(ClipMarker, 4)},
	} {
		if got := clipText(c.s, c.max); got != c.want {
			t.Errorf("clipText(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}
