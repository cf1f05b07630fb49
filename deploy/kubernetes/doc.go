// Package kubernetes holds dojo's Kubernetes manifests (serve.yaml: a
// Deployment, Service and HorizontalPodAutoscaler for dojo serve --listen;
// bench.yaml and bench-merge.yaml: a benchmark as an Indexed Job of shards
// and its merge) and their tests, which decode every manifest strictly into
// the Kubernetes API types (an unknown or misplaced field is an error) and
// check what dojo needs of them: probes on /health at the served port, the
// token from a Secret, a user other than root, one image, memory sized for
// --max-sessions, shards and merge agreeing, and arguments that are real
// dojo commands and flags.
package kubernetes
