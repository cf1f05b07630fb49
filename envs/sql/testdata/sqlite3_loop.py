"""The baseline `dojo verify sql` is measured against: a plain Python sqlite3
loop over a Spider-format folder, one read-only connection per pair, the
prediction and the gold query run, results compared as sets.

    python3 sqlite3_loop.py SPIDER_DIR [gold|rewritten] [REPEATS]

gold: each prediction is its question's gold query; rewritten: the gold
query with the case of its first keyword swapped (SELECT for select and the
reverse), the same query under another text (so no cache keyed by text can
help). Prints one line per repeat: "PAIRS pairs SECONDS s RATE
pairs/s MATCHES matches", timing the loop only.
"""
import json
import os
import sqlite3
import sys
import time


def swap_first_word_case(q):
    stripped = q.lstrip()
    lead = q[: len(q) - len(stripped)]
    word = stripped.split(None, 1)[0] if stripped else ""
    return lead + word.swapcase() + stripped[len(word):]


def main():
    d = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "gold"
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with open(os.path.join(d, "dev.json")) as f:
        questions = json.load(f)
    pairs = []
    for q in questions:
        path = os.path.join(d, "database", q["db_id"], q["db_id"] + ".sqlite")
        if os.path.exists(path):
            pred = q["query"] if mode == "gold" else swap_first_word_case(q["query"])
            pairs.append((path, q["query"], pred))
    for _ in range(repeats):
        start = time.perf_counter()
        matches = 0
        for path, gold, pred in pairs:
            con = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
            try:
                g = con.execute(gold).fetchall()
                p = con.execute(pred).fetchall()
                matches += set(g) == set(p)
            except sqlite3.Error:
                pass
            finally:
                con.close()
        secs = time.perf_counter() - start
        print(f"{len(pairs)} pairs {secs:.4f} s {len(pairs) / secs:.0f} pairs/s {matches} matches", flush=True)


if __name__ == "__main__":
    main()
