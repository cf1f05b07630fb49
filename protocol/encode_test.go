package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dojo-rl/dojo"
)

// stdJSON encodes v as encoding/json does with HTML escaping off: what the
// fast encoders must match byte for byte.
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// resetResult is the reference shape of a reset result.
type resetResult struct {
	Observation dojo.Obs  `json:"observation"`
	Info        dojo.Info `json:"info"`
}

type miniObs struct {
	Image     []int8 `json:"image"`
	Direction int    `json:"direction"`
}

func TestEncodersMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	strs := []string{"", "plain", "quote \" backslash \\ slash /", "<tool_call>{\"a\": 1}</tool_call> & more",
		"tab\tnewline\ncr\rbell\x07nul\x00\x1f", "\b\f", "unicode é 日本 🎉", "bad utf8 \xff\xfe end", "line sep \u2028 para \u2029", "\x7f"}
	floats := []float64{0, -0.0, 1, -1, 0.1, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, 5e-324, -2.5e-10, 123456789.125, math.MaxFloat64}
	values := []any{nil, 0, 7, -3, int8(-5), int32(9), int64(-1 << 62), uint64(1<<64 - 1), uint(3), uint16(9), uint32(4), 2.5, float32(0.1), float32(1e-7), float32(3e38), true, false, "text <b>",
		[]int{}, []int{1, -2, 3}, []int(nil), []int8{-1, 2}, []int32{5}, []int64{-9}, []float64{0.5, 1e-9, 1e22}, []float32{0.1, 2}, []float64(nil),
		[]uint8{1, 2, 3}, map[string]any{"b": 1, "a": []any{"x", 2.5}}, &miniObs{Image: []int8{1, 2, 3}, Direction: 2}, (*miniObs)(nil), []string{"a"}}
	var steps []dojo.Step
	for i, s := range strs {
		steps = append(steps, dojo.Step{Obs: dojo.Obs{Text: s, Messages: []dojo.Message{{Role: "user", Content: s, Name: s[:min(len(s), 2)]}}}, Info: dojo.Info{Error: s, Invalid: i%2 == 0}})
	}
	for i, f := range floats {
		steps = append(steps, dojo.Step{Reward: f, Terminated: i%2 == 0, Truncated: i%3 == 0, Info: dojo.Info{
			Success: i%2 == 1,
			Parts:   []dojo.Part{{Name: "success", Value: f, Weight: -f}, {Name: "step", Value: 1, Weight: 0.25}},
			Metrics: dojo.Metrics{{Name: "m", Value: f}, {Name: "regret", Value: 0.5}},
		}})
	}
	for _, v := range values {
		steps = append(steps, dojo.Step{Obs: dojo.Obs{Value: v}, Info: dojo.Info{Parts: []dojo.Part{}}})
	}
	steps = append(steps,
		dojo.Step{Obs: dojo.Obs{Messages: []dojo.Message{
			{Role: "assistant", Content: "", ToolCalls: []dojo.ToolCall{{ID: "c1", Name: "search", Arguments: json.RawMessage(`{"q": "a<b"}`)}}},
			{Role: "tool", Content: "result", ToolCallID: "c1"},
		}}},
		dojo.Step{Info: dojo.Info{Extra: map[string]any{"z": 1, "a": "x<y", "m": map[string]int{"k": 2}}}},
		dojo.Step{Info: dojo.Info{Metrics: dojo.Metrics{}}},
		dojo.Step{Obs: dojo.Obs{Text: "t", Tools: []dojo.Tool{
			{Name: "find", Description: "finds <things> & more", InputSchema: json.RawMessage(`{"type": "object",
				"properties": {"q": {"type": "string"}}}`)},
			{Name: "bare"},
		}}},
		dojo.Step{Obs: dojo.Obs{Value: []int{1}, Tools: []dojo.Tool{{Name: "only", InputSchema: json.RawMessage(`{}`)}}}},
		dojo.Step{Obs: dojo.Obs{Tools: []dojo.Tool{{Name: "alone", InputSchema: json.RawMessage(`{}`)}}}},
	)
	for i, s := range steps {
		got, err := appendStep(nil, &s)
		if err != nil {
			t.Errorf("step %d: %v", i, err)
			continue
		}
		if want := stdJSON(t, s); !bytes.Equal(got, want) {
			t.Errorf("step %d:\n got %s\nwant %s", i, got, want)
		}
		got, err = appendReset(nil, &s.Obs, &s.Info)
		want := stdJSON(t, resetResult{s.Obs, s.Info})
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("reset %d:\n got %s\nwant %s (%v)", i, got, want, err)
		}
	}
}

func TestEncodersRejectNonFiniteNumbers(t *testing.T) {
	t.Parallel()
	for i, s := range []dojo.Step{
		{Reward: math.NaN()},
		{Reward: math.Inf(1)},
		{Obs: dojo.Obs{Value: []float64{1, math.Inf(-1)}}},
		{Obs: dojo.Obs{Value: float32(math.NaN())}},
		{Info: dojo.Info{Parts: []dojo.Part{{Name: "x", Value: math.NaN()}}}},
		{Info: dojo.Info{Metrics: dojo.Metrics{{Name: "m", Value: math.Inf(1)}}}},
		{Info: dojo.Info{Extra: map[string]any{"f": math.NaN()}}},
		{Obs: dojo.Obs{Value: make(chan int)}},
	} {
		if _, err := appendStep(nil, &s); err == nil {
			t.Errorf("step %d encoded without error", i)
		}
	}
}

// The observations and infos of the registered envs encode exactly as
// encoding/json encodes them, over random episodes.
func TestEncodersMatchOnRegisteredEnvs(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	ctx := context.Background()
	for _, id := range reg.IDs() {
		if id == flakyID {
			continue
		}
		for _, opts := range []dojo.Options{nil, {"text": true}} {
			spec, _ := reg.Spec(id)
			if _, ok := spec.Option("text"); !ok && opts != nil {
				continue
			}
			env, err := reg.Make(id, opts)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			obs, info, err := env.Reset(ctx, 1)
			if dojo.ErrorCode(err) == dojo.CodeNotFound {
				// An env over a data set that is absent here (sql/BIRD-v0,
				// or sql/Spider-v0 without ../shared/data).
				t.Logf("%s: %v", id, err)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendReset(nil, &obs, &info)
			if want := stdJSON(t, resetResult{obs, info}); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s reset:\n got %s\nwant %s", id, got, want)
			}
			sp := env.Spec()
			for range 40 {
				a := dojo.IndexAction(0)
				if sp.Action.Kind == dojo.KindDiscrete {
					a = dojo.IndexAction(rng.IntN(sp.Action.N))
				} else {
					a = dojo.TextAction("<answer>1</answer>")
				}
				st, err := env.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				got, err := appendStep(nil, &st)
				if want := stdJSON(t, st); err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s step:\n got %s\nwant %s", id, got, want)
				}
				if st.Done() {
					break
				}
			}
			dojo.Close(env)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\x1f\x7f", "\xff", "é\u2028", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if want := stdJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
