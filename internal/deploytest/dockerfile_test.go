package deploytest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
	line int
}

// parseDockerfile reads path's instructions (comments and blank lines
// skipped, lines ending in a backslash joined with the next).
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out   []instruction
		cur   strings.Builder
		first int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if cur.Len() == 0 {
			first = n
		}
		if cont, ok := strings.CutSuffix(l, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(l)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), first})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// makeRecipe returns the commands of target in the Makefile at path, with
// $(VAR) replaced by the values given in vars.
func makeRecipe(t *testing.T, path, target string, vars map[string]string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recipe []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, target+":"):
			in = true
		case in && strings.HasPrefix(l, "\t"):
			c := strings.TrimSpace(l)
			for k, v := range vars {
				c = strings.ReplaceAll(c, "$("+k+")", v)
			}
			recipe = append(recipe, c)
		case in:
			in = false
		}
	}
	if len(recipe) == 0 {
		t.Fatalf("%s: no recipe for %s", path, target)
	}
	return recipe
}

// TestOnlineDockerfileBuildsLikeMake checks that the build stage of
// deploy/Dockerfile runs the command `make build` runs, and that both
// Dockerfiles (online and release) run `dojo serve --listen 0.0.0.0:8000`
// as a user other than root, with a health check by dojo health on
// /health, and carry the OCI version and source labels.
func TestOnlineDockerfileBuildsLikeMake(t *testing.T) {
	root := repoRoot(t)
	recipe := makeRecipe(t, filepath.Join(root, "Makefile"), "build", map[string]string{"GO": "go"})
	if len(recipe) != 1 || !strings.Contains(recipe[0], "go build") {
		t.Fatalf("make build runs %q, want one go build command", recipe)
	}
	online := parseDockerfile(t, filepath.Join(root, "deploy", "Dockerfile"))
	var builds []string
	stages := 0
	for _, in := range online {
		if in.cmd == "FROM" {
			stages++
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			builds = append(builds, in.args)
		}
	}
	if len(builds) != 1 {
		t.Fatalf("deploy/Dockerfile: %d RUN instructions with go build, want 1: %q", len(builds), builds)
	}
	if got, want := strings.Join(strings.Fields(builds[0]), " "), strings.Join(strings.Fields(recipe[0]), " "); got != want {
		t.Errorf("deploy/Dockerfile builds with\n\t%s\nmake build with\n\t%s", got, want)
	}
	if stages < 2 {
		t.Errorf("deploy/Dockerfile has %d stages, want a build stage and a final one", stages)
	}

	for _, name := range []string{"Dockerfile", "Dockerfile.release"} {
		t.Run(name, func(t *testing.T) {
			ins := parseDockerfile(t, filepath.Join(root, "deploy", name))
			// The final stage: from the last FROM on.
			last := 0
			for i, in := range ins {
				if in.cmd == "FROM" {
					last = i
				}
			}
			final := ins[last:]
			if base := final[0].args; base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
				t.Errorf("final stage FROM %s, want scratch or distroless/static", base)
			}
			got := map[string][]string{}
			for _, in := range final {
				got[in.cmd] = append(got[in.cmd], in.args)
			}
			user := got["USER"]
			if len(user) == 0 || regexp.MustCompile(`^(0|root)(:|$)`).MatchString(user[len(user)-1]) {
				t.Errorf("USER %q: want a user other than root", user)
			}
			if ep, cmd := got["ENTRYPOINT"], got["CMD"]; !slices.Equal(ep, []string{`["/dojo"]`}) ||
				!slices.Equal(cmd, []string{`["serve", "--listen", "0.0.0.0:8000"]`}) {
				t.Errorf("ENTRYPOINT %q CMD %q: want /dojo serve --listen 0.0.0.0:8000 (a host-less :8000 binds loopback only)", ep, cmd)
			}
			hc := strings.Join(got["HEALTHCHECK"], " ")
			if !strings.Contains(hc, `CMD ["/dojo", "health"`) || !strings.Contains(hc, "/health") {
				t.Errorf("HEALTHCHECK %q: want CMD [\"/dojo\", \"health\", ... /health]", hc)
			}
			labels := strings.Join(got["LABEL"], " ")
			for _, l := range []string{"org.opencontainers.image.version=", "org.opencontainers.image.source="} {
				if !strings.Contains(labels, l) {
					t.Errorf("no label %s...", l)
				}
			}
			copies := strings.Join(got["COPY"], " ")
			if !strings.Contains(copies, "/dojo") || !strings.Contains(copies, "rootfs/") {
				t.Errorf("COPY %q: want the binary at /dojo and rootfs/ (CA certificates, /tmp)", got["COPY"])
			}
		})
	}
}
