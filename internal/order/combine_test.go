package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
)

// These tests drive the order service directly on a real MariaDB and
// Redis, and hold a batch inside its transaction (just before its stock
// update) to line up exactly the queue they need.

// steps runs step i at the i-th transaction that reaches its stock update;
// later transactions run untouched.
func steps(fns ...func(ctx context.Context) error) order.Option {
	var calls atomic.Int64
	return order.WithFaultBeforeStock(func(ctx context.Context, _ *ent.Tx) error {
		n := int(calls.Add(1))
		if n > len(fns) {
			return nil
		}
		return fns[n-1](ctx)
	})
}

// queued waits until n calls wait behind the running batch of skuID.
func queued(t *testing.T, svc **order.Service, skuID, n int) func(context.Context) error {
	return func(context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for (*svc).Waiting(skuID) < n {
			if time.Now().After(deadline) {
				t.Errorf("%d calls queued for SKU %d, want %d", (*svc).Waiting(skuID), skuID, n)
				return errors.New("queue never filled")
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	}
}

// hotSKU is a launched SKU of the seeded catalog.
func hotSKU(t *testing.T, s *gqltest.Server) int {
	t.Helper()
	id, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true)).Order(ent.Asc(sku.FieldID)).FirstID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var userSeq atomic.Int64

// buyer creates a user with an address and count units of skuID in the
// cart, and returns the input of the order it will place.
func buyer(t *testing.T, s *gqltest.Server, skuID, count int) order.PlaceInput {
	t.Helper()
	ctx := t.Context()
	n := userSeq.Add(1)
	u, err := s.App.DB.Client.User.Create().
		SetUsername(fmt.Sprintf("buyer_%d", n)).SetMobile(fmt.Sprintf("137%08d", n)).SetPasswordHash("unused").
		Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.App.AddressBook.Create(ctx, u.ID, address.Input{
		Receiver: "买家", Mobile: "13812345678", ProvinceCode: "330000", CityCode: "330100", DistrictCode: "330106", Detail: "文三路 90 号",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Carts.Add(ctx, cart.User(u.ID), skuID, count); err != nil {
		t.Fatal(err)
	}
	return order.PlaceInput{UserID: u.ID, AddressID: a.ID, PayMethod: orderinfo.PayMethodCASH, IdempotencyKey: fmt.Sprint("key-", n)}
}

func setStock(t *testing.T, s *gqltest.Server, skuID, stock int) {
	t.Helper()
	if err := s.App.DB.Client.SKU.UpdateOneID(skuID).SetStock(stock).SetSales(0).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	order *ent.OrderInfo
	err   error
}

// placeAll places every order at once and returns the results in input
// order.
func placeAll(svc *order.Service, ins []order.PlaceInput) []result {
	out := make([]result, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() {
			o, err := svc.Place(context.Background(), in)
			out[i] = result{o, err}
		})
	}
	wg.Wait()
	return out
}

func TestOneSKUsConcurrentOrdersShareItsUnitsInOneTransaction(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	const buyers, stock = 100, 150
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{
		steps(func(ctx context.Context) error { return queued(t, &svc, skuID, buyers-1)(ctx) }),
	}}})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	ins := make([]order.PlaceInput, buyers)
	want := map[int]int{} // user -> units
	for i := range ins {
		ins[i] = buyer(t, s, skuID, i%3+1) // 199 units wanted in all
		want[ins[i].UserID] = i%3 + 1
	}
	setStock(t, s, skuID, stock)

	// Whoever comes first leads alone and is held until the other 99 queue:
	// the second batch is all of them.
	res := placeAll(svc, ins)

	ctx := t.Context()
	k, err := s.App.DB.Client.SKU.Get(ctx, skuID)
	if err != nil {
		t.Fatal(err)
	}
	placed, units := 0, 0
	for i, r := range res {
		var short apperr.InsufficientStock
		switch {
		case r.err == nil:
			placed++
			units += want[ins[i].UserID]
			if len(r.order.Edges.Lines) != 1 || r.order.Edges.Lines[0].Count != want[ins[i].UserID] ||
				r.order.TotalCount != want[ins[i].UserID] || r.order.UserID != ins[i].UserID {
				t.Errorf("buyer %d wanted %d units and got %+v", i, want[ins[i].UserID], r.order)
			}
		case errors.As(r.err, &short):
			// Units are shared out in arrival order, so whoever was
			// refused wanted more than ever remained.
			if want[ins[i].UserID] <= k.Stock {
				t.Errorf("buyer %d was refused %d units while %d remain", i, want[ins[i].UserID], k.Stock)
			}
		default:
			t.Errorf("buyer %d: %v", i, r.err)
		}
	}
	orders, _ := s.App.DB.Client.OrderInfo.Query().Count(ctx)
	lines, _ := s.App.DB.Client.OrderGoods.Query().Count(ctx)
	if k.Stock < 0 || k.Stock+units != stock || k.Sales != units || orders != placed || lines != placed {
		t.Fatalf("stock %d, sales %d, %d orders, %d lines; placed %d orders of %d units from %d", k.Stock, k.Sales, orders, lines, placed, units, stock)
	}
	st := svc.BatchStats()
	if st.Batches != 2 || st.Batched != int64(placed) || st.OwnTx != 0 {
		t.Fatalf("batch stats %+v; want 2 batches placing all %d orders", st, placed)
	}
	// The buyers who got an order have an empty cart; the others keep theirs.
	for i, r := range res {
		lines, err := s.App.Carts.Lines(ctx, cart.User(ins[i].UserID))
		if err != nil {
			t.Fatal(err)
		}
		if (r.err == nil) != (len(lines) == 0) {
			t.Fatalf("buyer %d (err %v) has %d cart lines", i, r.err, len(lines))
		}
	}
}

