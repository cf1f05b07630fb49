package minigrid

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

var mgGoldenCases = []struct {
	name string
	id   string
	opts dojo.Options
	seed uint64
}{
	{"empty-5x5", "gridworld/Empty-5x5-v0", nil, 3},
	{"empty-5x5-full", "gridworld/Empty-5x5-v0", dojo.Options{"obs": "full"}, 4},
	{"doorkey-5x5-text", "gridworld/DoorKey-5x5-v0", dojo.Options{"text": true}, 7},
	{"lavagap-5x5-shaped", "gridworld/LavaGap-5x5-v0", dojo.Options{"reward": "shaped"}, 6},
	{"multiroom-n2-s4", "gridworld/MultiRoom-N2-S4-v0", nil, 9},
	{"keycorridor-s3r1-text", "gridworld/KeyCorridor-S3R1-v0", dojo.Options{"text": true, "reward": "shaped"}, 2},
	{"maze-9x9-explore", "gridworld/Maze-9x9-v0", dojo.Options{"reward": "explore", "view_size": 5}, 11},
	{"fourrooms-terminate", "gridworld/FourRooms-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 3}, 1},
	{"custom-full-text", "gridworld/Custom-v0", dojo.Options{"obs": "full", "text": true}, 0},
}

// TestMiniGridGolden pins seeded random-action episodes, one JSON line per
// reset and step, to testdata. Run with -update to rewrite them.
func TestMiniGridGolden(t *testing.T) {
	reg := mgTestRegistry(t)
	for _, tc := range mgGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(tc.id, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := mgTranscript(t, env, tc.seed, 30)
			path := filepath.Join("testdata", tc.name+".jsonl")
			dojotest.Golden(t, path, got, *update)
		})
	}
}

// mgTranscript runs one episode of seeded random actions (indices, words,
// and a few invalid ones) and returns it as JSON lines.
func mgTranscript(t *testing.T, env dojo.Env, seed uint64, steps int) []byte {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	line := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	line(map[string]any{"reset": seed, "observation": obs, "info": info})
	rng := rand.New(rand.NewPCG(seed, 42))
	for i := 1; i <= steps; i++ {
		var a dojo.Action
		switch r := rng.IntN(20); {
		case r < 15:
			a = dojo.IndexAction(rng.IntN(mgNumActs))
		case r < 18:
			a = dojo.TextAction(mgActionWords[rng.IntN(mgNumActs)])
		case r < 19:
			a = dojo.IndexAction(7 + rng.IntN(3))
		default:
			a = dojo.TextAction("jump")
		}
		s, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		line(map[string]any{"step": i, "action": a, "result": s})
		if s.Done() {
			break
		}
	}
	return buf.Bytes()
}
