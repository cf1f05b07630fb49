package sql

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
)

func BenchmarkReset(b *testing.B) {
	env := makeEnv(b, registry(b), "sql/Generated-v0", nil)
	ctx := context.Background()
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := env.Reset(ctx, seed%256); err != nil {
			b.Fatal(err)
		}
		seed++
	}
}

func BenchmarkRunSQLStep(b *testing.B) {
	env := makeEnv(b, registry(b), "sql/Retail-v0", dojo.Options{"max_turns": 100})
	ctx := context.Background()
	a := dojo.MessageAction("", call("run_sql", `{"sql":"SELECT suppliers.name, COUNT(*) FROM suppliers JOIN products ON products.supplier_id = suppliers.id GROUP BY suppliers.id"}`))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		env.Reset(ctx, 1)
		b.StartTimer()
		if _, err := env.Step(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyTask(b *testing.B) {
	env := makeEnv(b, registry(b), "sql/Generated-v0", nil)
	ctx := context.Background()
	task, err := env.GenerateTask(ctx, 11)
	if err != nil {
		b.Fatal(err)
	}
	resp := dojo.Response{Text: "```sql\nSELECT name FROM products WHERE price > 100\n```"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.VerifyTask(ctx, task, resp); err != nil {
			b.Fatal(err)
		}
	}
}