func TestABatchOutrunByAnotherInstanceFallsBackToOneTransactionPerOrder(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	var other *gqltest.Server
	var rival order.PlaceInput
	var rivalErr error
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{steps(
		// First batch: one order, held until four more queue.
		func(ctx context.Context) error { return queued(t, &svc, skuID, 4)(ctx) },
		// Second batch (four orders of 2 units, 8 of the 8 left): another
		// instance sells 5 units before its stock update.
		func(ctx context.Context) error {
			_, rivalErr = other.App.Orders.Place(ctx, rival)
			return nil
		},
	)}}})
	other = gqltest.StartOn(t, s.Config, app.Options{})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	ins := make([]order.PlaceInput, 5)
	for i := range ins {
		ins[i] = buyer(t, s, skuID, 2)
	}
	rival = buyer(t, s, skuID, 5)
	setStock(t, s, skuID, 10)

	res := placeAll(svc, ins)
	if rivalErr != nil {
		t.Fatalf("the other instance's order: %v", rivalErr)
	}
	// The second batch's update for 8 units finds 3: it rolls back, and
	// its four orders go one by one: one fits, three are refused with 1 left.
	placed, refused := 0, 0
	for i, r := range res {
		var short apperr.InsufficientStock
		switch {
		case r.err == nil:
			placed++
		case errors.As(r.err, &short) && short.Left == 1:
			refused++
		default:
			t.Errorf("order %d: %v", i, r.err)
		}
	}
	k, err := s.App.DB.Client.SKU.Get(t.Context(), skuID)
	if err != nil {
		t.Fatal(err)
	}
	orders, _ := s.App.DB.Client.OrderInfo.Query().Count(t.Context())
	if placed != 2 || refused != 3 || k.Stock != 1 || k.Sales != 9 || orders != 3 {
		t.Fatalf("%d placed, %d refused, stock %d, sales %d, %d orders; want 2, 3, 1, 9, 3", placed, refused, k.Stock, k.Sales, orders)
	}
	if st := svc.BatchStats(); st.Batches != 1 || st.OwnTx != 4 {
		t.Fatalf("batch stats %+v; want the first batch placed and four orders sent alone", st)
	}
}

