package searchqa

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/bm25"
)

// Corpus is an external corpus of pages with question-answer pairs over it,
// served by websim/Corpus-v0 with the same tools as a generated world.
type Corpus struct {
	Pages []Page
	Index *bm25.Index
	QA    []QAPair
	// Hash is a SHA-256 of both files' bytes.
	Hash string

	byID    map[string]int32
	byTitle map[string]int32 // lower-cased titles (the first page of each)
}

// QAPair is one question of a corpus with its gold answers and, when known,
// the ids of the pages that support it.
type QAPair struct {
	ID         string   `json:"id,omitempty"`
	Question   string   `json:"question"`
	Answers    []string `json:"answers"`
	Supporting []string `json:"supporting,omitempty"`
}

// corpusLine is a corpus line: {"id", "title", "text"}, or Search-R1's and
// FlashRAG's {"id", "contents"} whose first line is the title (in quotes)
// and the rest the text.
type corpusLine struct {
	ID       *json.RawMessage `json:"id"`
	Title    *string          `json:"title"`
	Text     *string          `json:"text"`
	Contents *string          `json:"contents"`
}

// qaLine is a QA line: {"question", "answers"}; "golden_answers" (Search-R1,
// FlashRAG) or "answer" (one string) are accepted for "answers".
type qaLine struct {
	ID            *json.RawMessage `json:"id"`
	Question      *string          `json:"question"`
	Answers       *[]string        `json:"answers"`
	GoldenAnswers *[]string        `json:"golden_answers"`
	Answer        *string          `json:"answer"`
	Supporting    *[]string        `json:"supporting"`
}

// PageByID returns the page whose id is id, or else whose title is id
// (ignoring case and surrounding space; the first such page), and whether
// there is one.
func (c *Corpus) PageByID(id string) (int, bool) {
	id = strings.TrimSpace(id)
	if p, ok := c.byID[id]; ok {
		return int(p), true
	}
	p, ok := c.byTitle[strings.ToLower(id)]
	return int(p), ok
}

// readLines calls fn with each non-blank line of r and its number; an error
// of fn is reported with the file's name and the line's number.
func readLines(r io.Reader, name string, fn func(line []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if ferr := fn(line); ferr != nil {
				return fmt.Errorf("%s:%d: %v", name, n, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, n, err)
		}
	}
}

