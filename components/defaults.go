package components

// The defaults of the service's deploy settings that are not tracing
// settings (those are contract.DefaultTracing). The Go program's
// configuration (main.go, with Pulumi.yaml declaring the same) and the
// multi-language provider's inputs both apply these.
const (
	DefaultThrottleRateLimit  = 10 // requests per second
	DefaultThrottleBurstLimit = 20
	DefaultLogRetentionDays   = 14
)