func TestOneKeyTwiceInABatchGivesOneOrder(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{
		steps(func(ctx context.Context) error { return queued(t, &svc, skuID, 4)(ctx) }),
	}}})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	lead := buyer(t, s, skuID, 1)
	twice := buyer(t, s, skuID, 2)
	// One shopper's client fires the same checkout four times.
	res := placeAll(svc, []order.PlaceInput{lead, twice, twice, twice, twice})
	var id int
	for i, r := range res[1:] {
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
		if id == 0 {
			id = r.order.ID
		}
		if r.order.ID != id {
			t.Fatalf("one key gave orders %d and %d", id, r.order.ID)
		}
	}
	n, err := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.UserID(twice.UserID)).Count(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("%d orders for the key (%v)", n, err)
	}
}

func TestASKUTakenOffSaleMidBatchIsUnavailableToTheWholeQueue(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	var s *gqltest.Server
	s = gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{steps(
		func(ctx context.Context) error {
			if err := queued(t, &svc, skuID, 3)(ctx); err != nil {
				return err
			}
			return s.App.DB.Client.SKU.UpdateOneID(skuID).SetLaunched(false).Exec(ctx)
		},
	)}}})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	ins := make([]order.PlaceInput, 4)
	for i := range ins {
		ins[i] = buyer(t, s, skuID, 1)
	}
	for i, r := range placeAll(svc, ins) {
		var gone apperr.SKUUnavailable
		if !errors.As(r.err, &gone) || gone.SKU() != skuID {
			t.Fatalf("order %d: %v; want SKU_UNAVAILABLE", i, r.err)
		}
	}
	if n, _ := s.App.DB.Client.OrderInfo.Query().Count(t.Context()); n != 0 {
		t.Fatalf("%d orders of an unlaunched SKU", n)
	}
}

func TestSomeoneElsesAddressFailsOnlyThatOrderOfTheBatch(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	entered := make(chan struct{})
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{
		steps(func(ctx context.Context) error {
			close(entered)
			return queued(t, &svc, skuID, 3)(ctx)
		}),
	}}})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	ins := make([]order.PlaceInput, 4)
	for i := range ins {
		ins[i] = buyer(t, s, skuID, 1)
	}
	// The first order leads and holds its transaction; the next three,
	// one of them on the first buyer's address, make the second batch.
	thief := ins[3]
	thief.AddressID = ins[0].AddressID
	ins[3] = thief
	var first result
	var wg sync.WaitGroup
	wg.Go(func() { first.order, first.err = svc.Place(context.Background(), ins[0]) })
	<-entered
	rest := placeAll(svc, ins[1:])
	wg.Wait()
	res := append([]result{first}, rest...)
	for i, r := range res[:3] {
		if r.err != nil || r.order.Receiver != "买家" {
			t.Fatalf("order %d: %v", i, r.err)
		}
	}
	if apperr.CodeOf(res[3].err) != apperr.CodeNotFound {
		t.Fatalf("another buyer's address: %v; want NOT_FOUND", res[3].err)
	}
	if n, _ := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.UserID(thief.UserID)).Count(t.Context()); n != 0 {
		t.Fatalf("%d orders on another buyer's address", n)
	}
	if st := svc.BatchStats(); st.Batches != 2 || st.Batched != 3 {
		t.Fatalf("batch stats %+v; want 3 orders placed in 2 batches", st)
	}
}

func TestAPanickingBatchPassesTheLeadOnAndLeavesNothing(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var skuID int
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{steps(
		func(ctx context.Context) error {
			if err := queued(t, &svc, skuID, 3)(ctx); err != nil {
				return err
			}
			panic("a bug in the batch")
		},
	)}}})
	svc, skuID = s.App.Orders, hotSKU(t, s)
	ins := make([]order.PlaceInput, 4)
	for i := range ins {
		ins[i] = buyer(t, s, skuID, 1)
	}
	// gqlgen recovers a resolver's panic; here the test does.
	panicked := make([]any, len(ins))
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() {
			defer func() { panicked[i] = recover() }()
			_, errs[i] = svc.Place(context.Background(), in)
		})
	}
	wg.Wait()
	// The leader's batch panicked alone; the three queued behind it got
	// the lead and their orders.
	n := 0
	for i := range ins {
		switch {
		case panicked[i] != nil:
			n++
		case errs[i] != nil:
			t.Errorf("order %d: %v", i, errs[i])
		}
	}
	orders, _ := s.App.DB.Client.OrderInfo.Query().Count(t.Context())
	if n != 1 || orders != 3 {
		t.Fatalf("%d panics, %d orders; want 1 and 3", n, orders)
	}
	// The SKU's queue is free again.
	if _, err := svc.Place(t.Context(), buyer(t, s, skuID, 1)); err != nil {
		t.Fatalf("an order after the panic: %v", err)
	}
}

