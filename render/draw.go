package render

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"
)

// The colours of the frames. Every colour a frame uses outside
// antialiased edges is one of these, and all of them are in the GIF
// palette exactly.
var (
	cBackground = rgb(246, 246, 243)
	cPanel      = rgb(255, 255, 255)
	cBorder     = rgb(210, 210, 204)
	cHeader     = rgb(38, 44, 56)
	cHeaderText = rgb(236, 238, 242)
	cHeaderDim  = rgb(160, 168, 182)
	cText       = rgb(30, 32, 36)
	cDim        = rgb(110, 114, 122)
	cGood       = rgb(40, 150, 70)
	cBad        = rgb(200, 50, 45)
	cWarn       = rgb(215, 140, 20)
	cAccent     = rgb(40, 110, 200)
	cHighlight  = rgb(255, 246, 205)
	cBarPos     = rgb(70, 150, 90)
	cBarNeg     = rgb(205, 80, 70)
	cBarZero    = rgb(190, 190, 185)
	cCode       = rgb(243, 244, 247)

	// MiniGrid's colours (minigrid/core/constants.py COLORS) and tiles.
	mgColors = [6]color.RGBA{rgb(255, 0, 0), rgb(0, 255, 0), rgb(0, 0, 255), rgb(112, 39, 195), rgb(255, 255, 0), rgb(100, 100, 100)}
	cMGBlack = rgb(0, 0, 0)
	cMGLine  = rgb(60, 60, 60)
	cMGLava  = rgb(255, 128, 0)
	cMGSeen  = rgb(77, 77, 77) // black lit by MiniGrid's view highlight

	// Toy-text tiles.
	cIce     = rgb(205, 230, 245)
	cIceLine = rgb(170, 205, 228)
	cHole    = rgb(35, 60, 95)
	cGround  = rgb(226, 230, 214)
	cCliff   = rgb(125, 85, 55)
	cCliffHi = rgb(160, 115, 80)
	cGoal    = rgb(90, 190, 95)
	cStart   = rgb(185, 190, 200)
	cAgent   = rgb(235, 90, 40)
	cRoad    = rgb(232, 232, 226)
	cWall    = rgb(60, 62, 70)
	cTaxi    = rgb(250, 200, 30)
	cTaxiOn  = rgb(70, 180, 80)
	cPlaces  = [4]color.RGBA{rgb(220, 60, 50), rgb(60, 170, 70), rgb(230, 190, 30), rgb(50, 100, 210)}
)

// palette lists the colours above, for the GIF palette.
func palette() []color.RGBA {
	p := []color.RGBA{cBackground, cPanel, cBorder, cHeader, cHeaderText, cHeaderDim, cText, cDim, cGood, cBad,
		cWarn, cAccent, cHighlight, cBarPos, cBarNeg, cBarZero, cCode, cMGBlack, cMGLine, cMGLava, cMGSeen,
		cIce, cIceLine, cHole, cGround, cCliff, cCliffHi, cGoal, cStart, cAgent, cRoad, cWall, cTaxi, cTaxiOn}
	p = append(p, mgColors[:]...)
	return append(p, cPlaces[:]...)
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }

// uniforms caches an *image.Uniform per colour, so drawing allocates
// nothing.
var uniforms = map[color.RGBA]*image.Uniform{}

func init() {
	for _, c := range palette() {
		uniforms[c] = image.NewUniform(c)
	}
	for _, c := range mgColors {
		uniforms[dim(c)] = image.NewUniform(dim(c))
	}
}

// u returns the uniform image of c, a colour of the palette (or a new one
// for others).
func u(c color.RGBA) *image.Uniform {
	if x, ok := uniforms[c]; ok {
		return x
	}
	return image.NewUniform(c)
}

// dim darkens c as MiniGrid draws floors.
func dim(c color.RGBA) color.RGBA { return rgb(c.R/2, c.G/2, c.B/2) }

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, u(c), image.Point{}, draw.Src)
}

// outline draws the border of r, t pixels thick, inside r.
func outline(dst *image.RGBA, r image.Rectangle, t int, c color.RGBA) {
	fill(dst, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), c)
	fill(dst, image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), c)
	fill(dst, image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), c)
	fill(dst, image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// shape rasterizes antialiased paths onto an image: coordinates are in
// pixels of dst, relative to origin.
type shape struct {
	z      vector.Rasterizer
	dst    *image.RGBA
	origin image.Point
	size   image.Point
}

func newShape(dst *image.RGBA, r image.Rectangle) *shape {
	s := &shape{dst: dst, origin: r.Min, size: r.Size()}
	s.z.Reset(r.Dx(), r.Dy())
	return s
}

func (s *shape) poly(pts ...float64) {
	s.z.MoveTo(float32(pts[0]), float32(pts[1]))
	for i := 2; i+1 < len(pts); i += 2 {
		s.z.LineTo(float32(pts[i]), float32(pts[i+1]))
	}
	s.z.ClosePath()
}

func (s *shape) rect(x0, y0, x1, y1 float64) { s.poly(x0, y0, x1, y0, x1, y1, x0, y1) }

// circle adds a circle as a polygon of 32 sides; with hole it runs the
// other way round, so that it cuts a hole in the shape it lies in (the
// rasterizer sums signed coverage).
func (s *shape) circle(cx, cy, r float64, hole bool) {
	const n = 32
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		if hole {
			a = -a
		}
		x, y := float32(cx+r*math.Cos(a)), float32(cy+r*math.Sin(a))
		if i == 0 {
			s.z.MoveTo(x, y)
		} else {
			s.z.LineTo(x, y)
		}
	}
	s.z.ClosePath()
}

// paint draws the accumulated paths in c and starts afresh.
func (s *shape) paint(c color.RGBA) {
	s.z.Draw(s.dst, image.Rectangle{s.origin, s.origin.Add(s.size)}, u(c), image.Point{})
	s.z.Reset(s.size.X, s.size.Y)
}

// hline and vline draw axis-aligned lines t pixels thick.
func hline(dst *image.RGBA, x0, x1, y, t int, c color.RGBA) {
	fill(dst, image.Rect(x0, y, x1, y+t), c)
}

func vline(dst *image.RGBA, x, y0, y1, t int, c color.RGBA) {
	fill(dst, image.Rect(x, y0, x+t, y1), c)
}
