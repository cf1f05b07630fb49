package protocol

import "github.com/dojo-rl/dojo"

// AppendObservation appends o as the protocol writes observations: an
// object {"text", "messages", "value", "tools"} whose empty members are
// left out, encoded deterministically (see the package doc). Other
// transports that carry dojo's observations (package server/openenv) use
// it, so the same episode gives the same bytes on every transport. A
// value JSON cannot carry (a NaN) is an error.
func AppendObservation(b []byte, o *dojo.Obs) ([]byte, error) { return appendObs(b, o) }

// AppendInfo appends in as the protocol writes infos: an object
// {"success", "parts", "invalid", "error", "metrics", "extra"} whose last
// four members appear only when set, encoded deterministically.
func AppendInfo(b []byte, in *dojo.Info) ([]byte, error) { return appendInfo(b, in) }