// Orders of different SKUs that share a lane are placed together: one
// transaction, each buyer its own order of its own SKU, each SKU's units
// taken by its own guarded update; a SKU off sale refuses only its own
// orders.
func TestOrdersOfDifferentSKUsInOneLaneShareATransaction(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var lead int
	inTx := make(chan struct{})
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{
		steps(func(ctx context.Context) error {
			close(inTx)
			return queued(t, &svc, lead, 5)(ctx)
		}),
	}}})
	svc = s.App.Orders
	ctx := t.Context()
	ids, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true)).Order(ent.Asc(sku.FieldID)).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lane []int
	for _, id := range ids {
		if len(lane) == 0 || order.SameLane(lane[0], id) {
			lane = append(lane, id)
		}
		if len(lane) == 3 {
			break
		}
	}
	if len(lane) < 3 {
		t.Fatalf("the demo catalog has no three SKUs in one lane: %v", lane)
	}
	a, b, off := lane[0], lane[1], lane[2]
	lead = a
	for _, id := range []int{a, b} {
		setStock(t, s, id, 10)
	}
	first := buyer(t, s, a, 1)
	ins := []order.PlaceInput{buyer(t, s, a, 1), buyer(t, s, a, 2), buyer(t, s, b, 1), buyer(t, s, b, 1), buyer(t, s, off, 1)}
	want := []int{a, a, a, b, b, off} // by buyer, the first one's included
	s.App.DB.Client.SKU.UpdateOneID(off).SetLaunched(false).ExecX(ctx)

	// The first order leads alone and is held in its transaction until
	// the other five wait behind it: the next batch is all of them.
	done := make(chan result, 1)
	go func() {
		o, err := svc.Place(context.Background(), first)
		done <- result{o, err}
	}()
	<-inTx
	rest := placeAll(svc, ins)
	all := append([]result{<-done}, rest...)
	for i, r := range all {
		if want[i] == off {
			var gone apperr.SKUUnavailable
			if !errors.As(r.err, &gone) || gone.SKU() != off {
				t.Errorf("order %d of the SKU off sale: %v; want SKU_UNAVAILABLE", i, r.err)
			}
			continue
		}
		if r.err != nil || len(r.order.Edges.Lines) != 1 || r.order.Edges.Lines[0].SkuID != want[i] || r.order.UserID != append([]order.PlaceInput{first}, ins...)[i].UserID {
			t.Errorf("order %d of SKU %d: %+v, %v", i, want[i], r.order, r.err)
		}
	}
	for id, sold := range map[int]int{a: 4, b: 2} {
		k := s.App.DB.Client.SKU.GetX(ctx, id)
		if k.Stock != 10-sold || k.Sales != sold {
			t.Errorf("SKU %d: stock %d, sales %d; want %d, %d", id, k.Stock, k.Sales, 10-sold, sold)
		}
	}
	if st := svc.BatchStats(); st.Batches != 2 || st.Batched != 5 || st.OwnTx != 0 {
		t.Fatalf("batch stats %+v; want the first order alone, then the other four in one transaction", st)
	}
}

