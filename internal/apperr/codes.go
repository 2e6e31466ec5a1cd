package apperr

// The codes clients can rely on, each in extensions.code, and nothing else:
// a code a client sees is one of these, and each is listed with its meaning
// in the README's Errors table (TestCodesAreTheDocumentedOnes keeps the two
// the same). They never change once shipped.
const (
	// Request errors: the document did not run.

	// CodeBadRequest: the HTTP request is not a GraphQL request.
	CodeBadRequest = "BAD_REQUEST"
	// CodeMethodNotAllowed: a mutation over GET, or a method other than
	// GET, POST and OPTIONS.
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// CodeUnsupportedMediaType: a POST body that is not JSON in UTF-8.
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// CodeRequestTooLarge: a body over the server's limit.
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
	// CodeParseFailed: the document is not GraphQL. gqlgen sets it
	// (errcode.ParseFailed); the same text here lets clients and tests
	// name it without importing gqlgen.
	CodeParseFailed = "GRAPHQL_PARSE_FAILED"
	// CodeValidationFailed: the document does not fit the schema
	// (gqlgen's errcode.ValidationFailed).
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	// CodePersistedQueryNotFound: an automatic persisted query's hash
	// this instance has not seen (set by gqlgen's APQ extension).
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// CodeDepthLimit, CodeComplexityLimit and CodeFieldLimit: the
	// document asks for more than one request may.
	CodeDepthLimit      = "DEPTH_LIMIT_EXCEEDED"
	CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeFieldLimit      = "FIELD_LIMIT_EXCEEDED" // costly fields over their per-request budget

	// Field errors: the document ran and a field failed.

	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeForbidden         = "FORBIDDEN"
	CodeNotFound          = "NOT_FOUND"
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeCartEmpty         = "CART_EMPTY"
	CodeCartFull          = "CART_FULL"
	CodeInsufficientStock = "INSUFFICIENT_STOCK"
	CodeSKUUnavailable    = "SKU_UNAVAILABLE"
	// CodePurchaseLimit and CodeUnpaidLimit keep one shopper from tying
	// up stock.
	CodePurchaseLimit = "PURCHASE_LIMIT"
	CodeUnpaidLimit   = "UNPAID_LIMIT"
	CodeOrderState    = "ORDER_STATE"
	CodePaymentFailed = "PAYMENT_FAILED"
	CodeRateLimited   = "RATE_LIMITED"
	// CodeNotConfigured: the shop does not offer this (no QQ app, no mail
	// server configured); asking again will not help.
	CodeNotConfigured = "NOT_CONFIGURED"
	// CodeUnavailable says the database or Redis did not answer, so the
	// outcome is unknown: a retry is the answer, never a refusal.
	CodeUnavailable = "UNAVAILABLE"
	CodeInternal    = "INTERNAL"
)

// Reasons tell apart errors of one code, in extensions.reason.
const (
	// ReasonTaken: register's username or mobile belongs to an account
	// (BAD_USER_INPUT).
	ReasonTaken = "TAKEN"
	// ReasonBusy: the server has no room to hash a password now, rather
	// than a throttle on the caller (RATE_LIMITED).
	ReasonBusy = "BUSY"
	// ReasonLimit: the address book is full (BAD_USER_INPUT).
	ReasonLimit = "LIMIT"
	// ReasonExpired and ReasonUsed: an email link, state or token that
	// was good once (BAD_USER_INPUT); a new one is the answer, not a retry.
	ReasonExpired = "EXPIRED"
	ReasonUsed    = "USED"
)
