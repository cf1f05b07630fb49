package sql

import (
	"fmt"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// memStatusErr is why SQLite's memory accounting could not be turned on
// (nil when it is on). The driver's SQLite is built with
// SQLITE_DEFAULT_MEMSTATUS=0, under which sqlite3_hard_heap_limit64 is
// accepted but never enforced; SQLITE_CONFIG_MEMSTATUS turns the accounting
// on, and is allowed only before SQLite initializes, which it does on the
// first connection of the process: so here, at package initialization.
var memStatusErr = enableMemStatus()

func enableMemStatus() error {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.Xmalloc(tls, 8)
	if va == 0 {
		return fmt.Errorf("sql: out of memory enabling SQLite's memory accounting")
	}
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_MEMSTATUS, libc.VaList(va, int32(1))); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("sql: SQLite's memory accounting is off (sqlite3_config returned %d: SQLite was initialized before this package): the heap limit is not enforced", rc)
	}
	return nil
}