// Orders of several lines join the lane of their lowest SKU and share its
// transaction with the orders there; one that does not fit (a line short
// of stock, a SKU off sale) is refused alone, for its own line.
func TestOrdersOfSeveralLinesShareALanesTransaction(t *testing.T) {
	t.Parallel()
	var svc *order.Service
	var lead int
	inTx := make(chan struct{})
	s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{
		steps(func(ctx context.Context) error {
			close(inTx)
			return queued(t, &svc, lead, 4)(ctx)
		}),
	}}})
	svc = s.App.Orders
	ctx := t.Context()
	ids, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true)).Order(ent.Asc(sku.FieldID)).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lane, other []int
	for _, id := range ids {
		switch {
		case len(lane) == 0 || order.SameLane(lane[0], id):
			lane = append(lane, id)
		case len(other) == 0:
			other = append(other, id)
		}
	}
	if len(lane) < 4 || len(other) < 1 {
		t.Fatalf("the demo catalog has too few SKUs: one lane %v, another %v", lane, other)
	}
	a, b, c, off, x := lane[0], lane[1], lane[2], lane[3], other[0]
	lead = a
	for _, id := range []int{a, b, x} {
		setStock(t, s, id, 10)
	}
	setStock(t, s, c, 20)
	with := func(in order.PlaceInput, lines map[int]int) order.PlaceInput {
		for id, n := range lines {
			if _, err := s.App.Carts.Add(ctx, cart.User(in.UserID), id, n); err != nil {
				t.Fatal(err)
			}
		}
		return in
	}
	first := buyer(t, s, a, 1)
	ins := []order.PlaceInput{
		with(buyer(t, s, a, 1), map[int]int{b: 2}),   // placed with the next
		with(buyer(t, s, a, 1), map[int]int{x: 3}),   // x's lane is another: a's decides
		with(buyer(t, s, a, 1), map[int]int{c: 4}),   // c has 3: refused
		with(buyer(t, s, a, 1), map[int]int{off: 1}), // off sale: refused
	}
	setStock(t, s, c, 3) // the cart took 4 while there were more
	s.App.DB.Client.SKU.UpdateOneID(off).SetLaunched(false).ExecX(ctx)

	done := make(chan result, 1)
	go func() {
		o, err := svc.Place(context.Background(), first)
		done <- result{o, err}
	}()
	<-inTx
	rest := placeAll(svc, ins)
	if r := <-done; r.err != nil {
		t.Fatalf("the first order: %v", r.err)
	}
	lines := func(o *ent.OrderInfo) map[int]int {
		m := map[int]int{}
		for _, l := range o.Edges.Lines {
			m[l.SkuID] = l.Count
		}
		return m
	}
	for i, want := range []map[int]int{{a: 1, b: 2}, {a: 1, x: 3}} {
		if r := rest[i]; r.err != nil || fmt.Sprint(lines(r.order)) != fmt.Sprint(want) || r.order.TotalCount != 1+want[b]+want[x] {
			t.Errorf("order %d: %+v, %v; want lines %v", i, r.order, r.err, want)
		}
	}
	var short apperr.InsufficientStock
	if err := rest[2].err; !errors.As(err, &short) || short.SKUID != c || short.Left != 3 {
		t.Errorf("the order of 4 of SKU %d: %v; want INSUFFICIENT_STOCK with 3 left", c, err)
	}
	var gone apperr.SKUUnavailable
	if err := rest[3].err; !errors.As(err, &gone) || gone.SKU() != off {
		t.Errorf("the order with a SKU off sale: %v; want SKU_UNAVAILABLE for %d", err, off)
	}
	for id, sold := range map[int]int{a: 3, b: 2, c: 0, x: 3} {
		k := s.App.DB.Client.SKU.GetX(ctx, id)
		if k.Sales != sold || id != c && k.Stock != 10-sold || id == c && k.Stock != 3 {
			t.Errorf("SKU %d: stock %d, sales %d; want %d sold", id, k.Stock, k.Sales, sold)
		}
	}
	// The refused buyers keep their carts: nothing was bought.
	for _, i := range []int{2, 3} {
		sel, err := s.App.Carts.Selected(ctx, cart.User(ins[i].UserID))
		if err != nil || len(sel) != 2 {
			t.Errorf("refused buyer %d's cart: %v, %v; want its two lines", i, sel, err)
		}
	}
	if st := svc.BatchStats(); st.Batches != 2 || st.Batched != 3 || st.OwnTx != 0 {
		t.Fatalf("batch stats %+v; want the first order alone, then two orders of several lines in one transaction", st)
	}
}
