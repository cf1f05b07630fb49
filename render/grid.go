package render

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo/envs/state"
	"github.com/dojo-rl/dojo/runner"
)

// tileSize picks the pixel size of a cell so that a w×h grid is about
// 480 pixels on its longer side.
func tileSize(w, h, lo, hi int) int {
	return min(max(480/max(w, h, 1), lo), hi)
}

// ---- MiniGrid worlds (kind "minigrid")

// MiniGrid's object and colour indices (minigrid/core/constants.py).
const (
	mgUnseen = iota
	mgEmpty
	mgWall
	mgFloor
	mgDoor
	mgKey
	mgBall
	mgBox
	mgGoal
	mgLava
	mgAgent
	mgNumObj
)

var (
	mgObjNames   = [mgNumObj]string{"unseen", "empty", "wall", "floor", "door", "key", "ball", "box", "goal", "lava", "agent"}
	mgColorNames = [6]string{"red", "green", "blue", "purple", "yellow", "grey"}
	mgDirNames   = [4]string{"right", "down", "left", "up"}
	mgDirVec     = [4][2]int{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
)

func checkMiniGrid(s *state.MiniGrid) error {
	switch {
	case s.Width < 1 || s.Height < 1 || s.Width > 512 || s.Height > 512:
		return fmt.Errorf("the grid is %dx%d: want 1 to 512 cells a side", s.Width, s.Height)
	case len(s.Grid) != s.Width*s.Height*3:
		return fmt.Errorf("grid has %d numbers, want width×height×3 = %d", len(s.Grid), s.Width*s.Height*3)
	case s.Agent[0] < 0 || s.Agent[1] < 0 || s.Agent[0] >= s.Width || s.Agent[1] >= s.Height:
		return fmt.Errorf("agent %v is outside the %dx%d grid", s.Agent, s.Width, s.Height)
	case s.Dir < 0 || s.Dir > 3:
		return fmt.Errorf("dir %d: want 0 (right), 1 (down), 2 (left) or 3 (up)", s.Dir)
	case s.View < 0 || s.View > 255:
		return fmt.Errorf("view %d: want 0 to 255", s.View)
	}
	return nil
}

type miniGrid struct {
	states []state.MiniGrid
	ego    [][]int8 // each frame's egocentric image, when observed
	t      int      // tile size
	tiles  *mgTiles
}

func newMiniGrid(ep *runner.Episode) (body, error) {
	states, err := decodeStates(ep, checkMiniGrid)
	if err != nil {
		return nil, err
	}
	g := &miniGrid{states: states, ego: make([][]int8, len(states))}
	s0 := &states[0]
	g.t = tileSize(s0.Width, s0.Height, 12, 64)
	for k := range states {
		if states[k].Width != s0.Width || states[k].Height != s0.Height {
			return nil, fmt.Errorf("step %d: state: the grid changed size from %dx%d to %dx%d", k, s0.Width, s0.Height, states[k].Width, states[k].Height)
		}
		obs := &ep.Reset.Obs
		if k > 0 {
			obs = &ep.Steps[k-1].Obs
		}
		g.ego[k] = egoImage(obs.Value, states[k].View)
	}
	g.tiles = mgTileSet(g.t)
	return g, nil
}

// egoImage returns the image of an egocentric MiniGrid observation of
// view×view cells, or nil when v is something else (a full observation).
func egoImage(v any, view int) []int8 {
	if v == nil || view == 0 {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var o struct {
		Image []int8 `json:"image"`
	}
	if json.Unmarshal(b, &o) != nil || len(o.Image) != view*view*3 {
		return nil
	}
	return o.Image
}

func (g *miniGrid) size() image.Point {
	s := &g.states[0]
	return image.Pt(s.Width*g.t, s.Height*g.t)
}

func (g *miniGrid) sidePanel() bool       { return true }
func (g *miniGrid) actionWords() []string { return g.states[0].Actions }

func (g *miniGrid) panel(k int) []panelEntry {
	s := &g.states[k]
	carry := "nothing"
	if c := s.Carrying; c != nil {
		carry = mgDescribe(*c)
	}
	regular, _, _, _ := faces()
	return []panelEntry{
		{"mission", clipLines(regular.wrap(s.Mission, panelWidth-28), 3)},
		{"agent", []string{fmt.Sprintf("at (%d, %d) facing %s", s.Agent[0], s.Agent[1], mgDirNames[s.Dir]), "carrying " + carry}},
	}
}

// mgDescribe names an encoded object: "yellow key", "locked red door".
func mgDescribe(c [3]int8) string {
	t, col := int(c[0]), int(c[1])
	if t < 0 || t >= mgNumObj {
		return fmt.Sprintf("object %d", t)
	}
	name := mgObjNames[t]
	if col >= 0 && col < 6 && t >= mgDoor && t <= mgBox {
		name = mgColorNames[col] + " " + name
	}
	if t == mgDoor {
		name = [3]string{"open ", "closed ", "locked "}[min(max(int(c[2]), 0), 2)] + name
	}
	return name
}

func (g *miniGrid) draw(dst *image.RGBA, r image.Rectangle, k int) {
	s := &g.states[k]
	t := g.t
	vis := g.visible(k)
	for x := 0; x < s.Width; x++ {
		for y := 0; y < s.Height; y++ {
			i := (x*s.Height + y) * 3
			code := [3]int8{s.Grid[i], s.Grid[i+1], s.Grid[i+2]}
			lit := vis != nil && vis[x*s.Height+y]
			tile := g.tiles.object(code, lit)
			cell := image.Rect(r.Min.X+x*t, r.Min.Y+y*t, r.Min.X+(x+1)*t, r.Min.Y+(y+1)*t)
			draw.Draw(dst, cell, tile, image.Point{}, draw.Src)
		}
	}
	ax, ay := s.Agent[0], s.Agent[1]
	cell := image.Rect(r.Min.X+ax*t, r.Min.Y+ay*t, r.Min.X+(ax+1)*t, r.Min.Y+(ay+1)*t)
	draw.Draw(dst, cell, g.tiles.agent[s.Dir], image.Point{}, draw.Over)
	if s.View > 0 {
		// The egocentric view: view×view cells ahead of the agent.
		v := s.View
		fx, fy := mgDirVec[s.Dir][0], mgDirVec[s.Dir][1]
		rx, ry := -fy, fx
		x0, y0 := ax+fx*(v-1)-rx*(v/2), ay+fy*(v-1)-ry*(v/2)
		x1, y1 := ax+rx*(v/2), ay+ry*(v/2)
		minX, maxX := min(x0, x1, ax), max(x0, x1, ax)
		minY, maxY := min(y0, y1, ay), max(y0, y1, ay)
		view := image.Rect(r.Min.X+minX*t, r.Min.Y+minY*t, r.Min.X+(maxX+1)*t, r.Min.Y+(maxY+1)*t).Intersect(r)
		outline(dst, view, 2, cHeaderText)
	}
}

// visible returns which cells the agent sees in frame k (from its
// egocentric observation, with occlusion), or nil.
func (g *miniGrid) visible(k int) []bool {
	img := g.ego[k]
	if img == nil {
		return nil
	}
	s := &g.states[k]
	v := s.View
	vis := make([]bool, s.Width*s.Height)
	fx, fy := mgDirVec[s.Dir][0], mgDirVec[s.Dir][1]
	rx, ry := -fy, fx
	for vx := range v {
		for vy := range v {
			if img[(vx*v+vy)*3] == mgUnseen {
				continue
			}
			x := s.Agent[0] + fx*(v-1-vy) + rx*(vx-v/2)
			y := s.Agent[1] + fy*(v-1-vy) + ry*(vx-v/2)
			if x >= 0 && y >= 0 && x < s.Width && y < s.Height {
				vis[x*s.Height+y] = true
			}
		}
	}
	return vis
}

// mgTiles holds the pictures of MiniGrid's tiles at one size, drawn as
// MiniGrid draws them (minigrid/core/world_object.py), made on first use.
type mgTiles struct {
	t     int
	mu    sync.Mutex
	tiles map[[4]int8]*image.RGBA
	agent [4]*image.RGBA // transparent around the triangle
}

var mgTileSets sync.Map // tile size -> *mgTiles

func mgTileSet(t int) *mgTiles {
	if ts, ok := mgTileSets.Load(t); ok {
		return ts.(*mgTiles)
	}
	ts := &mgTiles{t: t, tiles: map[[4]int8]*image.RGBA{}}
	ft := float64(t)
	for d := range 4 {
		img := image.NewRGBA(image.Rect(0, 0, t, t))
		sh := newShape(img, img.Rect)
		pts := [][2]float64{{0.12, 0.19}, {0.87, 0.50}, {0.12, 0.81}}
		var xy []float64
		for _, p := range pts {
			// Rotate about the centre by d quarter turns clockwise.
			x, y := p[0]-0.5, p[1]-0.5
			for range d {
				x, y = -y, x
			}
			xy = append(xy, (x+0.5)*ft, (y+0.5)*ft)
		}
		sh.poly(xy...)
		sh.paint(mgColors[0])
		ts.agent[d] = img
	}
	v, _ := mgTileSets.LoadOrStore(t, ts)
	return v.(*mgTiles)
}

func (ts *mgTiles) object(code [3]int8, lit bool) *image.RGBA {
	key := [4]int8{code[0], code[1], code[2], 0}
	if lit {
		key[3] = 1
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if img, ok := ts.tiles[key]; ok {
		return img
	}
	img := ts.drawObject(code)
	if lit {
		// MiniGrid's highlight: 30% of the way to white.
		for i := range img.Pix {
			if i%4 != 3 {
				img.Pix[i] += uint8((255 - float64(img.Pix[i])) * 0.3)
			}
		}
	}
	ts.tiles[key] = img
	return img
}

func (ts *mgTiles) drawObject(code [3]int8) *image.RGBA {
	t := ts.t
	ft := float64(t)
	img := image.NewRGBA(image.Rect(0, 0, t, t))
	fill(img, img.Rect, cMGBlack)
	typ, col, state := int(code[0]), int(code[1]), int(code[2])
	c := mgColors[5]
	if col >= 0 && col < 6 {
		c = mgColors[col]
	}
	// Grid lines on the top and left edges (MiniGrid's render_tile).
	lw := max(1, int(math.Round(0.031*ft)))
	if typ != mgUnseen {
		fill(img, image.Rect(0, 0, lw, t), cMGLine)
		fill(img, image.Rect(0, 0, t, lw), cMGLine)
	}
	sh := newShape(img, img.Rect)
	rect := func(x0, x1, y0, y1 float64, c color.RGBA) {
		sh.rect(x0*ft, y0*ft, x1*ft, y1*ft)
		sh.paint(c)
	}
	switch typ {
	case mgWall:
		rect(0, 1, 0, 1, c)
	case mgFloor:
		rect(0.031, 1, 0.031, 1, dim(c))
	case mgGoal:
		rect(0, 1, 0, 1, c)
	case mgLava:
		rect(0, 1, 0, 1, cMGLava)
		for i := range 3 {
			y := 0.3 + 0.2*float64(i)
			var pts []float64
			for j := 0; j <= 5; j++ {
				x := 0.1 + 0.16*float64(j)
				dy := 0.03
				if j%2 == 1 {
					dy = -0.03
				}
				pts = append(pts, x*ft, (y+dy)*ft)
			}
			for j := 5; j >= 0; j-- {
				x := 0.1 + 0.16*float64(j)
				dy := 0.03
				if j%2 == 1 {
					dy = -0.03
				}
				pts = append(pts, x*ft, (y+dy+0.06)*ft)
			}
			sh.poly(pts...)
		}
		sh.paint(cMGBlack)
	case mgDoor:
		switch state {
		case 0: // open
			rect(0.88, 1, 0, 1, c)
			rect(0, 0.04, 0, 1, cMGBlack)
		case 2: // locked
			rect(0, 1, 0, 1, c)
			rect(0.06, 0.94, 0.06, 0.94, rgb(uint8(0.45*float64(c.R)), uint8(0.45*float64(c.G)), uint8(0.45*float64(c.B))))
			rect(0.52, 0.75, 0.50, 0.56, c)
		default: // closed
			rect(0, 1, 0, 1, c)
			rect(0.04, 0.96, 0.04, 0.96, cMGBlack)
			rect(0.08, 0.92, 0.08, 0.92, c)
			rect(0.12, 0.88, 0.12, 0.88, cMGBlack)
			sh.circle(0.75*ft, 0.5*ft, 0.08*ft, false)
			sh.paint(c)
		}
	case mgKey:
		rect(0.50, 0.63, 0.31, 0.88, c)
		rect(0.38, 0.50, 0.59, 0.66, c)
		rect(0.38, 0.50, 0.81, 0.88, c)
		sh.circle(0.56*ft, 0.28*ft, 0.19*ft, false)
		sh.circle(0.56*ft, 0.28*ft, 0.064*ft, true)
		sh.paint(c)
	case mgBall:
		sh.circle(0.5*ft, 0.5*ft, 0.31*ft, false)
		sh.paint(c)
	case mgBox:
		rect(0.12, 0.88, 0.12, 0.88, c)
		rect(0.18, 0.82, 0.18, 0.82, cMGBlack)
		rect(0.16, 0.84, 0.47, 0.53, c)
	case mgAgent: // in a full observation: MiniGrid draws it as the agent
		sh.poly(0.12*ft, 0.19*ft, 0.87*ft, 0.5*ft, 0.12*ft, 0.81*ft)
		sh.paint(mgColors[0])
	}
	return img
}

// ---- toy-text tiles (kind "tiles": FrozenLake, CliffWalking)

func checkMap(m []string, maxSide int) (w, h int, err error) {
	if len(m) == 0 || len(m) > maxSide {
		return 0, 0, fmt.Errorf("map has %d rows: want 1 to %d", len(m), maxSide)
	}
	w = len(m[0])
	if w == 0 || w > maxSide {
		return 0, 0, fmt.Errorf("map row 1 has %d characters: want 1 to %d", w, maxSide)
	}
	for i, row := range m {
		if len(row) != w {
			return 0, 0, fmt.Errorf("map row %d has %d characters, row 1 has %d: want rows of one length", i+1, len(row), w)
		}
	}
	return w, len(m), nil
}

func checkTiles(s *state.Tiles) error {
	w, h, err := checkMap(s.Map, 256)
	if err != nil {
		return err
	}
	if s.Agent[0] < 0 || s.Agent[1] < 0 || s.Agent[0] >= w || s.Agent[1] >= h {
		return fmt.Errorf("agent %v is outside the %dx%d map", s.Agent, w, h)
	}
	return nil
}

type tiles struct {
	states []state.Tiles
	t      int
	agent  *image.RGBA
}

func newTiles(ep *runner.Episode) (body, error) {
	states, err := decodeStates(ep, checkTiles)
	if err != nil {
		return nil, err
	}
	s0 := &states[0]
	b := &tiles{states: states, t: tileSize(len(s0.Map[0]), len(s0.Map), 16, 80)}
	for k := range states {
		if len(states[k].Map) != len(s0.Map) || len(states[k].Map[0]) != len(s0.Map[0]) {
			return nil, fmt.Errorf("step %d: state: the map changed size", k)
		}
	}
	b.agent = agentDisc(b.t)
	return b, nil
}

// agentDisc draws the toy-text agent: a disc with a white rim, on a
// transparent tile.
func agentDisc(t int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, t, t))
	ft := float64(t)
	sh := newShape(img, img.Rect)
	sh.circle(ft/2, ft/2, 0.34*ft, false)
	sh.paint(cPanel)
	sh.circle(ft/2, ft/2, 0.28*ft, false)
	sh.paint(cAgent)
	return img
}

func (b *tiles) size() image.Point {
	m := b.states[0].Map
	return image.Pt(len(m[0])*b.t, len(m)*b.t)
}

func (b *tiles) sidePanel() bool       { return true }
func (b *tiles) actionWords() []string { return b.states[0].Actions }

func (b *tiles) panel(k int) []panelEntry {
	s := &b.states[k]
	under := map[byte]string{'S': "the start", 'F': "frozen ice", 'H': "a hole", 'G': "the goal", '.': "ground", 'C': "the cliff"}[s.Map[s.Agent[1]][s.Agent[0]]]
	line := fmt.Sprintf("at (%d, %d)", s.Agent[0], s.Agent[1])
	if under != "" {
		line += ", on " + under
	}
	return []panelEntry{{"agent", []string{line}}}
}

func (b *tiles) draw(dst *image.RGBA, r image.Rectangle, k int) {
	s := &b.states[k]
	_, bold, _, _ := faces()
	t := b.t
	for y, row := range s.Map {
		for x := 0; x < len(row); x++ {
			cell := image.Rect(r.Min.X+x*t, r.Min.Y+y*t, r.Min.X+(x+1)*t, r.Min.Y+(y+1)*t)
			draw.Draw(dst, cell, toyTile(row[x], t, bold), image.Point{}, draw.Src)
		}
	}
	ax, ay := s.Agent[0], s.Agent[1]
	cell := image.Rect(r.Min.X+ax*t, r.Min.Y+ay*t, r.Min.X+(ax+1)*t, r.Min.Y+(ay+1)*t)
	draw.Draw(dst, cell, b.agent, image.Point{}, draw.Over)
}

// toyTiles caches the toy-text tiles by letter and size.
var toyTiles sync.Map // [2]int{letter, size} -> *image.RGBA

func toyTile(c byte, t int, bold *Face) *image.RGBA {
	key := [2]int{int(c), t}
	if img, ok := toyTiles.Load(key); ok {
		return img.(*image.RGBA)
	}
	img := image.NewRGBA(image.Rect(0, 0, t, t))
	drawToyTile(img, img.Rect, c, bold)
	v, _ := toyTiles.LoadOrStore(key, img)
	return v.(*image.RGBA)
}

// drawToyTile draws one toy-text tile: S start, F frozen, H hole, G goal,
// . ground, C cliff; anything else as ground with its letter.
func drawToyTile(dst *image.RGBA, cell image.Rectangle, c byte, bold *Face) {
	t := cell.Dx()
	ft := float64(t)
	letter := func(s string, col color.RGBA) {
		w := bold.Width(s)
		bold.Draw(dst, cell.Min.X+(t-w)/2, cell.Min.Y+(t-bold.Height)/2, s, u(col), cell)
	}
	switch c {
	case 'F', 'S', 'H':
		fill(dst, cell, cIce)
		outline(dst, cell, 1, cIceLine)
		if c == 'H' {
			sh := newShape(dst, cell)
			sh.circle(ft/2, ft/2, 0.38*ft, false)
			sh.paint(cHole)
		}
		if c == 'S' {
			letter("S", cDim)
		}
	case 'G':
		fill(dst, cell, cGoal)
		outline(dst, cell, 1, cIceLine)
		letter("G", cPanel)
	case 'C':
		fill(dst, cell, cCliff)
		for i := 1; i < 4; i++ {
			hline(dst, cell.Min.X, cell.Max.X, cell.Min.Y+i*t/4, max(1, t/16), cCliffHi)
		}
	default:
		fill(dst, cell, cGround)
		outline(dst, cell, 1, cBorder)
		if c != '.' {
			letter(string(rune(c)), cDim)
		}
	}
}

// ---- Taxi (kind "taxi")

// taxiGeometry reads Gymnasium's taxi map: a border row above and below,
// cells at odd columns, walls ('|') or openings (':') between them.
func taxiGeometry(m []string) (cols, rows int, err error) {
	w, h, err := checkMap(m, 64)
	if err != nil {
		return 0, 0, err
	}
	if h < 3 || w < 3 || w%2 == 0 {
		return 0, 0, fmt.Errorf("map %dx%d characters is not a taxi map (a bordered grid like Gymnasium's)", w, h)
	}
	return (w - 1) / 2, h - 2, nil
}

func checkTaxi(s *state.Taxi) error {
	cols, rows, err := taxiGeometry(s.Map)
	if err != nil {
		return err
	}
	switch {
	case s.Taxi[0] < 0 || s.Taxi[1] < 0 || s.Taxi[0] >= cols || s.Taxi[1] >= rows:
		return fmt.Errorf("taxi %v is outside the %dx%d map", s.Taxi, cols, rows)
	case s.Passenger < 0 || s.Passenger > 4:
		return fmt.Errorf("passenger %d: want 0-3 (a place) or 4 (in the taxi)", s.Passenger)
	case s.Destination < 0 || s.Destination > 3:
		return fmt.Errorf("destination %d: want 0-3", s.Destination)
	}
	return nil
}

type taxiBody struct {
	states     []state.Taxi
	cols, rows int
	t          int
	places     [4][2]int // the cells of R, G, Y, B
	names      [4]string
}

func newTaxi(ep *runner.Episode) (body, error) {
	states, err := decodeStates(ep, checkTaxi)
	if err != nil {
		return nil, err
	}
	b := &taxiBody{states: states}
	b.cols, b.rows, _ = taxiGeometry(states[0].Map)
	b.t = tileSize(b.cols, b.rows, 24, 80)
	b.names = [4]string{"R", "G", "Y", "B"}
	found := 0
	for y := range b.rows {
		row := states[0].Map[1+y]
		for x := range b.cols {
			if i := strings.IndexByte("RGYB", row[2*x+1]); i >= 0 {
				b.places[i] = [2]int{x, y}
				found |= 1 << i
			}
		}
	}
	if found != 15 {
		return nil, fmt.Errorf("reset: state: the taxi map does not mark the four places R, G, Y and B")
	}
	return b, nil
}

func (b *taxiBody) size() image.Point     { return image.Pt(b.cols*b.t, b.rows*b.t) }
func (b *taxiBody) sidePanel() bool       { return true }
func (b *taxiBody) actionWords() []string { return b.states[0].Actions }

func (b *taxiBody) panel(k int) []panelEntry {
	s := &b.states[k]
	pass := "waiting at " + b.names[min(s.Passenger, 3)]
	if s.Passenger == 4 {
		pass = "in the taxi"
	}
	return []panelEntry{{"taxi", []string{
		fmt.Sprintf("at (%d, %d)", s.Taxi[0], s.Taxi[1]),
		"passenger " + pass,
		"destination " + b.names[s.Destination],
	}}}
}

func (b *taxiBody) draw(dst *image.RGBA, r image.Rectangle, k int) {
	s := &b.states[k]
	_, bold, _, _ := faces()
	t := b.t
	ft := float64(t)
	cellAt := func(x, y int) image.Rectangle {
		return image.Rect(r.Min.X+x*t, r.Min.Y+y*t, r.Min.X+(x+1)*t, r.Min.Y+(y+1)*t)
	}
	fill(dst, r, cRoad)
	for y := range b.rows {
		for x := range b.cols {
			outline(dst, cellAt(x, y), 1, cBorder)
		}
	}
	for i, p := range b.places {
		cell := cellAt(p[0], p[1])
		fill(dst, cell.Inset(3), cPlaces[i])
		w := bold.Width(b.names[i])
		bold.Draw(dst, cell.Min.X+6, cell.Min.Y+4, b.names[i], u(cPanel), cell)
		_ = w
	}
	// The destination: a thick frame in the place's colour.
	d := cellAt(b.places[s.Destination][0], b.places[s.Destination][1])
	outline(dst, d.Inset(1), max(3, t/12), cText)
	// Walls: '|' between two cells, and the border.
	wt := max(3, t/14)
	for y := range b.rows {
		row := s.Map[1+y]
		for x := 0; x+1 < b.cols; x++ {
			if row[2*x+2] == '|' {
				vline(dst, r.Min.X+(x+1)*t-wt/2, r.Min.Y+y*t, r.Min.Y+(y+1)*t, wt, cWall)
			}
		}
	}
	outline(dst, r, wt, cWall)
	// The taxi, and the passenger: waiting at a place or aboard.
	tc := cTaxi
	if s.Passenger == 4 {
		tc = cTaxiOn
	}
	cell := cellAt(s.Taxi[0], s.Taxi[1])
	sh := newShape(dst, cell)
	sh.rect(0.18*ft, 0.32*ft, 0.82*ft, 0.70*ft)
	sh.rect(0.30*ft, 0.20*ft, 0.70*ft, 0.34*ft)
	sh.paint(tc)
	sh.circle(0.32*ft, 0.72*ft, 0.08*ft, false)
	sh.circle(0.68*ft, 0.72*ft, 0.08*ft, false)
	sh.paint(cWall)
	if s.Passenger < 4 {
		p := cellAt(b.places[s.Passenger][0], b.places[s.Passenger][1])
		sh := newShape(dst, p)
		sh.circle(0.72*ft, 0.30*ft, 0.09*ft, false)
		sh.rect(0.63*ft, 0.42*ft, 0.81*ft, 0.80*ft)
		sh.paint(cText)
	}
}
