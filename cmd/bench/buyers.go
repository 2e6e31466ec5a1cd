package main

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/storefront/storefront/internal/gid"
)

// buyer is a registered, signed-in shopper with one address.
type buyer struct {
	Username  string
	UserID    int
	Token     string
	AddressID string // GraphQL id
}

const (
	registerDoc = `mutation($in: RegisterInput!) { register(input: $in) { id } }`
	loginDoc    = `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`
	addressDoc  = `mutation($in: AddressInput!) { createAddress(input: $in) { id } }`
)

// registerBuyers signs up n shoppers through GraphQL, a few at a time.
func (e *env) registerBuyers(ctx context.Context, n int) error {
	e.buyers = make([]*buyer, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			b, err := e.registerBuyer(ctx, i)
			if err != nil {
				errs[i] = fmt.Errorf("registering buyer %d: %w", i, err)
				return
			}
			e.buyers[i] = b
		}()
	}
	wg.Wait()
	// One error says why; 128 copies of it would say nothing more.
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d buyers failed to register; the first: %w", failed, n, first)
	}
	return nil
}

func (e *env) registerBuyer(ctx context.Context, i int) (*buyer, error) {
	b := &buyer{Username: fmt.Sprintf("bench_%04d", i)}
	const password = "bench password"
	var reg struct{ Register struct{ ID string } }
	if _, err := e.client.do(ctx, "", registerDoc, map[string]any{"in": map[string]any{
		"username": b.Username, "password": password, "mobile": fmt.Sprintf("139%08d", i),
	}}, &reg); err != nil {
		return nil, err
	}
	id, err := gid.Decode(reg.Register.ID)
	if err != nil {
		return nil, err
	}
	b.UserID = id
	var login struct{ Login struct{ AccessToken string } }
	if _, err := e.client.do(ctx, "", loginDoc, map[string]any{"in": map[string]any{
		"account": b.Username, "password": password,
	}}, &login); err != nil {
		return nil, err
	}
	b.Token = login.Login.AccessToken
	var addr struct{ CreateAddress struct{ ID string } }
	if _, err := e.client.do(ctx, b.Token, addressDoc, map[string]any{"in": benchAddress}, &addr); err != nil {
		return nil, err
	}
	b.AddressID = addr.CreateAddress.ID
	return b, nil
}

// benchAddress is every buyer's address; raw SQL orders copy the same
// snapshot, so both kinds of order rows weigh the same.
var benchAddress = map[string]any{
	"receiver": "Bench Buyer", "mobile": "13812345678",
	"provinceCode": "330000", "cityCode": "330100", "districtCode": "330106", "detail": "文三路 90 号",
}

// benchAddressNames are the names the codes derive, which raw SQL orders
// copy.
var benchAddressNames = [3]string{"浙江省", "杭州市", "西湖区"}
