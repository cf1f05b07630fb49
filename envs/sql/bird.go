package sql

import (
	"os"
	"path/filepath"

	"github.com/dojo-rl/dojo"
)

// birdQuestion is one entry of BIRD's dev.json / train.json.
type birdQuestion struct {
	DBID       string `json:"db_id"`
	Question   string `json:"question"`
	Evidence   string `json:"evidence"`
	SQL        string `json:"SQL"`
	Difficulty string `json:"difficulty"`
}

// LoadBIRD loads a BIRD-format folder: the question file (questions ""
// means dir/dev.json) holds {question, evidence, SQL, db_id, difficulty};
// databases are <db_id>/<db_id>.sqlite under dir/dev_databases,
// dir/train_databases or dir/database, whichever exist.
func LoadBIRD(dir, questions string) (*Dataset, error) {
	if questions == "" {
		questions = filepath.Join(dir, "dev.json")
	}
	var qs []birdQuestion
	if err := readJSON(questions, &qs); err != nil {
		return nil, err
	}
	d := &Dataset{Name: "bird"}
	for _, sub := range []string{"dev_databases", "train_databases", "database", "databases"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			d.dbDirs = append(d.dbDirs, filepath.Join(dir, sub))
		}
	}
	if len(d.dbDirs) == 0 {
		d.dbDirs = []string{filepath.Join(dir, "dev_databases")}
	}
	for i, q := range qs {
		if q.DBID == "" || q.SQL == "" {
			return nil, dojo.Errorf(dojo.CodeInvalid, "sql: %s: question %d lacks db_id or SQL: want BIRD format {question, evidence, SQL, db_id, difficulty}", questions, i)
		}
		d.Examples = append(d.Examples, Example{Index: i, DBID: q.DBID, Question: q.Question, SQL: q.SQL, Evidence: q.Evidence, Difficulty: q.Difficulty})
	}
	return d, nil
}
