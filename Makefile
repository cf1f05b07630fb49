# dojo — common tasks. `make demo` runs the main job; `make test` runs the tests.
GO      ?= go
PKGS    ?= ./...
BENCH   ?= .
# Modules of their own under the checkout: checks whose heavy dependencies
# the main module does not take on (make test runs their tests too).
MODULES ?= deploy interop
COUNT   ?= 1
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE   ?= dojo:$(VERSION)

.PHONY: all build image demo test race short cover bench fuzz lint fmt nocgo clean viewer viewer-test

all: lint test

build:
	CGO_ENABLED=0 $(GO) build -o bin/dojo ./cmd/dojo

# The release container image (deploy/Dockerfile.release): bin/dojo on
# scratch, nothing pulled. deploy/Dockerfile builds from source instead.
image: build
	deploy/build-image.sh bin/dojo $(IMAGE) $(VERSION)

demo:
	$(GO) run ./cmd/dojo demo

# The test command CI runs: vet, then every test with the race detector
# (the race detector needs cgo and a C compiler; `make short` does without),
# and the tests of the deployment files (deploy/, a module of its own).
test: lint
	$(GO) test -race -count=1 $(PKGS)
	@for m in $(MODULES); do echo "go test ./... (module $$m)"; (cd $$m && $(GO) test -count=1 ./...) || exit 1; done

race: test

# Tests without the race detector, as on a machine without a C compiler.
short:
	CGO_ENABLED=0 $(GO) test -count=1 $(PKGS)

cover:
	$(GO) test -coverprofile=cover.out $(PKGS) && $(GO) tool cover -func=cover.out | tail -1

# Benchmarks; compare runs with benchstat (go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count=$(COUNT) $(PKGS)

# A short run of every fuzz target (go test runs one target at a time);
# FUZZTIME is a count of inputs (time limits stall on some VMs).
FUZZTIME ?= 20000x
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# gofmt, go vet, and a build without cgo (everything but the viewer must build so).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done
	CGO_ENABLED=0 $(GO) build $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

# The episode viewer (dojo watch, dojo run --watch): dojo-viewer beside dojo.
# It needs cgo and the X11 and OpenGL headers (Debian: gcc libx11-dev
# libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libgl1-mesa-dev
# libxxf86vm-dev).
viewer:
	$(GO) build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer

# The viewer's tests, in a real window: under xvfb-run when there is no
# display (CI installs Xvfb).
VIEWER_PKGS ?= ./render/viewer/... ./cmd/dojo-viewer/...
viewer-test:
	$(GO) vet -tags ebiten $(VIEWER_PKGS)
	@if [ -n "$$DISPLAY" ]; then \
		$(GO) test -tags ebiten -count=1 $(VIEWER_PKGS); \
	else \
		xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -tags ebiten -count=1 $(VIEWER_PKGS); \
	fi

clean:
	rm -rf bin cover.out
