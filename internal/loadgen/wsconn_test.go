package loadgen

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
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
