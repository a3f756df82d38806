// Package traces is the one trace model of the questions service: the X-Ray
// segment document, trace summaries and the service graph, with the X-Ray
// API's own JSON shapes, so the local stack and AWS are read the same way.
//
// It computes graphs and summaries from segment documents the way X-Ray does
// (Graph, Summarize), evaluates the subset of the filter expression language
// the local console supports (ParseFilter), keeps the newest traces the local
// daemon receives (Store: with the stage and fault settings each ran under,
// RecordSettings, and across restarts in the state folder, OpenStore),
// serves them over HTTP (Handler) and prints each
// finished one as the local stack's console line (TraceLine). Source is what
// cmd/traces reads from: the local console API (LocalSource) or the X-Ray API
// (AWSSource). Triage turns a graph, summaries and full traces into a short
// answer: what fails, how often, how slowly, where and whether the question
// was stored.
package traces
