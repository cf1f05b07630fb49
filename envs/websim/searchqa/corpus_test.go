package searchqa

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

// sampleWorld is the world the built-in sample corpus exports.
var sampleWorld = WorldOptions{Size: 40, Noise: 0.3, Seed: 7}

// TestSampleCorpus checks that the sample corpus websim/Corpus-v0 serves by
// default is the export of sampleWorld (go test -update rewrites it).
func TestSampleCorpus(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sampleWorld)
	var corpus, qa bytes.Buffer
	if err := w.WriteCorpus(&corpus); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteQA(&qa, KindMixed, 0, 40); err != nil {
		t.Fatal(err)
	}
	dojotest.Golden(t, filepath.Join("sample", "corpus.jsonl"), corpus.Bytes(), *update)
	dojotest.Golden(t, filepath.Join("sample", "qa.jsonl"), qa.Bytes(), *update)
	c, err := LoadCorpus(bytes.NewReader(corpus.Bytes()), "corpus", bytes.NewReader(qa.Bytes()), "qa")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pages) != len(w.Pages) || len(c.QA) != 40 {
		t.Fatalf("loaded %d pages and %d questions", len(c.Pages), len(c.QA))
	}
}

func TestLoadCorpusErrors(t *testing.T) {
	t.Parallel()
	const good = `{"id": "a", "title": "A", "text": "Alpha."}` + "\n"
	const goodQA = `{"question": "What?", "answers": ["Alpha"]}` + "\n"
	for _, c := range []struct {
		corpus, qa, want string
	}{
		{"{bad\n", goodQA, "corpus.jsonl:1: not a JSON object"},
		{good + "\n" + `{"title": "B", "text": "x"}` + "\n", goodQA, `corpus.jsonl:3: no "id"`},
		{good + good, goodQA, `corpus.jsonl:2: id "a" appears twice`},
		{`{"id": "b", "title": "B"}` + "\n", goodQA, `corpus.jsonl:1: no "text"`},
		{`{"id": {"x": 1}, "text": "t"}` + "\n", goodQA, `corpus.jsonl:1: "id" must be a string or a number`},
		{"", goodQA, "corpus.jsonl: no pages"},
		{good, `{"question": "Q?"}` + "\n", `qa.jsonl:1: no "answers"`},
		{good, goodQA + `{"answers": ["x"]}` + "\n", `qa.jsonl:2: no "question"`},
		{good, `{"question": "Q?", "answers": ["x"], "supporting": ["zz"]}` + "\n", `qa.jsonl:1: supporting page "zz" is not in corpus.jsonl`},
		{good, `[1, 2]` + "\n", `qa.jsonl:1: not a JSON object`},
		{good, "\n\n", "qa.jsonl: no questions"},
	} {
		_, err := LoadCorpus(strings.NewReader(c.corpus), "corpus.jsonl", strings.NewReader(c.qa), "qa.jsonl")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("corpus %q, qa %q: error %v, want %q", c.corpus, c.qa, err, c.want)
		}
	}
}

// TestLoadCorpusFormats reads Search-R1's and FlashRAG's formats: "contents"
// with the title on its first line, numeric ids, "golden_answers".
func TestLoadCorpusFormats(t *testing.T) {
	t.Parallel()
	corpus := `{"id": 0, "contents": "\"Ada Lovelace\"\nAda Lovelace wrote the first algorithm."}` + "\n" +
		`{"id": "1", "title": "London", "text": "London is a city."}` + "\n"
	qa := `{"id": 7, "question": "Who wrote the first algorithm?", "golden_answers": ["Ada Lovelace", "Lovelace"]}` + "\n" +
		`{"question": "Which city?", "answer": "London", "supporting": ["1"]}` + "\n"
	c, err := LoadCorpus(strings.NewReader(corpus), "c", strings.NewReader(qa), "q")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Pages[0]; p.ID != "0" || p.Title != "Ada Lovelace" || p.Text != "Ada Lovelace wrote the first algorithm." {
		t.Errorf("contents page: %+v", p)
	}
	if q := c.QA[0]; q.ID != "7" || len(q.Answers) != 2 || c.QA[1].Answers[0] != "London" || c.QA[1].Supporting[0] != "1" {
		t.Errorf("questions: %+v", c.QA)
	}
	if hits := c.Index.Search("algorithm", 5); len(hits) != 1 || hits[0].Doc != 0 {
		t.Errorf("search: %v", hits)
	}
	for id, want := range map[string]int{"0": 0, " 1 ": 1, "ada lovelace": 0, "LONDON": 1} {
		if p, ok := c.PageByID(id); !ok || p != want {
			t.Errorf("PageByID(%q) = %d, %v; want %d", id, p, ok, want)
		}
	}
	if _, ok := c.PageByID("Paris"); ok {
		t.Errorf("PageByID(Paris) found a page")
	}
}

// TestCorpusEnvFiles serves a corpus from files: the oracle succeeds, and
// missing or broken files are errors of Reset naming them.
func TestCorpusEnvFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := newWorld(t, WorldOptions{Size: 60, Noise: 0.5, Seed: 9})
	var corpus, qa bytes.Buffer
	if err := w.WriteCorpus(&corpus); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteQA(&qa, KindBridge, 2, 25); err != nil {
		t.Fatal(err)
	}
	cp, qp := filepath.Join(dir, "corpus.jsonl"), filepath.Join(dir, "qa.jsonl")
	if err := os.WriteFile(cp, corpus.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qp, qa.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := qaRegistry(t)
	for _, mode := range []string{"tools", "text"} {
		env := makeQAEnv(t, reg, "websim/Corpus-v0", dojo.Options{"corpus": cp, "qa": qp, "mode": mode})
		for s := range uint64(25) {
			if !qaOracleEpisode(t, env, s) {
				t.Errorf("%s: the oracle failed on question %d", mode, s)
			}
		}
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"id": "x", "text": "ok"}`+"\n"+`{"id": 1`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		opts dojo.Options
		want string
	}{
		{dojo.Options{"corpus": cp}, `give both options "corpus"`},
		{dojo.Options{"corpus": filepath.Join(dir, "missing.jsonl"), "qa": qp}, "missing.jsonl: no such file"},
		{dojo.Options{"corpus": bad, "qa": qp}, "bad.jsonl:2: not a JSON object"},
	} {
		env := makeQAEnv(t, reg, "websim/Corpus-v0", c.opts)
		if _, _, err := env.Reset(ctx, 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: Reset error %v, want %q", c.opts, err, c.want)
		}
	}
}
