# meshwiz — the two commands a newcomer needs are `make demo` and `make test`.

# cgo off (a static binary; hack/test.sh and hack/demo.sh build the same way,
# so they share one build cache).
export CGO_ENABLED := 0

.PHONY: demo test build sandbox sandbox-down sandbox-status testbed-bin bench clean

## demo: start 3 loopback sandbox clusters (if needed) and open meshwiz on them
demo:
	@hack/demo.sh

## test: build/reuse the test-bed binaries, then gofmt, go vet and go test ./... against real apiservers (-race except the Helm-install packages)
test:
	@hack/test.sh

## build: build bin/meshwiz
build:
	go build -o bin/meshwiz ./cmd/meshwiz

## sandbox: start the sandbox clusters in the background and print the KUBECONFIG to export
sandbox:
	@go run ./hack/sandbox up --bin "$$(hack/testbed/build.sh | tail -n 1)" --istiod-bin "$$(hack/testbed/build-istiod.sh | tail -n 1)"

## sandbox-down: stop the sandbox clusters
sandbox-down:
	@go run ./hack/sandbox down

sandbox-status:
	@go run ./hack/sandbox status

## testbed-bin: build (or reuse) the test-bed binaries and print their directory
testbed-bin:
	@hack/testbed/build.sh

clean:
	rm -rf bin
