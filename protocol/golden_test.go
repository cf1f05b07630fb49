package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/dojotest"
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
	ins, err := filepath.Glob("testdata/sessions/*.in")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no sessions: %v", err)
	}
	for _, in := range ins {
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
	var out bytes.Buffer
	for _, line := range strings.Split(string(src), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		resp := c.send(line)
		var r rpcResponse
		if err := json.Unmarshal([]byte(resp), &r); err != nil || r.JSONRPC != "2.0" {
			t.Fatalf("response to %s is not JSON-RPC: %s", line, resp)
		}
		out.WriteString("--> " + line + "\n<-- " + normalizeFrame(t, resp) + "\n")
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// normalizeFrame replaces the PNG of a frame drawn by package render (any
// larger than 64x64) with its size: its pixels are pinned by render's own
// golden frames, compared with a tolerance for font rasterization, not
// byte for byte here.
func normalizeFrame(t *testing.T, resp string) string {
	const prefix = `"mimeType":"image/png","data":"`
	i := strings.Index(resp, prefix)
	if i < 0 {
		return resp
	}
	start := i + len(prefix)
	end := strings.IndexByte(resp[start:], '"')
	if end < 0 {
		return resp
	}
	b, err := base64.StdEncoding.DecodeString(resp[start : start+end])
	if err != nil {
		t.Fatalf("png data is not base64: %v", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png data does not decode: %v", err)
	}
	if cfg.Width <= 64 && cfg.Height <= 64 {
		return resp
	}
	return resp[:start] + fmt.Sprintf("<a %dx%d frame>", cfg.Width, cfg.Height) + resp[start+end:]
}
