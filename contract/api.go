package contract

// The REST API's names, part of the contract with the Mysfits site: the
// site POSTs to {questionsApiEndpoint}/questions, and the endpoint ends in
// /prod.
const (
	StageName    = "prod"
	PathPart     = "questions"
	ResourcePath = "/" + PathPart
)

// CORS answer for /questions.
const (
	CORSAllowMethods = "OPTIONS,POST"
	CORSAllowHeaders = "Content-Type"
	CORSMaxAge       = "600"
)

// CORSHeaders are the CORS headers of every answer to the site: the
// preflight (preflight: with how long a browser may cache it), the post
// function's answers and API Gateway's own error answers, deployed and
// local alike. A single origin varies the answer by Origin, so caches do
// not serve one origin's answer to another.
func CORSHeaders(origin string, preflight bool) map[string]string {
	h := map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Headers": CORSAllowHeaders,
		"Access-Control-Allow-Methods": CORSAllowMethods,
	}
	if origin != AnyOrigin {
		h["Vary"] = "Origin"
	}
	if preflight {
		h["Access-Control-Max-Age"] = CORSMaxAge
	}
	return h
}
