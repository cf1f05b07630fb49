package sql

// ExtractSQL returns the SQL of a model's final answer as the env reads
// it: the last ```sql (or ```) block, else the last <answer> block, else
// the whole text, trimmed, with a trailing semicolon removed.
func ExtractSQL(text string) string { return extractSQL(text) }
