package loadgen

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scripted serves one WebSocket handshake, then runs script on the raw
// connection.
func scripted(t *testing.T, script func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+
			base64.StdEncoding.EncodeToString(sum[:])+"\r\n\r\n")
		script(c, br)
	}()
	return "ws://" + ln.Addr().String() + "/x"
}

// readClientFrame reads one masked client frame and unmasks it.
func readClientFrame(br *bufio.Reader) (op byte, p []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return
	}
	n := int(h[1] & 0x7F)
	if n == 126 {
		var e [2]byte
		io.ReadFull(br, e[:])
		n = int(e[0])<<8 | int(e[1])
	}
	var mask [4]byte
	io.ReadFull(br, mask[:])
	p = make([]byte, n)
	if _, err = io.ReadFull(br, p); err != nil {
		return
	}
	for i := range p {
		p[i] ^= mask[i&3]
	}
	return h[0] & 0x0F, p, nil
}

// TestWSConnFraming: a ping before the answer is answered with a pong
// carrying its payload, and an answer in fragments comes back whole.
func TestWSConnFraming(t *testing.T) {
	pong := make(chan string, 1)
	url := scripted(t, func(c net.Conn, br *bufio.Reader) {
		op, p, err := readClientFrame(br)
		if err != nil || op != 1 || string(p) != strings.Repeat("q", 300) {
			t.Errorf("request frame: op %d, %d bytes, %v", op, len(p), err)
			return
		}
		c.Write([]byte{0x89, 2, 'h', 'i'})      // ping "hi"
		c.Write([]byte{0x01, 3, 'a', 'b', 'c'}) // text, not final
		c.Write([]byte{0x00, 2, 'd', 'e'})      // continuation, not final
		c.Write([]byte{0x80, 3, 'f', 'g', 'h'}) // final continuation
		if op, p, err := readClientFrame(br); err == nil && op == 0xA {
			pong <- string(p)
		}
		c.Write([]byte{0x88, 4, 0x03, 0xF1, 'b', 'y'}) // close 1009 "by"
	})
	w, err := dialWS(url, http.Header{"Authorization": {"Bearer t"}}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.roundTrip([]byte(strings.Repeat("q", 300)), 10*time.Second)
	if err != nil || string(got) != "abcdefgh" {
		t.Fatalf("roundTrip: %q, %v", got, err)
	}
	select {
	case p := <-pong:
		if p != "hi" {
			t.Errorf("pong %q, want hi", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no pong")
	}
	if _, err := w.roundTrip([]byte("x"), 10*time.Second); err == nil || !strings.Contains(err.Error(), "status 1009") {
		t.Errorf("after the server's close: %v", err)
	}
}

func TestDialWSErrors(t *testing.T) {
	if _, err := dialWS("wss://127.0.0.1:1/x", nil, time.Second); err == nil || !strings.Contains(err.Error(), "ws:// only") {
		t.Errorf("wss: %v", err)
	}
	// A server that answers the handshake with the wrong accept.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n")
	}()
	if _, err := dialWS("ws://"+ln.Addr().String()+"/", nil, 5*time.Second); err == nil || !strings.Contains(err.Error(), "Sec-WebSocket-Accept") {
		t.Errorf("wrong accept: %v", err)
	}
}

// TestParseFrame reads server frames of every length encoding, whole and
// cut anywhere, and refuses masked and oversized ones.
func TestParseFrame(t *testing.T) {
	for _, n := range []int{0, 5, 125, 126, 300, 0xFFFF, 0x10000} {
		p := bytes.Repeat([]byte{'x'}, n)
		var f []byte
		switch {
		case n < 126:
			f = []byte{0x81, byte(n)}
		case n <= 0xFFFF:
			f = []byte{0x81, 126, byte(n >> 8), byte(n)}
		default:
			f = binary.BigEndian.AppendUint64([]byte{0x81, 127}, uint64(n))
		}
		f = append(f, p...)
		whole := append(append([]byte{}, f...), 0x89, 0) // and a ping after it
		op, payload, rest, ok, err := parseFrame(whole)
		if err != nil || !ok || op != 0x81 || !bytes.Equal(payload, p) || !bytes.Equal(rest, []byte{0x89, 0}) {
			t.Fatalf("%d bytes: op %x, %d bytes, rest %v, ok %v, err %v", n, op, len(payload), rest, ok, err)
		}
		for _, cut := range []int{0, 1, 2, 3, len(f) - 1} {
			if cut >= len(f) {
				continue
			}
			if _, _, _, ok, err := parseFrame(f[:cut]); ok || err != nil {
				t.Fatalf("%d bytes cut at %d: ok %v, err %v", n, cut, ok, err)
			}
		}
	}
	if _, _, _, _, err := parseFrame([]byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}); err == nil {
		t.Error("a masked server frame was read")
	}
	if _, _, _, _, err := parseFrame(binary.BigEndian.AppendUint64([]byte{0x81, 127}, 1<<40)); err == nil {
		t.Error("a 1 TiB frame was accepted")
	}
	// frame masks what it writes; unmasking gives the payload back.
	mask := [4]byte{1, 2, 3, 4}
	f := frame(nil, 0x1, []byte("hello"), mask)
	if f[0] != 0x81 || f[1] != 0x80|5 || !bytes.Equal(f[2:6], mask[:]) {
		t.Fatalf("frame header % x", f[:6])
	}
	for i := range f[6:] {
		f[6+i] ^= mask[i&3]
	}
	if string(f[6:]) != "hello" {
		t.Errorf("unmasked payload %q", f[6:])
	}
}
