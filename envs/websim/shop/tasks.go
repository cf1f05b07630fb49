package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// verifyBlock is a shop task's Task.Verify: the catalog (rebuilt from its
// config and checked by its hash), the goal, and the session's limits.
type verifyBlock struct {
	Catalog     catalogConfig `json:"catalog"`
	CatalogHash string        `json:"catalog_hash"`
	Goal        goal          `json:"goal"`
	MaxSteps    int           `json:"max_steps"`
	ShowAttrs   bool          `json:"show_attrs"`
}

func (e *Env) taskID(seed uint64) string {
	return fmt.Sprintf("%s/p%d/v%d/c%d/a%d/q%g/%d", ID, e.catCfg.Products, e.catCfg.Variants, e.catCfg.Seed, e.goalCfg.attributes, e.goalCfg.paraphrase, seed)
}

// GenerateTask returns the task of seed: the system prompt and the search
// page with the instruction as its prompt, the tools (action_format=tools),
// and the goal in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Task{}, err
	}
	c := e.catalog()
	g, rank, _, err := generateGoal(c, e.goalCfg, seed)
	if err != nil {
		return dojo.Task{}, err
	}
	vb, err := json.Marshal(verifyBlock{Catalog: e.catCfg, CatalogHash: c.hash, Goal: *g, MaxSteps: e.maxSteps, ShowAttrs: e.showAttrs})
	if err != nil {
		return dojo.Task{}, dojo.Errorf(dojo.CodeInternal, "websim: encoding the goal: %v", err)
	}
	ep := newEpisode(c, g, e.showAttrs)
	var w pageWriter
	w.reset(e.simple)
	ep.render(&w, "")
	_, p := c.product(g.ASIN)
	t := dojo.Task{
		ID:      e.taskID(seed),
		Env:     ID,
		Options: e.opts,
		Seed:    seed,
		Prompt:  []dojo.Message{{Role: "system", Content: systemPrompt(e.tools)}, {Role: "user", Content: w.String()}},
		Verify:  vb,
		Meta: map[string]any{"category": p.Category, "type": p.Type, "target_rank": rank,
			"goal_attributes": len(g.Attributes), "goal_options": len(g.Options)},
	}
	if e.tools {
		t.Tools = shopTools
	}
	return t, nil
}

// VerifyTask scores a response to a task by replaying its actions on the
// task's session: Response.Messages as the assistant turns of an episode
// (each turn's tool calls, or its text's last action, as in Step),
// Response.Text as a whole plan (every search[...] and click[...] in it, in
// order, or its <tool_call> blocks). The replay stops at Buy Now or at the
// step limit. The parts are the episode's components summed over its
// actions; the score's error says why a response held no action at all.
// The goal comes from t.Verify (its catalog rebuilt and checked against
// catalog_hash), or from regenerating t.Seed when Verify is empty.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Score{}, err
	}
	var vb verifyBlock
	if len(bytes.TrimSpace(t.Verify)) > 0 && string(bytes.TrimSpace(t.Verify)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(t.Verify))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&vb); err != nil {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err).WithField("task.verify")
		}
		cc := vb.Catalog
		if cc.Products < 50 || cc.Products > 100000 || cc.Variants < 0 || cc.Variants > 5 || vb.MaxSteps < 1 || vb.MaxSteps > 500 {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: verify block has products %d, variants %d, max_steps %d: want 50..100000, 0..5 and 1..500", t.ID, cc.Products, cc.Variants, vb.MaxSteps).WithField("task.verify")
		}
	} else {
		if t.Env != "" && t.Env != ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s is for %s, not %s", t.ID, t.Env, ID)
		}
		g, _, _, err := generateGoal(e.catalog(), e.goalCfg, t.Seed)
		if err != nil {
			return dojo.Score{}, err
		}
		vb = verifyBlock{Catalog: e.catCfg, CatalogHash: e.catalog().hash, Goal: *g, MaxSteps: e.maxSteps, ShowAttrs: e.showAttrs}
	}
	c := openCatalog(vb.Catalog)
	if vb.CatalogHash != c.hash {
		return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the catalog does not hash to catalog_hash: the task was made by another version of the generator", t.ID).WithField("task.verify")
	}
	if _, p := c.product(vb.Goal.ASIN); p == nil {
		return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "websim: task %s: the goal's product %q is not in the catalog", t.ID, vb.Goal.ASIN).WithField("task.verify")
	}
	g := vb.Goal
	return replay(c, &g, vb, r, e.parts.Parts()), nil
}

// replay plays a response's actions on a fresh session and scores it
// with the weights of w.
func replay(c *catalog, g *goal, vb verifyBlock, r dojo.Response, w []dojo.Part) dojo.Score {
	ep := newEpisode(c, g, vb.ShowAttrs)
	var vals [numComponents]float64
	var decoded []decodedAction
	play := func(ds []decodedAction) {
		for _, d := range ds {
			if ep.done() || ep.steps >= vb.MaxSteps {
				return
			}
			ep.take(d).addTo(&vals)
		}
	}
	var noAction string
	switch {
	case len(r.Messages) > 0:
		turns := 0
		for _, m := range r.Messages {
			if m.Role != "assistant" {
				continue
			}
			turns++
			decoded = decodeAction(dojo.MessageAction(m.Content, m.ToolCalls...), ep.clickables(nil), decoded[:0])
			play(decoded)
		}
		if turns == 0 {
			noAction = "the response's messages hold no assistant turn"
		}
	default:
		acts, err := parseActions(r.Text)
		for _, a := range acts {
			decoded = append(decoded, decodedAction{act: a})
		}
		if len(acts) == 0 {
			decoded = decodeAction(dojo.TextAction(r.Text), nil, decoded[:0])
			if decoded[0].err != nil {
				noAction = decoded[0].err.Error()
			}
		} else if err != nil {
			decoded = append(decoded, decodedAction{err: err})
		}
		play(decoded)
	}
	var errs []string
	if noAction != "" {
		errs = []string{noAction}
	}
	return family.Score(components[:], vals[:], w, ep.done() && ep.score.Total == 1, errs)
}

// toolCallOf writes a as a call of the search or click tool.
func toolCallOf(a action, id string) dojo.ToolCall {
	key := "button"
	if a.verb == "search" {
		key = "query"
	}
	args, _ := json.Marshal(map[string]string{key: a.arg})
	return dojo.ToolCall{ID: id, Name: a.verb, Arguments: args}
}

func itoa(i int) string { return strconv.Itoa(i) }
