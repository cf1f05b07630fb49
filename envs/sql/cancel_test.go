package sql

import (
	"context"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
)

// A step canceled while its query runs is an error with code canceled,
// not an observation quoting "context canceled", and leaves the episode
// as it was: the next step plays turn 1.
func TestStepCanceledMidQueryIsAnError(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Retail-v0", dojo.Options{"timeout_ms": 60000})
	if _, _, err := env.Reset(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	q := "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	var st dojo.Step
	go func() {
		var err error
		st, err = env.Step(ctx, dojo.MessageAction("", call("run_sql", `{"sql":"`+q+`"}`)))
		done <- err
	}()
	select {
	case err := <-done:
		if dojo.ErrorCode(err) != dojo.CodeCanceled {
			t.Fatalf("canceled step: error %v (code %q), observation %q; want a canceled error", err, dojo.ErrorCode(err), st.Obs.Text)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the canceled step did not return")
	}
	st, err := env.Step(context.Background(), dojo.MessageAction("", call("list_tables", `{}`)))
	if err != nil {
		t.Fatal(err)
	}
	if turns := st.Info.Metrics[0].Value; turns != 1 {
		t.Errorf("turns after a canceled step and a played one: %v, want 1", turns)
	}
}
