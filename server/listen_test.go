package server

import (
	"net"
	"testing"
)

func TestListenAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		":8000":          "127.0.0.1:8000",
		":0":             "127.0.0.1:0",
		"0.0.0.0:8000":   "0.0.0.0:8000",
		"[::]:8000":      "[::]:8000",
		"10.1.2.3:80":    "10.1.2.3:80",
		"localhost:8000": "localhost:8000",
		"8000":           "8000", // not an address: net.Listen says so
	} {
		if got := ListenAddr(in); got != want {
			t.Errorf("ListenAddr(%q) = %q, want %q", in, got, want)
		}
	}
	for addr, want := range map[net.Addr]bool{
		&net.TCPAddr{IP: net.ParseIP("127.0.0.1")}: true,
		&net.TCPAddr{IP: net.ParseIP("::1")}:       true,
		&net.TCPAddr{IP: net.ParseIP("0.0.0.0")}:   false,
		&net.TCPAddr{IP: net.ParseIP("::")}:        false,
		&net.TCPAddr{IP: net.ParseIP("10.0.0.1")}:  false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%v) = %v", addr, got)
		}
	}
}
