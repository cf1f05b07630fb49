package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// objects are the decoded manifests of one file, by kind.
type objects struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	jobs        []*batchv1.Job
	pvcs        []*corev1.PersistentVolumeClaim
}

// decoder decodes YAML the way the API server does with strict field
// validation: unknown fields, fields in the wrong case and duplicate fields
// are errors.
var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, corev1.AddToScheme, autoscalingv2.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme, kjson.SerializerOptions{Yaml: true, Strict: true})
}()

// decodeStrict decodes one YAML document into its API type.
func decodeStrict(doc []byte) (runtime.Object, error) {
	obj, _, err := decoder.Decode(doc, nil, nil)
	return obj, err
}

// load decodes every document of file strictly into its API type.
func load(t *testing.T, file string) objects {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var o objects
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		obj, err := decodeStrict([]byte(doc))
		if err != nil {
			t.Fatalf("%s, document %d: %v", file, i, err)
		}
		switch obj := obj.(type) {
		case *appsv1.Deployment:
			o.deployments = append(o.deployments, obj)
		case *corev1.Service:
			o.services = append(o.services, obj)
		case *autoscalingv2.HorizontalPodAutoscaler:
			o.hpas = append(o.hpas, obj)
		case *batchv1.Job:
			o.jobs = append(o.jobs, obj)
		case *corev1.PersistentVolumeClaim:
			o.pvcs = append(o.pvcs, obj)
		default:
			t.Fatalf("%s, document %d: unexpected %T", file, i, obj)
		}
	}
	return o
}

func stripComments(doc string) string {
	var keep []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestStrictDecodingRejectsUnknownFields makes sure the decoder the other
// tests use would catch a misspelt or misplaced field.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	good := "apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: 8000\n      targetPort: http\n"
	if _, err := decodeStrict([]byte(good)); err != nil {
		t.Fatalf("a good Service: %v", err)
	}
	for _, doc := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n",
		"apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: 8000\n      targetport: http\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  completions: 2\n  completions: 3\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          probe: {}\n",
		"apiVersion: batch/v1\nkind: Jobs\n",
	} {
		if _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("decoded without error:\n%s", doc)
		}
	}
}

var dojoBin string

