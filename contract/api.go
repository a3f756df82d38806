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
