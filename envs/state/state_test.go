package state_test

import (
	"encoding/json"
	"go/build"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/envs/state"
)

// TestLeaf checks that the package imports nothing from the module but the
// root package, so that envs and render can both import it.
func TestLeaf(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/dojo-rl/dojo/") {
			t.Errorf("package state imports %s: it may import nothing from the module but github.com/dojo-rl/dojo", imp)
		}
	}
}

// TestJSON pins the member names and order of each state kind as the
// episode files record them.
func TestJSON(t *testing.T) {
	carry := [3]int8{5, 4, 0}
	for _, c := range []struct {
		v    any
		want string
	}{
		{&state.Tiles{Kind: state.KindTiles, Map: []string{"SF", "HG"}, Agent: [2]int{1, 0}, Actions: []string{"left"}},
			`{"kind":"tiles","map":["SF","HG"],"agent":[1,0],"actions":["left"]}`},
		{&state.Taxi{Kind: state.KindTaxi, Map: []string{"+-+"}, Taxi: [2]int{2, 3}, Passenger: 4, Destination: 1, Actions: []string{"south"}},
			`{"kind":"taxi","map":["+-+"],"taxi":[2,3],"passenger":4,"destination":1,"actions":["south"]}`},
		{&state.MiniGrid{Kind: state.KindMiniGrid, Width: 1, Height: 1, Grid: []int8{2, 5, 0}, Agent: [2]int{0, 0}, Dir: 3, View: 7, Mission: "m", Actions: []string{"left"}},
			`{"kind":"minigrid","width":1,"height":1,"grid":[2,5,0],"agent":[0,0],"dir":3,"view":7,"see_through_walls":false,"mission":"m","actions":["left"]}`},
		{&state.MiniGrid{Kind: state.KindMiniGrid, Carrying: &carry, SeeThroughWalls: true},
			`{"kind":"minigrid","width":0,"height":0,"grid":null,"agent":[0,0],"dir":0,"carrying":[5,4,0],"view":0,"see_through_walls":true,"mission":"","actions":null}`},
		{&state.Bandit{Kind: state.KindBandit, Means: []float64{0.5, 0.25}, Best: 0, Pulls: []int{1, 0}, Sums: []float64{1, 0}, Arm: -1, Payout: 0.5},
			`{"kind":"bandit","means":[0.5,0.25],"best":0,"pulls":[1,0],"sums":[1,0],"arm":-1,"payout":0.5}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("%T marshals to\n%s\nwant\n%s", c.v, b, c.want)
		}
	}
}