// dojoHelp runs `dojo ARGS... -h` (built from the repository once) and
// returns the flags it lists; ok is false when this build has no such
// command.
func dojoHelp(t *testing.T, args ...string) (flags []string, ok bool) {
	t.Helper()
	if dojoBin == "" {
		dir, err := os.MkdirTemp("", "dojo-k8s-test")
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "dojo")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/dojo")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building dojo: %v\n%s", err, out)
		}
		dojoBin = bin
	}
	var out bytes.Buffer
	cmd := exec.Command(dojoBin, append(slices.Clone(args), "-h")...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // -h exits 0 or 2 depending on the command; the text is what counts
	if strings.Contains(out.String(), "unknown") && !strings.Contains(out.String(), "usage: dojo") {
		return nil, false
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`).FindAllStringSubmatch(out.String(), -1) {
		flags = append(flags, m[1])
	}
	if len(flags) == 0 {
		t.Fatalf("dojo %s -h listed no flags:\n%s", strings.Join(args, " "), out.String())
	}
	return flags, true
}

// checkFlags checks that every --flag in args is one `dojo CMD -h` lists,
// where CMD is args' first n words.
func checkFlags(t *testing.T, args []string, n int) {
	t.Helper()
	known, ok := dojoHelp(t, args[:n]...)
	if !ok {
		t.Skipf("this build of dojo has no %q command: its flags are not checked here", strings.Join(args[:n], " "))
	}
	for _, a := range args[n:] {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if !slices.Contains(known, name) {
				t.Errorf("dojo %s has no flag --%s (it has %v)", strings.Join(args[:n], " "), name, known)
			}
		}
	}
}

// flagValue is the value of --name in args.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// checkPod checks what every dojo pod needs: a user other than root, no
// privilege escalation, a writable /tmp when the root is read-only, and
// the image.
func checkPod(t *testing.T, what string, spec corev1.PodSpec) *corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", what, len(spec.Containers))
	}
	c := &spec.Containers[0]
	psc, csc := spec.SecurityContext, c.SecurityContext
	nonRoot := (psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot) || (csc != nil && csc.RunAsNonRoot != nil && *csc.RunAsNonRoot)
	if !nonRoot {
		t.Errorf("%s: runAsNonRoot is not set", what)
	}
	for _, uid := range []*int64{podUser(psc), containerUser(csc)} {
		if uid != nil && *uid == 0 {
			t.Errorf("%s: runs as uid 0", what)
		}
	}
	if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation is not false", what)
	}
	if csc != nil && csc.ReadOnlyRootFilesystem != nil && *csc.ReadOnlyRootFilesystem {
		if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
			t.Errorf("%s: read-only root filesystem without a volume at /tmp", what)
		}
	}
	if repo := imageRepo(c.Image); repo != "dojo" {
		t.Errorf("%s: image %q, want the dojo image (REGISTRY/dojo:TAG)", what, c.Image)
	}
	if len(c.Command) != 0 {
		t.Errorf("%s: command %q replaces the image's entrypoint /dojo; give args only", what, c.Command)
	}
	return c
}

func podUser(sc *corev1.PodSecurityContext) *int64 {
	if sc == nil {
		return nil
	}
	return sc.RunAsUser
}

func containerUser(sc *corev1.SecurityContext) *int64 {
	if sc == nil {
		return nil
	}
	return sc.RunAsUser
}

// imageRepo is the last path element of an image reference, without tag
// or digest.
func imageRepo(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, "/"); i >= 0 {
		image = image[i+1:]
	}
	image, _, _ = strings.Cut(image, ":")
	return image
}

// portNumber resolves a probe's or Service's port (a number or a name of
// the container's ports).
func portNumber(t *testing.T, p intstr.IntOrString, c *corev1.Container) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	t.Fatalf("port %q is not a port of container %s", p.StrVal, c.Name)
	return 0
}

func TestServe(t *testing.T) {
	o := load(t, "serve.yaml")
	if len(o.deployments) != 1 || len(o.services) != 1 || len(o.hpas) != 1 {
		t.Fatalf("serve.yaml: %d Deployments, %d Services, %d HPAs; want 1 each", len(o.deployments), len(o.services), len(o.hpas))
	}
	d, svc, hpa := o.deployments[0], o.services[0], o.hpas[0]
	c := checkPod(t, "Deployment "+d.Name, d.Spec.Template.Spec)

	// dojo serve --listen on every address at the container's port.
	if len(c.Args) < 3 || c.Args[0] != "serve" {
		t.Fatalf("args %q: want serve --listen ...", c.Args)
	}
	listen, ok := flagValue(c.Args, "listen")
	if !ok {
		t.Fatalf("args %q: no --listen", c.Args)
	}
	host, port, ok := strings.Cut(listen, ":")
	if !ok || (host != "0.0.0.0" && host != "[::]") {
		t.Errorf("--listen %s: a host-less or loopback address is unreachable from other pods; want 0.0.0.0:PORT", listen)
	}
	listenPort, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("--listen %s: %v", listen, err)
	}
	if len(c.Ports) != 1 || int(c.Ports[0].ContainerPort) != listenPort {
		t.Errorf("container ports %+v, want the --listen port %d", c.Ports, listenPort)
	}
	t.Run("flags", func(t *testing.T) { checkFlags(t, c.Args, 1) })

	// The token from a Secret, never a literal.
	var token *corev1.EnvVar
	for i, e := range c.Env {
		if e.Name == "DOJO_TOKEN" {
			token = &c.Env[i]
		}
	}
	if _, ok := flagValue(c.Args, "token"); ok {
		t.Errorf("args %q carry the token: take it from a Secret as DOJO_TOKEN", c.Args)
	}
	if token == nil || token.Value != "" || token.ValueFrom == nil || token.ValueFrom.SecretKeyRef == nil || token.ValueFrom.SecretKeyRef.Name == "" {
		t.Errorf("DOJO_TOKEN %+v: want it from a Secret (valueFrom.secretKeyRef)", token)
	}

	// Probes on /health at the served port.
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe %+v: want an HTTP GET of /health", name, p)
			continue
		}
		if p.HTTPGet.Path != "/health" {
			t.Errorf("%s probe path %q, want /health (the only route open without the token)", name, p.HTTPGet.Path)
		}
		if got := portNumber(t, p.HTTPGet.Port, c); int(got) != listenPort {
			t.Errorf("%s probe port %d, want the --listen port %d", name, got, listenPort)
		}
	}

	// The Service selects the pods and reaches the served port.
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not match the pod labels %v", k, v, d.Spec.Template.Labels)
		}
	}
	if len(svc.Spec.Selector) == 0 || len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service %+v: want a selector and one port", svc.Spec)
	}
	if got := portNumber(t, svc.Spec.Ports[0].TargetPort, c); int(got) != listenPort {
		t.Errorf("Service targetPort %d, want the --listen port %d", got, listenPort)
	}
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HPA scales %s %s, want Deployment %s", ref.Kind, ref.Name, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 1 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("HPA replicas %v..%d", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}

	// Memory sized for --max-sessions: 32 MiB + 72 KiB a session (the
	// rule in serve.yaml, from the measured memory per session).
	ms, ok := flagValue(c.Args, "max-sessions")
	if !ok {
		t.Fatalf("args %q: no --max-sessions, so the memory request bounds nothing", c.Args)
	}
	sessions, err := strconv.Atoi(ms)
	if err != nil || sessions < 1 {
		t.Fatalf("--max-sessions %q", ms)
	}
	need := resource.NewQuantity(32<<20+int64(sessions)*72<<10, resource.BinarySI)
	req, lim := c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory]
	if req.Cmp(*need) < 0 {
		t.Errorf("memory request %s is below %s, 32 MiB + 72 KiB x %d sessions", req.String(), need.String(), sessions)
	}
	if lim.IsZero() || lim.Cmp(req) < 0 {
		t.Errorf("memory limit %s: want one at least the request %s", lim.String(), req.String())
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
		t.Errorf("no CPU request")
	}
}

func TestBenchJobs(t *testing.T) {
	o := load(t, "bench.yaml")
	m := load(t, "bench-merge.yaml")
	if len(o.jobs) != 1 || len(o.pvcs) != 1 || len(m.jobs) != 1 {
		t.Fatalf("bench.yaml: %d Jobs, %d claims; bench-merge.yaml: %d Jobs; want 1, 1, 1", len(o.jobs), len(o.pvcs), len(m.jobs))
	}
	job, merge, pvc := o.jobs[0], m.jobs[0], o.pvcs[0]
	if job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode %v, want Indexed", job.Spec.CompletionMode)
	}
	if job.Spec.Completions == nil || *job.Spec.Completions < 1 {
		t.Fatalf("completions %v", job.Spec.Completions)
	}
	n := int(*job.Spec.Completions)
	if p := job.Spec.Parallelism; p != nil && (*p < 1 || int(*p) > n) {
		t.Errorf("parallelism %d, want 1..%d", *p, n)
	}
	if rp := job.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q", rp)
	}
	c := checkPod(t, "Job "+job.Name, job.Spec.Template.Spec)
	mc := checkPod(t, "Job "+merge.Name, merge.Spec.Template.Spec)
	if c.Image != mc.Image {
		t.Errorf("the shards run %s, the merge %s", c.Image, mc.Image)
	}

	// Each shard: dojo bench run SUITE --agent A --out /results/shard-$(JOB_COMPLETION_INDEX),
	// with DOJO_SHARDS = completions.
	if len(c.Args) < 3 || c.Args[0] != "bench" || c.Args[1] != "run" || strings.HasPrefix(c.Args[2], "-") {
		t.Fatalf("shard args %q: want bench run SUITE ...", c.Args)
	}
	if _, ok := flagValue(c.Args, "agent"); !ok {
		t.Errorf("shard args %q: no --agent", c.Args)
	}
	out, ok := flagValue(c.Args, "out")
	if !ok || !strings.Contains(out, "$(JOB_COMPLETION_INDEX)") {
		t.Fatalf("shard --out %q: want a directory per shard, named with $(JOB_COMPLETION_INDEX)", out)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if e := env["DOJO_SHARDS"]; e.Value != strconv.Itoa(n) {
		t.Errorf("DOJO_SHARDS %q, want the completions, %d", e.Value, n)
	}
	if e, ok := env["JOB_COMPLETION_INDEX"]; ok && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
		e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']") {
		t.Errorf("JOB_COMPLETION_INDEX %+v: want the job-completion-index annotation", e)
	}
	t.Run("suite", func(t *testing.T) {
		known, ok := dojoHelp(t, "bench", "list")
		_ = known
		if !ok {
			t.Fatal("no dojo bench list")
		}
		var buf bytes.Buffer
		cmd := exec.Command(dojoBin, "bench", "list")
		cmd.Stdout = &buf
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.Args[2]) + `\s`).MatchString(buf.String()) {
			t.Errorf("suite %q is not one of dojo bench list:\n%s", c.Args[2], buf.String())
		}
	})
	t.Run("run-flags", func(t *testing.T) { checkFlags(t, c.Args, 2) })

	// The merge reads every shard's directory, each once, and nothing else.
	if len(mc.Args) < 4 || mc.Args[0] != "bench" || mc.Args[1] != "merge" {
		t.Fatalf("merge args %q: want bench merge --out DIR SHARD...", mc.Args)
	}
	mergedOut, ok := flagValue(mc.Args, "out")
	if !ok {
		t.Errorf("merge args %q: no --out", mc.Args)
	}
	var shards []string
	for i := 2; i < len(mc.Args); i++ {
		if strings.HasPrefix(mc.Args[i], "--") {
			if !strings.Contains(mc.Args[i], "=") {
				i++
			}
			continue
		}
		shards = append(shards, mc.Args[i])
	}
	var want []string
	for i := range n {
		want = append(want, strings.ReplaceAll(out, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
	}
	if !slices.Equal(shards, want) {
		t.Errorf("merge reads %q, want the %d shards' directories %q", shards, n, want)
	}
	if slices.Contains(want, mergedOut) {
		t.Errorf("merge --out %s is a shard's directory", mergedOut)
	}
	t.Run("merge-flags", func(t *testing.T) { checkFlags(t, mc.Args, 2) })

	// Shards and merge share the results volume, mounted where the paths
	// point.
	for _, p := range []struct {
		what string
		spec corev1.PodSpec
		c    *corev1.Container
		path string
	}{{"shards", job.Spec.Template.Spec, c, out}, {"merge", merge.Spec.Template.Spec, mc, mergedOut}} {
		claim := ""
		for _, v := range p.spec.Volumes {
			for _, vm := range p.c.VolumeMounts {
				if vm.Name == v.Name && strings.HasPrefix(p.path, vm.MountPath+"/") && v.PersistentVolumeClaim != nil {
					claim = v.PersistentVolumeClaim.ClaimName
				}
			}
		}
		if claim != pvc.Name {
			t.Errorf("%s: %s is on claim %q, want %q", p.what, p.path, claim, pvc.Name)
		}
	}
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("claim %s access modes %v: pods on several nodes write it, want ReadWriteMany", pvc.Name, pvc.Spec.AccessModes)
	}
}

// TestOneImage checks that every manifest runs the same image.
func TestOneImage(t *testing.T) {
	images := map[string][]string{}
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		o := load(t, f)
		var specs []corev1.PodSpec
		for _, d := range o.deployments {
			specs = append(specs, d.Spec.Template.Spec)
		}
		for _, j := range o.jobs {
			specs = append(specs, j.Spec.Template.Spec)
		}
		for _, s := range specs {
			for _, c := range s.Containers {
				images[c.Image] = append(images[c.Image], fmt.Sprintf("%s %s", f, c.Name))
			}
		}
	}
	if len(images) != 1 {
		t.Errorf("images %v: want one", images)
	}
}
