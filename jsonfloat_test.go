package dojo_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/dojo-rl/dojo"
)

// stdJSON is v as encoding/json writes it.
func stdJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzAppendJSONFloat(f *testing.F) {
	for _, x := range []float64{0, 1, 1e-7, 1e21, 5e-324, 0.1} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		got, ok := dojo.AppendJSONFloat(nil, x, 64)
		if want := stdJSON(t, x); !ok || !bytes.Equal(got, want) {
			t.Fatalf("dojo.AppendJSONFloat(%v) = %s, want %s", x, got, want)
		}
		got, ok = dojo.AppendJSONFloat(nil, float64(float32(x)), 32)
		if want := stdJSON(t, float32(x)); !math.IsInf(float64(float32(x)), 0) && (!ok || !bytes.Equal(got, want)) {
			t.Fatalf("dojo.AppendJSONFloat(float32 %v) = %s, want %s", float32(x), got, want)
		}
	})
}

// TestAppendJSONFloatIntegers checks the integer fast path of AppendJSONFloat
// against encoding/json around its bounds, and negative zero.
func TestAppendJSONFloatIntegers(t *testing.T) {
	t.Parallel()
	var xs []float64
	for i := -1000; i <= 1000; i++ {
		xs = append(xs, float64(i))
	}
	for _, edge := range []float64{1 << 24, 1 << 53, 1e15, 1e21} {
		for k := -3.0; k <= 3; k++ {
			xs = append(xs, edge+k, -(edge + k), edge*(1+k/1e9))
		}
	}
	xs = append(xs, math.Copysign(0, -1), 123456789, 16777217, 0.5, -2.5)
	for _, x := range xs {
		got, ok := dojo.AppendJSONFloat(nil, x, 64)
		if want := stdJSON(t, x); !ok || !bytes.Equal(got, want) {
			t.Errorf("dojo.AppendJSONFloat(%v) = %s, want %s", x, got, want)
		}
		x32 := float32(x)
		got, ok = dojo.AppendJSONFloat(nil, float64(x32), 32)
		if want := stdJSON(t, x32); !ok || !bytes.Equal(got, want) {
			t.Errorf("dojo.AppendJSONFloat(float32 %v) = %s, want %s", x32, got, want)
		}
	}
}
