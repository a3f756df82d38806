package components

import "github.com/mysfits/mysfits-questions/internal/lambdabuild"

// The functions' builder is internal/lambdabuild (no Pulumi code, so local
// tools build with the same rules); these names are the component's API.
type (
	// Builder turns a Go main package into a Bundle; TracedGoFunction takes
	// one so a test binary can build each package once.
	Builder = lambdabuild.Builder
	// Bundle is a function's deployment package.
	Bundle = lambdabuild.Bundle
	// GoBuilder builds from this module's source wherever the component is
	// used, reproducibly (see lambdabuild.GoBuilder).
	GoBuilder = lambdabuild.GoBuilder
)

// ModulePath is the module the functions are built from.
const ModulePath = lambdabuild.ModulePath

// bootstrapName is the function's handler: the executable in the zip.
const bootstrapName = lambdabuild.BootstrapName
