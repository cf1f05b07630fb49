package render

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"runtime"
	"sync"
)

// GIFOptions sets how WriteGIF animates a replay. The zero value shows
// every frame at 4 frames a second.
type GIFOptions struct {
	// From and To are the first and last frames (inclusive; 0 is the
	// reset). To 0 means the last frame.
	From, To int
	// FPS is the frame rate (default 4, at most 50: GIF counts delays in
	// hundredths of a second). The last frame is held for two seconds
	// more.
	FPS float64
}

// WriteGIF writes frames of r as an animated GIF that loops, one image per
// frame. The frames after the first store only the rectangle that changed,
// its unchanged pixels transparent, so long episodes stay small. Colours
// are mapped to a fixed palette holding every colour frames use exactly;
// only antialiased edges are approximated. Frames are drawn and compressed
// on every core (GOMAXPROCS).
func WriteGIF(w io.Writer, r *Replay, o GIFOptions) error {
	from, to, err := frameRange(r, o.From, o.To)
	if err != nil {
		return err
	}
	fps := o.FPS
	if fps == 0 {
		fps = 4
	}
	if !(fps > 0 && fps <= 50) {
		return fmt.Errorf("fps %v: want a rate above 0 and at most 50", o.FPS)
	}
	delay := max(2, int(math.Round(100/fps)))
	pal := gifPalette()
	b := r.Bounds()
	n := to - from + 1
	blocks := make([][]byte, n)
	ready := make([]chan struct{}, n)
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev, cur := image.NewRGBA(b), image.NewRGBA(b)
			drawn := -1 // the frame in cur
			for i := range next {
				k := from + i
				if drawn == k-1 {
					prev, cur = cur, prev
				} else if i > 0 {
					r.Draw(prev, k-1)
				}
				r.Draw(cur, k)
				drawn = k
				d := b
				var old *image.RGBA
				if i > 0 {
					old = prev
					if d = diffRect(prev, cur); d.Empty() {
						d = image.Rect(0, 0, 1, 1) // nothing changed: one transparent pixel
					}
				}
				fd := delay
				if k == to {
					fd += 200
				}
				blocks[i] = pal.frame(cur, old, d, fd)
				close(ready[i])
			}
		}()
	}
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	bw := bufio.NewWriter(w)
	writeGIFHeader(bw, b, pal)
	var werr error
	for i := range n {
		<-ready[i]
		if werr == nil {
			_, werr = bw.Write(blocks[i])
		}
		blocks[i] = nil
	}
	wg.Wait()
	if werr != nil {
		return werr
	}
	bw.WriteByte(0x3b) // trailer
	return bw.Flush()
}

// writeGIFHeader writes GIF89a's header, the logical screen with the
// palette as global colour table, and the loop-forever extension.
func writeGIFHeader(w *bufio.Writer, b image.Rectangle, pal *gifPal) {
	w.WriteString("GIF89a")
	le16(w, b.Dx())
	le16(w, b.Dy())
	w.Write([]byte{0xf7, 0, 0}) // global table of 256 colours, 8 bits
	for i := range 256 {
		c := color.RGBA{}
		if i < len(pal.colors) {
			c = pal.colors[i].(color.RGBA)
		}
		w.Write([]byte{c.R, c.G, c.B})
	}
	w.Write([]byte{0x21, 0xff, 0x0b})
	w.WriteString("NETSCAPE2.0")
	w.Write([]byte{3, 1, 0, 0, 0})
}

func le16(w io.ByteWriter, v int) {
	w.WriteByte(byte(v))
	w.WriteByte(byte(v >> 8))
}

