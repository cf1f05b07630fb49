package runner

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
	"github.com/google/go-cmp/cmp"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	// 10 episodes: 8 successes among the 9 completed, one failure.
	var results []result
	for i := range 9 {
		results = append(results, result{index: i, success: i < 8, ret: float64(i + 1), length: 10 + i})
	}
	results = append(results, result{index: 9, ret: 99, length: 1, code: dojo.CodeTimeout, msg: "episode deadline 1s exceeded"})
	s := summarize("test/Chain-v0", dojo.Options{"length": 4}, "walker", 12, 3, results, 1500*time.Millisecond)
	want := &Summary{
		Env: "test/Chain-v0", Options: dojo.Options{"length": 4}, Agent: "walker",
		Requested: 12, Episodes: 10, Resumed: 3, Completed: 9, Errors: 1,
		ErrorCodes:    map[dojo.Code]int{dojo.CodeTimeout: 1},
		ErrorMessages: map[dojo.Code]string{dojo.CodeTimeout: "episode deadline 1s exceeded"},
		Successes:     8, SuccessRate: 0.8, SuccessCI: stats.Wilson(8, 10, 0.95),
		MeanReturn: 5, ReturnStd: math.Sqrt(7.5),
		ReturnCI:   &stats.Interval{Lo: 5 - 2.306004135204166*math.Sqrt(7.5)/3, Hi: 5 + 2.306004135204166*math.Sqrt(7.5)/3},
		MeanLength: 14, Wall: 1500 * time.Millisecond, WallSeconds: 1.5,
	}
	if diff := cmp.Diff(want, s, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := s.SuccessCI; math.Abs(got.Lo-0.4902) > 5e-5 || math.Abs(got.Hi-0.9433) > 5e-5 {
		t.Errorf("success interval %+v, want [0.4902, 0.9433]", got)
	}

	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	wantTable := strings.Join([]string{
		"env            agent   episodes  success  95% CI          return  ±95%   length  errors         wall",
		"test/Chain-v0  walker  10/12     0.800    [0.490, 0.943]  5.000   2.105  14.0    1 (timeout:1)  1.5s",
		"",
	}, "\n")
	if diff := cmp.Diff(wantTable, b.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}

	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"success_ci":{"lo":0.49`, `"return_ci":{"lo":`, `"error_codes":{"timeout":1}`, `"wall_seconds":1.5`, `"resumed":3`} {
		if !bytes.Contains(j, []byte(field)) {
			t.Errorf("summary JSON %s lacks %s", j, field)
		}
	}

	// With one completed episode the return has no interval, and the
	// summary still marshals.
	one := summarize("e/X-v0", nil, "a", 1, 0, []result{{ret: 2, length: 3}}, 0)
	if one.ReturnCI != nil || one.MeanReturn != 2 {
		t.Errorf("one episode: %+v", one)
	}
	if _, err := json.Marshal(one); err != nil {
		t.Errorf("summary of one episode does not marshal: %v", err)
	}
	none := summarize("e/X-v0", nil, "a", 5, 0, nil, 0)
	if none.SuccessCI != (stats.Interval{Lo: 0, Hi: 1}) || none.SuccessRate != 0 {
		t.Errorf("no episodes: %+v", none)
	}
	if _, err := json.Marshal(none); err != nil {
		t.Errorf("summary of no episode does not marshal: %v", err)
	}
}
