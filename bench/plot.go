package bench

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/atomicfile"
)

// Plots are drawn at 96 dots per inch; sizes are in pixels.
const dpi = 96

// px converts pixels to a plot length.
func px(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// Plot sizes, in pixels: the success plot is successWidth wide and
// grows with its bars; the others are grids of tiles.
const (
	successWidth     = 960
	successBase      = 110 // axes, title and legend
	successPerBar    = 16
	regretTileW      = 480
	regretTileH      = 320
	returnsTileW     = 320
	returnsTileH     = 220
	returnsCols      = 4
	partsTileW       = 480
	partsTileBase    = 70
	partsTilePerPart = 18
	partsCols        = 2
	tilePad          = 8
)

// successSize is the size of success.png for entries bars of agents.
func successSize(entries, agents int) (w, h int) {
	return successWidth, successBase + successPerBar*entries*agents + 6*entries
}

// gridSize is the size of a grid of n tiles in cols columns.
func gridSize(n, cols, tileW, tileH int) (w, h int) {
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	return cols*tileW + (cols+1)*tilePad, rows*tileH + (rows+1)*tilePad
}

// writePlots draws the plots of the reports into dir and returns their
// file names: success.png (success rate per entry with intervals, one bar
// per report), regret.png (the bandit regret curves, one line per report)
// and, for a single report, returns.png (the return distributions) and
// parts.png (the reward parts).
func writePlots(dir string, reps []*Report) ([]string, error) {
	var names []string
	save := func(name string, c *vgimg.Canvas) error {
		err := atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error {
			_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w)
			return err
		})
		if err != nil {
			return dojo.Errorf(dojo.CodeInternal, "plot %s: %w", name, err)
		}
		names = append(names, name)
		return nil
	}
	draws := []struct {
		name string
		draw func([]*Report) (*vgimg.Canvas, error)
		one  bool // drawn for a single report only
	}{
		{"success.png", successPlot, false},
		{"regret.png", regretPlot, false},
		{"returns.png", returnsPlot, true},
		{"parts.png", partsPlot, true},
	}
	for _, d := range draws {
		if d.one && len(reps) != 1 {
			continue
		}
		c, err := d.draw(reps)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "plot %s: %v", d.name, err)
		}
		if c == nil {
			continue // nothing to show
		}
		if err := save(d.name, c); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func newCanvas(w, h int) *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(px(w), px(h)), vgimg.UseDPI(dpi))
}

func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.TextStyle.Font.Size = vg.Points(9)
	p.Y.Label.TextStyle.Font.Size = vg.Points(9)
	p.X.Tick.Label.Font.Size = vg.Points(8)
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	return p
}

// barErrors are the interval whiskers of horizontal bars.
type barErrors struct {
	plotter.XYs
	plotter.XErrors
}

// successPlot: one horizontal bar per entry and report, with the Wilson
// interval as whiskers, the first entry on top.
func successPlot(reps []*Report) (*vgimg.Canvas, error) {
	entries := reps[0].Entries
	n, k := len(entries), len(reps)
	p := newPlot(fmt.Sprintf("success rate per env, %s (%.0f%% Wilson intervals)", reps[0].Suite, 100*Confidence))
	p.X.Label.Text = "success rate (%)"
	p.X.Min, p.X.Max = 0, 100
	p.Add(plotter.NewGrid())
	labels := make([]string, n)
	// Rows are one data unit apart and successPerBar·k + 6 pixels high:
	// report j's bars are shifted by step data units from the row's
	// center, the first report on top.
	step := float64(successPerBar) / float64(successPerBar*k+6)
	for j, r := range reps {
		shift := (float64(k-1)/2 - float64(j)) * step
		vals := make(plotter.Values, n)
		var errs barErrors
		for i := range entries {
			y := n - 1 - i
			labels[y] = entries[i].Label
			e := findEntry(r, entries[i].Label)
			if e == nil || !e.Played {
				continue
			}
			vals[y] = 100 * e.SuccessRate
			errs.XYs = append(errs.XYs, plotter.XY{X: 100 * e.SuccessRate, Y: float64(y) + shift})
			errs.XErrors = append(errs.XErrors, struct{ Low, High float64 }{
				100 * (e.SuccessCI.Lo - e.SuccessRate), 100 * (e.SuccessCI.Hi - e.SuccessRate)})
		}
		bars, err := plotter.NewBarChart(vals, px(successPerBar-3))
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.XMin = shift
		bars.Color = plotutil.Color(j)
		bars.LineStyle.Width = 0
		p.Add(bars)
		if len(errs.XYs) > 0 {
			eb, err := plotter.NewXErrorBars(errs)
			if err != nil {
				return nil, err
			}
			eb.CapWidth = px(successPerBar / 2)
			p.Add(eb)
		}
		if k > 1 {
			p.Legend.Add(r.Agent, bars)
		}
	}
	p.NominalY(labels...)
	if k > 1 {
		// Room above the first row for the legend.
		p.Y.Max = float64(n-1) + 0.5 + 0.35*float64(k)
	}
	p.Legend.Top = true
	w, h := successSize(n, k)
	c := newCanvas(w, h)
	p.Draw(draw.New(c))
	return c, nil
}

func findEntry(r *Report, label string) *EntryReport {
	for i := range r.Entries {
		if r.Entries[i].Label == label {
			return &r.Entries[i]
		}
	}
	return nil
}

