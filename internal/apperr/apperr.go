// Package apperr defines the errors the API shows to clients: each carries a
// stable UPPER_SNAKE code that the GraphQL error presenter puts in
// extensions.code. Anything that does not carry a code is an internal error
// and is shown as INTERNAL without its text.
package apperr

import (
	"errors"
	"fmt"
)

// The codes clients can rely on.
const (
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeForbidden         = "FORBIDDEN"
	CodeNotFound          = "NOT_FOUND"
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeBadRequest        = "BAD_REQUEST"
	CodeCartEmpty         = "CART_EMPTY"
	CodeCartFull          = "CART_FULL"
	CodeInsufficientStock = "INSUFFICIENT_STOCK"
	CodeSKUUnavailable    = "SKU_UNAVAILABLE"
	CodeOrderState        = "ORDER_STATE"
	CodePaymentFailed     = "PAYMENT_FAILED"
	CodeRateLimited       = "RATE_LIMITED"
	CodeDepthLimit        = "DEPTH_LIMIT_EXCEEDED"
	// HTTP-level refusals of /graphql, before any document is read.
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeRequestTooLarge      = "REQUEST_TOO_LARGE"
	CodeComplexityLimit      = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeFieldLimit           = "FIELD_LIMIT_EXCEEDED" // costly fields over their per-request budget
	CodeInternal             = "INTERNAL"
)

// Coded is implemented by every error a client may see as is. Domain
// packages may declare their own typed errors that implement it.
type Coded interface {
	error
	Code() string
	// Extensions are extra fields for extensions (besides code); may be nil.
	Extensions() map[string]any
}

// Error is a plain coded error.
type Error struct {
	code    string
	message string
	ext     map[string]any
}

func (e *Error) Error() string              { return e.message }
func (e *Error) Code() string               { return e.code }
func (e *Error) Extensions() map[string]any { return e.ext }

// New returns an error with the given code and client-facing message.
func New(code, format string, args ...any) *Error {
	return &Error{code: code, message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying an extra extensions field.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.ext = make(map[string]any, len(e.ext)+1)
	for k, v := range e.ext {
		c.ext[k] = v
	}
	c.ext[key] = value
	return &c
}

// Is makes errors.Is match any error of the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.code == e.code && t.message == ""
}

// Sentinels for errors.Is checks: apperr.Is(err, CodeNotFound) reads better
// in tests, but these let domain code compare without a string.
var (
	ErrNotFound        = &Error{code: CodeNotFound}
	ErrBadUserInput    = &Error{code: CodeBadUserInput}
	ErrUnauthenticated = &Error{code: CodeUnauthenticated}
)

// NotFound says that what was asked for does not exist, or is not the
// caller's to see: the two are never told apart.
func NotFound(what string) *Error { return New(CodeNotFound, "%s not found", what) }

// BadInput says what is wrong with an argument.
func BadInput(format string, args ...any) *Error {
	return New(CodeBadUserInput, format, args...)
}

// Unauthenticated is for operations that need a signed-in shopper.
func Unauthenticated() *Error {
	return New(CodeUnauthenticated, "sign in to do this")
}

// CodeOf returns the code of the first coded error in err's chain, or "".
func CodeOf(err error) string {
	var c Coded
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}
