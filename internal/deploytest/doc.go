// Package deploytest tests the deployment files under deploy/ against the
// engines they are written for, when those are installed: the release
// container image built and run under Docker, the nginx config in front of
// dojo serve --listen replicas, and the online Dockerfile's build command
// against the Makefile's. Tests skip, saying why, when Docker or nginx is
// absent. (The Kubernetes manifests are tested in deploy/, a module of its
// own, so that this one does not depend on the Kubernetes API types.)
//
// The package has no code besides its tests and the helpers they share.
package deploytest
