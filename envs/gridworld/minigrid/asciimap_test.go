package minigrid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
)

func TestMiniGridMapErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "ragged.txt")
	if err := os.WriteFile(file, []byte("#####\n#>.G#\n####\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts dojo.Options
		want []string // substrings of the error
	}{
		{"ragged", dojo.Options{"map": []string{"#####", "#>.G#", "###"}}, []string{"map line 3", "3 cells", "line 1", "same length"}},
		{"unknown character", dojo.Options{"map": []string{"#####", "#>.G#", "##Q##"}}, []string{"map line 3, column 3", "unknown character 'Q'", "legend"}},
		{"no agent", dojo.Options{"map": []string{"#####", "#..G#", "#####"}}, []string{"no agent", "> v < ^"}},
		{"two agents", dojo.Options{"map": []string{"#####", "#>.G#", "#.<.#", "#####"}}, []string{"map line 3, column 3", "second agent", "line 2, column 2"}},
		{"no goal", dojo.Options{"map": []string{"#####", "#>..#", "#####"}}, []string{"no goal"}},
		{"unreachable goal", dojo.Options{"map": []string{"#####", "#>#G#", "#####"}}, []string{"cannot reach a goal"}},
		{"goal behind lava", dojo.Options{"map": []string{"#####", "#>LG#", "#####"}}, []string{"cannot reach a goal"}},
		{"locked door without key", dojo.Options{"map": []string{"#####", "#>DG#", "#####"}}, []string{"cannot reach a goal"}},
		{"too small", dojo.Options{"map": []string{"##", "#>"}}, []string{"2x2", "at least 3x3"}},
		{"empty", dojo.Options{"map": []string{"", "  "}}, []string{"empty"}},
		{"bad legend line", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a red key"}}, []string{"map line 5", `"x: description"`}},
		{"bad legend word", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: red kye"}}, []string{"map line 5", `unknown word "kye"`, "COLOR"}},
		{"legend redefines", dojo.Options{"map": []string{"#####", "#>KG#", "#####", "", "K: red key"}}, []string{"map line 5", "'K' is built in"}},
		{"legend twice", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: red key", "a: blue key"}}, []string{"map line 6", "already defined on line 5"}},
		{"state of a key", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: locked key"}}, []string{`"locked" applies to doors only`}},
		{"two colours", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: red blue ball"}}, []string{"two colours"}},
		{"ball holds", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: ball with key"}}, []string{"only a box holds"}},
		{"box holds a wall", dojo.Options{"map": []string{"#####", "#>aG#", "#####", "", "a: box with wall"}}, []string{"box contents", "not wall"}},
		{"map and map_file", dojo.Options{"map": []string{"#####", "#>.G#", "#####"}, "map_file": file}, []string{"exclude each other"}},
		{"file ragged", dojo.Options{"map_file": file}, []string{`map_file "` + file + `" line 3`, "same length"}},
		{"missing file", dojo.Options{"map_file": filepath.Join(dir, "nope.txt")}, []string{"map_file", "no such file"}},
		{"even view", dojo.Options{"view_size": 6}, []string{`"view_size"`, "odd"}},
		{"view too large", dojo.Options{"view_size": 257}, []string{`"view_size"`, "maximum 255"}},
		{"view too small", dojo.Options{"view_size": 1}, []string{`"view_size"`, "minimum 3"}},
		{"obs choice", dojo.Options{"obs": "pixels"}, []string{`"obs"`, "egocentric, full"}},
		{"unknown option", dojo.Options{"size": 5}, []string{`unknown option "size"`}},
		{"unknown profile", dojo.Options{"reward": "dense"}, []string{`unknown reward profile "dense"`, "minigrid"}},
		{"unknown component", dojo.Options{"reward": map[string]any{"speed": 1.0}}, []string{`unknown component "speed"`, "potential"}},
	}
	reg := mgTestRegistry(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := reg.Make("gridworld/Custom-v0", tc.opts)
			if err == nil {
				t.Fatalf("no error for %v", tc.opts)
			}
			if dojo.ErrorCode(err) != dojo.CodeInvalid {
				t.Errorf("error code %q, want %q", dojo.ErrorCode(err), dojo.CodeInvalid)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMiniGridMapFormat(t *testing.T) {
	t.Parallel()
	m := []string{
		"; a map with every kind of cell",
		"##########",
		"#v.KDd_BX#",
		"#.FLGabce#",
		"##########",
		"",
		"; legend",
		"a: red box with green key",
		"b: locked blue door",
		"c = open grey door",
		"e: the purple ball",
	}
	w, err := mgParseMap(m, "map")
	if err != nil {
		t.Fatal(err)
	}
	if w.ax != 1 || w.ay != 1 || w.dir != 1 {
		t.Errorf("agent at (%d,%d) dir %d, want (1,1) facing down", w.ax, w.ay, w.dir)
	}
	want := map[[2]int]mgObj{
		{3, 1}: {Type: mgKey, Color: mgYellow},
		{4, 1}: mgDoorObj(mgYellow, mgLocked),
		{5, 1}: mgDoorObj(mgYellow, mgClosed),
		{6, 1}: mgDoorObj(mgYellow, mgOpen),
		{7, 1}: {Type: mgBall, Color: mgBlue},
		{8, 1}: {Type: mgBox, Color: mgPurple},
		{2, 2}: {Type: mgFloor, Color: mgBlue},
		{3, 2}: mgLavaObj(),
		{4, 2}: mgGoalObj(),
		{5, 2}: {Type: mgBox, Color: mgRed, In: mgKey, InColor: mgGreen},
		{6, 2}: mgDoorObj(mgBlue, mgLocked),
		{7, 2}: mgDoorObj(mgGrey, mgOpen),
		{8, 2}: {Type: mgBall, Color: mgPurple},
		{1, 1}: mgEmptyObj,
		{0, 0}: mgWallObj,
	}
	for p, o := range want {
		if got := w.at(p[0], p[1]); got != o {
			t.Errorf("cell %v = %+v, want %+v", p, got, o)
		}
	}
	rows := mgFormatMap(w.w, w.h, w.at, w.ax, w.ay, w.dir, true)
	wantRows := []string{
		"##########",
		"#v.KDd_BX#",
		"#.FLGabce#",
		"##########",
		"",
		"a: red box with green key",
		"b: locked blue door",
		"c: open grey door",
		"e: purple ball",
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("format (-want +got):\n%s", diff)
	}
}

// FuzzMiniGridMap feeds arbitrary text to the map parser: it must not
// panic, and a map it accepts must have one agent and a goal, and survive
// formatting and parsing again unchanged.
func FuzzMiniGridMap(f *testing.F) {
	f.Add("#####\n#>.G#\n#####")
	f.Add("#######\n#>a.bG#\n#######\n\na: red key\nb: locked red door")
	f.Add("; c\n###\n#v#\n#G#\n###\n\nz = blue box containing a yellow ball")
	f.Add("#####\n#>.G#\n###")
	f.Add("a: red key")
	f.Add("\x00\xff\n>G.")
	f.Add("#####\n#a.G#\n#####\n\na: agent facing up on open red door")
	f.Add("####\n#ab#\n####\n\na: agent facing left on goal\nb: blue floor")
	f.Fuzz(func(t *testing.T, text string) {
		w, err := mgParseMap([]string{text}, "map")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "map") {
				t.Fatalf("error %q does not name the map", err)
			}
			return
		}
		if !w.in(w.ax, w.ay) || w.dir < 0 || w.dir > 3 {
			t.Fatalf("agent at (%d,%d) dir %d", w.ax, w.ay, w.dir)
		}
		goals := 0
		for _, o := range w.cells {
			if o.Type == mgGoal {
				goals++
			}
			if o.Type < mgEmpty || o.Type > mgLava || o.Color >= mgNumCol || o.State > mgLocked {
				t.Fatalf("bad cell %+v", o)
			}
		}
		if goals == 0 {
			t.Fatalf("accepted a map without a goal")
		}
		rows := mgFormatMap(w.w, w.h, w.at, w.ax, w.ay, w.dir, true)
		w2, err := mgParseMap(rows, "map")
		if err != nil {
			t.Fatalf("formatted map %q does not parse: %v", rows, err)
		}
		if !cmp.Equal(w.cells, w2.cells) || w.ax != w2.ax || w.ay != w2.ay || w.dir != w2.dir {
			t.Fatalf("format and parse changed the map:\n%q", rows)
		}
	})
}

func TestMiniGridMapFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "m.txt")
	if err := os.WriteFile(file, []byte("; from a file\r\n#####\r\n#>aG#\r\n#####\r\n\r\na: open red door\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env, err := mgTestRegistry(t).Make("gridworld/Custom-v0", dojo.Options{"map_file": file})
	if err != nil {
		t.Fatal(err)
	}
	e := env.(*Env)
	if e.w != 5 || e.h != 3 || e.maxSteps != 150 {
		t.Errorf("map %dx%d with %d steps, want 5x3 and 10·5·3", e.w, e.h, e.maxSteps)
	}
}