// frame encodes one GIF image: its graphic control extension (delay in
// hundredths of a second, index 0 transparent, disposal none), descriptor
// and LZW-compressed pixels of img within rect; with prev, pixels equal to
// prev's are transparent.
func (p *gifPal) frame(img, prev *image.RGBA, rect image.Rectangle, delay int) []byte {
	pm := p.quantize(img, prev, rect)
	var buf bytes.Buffer
	buf.Write([]byte{0x21, 0xf9, 4, 1<<2 | 1})
	le16(&buf, delay)
	buf.Write([]byte{0, 0, 0x2c})
	le16(&buf, rect.Min.X)
	le16(&buf, rect.Min.Y)
	le16(&buf, rect.Dx())
	le16(&buf, rect.Dy())
	buf.Write([]byte{0, 8}) // no local table; LZW minimum code size 8
	sb := &subBlocks{w: &buf}
	lw := lzw.NewWriter(sb, lzw.LSB, 8)
	lw.Write(pm.Pix)
	lw.Close()
	sb.flush()
	buf.WriteByte(0)
	return buf.Bytes()
}

// subBlocks cuts a stream into GIF data sub-blocks of up to 255 bytes.
type subBlocks struct {
	w   *bytes.Buffer
	buf [255]byte
	n   int
}

func (s *subBlocks) Write(b []byte) (int, error) {
	for _, c := range b {
		s.buf[s.n] = c
		s.n++
		if s.n == len(s.buf) {
			s.flush()
		}
	}
	return len(b), nil
}

func (s *subBlocks) flush() {
	if s.n > 0 {
		s.w.WriteByte(byte(s.n))
		s.w.Write(s.buf[:s.n])
		s.n = 0
	}
}

func frameRange(r *Replay, from, to int) (int, int, error) {
	last := r.Len() - 1
	if to == 0 {
		to = last
	}
	if from < 0 || to < from || to > last {
		return 0, 0, fmt.Errorf("frames %d to %d: the episode has frames 0 (the reset) to %d", from, to, last)
	}
	return from, to, nil
}

// diffRect returns the smallest rectangle holding every pixel where a and
// b differ.
func diffRect(a, b *image.RGBA) image.Rectangle {
	bd := a.Rect
	w := bd.Dx() * 4
	y0, y1 := -1, -1
	for y := 0; y < bd.Dy(); y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+w]
		rb := b.Pix[y*b.Stride : y*b.Stride+w]
		if !bytes.Equal(ra, rb) {
			if y0 < 0 {
				y0 = y
			}
			y1 = y
		}
	}
	if y0 < 0 {
		return image.Rectangle{}
	}
	x0, x1 := bd.Dx(), -1
	for y := y0; y <= y1; y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+w]
		rb := b.Pix[y*b.Stride : y*b.Stride+w]
		if bytes.Equal(ra, rb) {
			continue
		}
		for x := 0; x < x0; x++ {
			if binary.LittleEndian.Uint32(ra[4*x:]) != binary.LittleEndian.Uint32(rb[4*x:]) {
				x0 = x
				break
			}
		}
		for x := bd.Dx() - 1; x > x1; x-- {
			if binary.LittleEndian.Uint32(ra[4*x:]) != binary.LittleEndian.Uint32(rb[4*x:]) {
				x1 = x
				break
			}
		}
	}
	return image.Rect(x0, y0, x1+1, y1+1).Add(bd.Min)
}

// gifPal is the GIF palette: transparent first, then every colour of the
// frames, then a colour cube for antialiased edges; index maps a colour
// quantized to 5 bits a channel to its nearest entry.
type gifPal struct {
	colors color.Palette
	index  [1 << 15]uint8
}

