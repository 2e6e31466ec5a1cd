// Package signin signs a shopper in and brings along the cart they filled
// as a visitor: the policy of login, over accounts (auth) and carts (cart).
//
// Invariants:
//   - A guest cart token no server could have issued is refused before the
//     password is looked at: nothing happens and no attempt is counted.
//   - Once the password is right the login stands, whatever the merge
//     does. A merge that fails leaves the guest cart as it was, so
//     mergeCart can bring it over later; the failure is logged, never
//     shown as the login's error.
//   - The merge is cart.Store.Merge's: for a SKU in both carts the guest
//     line wins, and the guest cart is then gone.
package signin

import (
	"context"
	"log/slog"

	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/cart"
)

// Accounts checks a password and opens a login (auth.Service).
type Accounts interface {
	Login(ctx context.Context, account, password string, c auth.Origin) (*auth.Tokens, error)
}

// Carts moves a guest cart into a shopper's (cart.Store).
type Carts interface {
	Merge(ctx context.Context, guestToken string, userID int) (dropped []int, err error)
}

// Service signs shoppers in.
type Service struct {
	accounts Accounts
	carts    Carts
	log      *slog.Logger
}

// New returns the sign-in service.
func New(accounts Accounts, carts Carts, log *slog.Logger) *Service {
	return &Service{accounts: accounts, carts: carts, log: log}
}

// Login signs in with account (a username or a mobile number) and password
// for client c. guestCart, when not nil, is the visitor's guest cart token:
// its lines join the shopper's cart.
func (s *Service) Login(ctx context.Context, account, password string, c auth.Origin, guestCart *string) (*auth.Tokens, error) {
	return s.With(ctx, guestCart, func(ctx context.Context) (*auth.Tokens, error) {
		return s.accounts.Login(ctx, account, password, c)
	})
}

// With signs in by open (a password, an SMS code, QQ) and brings the guest
// cart along as Login does. open may answer no tokens (QQ's first visit):
// then the guest cart stays for the login that follows.
func (s *Service) With(ctx context.Context, guestCart *string, open func(context.Context) (*auth.Tokens, error)) (*auth.Tokens, error) {
	if guestCart != nil {
		if err := cart.ValidateGuestToken(*guestCart); err != nil {
			return nil, err
		}
	}
	tokens, err := open(ctx)
	if err != nil || guestCart == nil || tokens == nil {
		return tokens, err
	}
	if _, err := s.carts.Merge(ctx, *guestCart, tokens.User.ID); err != nil {
		s.log.ErrorContext(ctx, "merging the guest cart at login", "err", err, "user", tokens.User.ID)
	}
	return tokens, nil
}
