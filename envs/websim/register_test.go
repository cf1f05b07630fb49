package websim_test

import (
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim"
	"github.com/google/go-cmp/cmp"
)

// TestRegister checks that Register adds the envs of searchqa and shop,
// and nothing else.
func TestRegister(t *testing.T) {
	var r dojo.Registry
	if err := websim.Register(&r); err != nil {
		t.Fatal(err)
	}
	want := []string{"websim/SearchQA-v0", "websim/SearchQA-Bridge-v0", "websim/SearchQA-Comparison-v0",
		"websim/SearchQA-Aggregation-v0", "websim/SearchR1-v0", "websim/Corpus-v0", "websim/Shop-v0"}
	slices.Sort(want)
	if diff := cmp.Diff(want, r.IDs()); diff != "" {
		t.Errorf("registered ids (-want +got):\n%s", diff)
	}
	if err := websim.Register(&r); err == nil {
		t.Error("registering the websim envs twice: no error")
	}
}
