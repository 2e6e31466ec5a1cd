package signin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/signin"
)

// accounts knows one shopper, id 7, whose password is "right".
type accounts struct{ tried int }

var errWrong = apperr.New(apperr.CodeUnauthenticated, "wrong account or password")

func (a *accounts) Login(_ context.Context, account, password string, _ auth.Origin) (*auth.Tokens, error) {
	a.tried++
	if account != "alice_01" || password != "right" {
		return nil, errWrong
	}
	return &auth.Tokens{AccessToken: "access", User: &ent.User{ID: 7}}, nil
}

// carts records merges and fails them when told to.
type carts struct {
	merged []string
	fail   error
}

func (c *carts) Merge(_ context.Context, guestToken string, userID int) ([]int, error) {
	if c.fail != nil {
		return nil, c.fail
	}
	c.merged = append(c.merged, fmt.Sprintf("%s into %d", guestToken, userID))
	return nil, nil
}

func setup(t *testing.T) (*signin.Service, *accounts, *carts, *bytes.Buffer, string) {
	t.Helper()
	a, c, logs := &accounts{}, &carts{}, &bytes.Buffer{}
	tok, err := cart.NewGuestToken()
	if err != nil {
		t.Fatal(err)
	}
	return signin.New(a, c, slog.New(slog.NewTextHandler(logs, nil))), a, c, logs, tok
}

func TestAVisitorWhoSignsInKeepsTheGuestCart(t *testing.T) {
	s, _, c, _, guest := setup(t)
	tokens, err := s.Login(context.Background(), "alice_01", "right", auth.Origin{}, &guest)
	if err != nil || tokens.AccessToken != "access" {
		t.Fatalf("Login = %+v, %v", tokens, err)
	}
	if len(c.merged) != 1 || c.merged[0] != guest+" into 7" {
		t.Fatalf("merges = %q, want the guest cart into shopper 7", c.merged)
	}
}

func TestSigningInWithoutAGuestCartMergesNothing(t *testing.T) {
	s, _, c, _, _ := setup(t)
	if _, err := s.Login(context.Background(), "alice_01", "right", auth.Origin{}, nil); err != nil {
		t.Fatal(err)
	}
	if len(c.merged) != 0 {
		t.Fatalf("merges = %q", c.merged)
	}
}

func TestAWrongPasswordMergesNothing(t *testing.T) {
	s, _, c, _, guest := setup(t)
	if _, err := s.Login(context.Background(), "alice_01", "guess", auth.Origin{}, &guest); !errors.Is(err, errWrong) {
		t.Fatalf("Login = %v, want the accounts' refusal as is", err)
	}
	if len(c.merged) != 0 {
		t.Fatalf("a refused login merged %q", c.merged)
	}
}

func TestAMalformedGuestTokenIsRefusedBeforeThePassword(t *testing.T) {
	s, a, c, _, _ := setup(t)
	bad := "not-a-token"
	_, err := s.Login(context.Background(), "alice_01", "right", auth.Origin{}, &bad)
	if apperr.CodeOf(err) != apperr.CodeBadUserInput {
		t.Fatalf("Login = %v, want BAD_USER_INPUT", err)
	}
	if a.tried != 0 || len(c.merged) != 0 {
		t.Fatalf("the password was tried %d times, merges %q", a.tried, c.merged)
	}
}

func TestTheLoginStandsWhenTheMergeFails(t *testing.T) {
	s, _, c, logs, guest := setup(t)
	c.fail = errors.New("redis: connection refused")
	tokens, err := s.Login(context.Background(), "alice_01", "right", auth.Origin{}, &guest)
	if err != nil || tokens == nil || tokens.User.ID != 7 {
		t.Fatalf("Login = %+v, %v; want the login despite the merge", tokens, err)
	}
	if !strings.Contains(logs.String(), "merging the guest cart at login") || !strings.Contains(logs.String(), "connection refused") {
		t.Fatalf("the failed merge was not logged: %q", logs.String())
	}
}
