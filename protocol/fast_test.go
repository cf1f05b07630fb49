package protocol

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

func TestValueEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i    int
		want int
	}{
		{`"a\"b",1`, 0, 6},
		{`{"a":[1,{"b":"}"}]},2`, 0, 19},
		{`[1,2]`, 0, 5},
		{`123,`, 0, 3},
		{`true}`, 0, 4},
		{`null`, 0, 4},
		{`{"a":1`, 0, -1},
		{`"open`, 0, -1},
		{`"a\`, 0, -1},
		{`{"k":5}`, 1, 4},
		{``, 0, -1},
	} {
		if got := valueEnd([]byte(tc.in), tc.i); got != tc.want {
			t.Errorf("valueEnd(%q, %d) = %d, want %d", tc.in, tc.i, got, tc.want)
		}
	}
}

// TestValueEndOnEncodedValues: on what encoding/json writes, valueEnd finds the
// end of every value of random nested documents.
func TestValueEndOnEncodedValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch k := r.IntN(6); {
		case k == 0 || depth > 3:
			return r.Float64() * 1e6
		case k == 1:
			return string([]rune{'a', '"', '\\', '}', ']', rune(r.IntN(0x3000))})
		case k == 2:
			return r.IntN(2) == 0
		case k == 3:
			return nil
		case k == 4:
			var xs []any
			for range r.IntN(4) {
				xs = append(xs, gen(depth+1))
			}
			return xs
		default:
			m := map[string]any{}
			for range r.IntN(4) {
				m[string(rune('a'+r.IntN(26)))+"\"}"] = gen(depth + 1)
			}
			return m
		}
	}
	for range 2000 {
		b, err := json.Marshal([]any{gen(0), gen(0)})
		if err != nil {
			t.Fatal(err)
		}
		end := valueEnd(b, 1) // the first element
		var first any
		if err := json.Unmarshal(b[1:end], &first); err != nil || b[end] != ',' {
			t.Fatalf("valueEnd(%s, 1) = %d: %q is not the first element (%v)", b, end, b[1:end], err)
		}
		if got := valueEnd(b, 0); got != len(b) {
			t.Fatalf("valueEnd(%s, 0) = %d, want %d", b, got, len(b))
		}
	}
}
