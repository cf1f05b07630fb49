package protocol

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/render"
)

// ---- env/render

type renderParams struct {
	Env    string `json:"env"`
	Format string `json:"format"`
}

func mRender(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p renderParams
	if err := ss.decode(raw, &p, "env/render"); err != nil {
		return nil, "", err
	}
	switch p.Format {
	case "":
		p.Format = "text"
	case "text", "png", "rgb":
	default:
		return nil, "", invalidParam("format", "env/render: format %q: want \"text\", \"png\" or \"rgb\"", p.Format)
	}
	t, werr := ss.lookupParam(p.Env, "env", "env/render")
	if werr != nil {
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		return ss.envOp(ctx, t, "env", "render", dst, func(h *handle, dst []byte) ([]byte, error) {
			if !h.started {
				return nil, &dojo.Error{Code: dojo.CodeState, Field: "env", Msg: fmt.Sprintf("env %s (%s): render before reset: call env/reset first", h.name, h.spec.ID)}
			}
			var mime, data string
			if p.Format == "rgb" {
				img, err := frame(h)
				if err != nil {
					return nil, err
				}
				pix, w, hgt := rgbBytes(img)
				return appendJSON(dst, struct {
					MimeType string `json:"mimeType"`
					Data     string `json:"data"`
					Width    int    `json:"width"`
					Height   int    `json:"height"`
				}{"application/octet-stream", base64.StdEncoding.EncodeToString(pix), w, hgt})
			}
			if p.Format == "png" {
				img, err := frame(h)
				if err != nil {
					return nil, err
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, img); err != nil {
					return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): its frame does not encode as PNG: %v", h.name, h.spec.ID, err)
				}
				mime, data = "image/png", base64.StdEncoding.EncodeToString(buf.Bytes())
			} else {
				text, err := renderText(&h.last)
				if err != nil {
					return nil, newError(CodeUnsupported, "format", "env %s (%s): %v", h.name, h.spec.ID, err)
				}
				mime, data = "text/plain; charset=utf-8", text
			}
			return appendJSON(dst, struct {
				MimeType string `json:"mimeType"`
				Data     string `json:"data"`
			}{mime, data})
		})
	}, p.Env, nil
}

// frame draws the env's current state: its own Frame when it is a
// dojo.Renderer, else its state (dojo.Stater) or last observation drawn by
// package render, as episode files are.
func frame(h *handle) (image.Image, error) {
	if r, ok := h.env.(dojo.Renderer); ok {
		img := r.Frame()
		if img == nil {
			return nil, newError(CodeUnsupported, "format", "env %s (%s) returned no frame to draw", h.name, h.spec.ID)
		}
		return img, nil
	}
	var state json.RawMessage
	if s, ok := h.env.(dojo.Stater); ok {
		b, err := json.Marshal(s.State())
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): its State does not marshal to JSON: %v", h.name, h.spec.ID, err)
		}
		state = b
	}
	img, err := render.Current(h.spec.ID, h.seed, h.last, state)
	if err != nil {
		return nil, newError(CodeUnsupported, "format", "env %s (%s) cannot be drawn: %v", h.name, h.spec.ID, err)
	}
	return img, nil
}

// rgbBytes returns an image's pixels as rows of 8-bit R, G, B triples, top
// to bottom (the layout of a (height, width, 3) uint8 array), and its size.
func rgbBytes(img image.Image) ([]byte, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pix := make([]byte, 0, w*h*3)
	if rgba, ok := img.(*image.RGBA); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := rgba.Pix[rgba.PixOffset(b.Min.X, y):rgba.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 4 {
				pix = append(pix, row[i], row[i+1], row[i+2])
			}
		}
		return pix, w, h
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			pix = append(pix, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return pix, w, h
}

// renderText returns the current observation as text: its Text, else the
// contents of its messages, else its value as JSON.
func renderText(o *dojo.Obs) (string, error) {
	if o.Text != "" {
		return o.Text, nil
	}
	if len(o.Messages) > 0 {
		parts := make([]string, len(o.Messages))
		for i, m := range o.Messages {
			parts[i] = m.Content
		}
		return strings.Join(parts, "\n\n"), nil
	}
	if o.Value != nil {
		b, err := appendValue(nil, o.Value)
		if err != nil {
			return "", fmt.Errorf("the observation value %v", err)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("the observation is empty: there is nothing to render as text")
}
