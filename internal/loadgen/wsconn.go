package loadgen

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// wsConn is the client end of a WebSocket (RFC 6455) kept as lean as a
// load generator's must be: one goroutine uses it, blocking reads and
// writes with deadlines, one write per message. The generator's own cost
// shares the machine with the server it measures, so it avoids the
// per-message contexts and locks of a general library. TLS (wss://) is
// not supported: load runs target the server directly.
type wsConn struct {
	c    net.Conn
	br   *bufio.Reader
	mask [4]byte
	out  []byte
	in   []byte
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWS opens a WebSocket on a ws:// URL with the extra header, within
// timeout.
func dialWS(rawURL string, header http.Header, timeout time.Duration) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "ws" {
		return nil, fmt.Errorf("%s: the load generator speaks ws:// only (put it beside the server, not behind TLS)", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	deadline := time.Now().Add(timeout)
	c, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(deadline)
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", u.RequestURI(), u.Host, k)
	for name, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&req, "%s: %s\r\n", name, v)
		}
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(c, req.String()); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake refused: %s", resp.Status)
	}
	sum := sha1.Sum([]byte(k + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, errors.New("handshake: wrong Sec-WebSocket-Accept")
	}
	c.SetDeadline(time.Time{})
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	w := &wsConn{c: c, br: br}
	rand.Read(w.mask[:])
	return w, nil
}

// roundTrip sends msg as one masked text frame and returns the payload of
// the next text message, answering pings on the way.
func (w *wsConn) roundTrip(msg []byte, timeout time.Duration) ([]byte, error) {
	w.c.SetDeadline(time.Now().Add(timeout))
	if err := w.writeFrame(0x1, msg); err != nil {
		return nil, err
	}
	for {
		op, payload, err := w.readMessage()
		if err != nil {
			return nil, err
		}
		switch op {
		case 0x1:
			return payload, nil
		case 0x2:
			return nil, errors.New("a binary answer")
		case 0x9: // ping
			if err := w.writeFrame(0xA, payload); err != nil {
				return nil, err
			}
		case 0x8:
			code := 1005
			if len(payload) >= 2 {
				code = int(binary.BigEndian.Uint16(payload))
			}
			return nil, fmt.Errorf("the server closed the session (status %d: %s)", code, payload[min(2, len(payload)):])
		}
	}
}

func (w *wsConn) writeFrame(op byte, p []byte) error {
	w.out = frame(w.out[:0], op, p, w.mask)
	_, err := w.c.Write(w.out)
	return err
}

// frame appends a masked client frame of one fragment (FIN set) to b.
func frame(b []byte, op byte, p []byte, mask [4]byte) []byte {
	b = append(b, 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, mask[:]...)
	start := len(b)
	b = append(b, p...)
	for i := range b[start:] {
		b[start+i] ^= mask[i&3]
	}
	return b
}

// maxFrame bounds a server frame's payload.
const maxFrame = 64 << 20

// parseFrame reads one server frame from the start of in: its first byte
// (FIN bit and opcode), its payload, and the bytes after it; ok is false
// while the frame is incomplete.
func parseFrame(in []byte) (op byte, payload, rest []byte, ok bool, err error) {
	if len(in) < 2 {
		return 0, nil, in, false, nil
	}
	if in[1]&0x80 != 0 {
		return 0, nil, in, false, errors.New("a masked frame from the server")
	}
	n, h := uint64(in[1]&0x7F), 2
	switch n {
	case 126:
		if len(in) < 4 {
			return 0, nil, in, false, nil
		}
		n, h = uint64(binary.BigEndian.Uint16(in[2:4])), 4
	case 127:
		if len(in) < 10 {
			return 0, nil, in, false, nil
		}
		n, h = binary.BigEndian.Uint64(in[2:10]), 10
	}
	if n > maxFrame {
		return 0, nil, in, false, fmt.Errorf("a frame of %d bytes", n)
	}
	if uint64(len(in)-h) < n {
		return 0, nil, in, false, nil
	}
	end := h + int(n)
	return in[0], in[h:end], in[end:], true, nil
}

// readMessage reads one message (joining fragments; control frames come
// alone).
func (w *wsConn) readMessage() (op byte, payload []byte, err error) {
	w.in = w.in[:0]
	var first byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return 0, nil, err
		}
		fin, fop := h[0]&0x80 != 0, h[0]&0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if h[1]&0x80 != 0 {
			return 0, nil, errors.New("a masked frame from the server")
		}
		if n > 64<<20 {
			return 0, nil, fmt.Errorf("a frame of %d bytes", n)
		}
		if fop >= 0x8 { // control: alone, whatever the message in progress
			p := make([]byte, n)
			if _, err := io.ReadFull(w.br, p); err != nil {
				return 0, nil, err
			}
			return fop, p, nil
		}
		if fop != 0 {
			first = fop
		}
		start := len(w.in)
		w.in = append(w.in, make([]byte, n)...)
		if _, err := io.ReadFull(w.br, w.in[start:]); err != nil {
			return 0, nil, err
		}
		if fin {
			return first, w.in, nil
		}
	}
}

// close sends a close frame (1000) and closes the socket.
func (w *wsConn) close() {
	w.c.SetDeadline(time.Now().Add(time.Second))
	w.writeFrame(0x8, []byte{0x03, 0xE8})
	w.c.Close()
}
