package protocol

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/dojo-rl/dojo"
)

// method validates a request's params when the request is read, queues
// whatever it needs, and returns the function that serves it, which
// appends its result to dst. target names what the request is about (an
// env handle or id) in logs and internal errors.
type method func(ss *session, params json.RawMessage) (run runFunc, target string, err *Error)

type runFunc func(ctx context.Context, dst []byte) ([]byte, error)

var (
	methods     map[string]method
	methodNames string
	methodList  []string
	methodName  map[string]string // interned names
)

func init() {
	methods = map[string]method{
		"initialize":    mInitialize,
		"env/list":      mList,
		"env/make":      mMake,
		"env/reset":     mReset,
		"env/step":      mStep,
		"env/stepMany":  mStepMany,
		"env/render":    mRender,
		"env/close":     mClose,
		"task/generate": mGenerate,
		"task/verify":   mVerify,
	}
	methodList = []string{"initialize", "env/list", "env/make", "env/reset", "env/step", "env/stepMany", "env/render", "env/close", "task/generate", "task/verify"}
	methodNames = strings.Join(methodList, ", ")
	methodName = map[string]string{}
	for _, name := range methodList {
		methodName[name] = name
	}
}

// ---- initialize

type initializeParams struct {
	ProtocolVersion string          `json:"protocolVersion"`
	ClientInfo      json.RawMessage `json:"clientInfo"`
	Capabilities    json.RawMessage `json:"capabilities"`
}

// InitializeResult is the result of initialize.
type InitializeResult struct {
	ProtocolVersion string       `json:"protocolVersion"`
	ServerInfo      ProgramInfo  `json:"serverInfo"`
	Capabilities    Capabilities `json:"capabilities"`
}

// ProgramInfo names the program at one end of a session: the server in
// initialize's result (serverInfo), the client in its params (clientInfo).
type ProgramInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Capabilities tell a client what the server offers.
type Capabilities struct {
	// Methods are the methods served.
	Methods []string `json:"methods"`
	// Autoreset is the autoreset mode env/make accepts: "next-step".
	Autoreset string `json:"autoreset"`
	// Render lists the formats of env/render.
	Render []string `json:"render"`
	// Limits are the session's limits.
	Limits Limits `json:"limits"`
}

// Limits are a session's limits.
type Limits struct {
	MaxLineBytes int `json:"maxLineBytes"`
	MaxEnvs      int `json:"maxEnvs"`
	MaxTasks     int `json:"maxTasks"`
}

// MaxTasks bounds task/generate's count.
const MaxTasks = 10000

func mInitialize(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p initializeParams
	if err := ss.decode(raw, &p, "initialize"); err != nil {
		return nil, "", err
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		ss.log.Info("client initialized", "protocolVersion", p.ProtocolVersion, "clientInfo", string(p.ClientInfo))
		version := ss.srv.Version
		if version == "" {
			version = "dev"
		}
		return appendJSON(dst, InitializeResult{
			ProtocolVersion: ProtocolVersion,
			ServerInfo:      ProgramInfo{Name: "dojo", Version: version},
			Capabilities: Capabilities{
				Methods:   methodList,
				Autoreset: "next-step",
				Render:    []string{"text", "png", "rgb"},
				Limits:    Limits{MaxLineBytes: ss.maxLine, MaxEnvs: ss.maxEnvs, MaxTasks: MaxTasks},
			},
		})
	}, "", nil
}

// ---- env/list

type listParams struct {
	Family string `json:"family"`
}

func mList(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p listParams
	if err := ss.decode(raw, &p, "env/list"); err != nil {
		return nil, "", err
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		specs := ss.srv.Registry.Specs()
		if p.Family != "" {
			keep := specs[:0]
			for _, s := range specs {
				if dojo.Family(s.ID) == p.Family {
					keep = append(keep, s)
				}
			}
			specs = keep
		}
		if specs == nil {
			specs = []dojo.Spec{}
		}
		return appendJSON(dst, struct {
			Envs []dojo.Spec `json:"envs"`
		}{specs})
	}, p.Family, nil
}
