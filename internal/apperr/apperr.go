// Package apperr defines the errors the API shows to clients: each carries a
// stable UPPER_SNAKE code that the GraphQL error presenter puts in
// extensions.code. Anything that does not carry a code is an internal error
// and is shown as INTERNAL without its text.
//
// Every code a client can see is a constant of codes.go, spelled nowhere
// else, and documented in the README's Errors table; the tests hold all
// three together. Errors shared by several domains (the stock errors,
// CART_EMPTY, the purchase limits, UNAVAILABLE) are made here, so a client
// gets one error whichever operation refuses; an error about one input
// field is made by BadField, which names the field.
package apperr

import (
	"errors"
	"fmt"
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

// NotFound says that what was asked for does not exist, or is not the
// caller's to see: the two are never told apart.
func NotFound(what string) *Error { return New(CodeNotFound, "%s not found", what) }

// BadInput says what is wrong with an argument.
func BadInput(format string, args ...any) *Error {
	return New(CodeBadUserInput, format, args...)
}

// BadField says what is wrong with one input field, and names it in
// extensions.field so a form can point at it. Every error about a named
// field is made here.
func BadField(field, format string, args ...any) *Error {
	return BadInput(format, args...).With("field", field)
}

// Unauthenticated is for operations that need a signed-in shopper.
func Unauthenticated() *Error {
	return New(CodeUnauthenticated, "sign in to do this")
}

// CartEmpty says that no cart line is selected: checkoutPreview and
// placeOrder refuse the same way.
func CartEmpty() *Error { return New(CodeCartEmpty, "no items are selected in the cart") }

// CodeOf returns the code of the first coded error in err's chain, or "".
func CodeOf(err error) string {
	var c Coded
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

// ReasonOf returns extensions.reason of the first coded error in err's
// chain, or "".
func ReasonOf(err error) string {
	var c Coded
	if errors.As(err, &c) {
		r, _ := c.Extensions()["reason"].(string)
		return r
	}
	return ""
}
