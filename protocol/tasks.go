package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sync"

	"github.com/dojo-rl/dojo"
)

// Tasker generates and verifies the tasks of a registry's task-based envs:
// task/generate, task/verify, dojo gen and dojo verify all go through it.
// It keeps a few envs per (id, options) it has used, so repeated calls do
// not make an env each time. It is safe for concurrent use.
type Tasker struct {
	reg *dojo.Registry

	mu     sync.Mutex
	pools  map[string]*taskPool
	closed bool
}

// taskPool holds idle envs of one id and options.
type taskPool struct {
	free []dojo.Env
}

const (
	maxTaskPools   = 64 // distinct (id, options) kept
	maxIdlePerPool = 4
)

// NewTasker returns a Tasker making its envs from reg.
func NewTasker(reg *dojo.Registry) *Tasker {
	return &Tasker{reg: reg, pools: map[string]*taskPool{}}
}

// Generate returns the task of env id, with options opts, for seed, its
// verify block included. An env that does not generate tasks is an error
// with code CodeUnsupported naming it.
func (t *Tasker) Generate(ctx context.Context, id string, opts dojo.Options, seed uint64) (task dojo.Task, err error) {
	err = t.with(id, opts, func(env dojo.Env) error {
		gen, ok := env.(dojo.TaskGenerator)
		if !ok {
			return notTaskEnv(id, "generate tasks", "dojo.TaskGenerator")
		}
		task, err = gen.GenerateTask(ctx, seed)
		return err
	})
	return task, err
}

// Verify scores a response to a task. The task is rebuilt from its env,
// options and seed (generation is deterministic and cheap: the Tasker
// keeps the envs) and must have the same id; the response is scored
// against the rebuilt task, never against a verify block it was sent
// with, and a task whose verify block differs from the rebuilt one (a
// forged answer key) is refused with an invalid error naming task.verify.
// A task may come without its verify block (a client that must not see
// the gold dropped it). Only an env that verifies tasks but does not
// generate them scores against the verify block sent. An env that does
// not verify tasks is an error with code CodeUnsupported naming it.
func (t *Tasker) Verify(ctx context.Context, task dojo.Task, r dojo.Response) (sc dojo.Score, err error) {
	if task.Env == "" {
		return sc, dojo.Errorf(dojo.CodeInvalid, "task %q names no env: a task carries the id of the env that made it in \"env\"", task.ID).WithField("task.env")
	}
	err = t.with(task.Env, task.Options, func(env dojo.Env) error {
		v, ok := env.(dojo.TaskVerifier)
		if !ok {
			return notTaskEnv(task.Env, "verify tasks", "dojo.TaskVerifier")
		}
		gen, canRebuild := env.(dojo.TaskGenerator)
		sent := bytes.TrimSpace(task.Verify)
		noGold := len(sent) == 0 || string(sent) == "null"
		if !canRebuild {
			if noGold {
				return dojo.Errorf(dojo.CodeInvalid, "task %q has no verify block and %s cannot rebuild it (it does not generate tasks): send the task with its verify block", task.ID, task.Env).WithField("task.verify")
			}
		} else {
			// The gold is always rebuilt from the env, options and seed,
			// never taken from the task: a task whose verify block was
			// edited (an answer key forged to match a response) is
			// refused.
			gold, err := gen.GenerateTask(ctx, task.Seed)
			if err != nil {
				return err
			}
			if task.ID != "" && gold.ID != task.ID {
				return dojo.Errorf(dojo.CodeInvalid, "task id %q does not match the task %s generates from its options and seed %d (%q): send the task's env, options and seed as task/generate returned them", task.ID, task.Env, task.Seed, gold.ID).WithField("task.id")
			}
			if !noGold && !sameJSON(sent, gold.Verify) {
				return dojo.Errorf(dojo.CodeInvalid, "task %q: its verify block is not the one %s generates from its options and seed %d: the answer key was altered; send the task as it was generated, or without its verify block", task.ID, task.Env, task.Seed).WithField("task.verify")
			}
			task = gold
		}
		var err error
		sc, err = v.VerifyTask(ctx, task, r)
		return err
	})
	if err == nil && sc.Parts == nil {
		sc.Parts = []dojo.Part{}
	}
	return sc, err
}

// sameJSON reports whether a and b are the same JSON value (object
// members in any order, numbers by value).
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, bytes.TrimSpace(b)) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func notTaskEnv(id, what, iface string) error {
	return &dojo.Error{Code: CodeUnsupported, Field: "id",
		Msg: fmt.Sprintf("%s does not %s: it is not a task-based env (it does not implement %s)", id, what, iface)}
}

