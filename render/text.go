package render

import (
	"image"
	"image/draw"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Face is a font at one size, with its glyphs rasterized once and kept:
// drawing text then only composites cached masks. A Face is safe for
// concurrent use.
type Face struct {
	face   font.Face // guarded by mu
	mu     sync.Mutex
	ascii  [128]*glyph // filled at creation, read without the lock
	other  map[rune]*glyph
	Height int // line height in pixels
	Ascent int // baseline below the top of a line
}

type glyph struct {
	mask *image.Alpha // nil for an empty glyph (space)
	off  image.Point  // top-left of the mask relative to the dot
	adv  fixed.Int26_6
}

// The faces frames use: Go's fonts (goregular, gobold, gomono) at sizes
// for a frame read at 1:1.
var (
	faceOnce                   sync.Once
	regular, bold, mono, small *Face
)

func loadFaces() {
	var errFace error
	mk := func(ttf []byte, size float64) *Face {
		f, err := opentype.Parse(ttf)
		if err != nil {
			errFace = err
			return nil
		}
		ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			errFace = err
			return nil
		}
		return newFace(ff)
	}
	regular = mk(goregular.TTF, 13)
	bold = mk(gobold.TTF, 14)
	mono = mk(gomono.TTF, 12)
	small = mk(goregular.TTF, 11)
	if errFace != nil {
		// The fonts are compiled in: this cannot fail unless x/image's
		// fonts are broken.
		panic("render: loading Go's fonts: " + errFace.Error())
	}
}

// faces returns the four faces, loading them on first use.
func faces() (r, b, m, s *Face) {
	faceOnce.Do(loadFaces)
	return regular, bold, mono, small
}

func newFace(ff font.Face) *Face {
	m := ff.Metrics()
	f := &Face{face: ff, other: map[rune]*glyph{}}
	f.Height = max(m.Height.Ceil(), (m.Ascent+m.Descent).Ceil()) + 2
	f.Ascent = m.Ascent.Ceil() + (f.Height-(m.Ascent+m.Descent).Ceil())/2
	for r := rune(0); r < 128; r++ {
		f.ascii[r] = f.rasterize(r)
	}
	return f
}

// rasterize renders r at an integer dot; the caller holds f.mu or owns f.
func (f *Face) rasterize(r rune) *glyph {
	dr, mask, mp, adv, ok := f.face.Glyph(fixed.P(0, 0), r)
	if !ok {
		dr, mask, mp, adv, ok = f.face.Glyph(fixed.P(0, 0), '?')
		if !ok {
			return &glyph{}
		}
	}
	g := &glyph{off: dr.Min, adv: adv}
	if !dr.Empty() {
		a := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		draw.Draw(a, a.Bounds(), mask, mp, draw.Src)
		g.mask = a
	}
	return g
}

func (f *Face) glyph(r rune) *glyph {
	if r >= 0 && r < 128 {
		return f.ascii[r]
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.other[r]
	if !ok {
		g = f.rasterize(r)
		f.other[r] = g
	}
	return g
}

// Width returns the advance of s in pixels.
func (f *Face) Width(s string) int {
	var w fixed.Int26_6
	for _, r := range s {
		w += f.glyph(displayRune(r)).adv
	}
	return w.Ceil()
}

// displayRune replaces control characters (tabs become spaces) so that
// they draw as something.
func displayRune(r rune) rune {
	switch {
	case r == '\t':
		return ' '
	case r < 32 || r == 0x7f || r == utf8.RuneError:
		return '?'
	}
	return r
}

// Draw draws s with its top-left corner at (x, y) (the line's top, not the
// baseline) in colour src, clipped to clip, and returns the x after it.
func (f *Face) Draw(dst *image.RGBA, x, y int, s string, src *image.Uniform, clip image.Rectangle) int {
	dot := fixed.I(x)
	base := y + f.Ascent
	clip = clip.Intersect(dst.Rect)
	for _, r := range s {
		g := f.glyph(displayRune(r))
		if g.mask != nil {
			px := dot.Round()
			rect := g.mask.Rect.Add(image.Pt(px+g.off.X, base+g.off.Y))
			if c := rect.Intersect(clip); !c.Empty() {
				draw.DrawMask(dst, c, src, image.Point{}, g.mask, c.Min.Sub(rect.Min), draw.Over)
			} else if rect.Min.X >= clip.Max.X {
				break
			}
		}
		dot += g.adv
	}
	return dot.Ceil()
}

// wrap breaks s into lines no wider than width pixels, at spaces where it
// can and anywhere where a word is too long. Newlines in s break lines.
func (f *Face) wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		para = strings.TrimRight(para, " \r")
		if para == "" {
			out = append(out, "")
			continue
		}
		var line strings.Builder
		var lineW fixed.Int26_6
		limit := fixed.I(width)
		lastSpace, wAtSpace := -1, fixed.Int26_6(0)
		for _, r := range para {
			adv := f.glyph(displayRune(r)).adv
			if lineW+adv > limit && line.Len() > 0 {
				cur := line.String()
				if r == ' ' {
					out = append(out, cur)
					line.Reset()
					lineW, lastSpace = 0, -1
					continue
				}
				if lastSpace > 0 {
					out = append(out, cur[:lastSpace])
					rest := cur[lastSpace+1:]
					line.Reset()
					line.WriteString(rest)
					lineW -= wAtSpace + f.glyph(' ').adv
				} else {
					out = append(out, cur)
					line.Reset()
					lineW = 0
				}
				lastSpace = -1
			}
			if r == ' ' {
				lastSpace, wAtSpace = line.Len(), lineW
			}
			line.WriteRune(r)
			lineW += adv
		}
		out = append(out, line.String())
	}
	return out
}

// ellipsize cuts s to at most width pixels, ending it with "…" when cut.
func (f *Face) ellipsize(s string, width int) string {
	if f.Width(s) <= width {
		return s
	}
	limit := fixed.I(width) - f.glyph('…').adv
	var w fixed.Int26_6
	for i, r := range s {
		w += f.glyph(displayRune(r)).adv
		if w > limit {
			return s[:i] + "…"
		}
	}
	return s
}
