package apperr

// Unavailable says the request could not be finished because the database
// or Redis could not be reached or did not answer in time; whether what was
// asked happened is not known here. extensions.retryable tells clients to
// try again: an idempotent call (placeOrder with the same key) answers with
// what the first one did. Cause is for the logs; clients see a fixed
// message.
type Unavailable struct {
	Cause error
}

func (e Unavailable) Error() string              { return "the shop cannot answer right now; try again" }
func (e Unavailable) Code() string               { return CodeUnavailable }
func (e Unavailable) Extensions() map[string]any { return map[string]any{"retryable": true} }
func (e Unavailable) Unwrap() error              { return e.Cause }

var _ Coded = Unavailable{}
