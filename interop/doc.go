// Package interop checks dojo's files with independent implementations of
// their formats: the Parquet task files of dojo gen read by Apache Arrow's
// Go Parquet reader. It is a module of its own so that dojo's module does
// not depend on what only these checks need; make test runs it.
package interop