// tiles draws plots in a grid of cols columns.
func tiles(ps []*plot.Plot, cols, tileW, tileH int) *vgimg.Canvas {
	cols = min(cols, len(ps))
	rows := (len(ps) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			if i := r*cols + c; i < len(ps) {
				grid[r][c] = ps[i]
			}
		}
	}
	w, h := gridSize(len(ps), cols, tileW, tileH)
	c := newCanvas(w, h)
	t := draw.Tiles{Rows: rows, Cols: cols,
		PadX: px(tilePad), PadY: px(tilePad), PadTop: px(tilePad), PadBottom: px(tilePad), PadLeft: px(tilePad), PadRight: px(tilePad)}
	canvases := plot.Align(grid, t, draw.New(c))
	for r := range grid {
		for col, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][col])
			}
		}
	}
	return c
}

// regretPlot: for each entry recording regret, the mean cumulative regret
// by step, one line per report. Nil when no entry records regret.
func regretPlot(reps []*Report) (*vgimg.Canvas, error) {
	var ps []*plot.Plot
	for _, e := range reps[0].Entries {
		p := newPlot(e.Label)
		p.X.Label.Text = "step"
		p.Y.Label.Text = "mean cumulative regret"
		p.Add(plotter.NewGrid())
		lines := 0
		for j, r := range reps {
			re := findEntry(r, e.Label)
			if re == nil {
				continue
			}
			curve := re.curves[RegretSeries]
			if len(curve) == 0 {
				continue
			}
			xys := make(plotter.XYs, len(curve))
			for t, v := range curve {
				xys[t] = plotter.XY{X: float64(t + 1), Y: v}
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.Color = plotutil.Color(j)
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(r.Agent, l)
			lines++
		}
		if lines > 0 {
			p.Legend.Top, p.Legend.Left = true, true
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return tiles(ps, 2, regretTileW, regretTileH), nil
}

// returnsPlot: a histogram of each entry's episode returns.
func returnsPlot(reps []*Report) (*vgimg.Canvas, error) {
	var ps []*plot.Plot
	for _, e := range reps[0].Entries {
		if !e.Played || len(e.returns) == 0 {
			continue
		}
		p := newPlot(e.Label)
		p.Title.TextStyle.Font.Size = vg.Points(9)
		p.X.Label.Text = "return"
		p.Y.Label.Text = "episodes"
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range e.returns {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		vals := plotter.Values(e.returns)
		if lo == hi {
			// One value: a single bar of unit width around it.
			vals = append(plotter.Values{lo - 0.5, lo + 0.5}, e.returns...)
		}
		h, err := plotter.NewHist(vals, 20)
		if err != nil {
			return nil, err
		}
		if lo == hi {
			for i := range h.Bins {
				h.Bins[i].Weight = 0
			}
			h.Bins[len(h.Bins)/2].Weight = float64(len(e.returns))
		}
		h.FillColor = plotutil.Color(0)
		h.LineStyle.Width = 0
		p.Add(h)
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return tiles(ps, returnsCols, returnsTileW, returnsTileH), nil
}

// shownParts are the parts drawn for an entry: those that count (weight not
// 0) or fired.
func shownParts(e *EntryReport) []PartStat {
	var out []PartStat
	for _, p := range e.Parts {
		if p.Weight != 0 || p.Fired > 0 {
			out = append(out, p)
		}
	}
	return out
}

// partsPlot: for each entry, two bars per reward part: its value summed
// over an episode (mean over episodes) and its contribution to the return
// (weight × that).
func partsPlot(reps []*Report) (*vgimg.Canvas, error) {
	var ps []*plot.Plot
	most := 0
	for i := range reps[0].Entries {
		e := &reps[0].Entries[i]
		parts := shownParts(e)
		if !e.Played || len(parts) == 0 {
			continue
		}
		most = max(most, len(parts))
		p := newPlot(e.Label)
		p.Title.TextStyle.Font.Size = vg.Points(9)
		p.X.Label.Text = "mean per episode"
		p.Add(plotter.NewGrid())
		values := make(plotter.Values, len(parts))
		contribs := make(plotter.Values, len(parts))
		names := make([]string, len(parts))
		for j, pt := range parts {
			y := len(parts) - 1 - j
			values[y], contribs[y] = pt.Mean, pt.Contribution
			names[y] = fmt.Sprintf("%s (w=%g)", pt.Name, pt.Weight)
		}
		// Each part's row is partsTilePerPart pixels: two bars of 7.
		step := 7.0 / partsTilePerPart
		for k, vals := range []plotter.Values{values, contribs} {
			bars, err := plotter.NewBarChart(vals, px(7))
			if err != nil {
				return nil, err
			}
			bars.Horizontal = true
			bars.XMin = step/2 - float64(k)*step
			bars.Color = []color.Color{color.RGBA{R: 0xa6, G: 0xbd, B: 0xdb, A: 0xff}, color.RGBA{R: 0x2b, G: 0x5c, B: 0x9e, A: 0xff}}[k]
			bars.LineStyle.Width = 0
			p.Add(bars)
			p.Legend.Add([]string{"value", "weight × value"}[k], bars)
		}
		p.Legend.Top = true
		p.NominalY(names...)
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return tiles(ps, partsCols, partsTileW, partsTileBase+partsTilePerPart*most), nil
}
