package protocol

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/protocol/prototest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenSessions replays the request lines of testdata/sessions/*.in in
// lockstep and compares the transcript (--> request, <-- response) with the
// .golden file beside it. The same requests must give byte-identical
// responses, so any change in an env's episodes or in the wire format shows
// here; go test -update rewrites the files after a deliberate change.
// Lines starting with # are comments.
func TestGoldenSessions(t *testing.T) {
	t.Parallel()
	for _, in := range prototest.Sessions(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := transcript(t, src)
			// A second session gives the same bytes.
			if again := transcript(t, src); !bytes.Equal(got, again) {
				t.Fatalf("two runs of the same session differ:\n%s\n%s", got, again)
			}
			golden := strings.TrimSuffix(in, ".in") + ".golden"
			dojotest.Golden(t, golden, got, *update)
		})
	}
}

func transcript(t *testing.T, src []byte) []byte {
	t.Helper()
	c := startSession(t, &Server{Registry: testRegistry(), Version: "golden"})
	out := prototest.Transcript(t, src, c.send)
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	return out
}
