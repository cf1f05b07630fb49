package sql_test

import (
	"context"
	"fmt"

	sqlenv "github.com/dojo-rl/dojo/envs/sql"
)

func ExampleExecMatch() {
	db, err := sqlenv.OpenMemory("shop", func(ctx context.Context, exec func(string, ...any) error) error {
		if err := exec("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price REAL)"); err != nil {
			return err
		}
		return exec("INSERT INTO item VALUES (1, 'pen', 2), (2, 'ink', 5), (3, 'pad', 2)")
	})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	gold := "SELECT name, price FROM item WHERE price < 3"
	for _, pred := range []string{
		"SELECT price, name FROM item WHERE price = 2.0", // columns permuted, 2 = 2.0
		"SELECT name FROM item WHERE price < 3",          // a column missing
		"DELETE FROM item",                               // refused
	} {
		ok, err := sqlenv.ExecMatch(ctx, db, gold, pred, sqlenv.ModeSpider, false)
		fmt.Println(ok, err != nil)
	}
	// Output:
	// true false
	// false false
	// false true
}
