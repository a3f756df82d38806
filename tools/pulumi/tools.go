//go:build tools

// Package tools pins the Pulumi CLI the engine tests run (make test-engine).
// `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v3.274.1` is refused
// because pkg/v3's go.mod has replace directives; a module of our own that
// requires pkg/v3 builds ./cmd/pulumi from the module cache instead.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
