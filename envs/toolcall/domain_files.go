package toolcall

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
)

var fileDirs = []string{"/docs", "/inbox", "/archive", "/notes"}
var fileStems = []string{"report", "budget", "minutes", "todo", "invoice", "draft", "plan", "summary", "readme", "agenda"}
var fileExts = []string{".txt", ".csv", ".md", ".json", ".log"}
var fileWords = []string{"alpha", "quarterly", "numbers", "review", "pending", "approved", "meeting", "client", "follow up", "ship it"}

var filesDomain = &domain{
	name: "files", title: "Files",
	tools: func() []*tool {
		pathS := `{"type":"string","pattern":"^/[A-Za-z0-9_./-]+$","maxLength":200,"description":"absolute path, e.g. /docs/report.txt"}`
		return []*tool{
			newTool("list_files", "List the files of a directory with their sizes in bytes.",
				schema(map[string]string{"directory": pathS}, "directory"),
				func(w World, a args) (any, error) {
					dir := strings.TrimSuffix(a.str("directory"), "/")
					out := []map[string]any{}
					for _, k := range w.sortedKeys("files") {
						if path.Dir(k) == dir {
							out = append(out, map[string]any{"path": k, "size": float64(len(w["files"][k]["content"].(string)))})
						}
					}
					return map[string]any{"directory": dir, "files": out}, nil
				}),
			newTool("read_file", "Read a file's content.",
				schema(map[string]string{"path": pathS}, "path"),
				func(w World, a args) (any, error) {
					f, ok := w["files"][a.str("path")]
					if !ok {
						return nil, fail("no file %q", a.str("path"))
					}
					return map[string]any{"path": a.str("path"), "content": f["content"]}, nil
				}),
			newTool("write_file", "Write a file. Fails if it exists, unless overwrite is true.",
				schema(map[string]string{"path": pathS, "content": `{"type":"string","maxLength":10000}`, "overwrite": `{"type":"boolean","default":false}`}, "path", "content"),
				func(w World, a args) (any, error) {
					p := path.Clean(a.str("path"))
					if _, ok := w["files"][p]; ok && a["overwrite"] != true {
						return nil, fail("file %s already exists (pass \"overwrite\": true to replace it)", p)
					}
					w.table("files")[p] = Rec{"content": a.str("content")}
					return map[string]any{"path": p, "size": float64(len(a.str("content")))}, nil
				}),
			newTool("move_file", "Move or rename a file. Fails if the source is missing or the destination exists.",
				schema(map[string]string{"source": pathS, "destination": pathS}, "source", "destination"),
				func(w World, a args) (any, error) {
					src, dst := path.Clean(a.str("source")), path.Clean(a.str("destination"))
					f, ok := w["files"][src]
					if !ok {
						return nil, fail("no file %q", src)
					}
					if _, ok := w["files"][dst]; ok {
						return nil, fail("destination %s already exists", dst)
					}
					delete(w["files"], src)
					w["files"][dst] = f
					return map[string]any{"moved": src, "to": dst}, nil
				}),
			newTool("delete_file", "Delete a file; returns how many files remain in its directory.",
				schema(map[string]string{"path": pathS}, "path"),
				func(w World, a args) (any, error) {
					p := path.Clean(a.str("path"))
					if _, ok := w["files"][p]; !ok {
						return nil, fail("no file %q", p)
					}
					delete(w["files"], p)
					n := 0
					for k := range w["files"] {
						if path.Dir(k) == path.Dir(p) {
							n++
						}
					}
					return map[string]any{"deleted": p, "remaining_in_directory": float64(n)}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("files")
		for _, d := range fileDirs {
			stems := r.Perm(len(fileStems))
			exts := r.Perm(len(fileExts)) // distinct extensions per directory
			for i := range 3 + r.IntN(2) {
				var c strings.Builder
				for range 2 + r.IntN(5) {
					c.WriteString(pick(r, fileWords) + " ")
				}
				t[d+"/"+fileStems[stems[i]]+fileExts[exts[i]]] = Rec{"content": strings.TrimSpace(c.String())}
			}
		}
	},
	single: func(b *builder) {
		if b.r.IntN(2) == 0 {
			var cand []string // files of directories no other intent changes
			for _, k := range b.w.sortedKeys("files") {
				if !b.used["files/"+k] && !b.used["dir/"+path.Dir(k)] {
					cand = append(cand, k)
				}
			}
			if len(cand) == 0 {
				b.fail("files: no directory left for a delete")
				return
			}
			f := pick(b.r, cand)
			b.used["files/"+f] = true
			b.used["dir/"+path.Dir(f)] = true
			b.ask(pick(b.r, []string{"Delete %s and tell me how many files are left in its folder.", "Remove the file %s; how many files remain in that directory?"}), f)
			res := b.call("delete_file", map[string]any{"path": f}, false)
			n, _ := res["remaining_in_directory"].(float64)
			b.say("Deleted %s; %v files remain in %s.", f, n, path.Dir(f))
			b.fact(numFact("remaining files", n))
			return
		}
		dir := ""
		for _, i := range b.r.Perm(len(fileDirs)) {
			if !b.used["dir/"+fileDirs[i]] {
				dir = fileDirs[i]
				break
			}
		}
		if dir == "" {
			b.fail("files: no directory left for a write")
			return
		}
		b.used["dir/"+dir] = true
		p := fmt.Sprintf("%s/%s-%d.txt", dir, pick(b.r, fileStems), 2+b.r.IntN(90))
		if _, ok := b.w["files"][p]; ok || b.used["file/"+p] {
			p = strings.TrimSuffix(p, ".txt") + "-new.txt"
		}
		b.used["file/"+p] = true
		content := pick(b.r, fileWords) + ": " + pick(b.r, fileWords) + " " + pick(b.r, []string{"by Friday", "asap", "next week", "done"})
		b.ask("Create %s containing %q and tell me its size in bytes.", p, content)
		res := b.call("write_file", map[string]any{"path": p, "content": content}, false)
		n, _ := res["size"].(float64)
		b.say("Wrote %s (%v bytes).", p, n)
		b.fact(numFact("size", n))
	},
	multi: func(b *builder) {
		dir := ""
		for _, d := range b.r.Perm(len(fileDirs)) {
			if !b.used["dir/"+fileDirs[d]] {
				dir = fileDirs[d]
				break
			}
		}
		if dir == "" {
			b.err = fmt.Errorf("no directory left")
			return
		}
		b.used["dir/"+dir] = true
		var inDir []string
		b.used["dir/"+map[bool]string{true: "/docs", false: "/archive"}[dir == "/archive"]] = true
		for _, k := range b.w.sortedKeys("files") {
			if path.Dir(k) == dir {
				inDir = append(inDir, k)
			}
		}
		f := pick(b.r, inDir)
		b.used["files/"+f] = true
		ext := path.Ext(f)
		dest := "/archive"
		if dir == "/archive" {
			dest = "/docs"
		}
		to := dest + "/" + path.Base(f)
		note := " (keep its name)"
		for i := 1; ; i++ {
			if _, taken := b.w["files"][to]; !taken {
				break
			}
			to = fmt.Sprintf("%s/old%d-%s", dest, i, path.Base(f))
			note = fmt.Sprintf(" as %s, since its name is taken there,", path.Base(to))
		}
		b.ask("Move the %s file in %s to %s%s", ext, dir, dest, note)
		b.call("list_files", map[string]any{"directory": dir}, false)
		b.call("move_file", map[string]any{"source": f, "destination": to}, false)
		b.ask("and tell me its new path.")
		b.say("Moved %s to %s.", f, to)
		b.fact(textFact("new path", to))
	},
	recovery: func(b *builder) {
		taken := b.unused("files", nil)
		if b.err != nil {
			return
		}
		alt := strings.TrimSuffix(taken, path.Ext(taken)) + "-2" + path.Ext(taken)
		content := "note: " + pick(b.r, fileWords) + " " + pick(b.r, fileWords)
		b.ask("Save %q as %s; if that name is taken, save it as %s instead (don't overwrite anything). Tell me the size in bytes.", content, taken, alt)
		b.call("write_file", map[string]any{"path": taken, "content": content}, true)
		res := b.call("write_file", map[string]any{"path": alt, "content": content}, false)
		n, _ := res["size"].(float64)
		b.say("%s existed, so I saved the note as %s (%v bytes).", taken, alt, n)
		b.fact(numFact("size", n))
	},
}