// with runs fn on an idle env of id and opts, made if there is none. A
// panic in fn is an internal error, and the env is dropped.
func (t *Tasker) with(id string, opts dojo.Options, fn func(dojo.Env) error) (err error) {
	key, err := poolKey(id, opts)
	if err != nil {
		return err
	}
	env, err := t.get(key, id, opts)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			closeEnv(env)
			err = dojo.Errorf(dojo.CodeInternal, "%s panicked generating or verifying a task: %v", id, p)
		}
	}()
	err = fn(env)
	t.put(key, env)
	return err
}

func poolKey(id string, opts dojo.Options) (string, error) {
	b, err := json.Marshal(opts) // map keys sorted
	if err != nil {
		return "", dojo.Errorf(dojo.CodeInvalid, "%s: options do not marshal to JSON: %v", id, err).WithField("options")
	}
	return id + "\x00" + string(b), nil
}

func (t *Tasker) get(key, id string, opts dojo.Options) (dojo.Env, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, dojo.Errorf(dojo.CodeCanceled, "the task service is closed")
	}
	if p := t.pools[key]; p != nil && len(p.free) > 0 {
		env := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		t.mu.Unlock()
		return env, nil
	}
	t.mu.Unlock()
	return t.reg.Make(id, opts)
}

func (t *Tasker) put(key string, env dojo.Env) {
	t.mu.Lock()
	p := t.pools[key]
	if p == nil && !t.closed {
		if len(t.pools) >= maxTaskPools {
			for k, old := range t.pools { // drop one, whichever
				for _, e := range old.free {
					closeEnv(e)
				}
				delete(t.pools, k)
				break
			}
		}
		p = &taskPool{}
		t.pools[key] = p
	}
	if t.closed || len(p.free) >= maxIdlePerPool {
		t.mu.Unlock()
		closeEnv(env)
		return
	}
	p.free = append(p.free, env)
	t.mu.Unlock()
}