var gifPalOnce = sync.OnceValue(func() *gifPal {
	p := &gifPal{colors: color.Palette{color.RGBA{}}}
	seen := map[color.RGBA]bool{}
	for _, c := range palette() {
		if !seen[c] {
			seen[c] = true
			p.colors = append(p.colors, c)
		}
	}
	exact := len(p.colors)
	levels := []uint8{0, 51, 102, 153, 204, 255}
	for _, r := range levels {
		for _, g := range levels {
			for _, b := range levels {
				if c := rgb(r, g, b); !seen[c] && len(p.colors) < 256 {
					seen[c] = true
					p.colors = append(p.colors, c)
				}
			}
		}
	}
	// Greys, for the antialiased text that most of a frame's edges are.
	for v := 8; len(p.colors) < 256 && v < 256; v += 16 {
		if c := rgb(uint8(v), uint8(v), uint8(v)); !seen[c] {
			seen[c] = true
			p.colors = append(p.colors, c)
		}
	}
	for key := range p.index {
		r, g, b := key>>10&31, key>>5&31, key&31
		c := rgb(uint8(r<<3|r>>2), uint8(g<<3|g>>2), uint8(b<<3|b>>2))
		best, bestD := 1, math.MaxInt
		for i := 1; i < len(p.colors); i++ {
			q := p.colors[i].(color.RGBA)
			dr, dg, db := int(q.R)-int(c.R), int(q.G)-int(c.G), int(q.B)-int(c.B)
			if d := 3*dr*dr + 4*dg*dg + 2*db*db; d < bestD {
				best, bestD = i, d
			}
		}
		p.index[key] = uint8(best)
	}
	// The frames' own colours map to themselves.
	for i := 1; i < exact; i++ {
		q := p.colors[i].(color.RGBA)
		p.index[key15(q.R, q.G, q.B)] = uint8(i)
	}
	return p
})

func gifPalette() *gifPal { return gifPalOnce() }

func key15(r, g, b uint8) int { return int(r>>3)<<10 | int(g>>3)<<5 | int(b>>3) }

// quantize maps the pixels of img in rect to the palette; with prev, the
// pixels equal to prev's are transparent.
func (p *gifPal) quantize(img, prev *image.RGBA, rect image.Rectangle) *image.Paletted {
	pm := image.NewPaletted(rect, p.colors)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		row := img.Pix[img.PixOffset(rect.Min.X, y):img.PixOffset(rect.Max.X, y)]
		out := pm.Pix[pm.PixOffset(rect.Min.X, y):pm.PixOffset(rect.Max.X, y)]
		var old []uint8
		if prev != nil {
			old = prev.Pix[prev.PixOffset(rect.Min.X, y):prev.PixOffset(rect.Max.X, y)]
		}
		for x := range out {
			i := 4 * x
			px := binary.LittleEndian.Uint32(row[i:])
			if old != nil && px == binary.LittleEndian.Uint32(old[i:]) {
				out[x] = 0
				continue
			}
			out[x] = p.index[int(px>>3&31)<<10|int(px>>11&31)<<5|int(px>>19&31)]
		}
	}
	return pm
}

// WritePNG encodes a frame as a paletted PNG, with the GIF palette: the
// frame's own colours are kept exactly and only antialiased edges are
// approximated, which makes files several times smaller than full colour.
func WritePNG(w io.Writer, img *image.RGBA) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, gifPalette().quantize(img, nil, img.Rect))
}

// Tolerance says how far two frames may differ and still match: a pixel
// differs when one of its channels differs by more than Channel, and the
// frames match when at most a Fraction of their pixels differ. The zero
// value allows 48 levels a channel and 0.2% of the pixels: enough for the
// antialiased edges of text drawn by another version of the rasterizer,
// too little for a moved agent or a missing wall.
type Tolerance struct {
	Channel  uint8
	Fraction float64
}

// Compare reports how many pixels of got differ from want beyond
// tol.Channel, and whether the frames match within tol. Frames of
// different sizes never match.
func Compare(got, want image.Image, tol Tolerance) (differing int, ok bool) {
	if tol.Channel == 0 {
		tol.Channel = 48
	}
	if tol.Fraction == 0 {
		tol.Fraction = 0.002
	}
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Size() != wb.Size() {
		return gb.Dx() * gb.Dy(), false
	}
	lim := uint32(tol.Channel) * 0x101
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			r1, g1, b1, a1 := got.At(gb.Min.X+x, gb.Min.Y+y).RGBA()
			r2, g2, b2, a2 := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
			if absDiff(r1, r2) > lim || absDiff(g1, g2) > lim || absDiff(b1, b2) > lim || absDiff(a1, a2) > lim {
				differing++
			}
		}
	}
	return differing, float64(differing) <= tol.Fraction*float64(gb.Dx()*gb.Dy())
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
