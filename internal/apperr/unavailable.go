package apperr

// CodeUnavailable says a dependency (the database, Redis) did not answer in
// time or refused the work for now; nothing definite was decided, and the
// same request may be sent again (with the same idempotency key).
const CodeUnavailable = "UNAVAILABLE"

// Unavailable is the error of CodeUnavailable, marked retryable for clients.
func Unavailable() *Error {
	return New(CodeUnavailable, "the service is briefly unavailable; send the request again").With("retryable", true)
}