// Close closes the idle envs; envs in use are closed when their call
// returns.
func (t *Tasker) Close() error {
	t.mu.Lock()
	pools := t.pools
	t.pools, t.closed = nil, true
	t.mu.Unlock()
	var errs []error
	for _, p := range pools {
		for _, e := range p.free {
			if err := closeEnv(e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// GenerateTasks writes n tasks of env id with options opts to w, one JSON
// line each (verify blocks included), for seeds seed, seed+1, ...: the
// task objects of task/generate. (dojo gen writes them as the flat rows of
// package taskdata, and shards them itself.)
func GenerateTasks(ctx context.Context, reg *dojo.Registry, id string, opts dojo.Options, seed uint64, n int, w io.Writer) error {
	if n < 0 {
		return dojo.Errorf(dojo.CodeInvalid, "%d tasks: want 0 or more", n).WithField("n")
	}
	if n > 0 && seed > ^uint64(0)-uint64(n-1) {
		return dojo.Errorf(dojo.CodeInvalid, "seeds %d to %d+%d overflow 64 bits", seed, seed, n-1).WithField("seed")
	}
	t := NewTasker(reg)
	defer t.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	for i := range n {
		if err := dojo.CheckContext(ctx); err != nil {
			return err
		}
		task, err := t.Generate(ctx, id, opts, seed+uint64(i))
		if err != nil {
			return err
		}
		b, err := marshal(task)
		if err != nil {
			return dojo.Errorf(dojo.CodeInternal, "%s: task of seed %d %v", id, seed+uint64(i), err)
		}
		bw.Write(b)
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// LineError reports a line of a tasks or responses file that could not be
// used.
type LineError struct {
	File string // "tasks" or "responses", or the file's name
	Line int    // 1-based
	ID   string // the task id the line named, if any
	Err  error
}

func (e *LineError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("%s:%d: task %q: %v", e.File, e.Line, e.ID, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// VerifySummary sums up a VerifyResponses call.
//
// The headline figures, MeanReward and SuccessRate, are over the tasks: a
// task without a scored response counts as reward 0 and a failure (with
// AllowDuplicates, each scored copy counts as well). The Covered figures
// beside them are over the scored responses only.
type VerifySummary struct {
	Responses          int     `json:"responses"`            // response lines read
	Scored             int     `json:"scored"`               // responses scored
	Failed             int     `json:"failed"`               // response lines that could not be scored (duplicates among them)
	Duplicates         int     `json:"duplicates"`           // response lines repeating a task's id
	TaskErrors         int     `json:"task_errors"`          // task lines that could not be read
	Tasks              int     `json:"tasks"`                // tasks read
	Missing            int     `json:"missing"`              // tasks without a scored response
	MeanReward         float64 `json:"mean_reward"`          // over the tasks, missing ones 0
	SuccessRate        float64 `json:"success_rate"`         // over the tasks, missing ones failures
	CoveredMeanReward  float64 `json:"covered_mean_reward"`  // over the scored responses
	CoveredSuccessRate float64 `json:"covered_success_rate"` // over the scored responses
	// MissingIDs are the first (at most 10) ids of the missing tasks, in
	// the tasks file's order.
	MissingIDs []string `json:"missing_ids,omitempty"`
}

// VerifyConfig names the inputs of VerifyResponses in its reports.
type VerifyConfig struct {
	TasksName     string // default "tasks"
	ResponsesName string // default "responses"
	// Workers bounds the responses verified at once (default
	// GOMAXPROCS); scores are written in input order whatever it is.
	Workers int
	// AllowDuplicates scores every response to a task. By default a
	// response repeating the id of an earlier one is a failed line (each
	// task is scored once), so copies cannot inflate the score.
	AllowDuplicates bool
}

// scoreLine is one line of VerifyResponses' output.
type scoreLine struct {
	ID      string      `json:"id"`
	Reward  float64     `json:"reward"`
	Success bool        `json:"success"`
	Parts   []dojo.Part `json:"parts"`
	Error   string      `json:"error,omitempty"`
}

type failedLine struct {
	Line  int    `json:"line"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// responseLine is a line of a responses file: the task id and the
// response, as "response" (text, or {"text", "messages"}) or "messages".
type responseLine struct {
	ID       *string         `json:"id"`
	Response json.RawMessage `json:"response"`
	Messages []dojo.Message  `json:"messages"`
}

// VerifyResponses scores responses to tasks: the format of dojo verify.
// tasks holds tasks as dojo gen writes them, one per line; responses holds
// one JSON object per line, {"id": task id, "response": "final text"} (or
// "response": {"text", "messages"}, or "messages": [...]); other members
// are ignored. For each response line, in input order, out gets one line
// {"id", "reward", "success", "parts"} (plus the verifier's "error" note
// when it scored the response as malformed), or, when the line could not
// be scored (malformed, no id, an unknown id, a second response to a task
// without cfg.AllowDuplicates, a failing verifier), the line
// {"line", "id", "error"}, which has no reward. Tasks without a scored
// response are counted in the summary (Missing) as failures. Lines that could not be
// used, in either file, are also passed to report (which may be nil) in
// order, and the other lines are still scored.
//
// The error is for reading or writing failures and a canceled ctx only.
func VerifyResponses(ctx context.Context, reg *dojo.Registry, tasks, responses io.Reader, out io.Writer, cfg VerifyConfig, report func(*LineError)) (VerifySummary, error) {
	var sum VerifySummary
	if cfg.TasksName == "" {
		cfg.TasksName = "tasks"
	}
	if cfg.ResponsesName == "" {
		cfg.ResponsesName = "responses"
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if report == nil {
		report = func(*LineError) {}
	}
	byID := map[string]*dojo.Task{}
	taskLine := map[string]int{}
	var taskOrder []string
	err := eachLine(tasks, func(n int, line []byte) bool {
		var t dojo.Task
		if err := json.Unmarshal(line, &t); err != nil {
			sum.TaskErrors++
			report(&LineError{File: cfg.TasksName, Line: n, Err: fmt.Errorf("not a task: %s", describeDecodeError(err))})
			return true
		}
		if t.ID == "" || t.Env == "" {
			sum.TaskErrors++
			report(&LineError{File: cfg.TasksName, Line: n, Err: fmt.Errorf(`not a task: a task line has an "id" and an "env" (dojo gen writes them)`)})
			return true
		}
		if first, dup := taskLine[t.ID]; dup {
			sum.TaskErrors++
			report(&LineError{File: cfg.TasksName, Line: n, ID: t.ID, Err: fmt.Errorf("repeats the id of line %d: ids must be unique; the first is used", first)})
			return true
		}
		taskLine[t.ID] = n
		byID[t.ID] = &t
		taskOrder = append(taskOrder, t.ID)
		return ctx.Err() == nil
	})
	if err != nil {
		return sum, fmt.Errorf("reading %s: %w", cfg.TasksName, err)
	}

	tk := NewTasker(reg)
	defer tk.Close()
	type job struct {
		n    int
		id   string
		task *dojo.Task
		resp dojo.Response
		fail error
		res  chan verifyResult
	}
	score := func(j *job) verifyResult {
		if j.fail != nil {
			return failed(j.n, j.id, j.fail, cfg.ResponsesName)
		}
		sc, err := tk.Verify(ctx, *j.task, j.resp)
		if err != nil {
			return failed(j.n, j.id, err, cfg.ResponsesName)
		}
		b, err := marshal(scoreLine{ID: j.id, Reward: sc.Reward, Success: sc.Success, Parts: sc.Parts, Error: sc.Error})
		if err != nil {
			return failed(j.n, j.id, fmt.Errorf("the score %v", err), cfg.ResponsesName)
		}
		return verifyResult{line: append(b, '\n'), sc: &sc}
	}

	jobs := make(chan *job, 4*cfg.Workers)
	order := make(chan *job, 4*cfg.Workers)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() {
			for j := range jobs {
				j.res <- score(j)
			}
		})
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	writeDone := make(chan error, 1)
	scoredIDs := map[string]bool{}
	go func() {
		var werr error
		var rewards float64
		var successes int
		for j := range order {
			r := <-j.res
			sum.Responses++
			if r.lerr != nil {
				sum.Failed++
				report(r.lerr)
			} else {
				sum.Scored++
				scoredIDs[j.id] = true
				rewards += r.sc.Reward
				if r.sc.Success {
					successes++
				}
			}
			if werr == nil {
				_, werr = bw.Write(r.line)
			}
		}
		if werr == nil {
			werr = bw.Flush()
		}
		if sum.Scored > 0 {
			sum.CoveredMeanReward = rewards / float64(sum.Scored)
			sum.CoveredSuccessRate = float64(successes) / float64(sum.Scored)
		}
		sum.Tasks = len(taskOrder)
		for _, id := range taskOrder {
			if !scoredIDs[id] {
				sum.Missing++
				if len(sum.MissingIDs) < 10 {
					sum.MissingIDs = append(sum.MissingIDs, id)
				}
			}
		}
		if all := sum.Scored + sum.Missing; all > 0 {
			sum.MeanReward = rewards / float64(all)
			sum.SuccessRate = float64(successes) / float64(all)
		}
		writeDone <- werr
	}()
	responded := map[string]int{} // task id -> line of its first response
	rerr := eachLine(responses, func(n int, line []byte) bool {
		if ctx.Err() != nil {
			return false
		}
		j := &job{n: n, res: make(chan verifyResult, 1)}
		var rl responseLine
		switch err := json.Unmarshal(line, &rl); {
		case err != nil:
			j.fail = fmt.Errorf(`malformed response line: %s; want {"id": task id, "response": "text"} or {"id", "messages": [...]}`, describeDecodeError(err))
		case rl.ID == nil:
			j.fail = fmt.Errorf(`no "id": a response line names its task's id`)
		default:
			j.id = *rl.ID
			j.task = byID[j.id]
			switch {
			case j.task == nil:
				j.fail = fmt.Errorf("unknown task id %q: it is not in %s", j.id, cfg.TasksName)
			case rl.Messages != nil && len(bytes.TrimSpace(rl.Response)) > 0:
				j.fail = fmt.Errorf(`give the response as "response" or as "messages", not both`)
			case rl.Messages != nil:
				j.resp = dojo.Response{Messages: rl.Messages}
			default:
				resp, werr := decodeResponse(rl.Response, "response")
				if werr != nil {
					j.fail = errors.New(werr.Message)
				}
				j.resp = resp
			}
			if j.fail == nil {
				// A second well-formed response to a task.
				if first, dup := responded[j.id]; !dup {
					responded[j.id] = n
				} else {
					sum.Duplicates++
					if !cfg.AllowDuplicates {
						j.fail = fmt.Errorf("a second response to task %q (the first is on line %d): each task is scored once (dojo verify --allow-duplicates scores every copy)", j.id, first)
					}
				}
			}
		}
		order <- j
		if j.fail != nil {
			j.res <- score(j)
		} else {
			jobs <- j
		}
		return true
	})
	close(jobs)
	wg.Wait()
	close(order)
	werr := <-writeDone
	switch {
	case rerr != nil:
		return sum, fmt.Errorf("reading %s: %w", cfg.ResponsesName, rerr)
	case werr != nil:
		return sum, fmt.Errorf("writing scores: %w", werr)
	}
	return sum, dojo.CheckContext(ctx)
}

// verifyResult is the outcome of one response line: its output line, and
// either its score or why it failed.
type verifyResult struct {
	line []byte
	lerr *LineError
	sc   *dojo.Score
}

func failed(n int, id string, err error, file string) verifyResult {
	b, _ := marshal(failedLine{Line: n, ID: id, Error: err.Error()})
	return verifyResult{line: append(b, '\n'), lerr: &LineError{File: file, Line: n, ID: id, Err: err}}
}

// eachLine calls fn with each non-blank line of r and its 1-based number,
// until fn returns false. Lines may be as long as 64 MiB.
func eachLine(r io.Reader, fn func(n int, line []byte) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !fn(n, line) {
			break
		}
	}
	return sc.Err()
}
