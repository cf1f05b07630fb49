package toytext

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
)

func TestTaxiEncode(t *testing.T) {
	t.Parallel()
	if s := taxiEncode(3, 1, 2, 0); s != 328 {
		t.Errorf("encode(3, 1, 2, 0) = %d, want 328 (Gymnasium's documented example)", s)
	}
	seen := map[int]bool{}
	for row := range 5 {
		for col := range 5 {
			for pass := range 5 {
				for dest := range 4 {
					s := taxiEncode(row, col, pass, dest)
					r, c, p, d := taxiDecode(s)
					if s < 0 || s >= 500 || seen[s] || r != row || c != col || p != pass || d != dest {
						t.Fatalf("encode(%d, %d, %d, %d) = %d decodes to (%d, %d, %d, %d)", row, col, pass, dest, s, r, c, p, d)
					}
					seen[s] = true
				}
			}
		}
	}
}

func TestTaxiP(t *testing.T) {
	t.Parallel()
	o := func(p float64, next int, r float64, term bool) dojo.Outcome {
		return dojo.Outcome{Prob: p, Next: next, Reward: r, Terminated: term}
	}
	one := func(next int, r float64, term bool) []dojo.Outcome { return []dojo.Outcome{o(1, next, r, term)} }
	e := taxiEncode
	rain := dojo.Options{"is_rainy": true}
	toyCheckP(t, []toyPCase{
		{"pickup at the passenger", taxiID, nil, e(0, 0, 0, 1), taxiPickup, one(e(0, 0, 4, 1), -1, false)},
		{"pickup elsewhere", taxiID, nil, e(0, 1, 0, 1), taxiPickup, one(e(0, 1, 0, 1), -10, false)},
		{"pickup with the passenger aboard", taxiID, nil, e(0, 0, 4, 1), taxiPickup, one(e(0, 0, 4, 1), -10, false)},
		{"dropoff at the destination", taxiID, nil, e(0, 4, 4, 1), taxiDropoff, one(e(0, 4, 1, 1), 20, true)},
		{"dropoff at another place", taxiID, nil, e(4, 0, 4, 1), taxiDropoff, one(e(4, 0, 2, 1), -1, false)},
		{"dropoff off the places", taxiID, nil, e(2, 2, 4, 0), taxiDropoff, one(e(2, 2, 4, 0), -10, false)},
		{"dropoff without the passenger", taxiID, nil, e(0, 0, 0, 1), taxiDropoff, one(e(0, 0, 0, 1), -10, false)},
		{"wall east of (0,1)", taxiID, nil, e(0, 1, 0, 1), taxiEast, one(e(0, 1, 0, 1), -1, false)},
		{"no wall west of (0,1)", taxiID, nil, e(0, 1, 0, 1), taxiWest, one(e(0, 0, 0, 1), -1, false)},
		{"wall east of (3,0)", taxiID, nil, e(3, 0, 2, 3), taxiEast, one(e(3, 0, 2, 3), -1, false)},
		{"wall west of (4,1)", taxiID, nil, e(4, 1, 2, 3), taxiWest, one(e(4, 1, 2, 3), -1, false)},
		{"wall east of (4,2)", taxiID, nil, e(4, 2, 1, 3), taxiEast, one(e(4, 2, 1, 3), -1, false)},
		{"wall east of (1,1)", taxiID, nil, e(1, 1, 3, 0), taxiEast, one(e(1, 1, 3, 0), -1, false)},
		{"open east of (2,1)", taxiID, nil, e(2, 1, 3, 0), taxiEast, one(e(2, 2, 3, 0), -1, false)},
		{"east edge", taxiID, nil, e(2, 4, 3, 0), taxiEast, one(e(2, 4, 3, 0), -1, false)},
		{"south edge", taxiID, nil, e(4, 3, 4, 3), taxiSouth, one(e(4, 3, 4, 3), -1, false)},
		{"north", taxiID, nil, e(4, 3, 4, 3), taxiNorth, one(e(3, 3, 4, 3), -1, false)},
		{"after delivery the state is not absorbing", taxiID, nil, e(4, 3, 3, 3), taxiPickup, one(e(4, 3, 4, 3), -1, false)},
		{"rainy south: intended, west, east", taxiID, rain, e(2, 2, 0, 1), taxiSouth,
			[]dojo.Outcome{o(0.8, e(3, 2, 0, 1), -1, false), o(0.1, e(2, 1, 0, 1), -1, false), o(0.1, e(2, 3, 0, 1), -1, false)}},
		{"rainy east: vertical slips blocked by Gymnasium's wall checks", taxiID, rain, e(2, 2, 0, 1), taxiEast,
			[]dojo.Outcome{o(0.8, e(2, 3, 0, 1), -1, false), o(0.1, e(2, 2, 0, 1), -1, false), o(0.1, e(2, 2, 0, 1), -1, false)}},
		{"rainy east into a wall: three times the same state", taxiID, rain, e(3, 0, 0, 1), taxiEast,
			[]dojo.Outcome{o(0.8, e(3, 0, 0, 1), -1, false), o(0.1, e(3, 0, 0, 1), -1, false), o(0.1, e(3, 0, 0, 1), -1, false)}},
		{"rainy west: south and north slips", taxiID, rain, e(1, 3, 4, 2), taxiWest,
			[]dojo.Outcome{o(0.8, e(1, 2, 4, 2), -1, false), o(0.1, e(2, 3, 4, 2), -1, false), o(0.1, e(0, 3, 4, 2), -1, false)}},
		{"rainy north at the top edge, west slip into a wall", taxiID, rain, e(0, 2, 1, 0), taxiNorth,
			[]dojo.Outcome{o(0.8, e(0, 2, 1, 0), -1, false), o(0.1, e(0, 2, 1, 0), -1, false), o(0.1, e(0, 3, 1, 0), -1, false)}},
		{"rainy south beside a wall", taxiID, rain, e(1, 2, 0, 3), taxiSouth,
			[]dojo.Outcome{o(0.8, e(2, 2, 0, 3), -1, false), o(0.1, e(1, 2, 0, 3), -1, false), o(0.1, e(1, 3, 0, 3), -1, false)}},
		{"rainy dropoff is certain", taxiID, rain, e(0, 4, 4, 1), taxiDropoff, one(e(0, 4, 1, 1), 20, true)},
	})
}

