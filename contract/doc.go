// Package contract is what the deploy (the Pulumi component), the runtime
// (the Lambda handlers) and the local stack agree on: the functions'
// environment variables and how each function's environment and timeout are
// made from the settings, the tracing stage, fault settings and
// instrumentation (the X-Ray SDK or OpenTelemetry, with each function's
// build and X-Ray's OTLP endpoint) with their defaults and their one
// validation, the API's stage name, resource path, request model and CORS
// answer, API Gateway's timeout, the table's key and the stream mapping, the failure store, the operations alarms with their
// thresholds, the X-Ray sampling rule, and the stack outputs the redrive
// command reads. Each rule is written here once; the component and the
// local stack call the same functions, so they cannot drift.
//
// It imports nothing of the project but the questions domain, and no
// Pulumi or AWS SDK code.
package contract