// idString reads an id given as a JSON string or number.
func idString(raw *json.RawMessage) (string, error) {
	if raw == nil {
		return "", errors.New(`no "id"`)
	}
	var s string
	if json.Unmarshal(*raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(*raw, &n) == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf(`"id" must be a string or a number, got %s`, clipText(string(*raw), 40))
}

// LoadCorpus reads a corpus (JSON lines {"id", "title", "text"}, or
// {"id", "contents"}) and its QA pairs (JSON lines {"question", "answers"}
// with optional "id" and "supporting" page ids; "golden_answers" or
// "answer" stand for "answers"). Errors name the file (by the names given)
// and the line. Ids must be unique; supporting ids must be in the corpus.
func LoadCorpus(corpus io.Reader, corpusName string, qa io.Reader, qaName string) (*Corpus, error) {
	h := sha256.New()
	c := &Corpus{byID: map[string]int32{}}
	err := readLines(io.TeeReader(corpus, h), corpusName, func(line []byte) error {
		var l corpusLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf(`not a JSON object {"id", "title", "text"}: %s`, dojo.DescribeJSONError(err))
		}
		id, err := idString(l.ID)
		if err != nil {
			return err
		}
		if id == "" {
			return errors.New(`empty "id"`)
		}
		if _, dup := c.byID[id]; dup {
			return fmt.Errorf("id %q appears twice", id)
		}
		var p Page
		switch {
		case l.Text != nil:
			p.Text = *l.Text
			if l.Title != nil {
				p.Title = *l.Title
			}
		case l.Contents != nil:
			title, text, _ := strings.Cut(*l.Contents, "\n")
			p.Title, p.Text = strings.Trim(title, `"`), text
		default:
			return errors.New(`no "text" (or "contents"): want {"id", "title", "text"}`)
		}
		p.ID, p.Entity, p.Kind = id, -1, "corpus"
		c.byID[id] = int32(len(c.Pages))
		c.Pages = append(c.Pages, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(c.Pages) == 0 {
		return nil, fmt.Errorf("%s: no pages", corpusName)
	}
	h.Write([]byte{0})
	err = readLines(io.TeeReader(qa, h), qaName, func(line []byte) error {
		var l qaLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf(`not a JSON object {"question", "answers"}: %s`, dojo.DescribeJSONError(err))
		}
		var p QAPair
		if l.ID != nil {
			id, err := idString(l.ID)
			if err != nil {
				return err
			}
			p.ID = id
		}
		if l.Question == nil || strings.TrimSpace(*l.Question) == "" {
			return errors.New(`no "question" (or an empty one)`)
		}
		p.Question = *l.Question
		switch {
		case l.Answers != nil:
			p.Answers = *l.Answers
		case l.GoldenAnswers != nil:
			p.Answers = *l.GoldenAnswers
		case l.Answer != nil:
			p.Answers = []string{*l.Answer}
		}
		if len(p.Answers) == 0 {
			return errors.New(`no "answers" (a non-empty list of strings; "golden_answers" or "answer" also do)`)
		}
		if l.Supporting != nil {
			for _, id := range *l.Supporting {
				if _, ok := c.byID[id]; !ok {
					return fmt.Errorf("supporting page %q is not in %s", id, corpusName)
				}
			}
			p.Supporting = *l.Supporting
		}
		c.QA = append(c.QA, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(c.QA) == 0 {
		return nil, fmt.Errorf("%s: no questions", qaName)
	}
	c.Hash = hex.EncodeToString(h.Sum(nil))
	c.byTitle = make(map[string]int32, len(c.Pages))
	for i, p := range c.Pages {
		if t := strings.ToLower(strings.TrimSpace(p.Title)); t != "" {
			if _, dup := c.byTitle[t]; !dup {
				c.byTitle[t] = int32(i)
			}
		}
	}
	c.Index = bm25.NewIndex(pageDocs(c.Pages))
	return c, nil
}

// The sample corpus websim/Corpus-v0 serves when no corpus is given: a small
// generated world exported with WriteCorpus and WriteQA (see
// TestSampleCorpus).
var (
	//go:embed sample/corpus.jsonl
	sampleCorpus []byte
	//go:embed sample/qa.jsonl
	sampleQA []byte
)

// openCorpus returns the corpus at the paths (both empty: the sample),
// from the cache; a file changed since it was loaded is loaded again.
func openCorpus(corpusPath, qaPath string) (*Corpus, error) {
	load := func(c *Corpus, err error) (*Corpus, int, error) {
		if err != nil {
			return nil, 0, err
		}
		return c, len(c.Pages), nil
	}
	if corpusPath == "" && qaPath == "" {
		return cachedValue(cacheKey{path: "\x00sample"}, func() (*Corpus, int, error) {
			return load(LoadCorpus(bytes.NewReader(sampleCorpus), "sample/corpus.jsonl", bytes.NewReader(sampleQA), "sample/qa.jsonl"))
		})
	}
	if corpusPath == "" || qaPath == "" {
		return nil, errors.New(`give both options "corpus" (JSON lines {"id", "title", "text"}) and "qa" (JSON lines {"question", "answers"}), or neither for the sample corpus`)
	}
	var stamp []string
	for _, p := range []string{corpusPath, qaPath} {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		stamp = append(stamp, fmt.Sprintf("%s\x00%d\x00%d", p, fi.Size(), fi.ModTime().UnixNano()))
	}
	return cachedValue(cacheKey{path: strings.Join(stamp, "\x00")}, func() (*Corpus, int, error) {
		cf, err := os.Open(corpusPath)
		if err != nil {
			return nil, 0, err
		}
		defer cf.Close()
		qf, err := os.Open(qaPath)
		if err != nil {
			return nil, 0, err
		}
		defer qf.Close()
		return load(LoadCorpus(cf, corpusPath, qf, qaPath))
	})
}

// WriteCorpus writes the world's pages as corpus lines {"id", "title",
// "text"}.
func (w *World) WriteCorpus(out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, p := range w.Pages {
		if err := enc.Encode(struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}{p.ID, p.Title, p.Text}); err != nil {
			return err
		}
	}
	return nil
}

// WriteQA writes n questions of the world (seeds 0..n-1, of the kind and
// hops given as to Question) as QA lines with their supporting pages: each
// hop's own page.
func (w *World) WriteQA(out io.Writer, kind string, hops, n int) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for s := range n {
		q, err := w.Question(kind, hops, uint64(s))
		if err != nil {
			return err
		}
		p := QAPair{ID: fmt.Sprint(s), Question: q.Text, Answers: q.Answers}
		for _, h := range q.Hop {
			p.Supporting = append(p.Supporting, w.Pages[h.Page].ID)
		}
		if err := enc.Encode(p); err != nil {
			return err
		}
	}
	return nil
}