func TestTaxiResetDistribution(t *testing.T) {
	t.Parallel()
	env := toyMake(t, taxiID, nil)
	m := env.MDP()
	probs := map[int]float64{}
	for s, p := range m.InitialStateDistrib {
		_, _, pass, dest := taxiDecode(s)
		want := 0.0
		if pass < 4 && pass != dest {
			want = 1.0 / 300
			probs[s] = p
		}
		if p != want {
			t.Fatalf("initial_state_distrib[%d] = %v, want %v", s, p, want)
		}
	}
	if len(probs) != 300 {
		t.Fatalf("%d initial states, want 300", len(probs))
	}
	const n = 60000
	counts := map[int]int{}
	ctx := context.Background()
	for seed := range uint64(n) {
		obs, _, err := env.Reset(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		counts[obs.Value.(int)]++
	}
	if chi := toyChi2(counts, probs, n); chi > toyChi2Limit(299) {
		t.Errorf("reset frequencies over %d seeds: chi-square %.1f > %.1f", n, chi, toyChi2Limit(299))
	}
}

func TestTaxiActionMask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    int
		want [6]float64 // south, north, east, west, pickup, dropoff
	}{
		{taxiEncode(0, 0, 0, 1), [6]float64{1, 0, 1, 0, 1, 0}},
		{taxiEncode(0, 1, 2, 1), [6]float64{1, 0, 0, 1, 0, 0}},
		{taxiEncode(4, 3, 4, 3), [6]float64{0, 1, 1, 0, 0, 1}},
		{taxiEncode(4, 0, 4, 1), [6]float64{0, 1, 0, 0, 0, 1}},
		{taxiEncode(2, 2, 4, 1), [6]float64{1, 1, 1, 1, 0, 0}},
		{taxiEncode(3, 1, 1, 0), [6]float64{1, 1, 1, 0, 0, 0}},
	}
	for _, c := range cases {
		m := (&taxi{}).metrics(nil, c.s)
		var got [6]float64
		for i, name := range taxiMaskNames {
			v, ok := m.Get(name)
			if !ok {
				t.Fatalf("metric %s missing", name)
			}
			got[i] = v
		}
		if got != c.want {
			r, col, p, d := taxiDecode(c.s)
			t.Errorf("mask of (%d, %d, pass %d, dest %d) = %v, want %v", r, col, p, d, got, c.want)
		}
	}
	// The mask says exactly which actions change the state (dry taxi).
	env := toyMake(t, taxiID, nil)
	for s := range 500 {
		mask := taxiMask(s)
		for a := range 6 {
			changes := env.w.outcomes(s, a)[0].next != int32(s)
			if mask[a] != changes {
				t.Fatalf("state %d action %d: mask %v but the state changes: %v", s, a, mask[a], changes)
			}
		}
	}
}

func TestTaxiTextAndMetrics(t *testing.T) {
	t.Parallel()
	env := toyMake(t, taxiID, dojo.Options{"text": true})
	ctx := context.Background()
	obs, info, err := env.Reset(ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	row, col, pass, dest := taxiDecode(obs.Value.(int))
	lines := strings.Split(obs.Text, "\n")
	if len(lines) < 9 || lines[1] != "+---------+" || lines[7] != "+---------+" || lines[8] != "" {
		t.Fatalf("reset text is not Gymnasium's ansi layout:\n%s", obs.Text)
	}
	if lines[2+row][2*col+1] != 'T' {
		t.Errorf("taxi at (%d, %d) not drawn as T:\n%s", row, col, obs.Text)
	}
	if !strings.Contains(obs.Text, "waits at "+string(taxiLocNames[pass])) || !strings.Contains(obs.Text, "Destination: "+string(taxiLocNames[dest])) {
		t.Errorf("reset text does not say where the passenger is and goes:\n%s", obs.Text)
	}
	var names []string
	for _, m := range info.Metrics {
		names = append(names, m.Name)
	}
	if diff := cmp.Diff([]string{"prob", "distance", "mask_south", "mask_north", "mask_east", "mask_west", "mask_pickup", "mask_dropoff"}, names); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	var st dojo.Step
	for !st.Done() {
		a, err := env.OracleAction(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st, err = env.Step(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Index == taxiPickup && !strings.HasPrefix(st.Obs.Text, "You picked up the passenger.") {
			t.Errorf("pickup text:\n%s", st.Obs.Text)
		}
	}
	if !st.Info.Success || st.Reward != 20 || !strings.HasPrefix(st.Obs.Text, "You delivered the passenger") || !strings.Contains(st.Obs.Text, "  (Dropoff)\n") {
		t.Errorf("delivery: success %v reward %v text:\n%s", st.Info.Success, st.Reward, st.Obs.Text)
	}
	if d, _ := st.Info.Metrics.Get("distance"); d != 0 {
		t.Errorf("distance after delivery %v, want 0", d)
	}
}
