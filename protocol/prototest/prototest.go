// Package prototest holds what the tests of package protocol share with the
// tests of the transports that carry it: the test task family, the test
// registry and the replay of the golden session transcripts.
package prototest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward"
)

// Registry returns the registry of the golden sessions: every env of
// envs.Default and the test task family.
func Registry() *dojo.Registry {
	r := envs.Default()
	r.MustRegister(ArithSpec(), NewArith)
	return r
}

// SessionsDir is the folder of the golden sessions: NAME.in holds a
// session's request lines (lines starting with # are comments) and
// NAME.golden its transcript.
func SessionsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "sessions")
}

// Sessions returns the .in files of the golden sessions.
func Sessions(t testing.TB) []string {
	t.Helper()
	ins, err := filepath.Glob(filepath.Join(SessionsDir(), "*.in"))
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden sessions in %s: %v", SessionsDir(), err)
	}
	return ins
}

// Transcript replays the request lines of src in lockstep through send
// (which returns the response line to a request line) and returns the
// transcript as the .golden files hold it: "--> request" and
// "<-- response" lines.
func Transcript(t testing.TB, src []byte, send func(line string) string) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, line := range strings.Split(string(src), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		resp := send(line)
		var r struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal([]byte(resp), &r); err != nil || r.JSONRPC != "2.0" {
			t.Fatalf("response to %s is not JSON-RPC: %s", line, resp)
		}
		out.WriteString("--> " + line + "\n<-- " + NormalizeFrame(t, resp) + "\n")
	}
	return out.Bytes()
}

// NormalizeFrame replaces the PNG of a frame drawn by package render (any
// larger than 64x64) with its size: its pixels are pinned by render's own
// golden frames, compared with a tolerance for font rasterization, not
// byte for byte here.
func NormalizeFrame(t testing.TB, resp string) string {
	t.Helper()
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

// ReadFile is os.ReadFile failing the test on error.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// arithEnv is the test task family (ArithID): "what is a + b?", with a
// generator and a verifier, an oracle and a renderer, on which the task
// methods are tested.
type arithEnv struct {
	spec    dojo.Spec
	digits  int
	parts   *reward.Parts
	a, b    int
	seed    uint64
	started bool
	done    bool
}

// ArithID is the id of the test task family.
const ArithID = "arith/Add-v0"

// ArithSpec is the test task family's spec.
func ArithSpec() dojo.Spec {
	return dojo.Spec{
		ID:          ArithID,
		Description: "Add two numbers of the given number of digits. A test family.",
		Observation: dojo.Space{Kind: dojo.KindNone},
		ObsText:     true,
		Action:      dojo.Space{Kind: dojo.KindText},
		MaxSteps:    1,
		Rewards: []dojo.Component{
			{Name: "success", Description: "1 if the answer is the sum", Shaped: 1},
			{Name: "format", Description: "1 if the answer is in <answer> tags", Shaped: 0.1},
		},
		DefaultProfile: "shaped",
		Options: []dojo.Option{
			dojo.Option{Name: "digits", Type: dojo.OptInt, Default: 2, Description: "digits of each number"}.Range(1, 9),
		},
	}
}

// NewArith makes an env of the test task family.
func NewArith(opts dojo.Options) (dojo.Env, error) {
	spec := ArithSpec()
	p, err := reward.New(&spec, opts)
	if err != nil {
		return nil, err
	}
	return &arithEnv{spec: spec, digits: opts.Int("digits"), parts: p}, nil
}

func (e *arithEnv) Spec() dojo.Spec { return e.spec }

func (e *arithEnv) draw(seed uint64) (a, b int) {
	rng := rand.New(rand.NewPCG(seed, 0xa417))
	hi := int(math.Pow10(e.digits))
	return rng.IntN(hi), rng.IntN(hi)
}

func (e *arithEnv) question() string {
	return fmt.Sprintf("What is %d + %d? Answer as <answer>N</answer>.", e.a, e.b)
}

func (e *arithEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.a, e.b = e.draw(seed)
	e.seed, e.started, e.done = seed, true, false
	e.parts.Reset()
	q := e.question()
	return dojo.Obs{Text: q, Messages: []dojo.Message{{Role: "user", Content: q}}}, dojo.Info{Parts: e.parts.Parts()}, nil
}

var answerRE = regexp.MustCompile(`<answer>\s*(-?\d+)\s*</answer>`)
var numberRE = regexp.MustCompile(`-?\d+`)

// score reads an answer: the number in <answer> tags, else the last number.
func score(text string, sum int) (correct, tagged bool, found bool) {
	if m := answerRE.FindStringSubmatch(text); m != nil {
		n, err := strconv.Atoi(m[1])
		return err == nil && n == sum, true, true
	}
	all := numberRE.FindAllString(text, -1)
	if len(all) == 0 {
		return false, false, false
	}
	n, err := strconv.Atoi(all[len(all)-1])
	return err == nil && n == sum, false, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (e *arithEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !e.started {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if e.done {
		return dojo.Step{}, dojo.ErrEnded
	}
	e.done = true
	text := a.Text
	if a.Kind == dojo.ActIndex {
		text = strconv.Itoa(a.Index)
	}
	correct, tagged, _ := score(text, e.a+e.b)
	e.parts.Set(0, b2f(correct))
	e.parts.Set(1, b2f(tagged))
	verdict := "wrong"
	if correct {
		verdict = "correct"
	}
	return dojo.Step{
		Obs:        dojo.Obs{Text: verdict},
		Reward:     e.parts.Sum(),
		Terminated: true,
		Info:       dojo.Info{Success: correct, Parts: e.parts.Parts()},
	}, nil
}

func (e *arithEnv) OracleAction(ctx context.Context) (dojo.Action, error) {
	return dojo.TextAction(fmt.Sprintf("<answer>%d</answer>", e.a+e.b)), nil
}

// Frame draws the sum as the shade of a 4x4 image.
func (e *arithEnv) Frame() image.Image {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8((e.a + e.b + i) % 256)
	}
	img.Set(0, 0, color.Gray{Y: 255})
	return img
}

// ArithGold is the verify block of the test family's tasks.
type ArithGold struct {
	A   int `json:"a"`
	B   int `json:"b"`
	Sum int `json:"sum"`
}

func (e *arithEnv) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	a, b := e.draw(seed)
	gold, _ := json.Marshal(ArithGold{a, b, a + b})
	return dojo.Task{
		ID:      fmt.Sprintf("%s:d%d:%d", ArithID, e.digits, seed),
		Env:     ArithID,
		Options: dojo.Options{"digits": e.digits},
		Seed:    seed,
		Prompt:  []dojo.Message{{Role: "user", Content: fmt.Sprintf("What is %d + %d? Answer as <answer>N</answer>.", a, b)}},
		Verify:  gold,
		Meta:    map[string]any{"digits": e.digits},
	}, nil
}

func (e *arithEnv) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	var g ArithGold
	if err := json.Unmarshal(t.Verify, &g); err != nil {
		return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "task %s: bad verify block: %v", t.ID, err).WithField("task.verify")
	}
	text := r.Text
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			text = m.Content
		}
	}
	correct, tagged, found := score(text, g.Sum)
	parts := []dojo.Part{
		{Name: "success", Value: b2f(correct), Weight: e.parts.Weight(0)},
		{Name: "format", Value: b2f(tagged), Weight: e.parts.Weight(1)},
	}
	sc := dojo.Score{Reward: dojo.Sum(parts), Success: correct, Parts: parts}
	if !found {
		sc.Error = "no number in the response"
	}
	return sc, nil
}
