package searchqa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// qaVerifyBlock is Task.Verify: where the question comes from, and its gold.
type qaVerifyBlock struct {
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Kind     string   `json:"kind"`
	Hops     int      `json:"hops"`
	// Evidence lists, per hop, the ids of the pages that state its fact.
	Evidence [][]string `json:"evidence"`
	Targets  []string   `json:"targets"`
	// A generated task's world, and its hash.
	World     *WorldOptions `json:"world,omitempty"`
	WorldHash string        `json:"world_hash,omitempty"`
	// A corpus task's question index and corpus hash.
	Index      int    `json:"index,omitempty"`
	CorpusHash string `json:"corpus_hash,omitempty"`
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Task{}, err
	}
	t, err := e.task(seed)
	if err != nil {
		return dojo.Task{}, err
	}
	vb := qaVerifyBlock{Question: t.it.question, Answers: t.it.answers, Kind: t.it.kind, Hops: t.it.hops}
	for h, ev := range t.it.evidence {
		ids := make([]string, len(ev))
		for i, p := range ev {
			ids[i] = t.web.page(int(p)).ID
		}
		vb.Evidence = append(vb.Evidence, ids)
		vb.Targets = append(vb.Targets, t.web.page(int(t.it.targets[h])).ID)
	}
	meta := map[string]any{"kind": t.it.kind, "hops": t.it.hops}
	mode := "tools"
	if e.cfg.text {
		mode = "text"
	}
	id := fmt.Sprintf("%s/%s/h%d/s%d/n%g/q%d/%s/k%d/%d", e.spec.ID, e.kind, e.hops, e.size, e.noise, e.perWorld, mode, e.cfg.topk, seed)
	if t.world != nil {
		o := t.world.Options
		vb.World, vb.WorldHash = &o, t.world.Hash()
	} else {
		vb.Index, vb.CorpusHash = t.index, t.cor.Hash
		id = fmt.Sprintf("%s/%s/%s/k%d/%d", e.spec.ID, t.cor.Hash[:12], mode, e.cfg.topk, seed)
		meta = map[string]any{"index": t.index, "hops": t.it.hops}
	}
	b, err := json.Marshal(vb)
	if err != nil {
		return dojo.Task{}, dojo.Errorf(dojo.CodeInternal, "websim: encoding the gold: %v", err)
	}
	task := dojo.Task{ID: id, Env: e.spec.ID, Options: e.opts, Seed: seed, Prompt: e.promptOf(t), Verify: b, Meta: meta}
	if !e.cfg.text {
		task.Tools = searchTools
	}
	return task, nil
}

// fromVerify rebuilds a task from its verify block.
func (e *Env) fromVerify(t dojo.Task) (*qaTask, error) {
	var vb qaVerifyBlock
	dec := json.NewDecoder(bytes.NewReader(t.Verify))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vb); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
	}
	if len(vb.Answers) == 0 || len(vb.Evidence) != len(vb.Targets) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block: want answers, and as many targets as evidence lists", t.ID)
	}
	qt := &qaTask{it: qaItem{question: vb.Question, answers: vb.Answers, kind: vb.Kind, hops: vb.Hops}}
	switch {
	case vb.World != nil:
		if e.v.corpus {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s is over a generated world: verify it with a websim/SearchQA env", t.ID)
		}
		w, err := sharedWorld(*vb.World)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: %v", t.ID, err)
		}
		if vb.WorldHash != "" && w.Hash() != vb.WorldHash {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the world does not hash to world_hash: the task was made by another version of the generator", t.ID)
		}
		qt.web, qt.world = w, w
	default:
		if !e.v.corpus {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s names no world: a corpus task is verified with websim/Corpus-v0", t.ID)
		}
		c, err := openCorpus(e.corpus, e.qa)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: %v", t.ID, err)
		}
		if vb.CorpusHash != "" && c.Hash != vb.CorpusHash {
			return nil, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the corpus files do not hash to corpus_hash: they changed since the task was made", t.ID)
		}
		qt.web, qt.cor, qt.index = c, c, vb.Index
	}
	page := func(id string) (int32, error) {
		p, ok := qt.web.lookup(id)
		if !ok {
			return 0, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block names page %q, which does not exist", t.ID, id)
		}
		return int32(p), nil
	}
	for h, ids := range vb.Evidence {
		var ev []int32
		for _, id := range ids {
			p, err := page(id)
			if err != nil {
				return nil, err
			}
			ev = append(ev, p)
		}
		tp, err := page(vb.Targets[h])
		if err != nil {
			return nil, err
		}
		qt.it.evidence = append(qt.it.evidence, ev)
		qt.it.targets = append(qt.it.targets, tp)
	}
	return qt, nil
}

// VerifyTask scores a response to a task without an episode. The gold comes
// from t.Verify (the world is rebuilt from its options and checked against
// world_hash), or from regenerating t.Seed when Verify is empty.
// Response.Messages replays each assistant message as a turn (tool results
// are recomputed; other roles are ignored). Response.Text is a whole
// Search-R1 response: its <information> blocks are dropped (searches run
// again), and it is played as turns ending at each </search>, </answer> and
// </tool_call>. The parts are the episode's, summed over its turns; the
// sr1 parts score the replayed text with the recomputed information.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Score{}, err
	}
	var qt *qaTask
	var err error
	if len(t.Verify) > 0 {
		qt, err = e.fromVerify(t)
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		qt, err = e.task(t.Seed)
	}
	if err != nil {
		return dojo.Score{}, err
	}
	ep := newQAEpisode(qt.web, &qt.it, e.cfg)
	var vals [numComponents]float64
	success := false
	var errs []string
	play := func(a dojo.Action) bool {
		res := ep.play(a)
		for i, v := range res.vals {
			vals[i] += v
		}
		errs = append(errs, res.errs...)
		success = res.success
		return res.final || ep.turns >= e.maxTurns || e.policy.Ends(ep.invalid)
	}
	if len(r.Messages) > 0 {
		for _, m := range r.Messages {
			if m.Role == "assistant" && play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	} else {
		for _, turn := range splitTurns(r.Text) {
			if play(dojo.TextAction(turn)) {
				break
			}
		}
	}
	ep.searchR1Parts(&vals)
	return family.Score(components[:], vals[:], e.parts.Parts(), success, errs), nil
}
