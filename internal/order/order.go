// Package order places and tracks orders. Place is the heart of the shop:
// it must never oversell, never leave half an order behind, and stay fast
// when thousands of buyers want one SKU at once.
//
// An order is one transaction at READ COMMITTED: the order row and its lines
// are inserted first, then each SKU's stock is taken with a guarded update
// (stock = stock - n WHERE stock >= n AND launched), in ascending SKU id so
// two multi-SKU orders never wait on each other in opposite orders. The hot
// row's lock is therefore held only from its update to COMMIT. Zero rows
// changed means the stock really is short: the transaction rolls back and
// nothing remains. Deadlocks, lock-wait timeouts and lost connections retry
// the whole transaction under the one shared retry policy; the
// (user, idempotency key) unique index makes a retry after an unknown
// outcome, or two racing calls with one key, end in one order.
//
// Orders for a single SKU, the flash-sale shape, go through a per-SKU
// combiner (combine.go): the calls that pile up while one transaction runs
// are placed together in the next, with one guarded update for their sum.
package order

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"
	"slices"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/outage"
	"github.com/storefront/storefront/internal/pricing"
	"github.com/storefront/storefront/internal/stock"
)

// Carts is what placing an order needs of the cart.
type Carts interface {
	Selected(ctx context.Context, o cart.Owner) ([]cart.Line, error)
	// RemovePurchased takes an order's lines out of the cart, once per
	// order however often it is called.
	RemovePurchased(ctx context.Context, o cart.Owner, orderID int, lines []cart.Line) error
}

// Addresses finds buyers' addresses (NOT_FOUND for anyone else's).
type Addresses interface {
	Get(ctx context.Context, userID, id int) (*ent.Address, error)
	GetMany(ctx context.Context, refs []address.Ref) (map[address.Ref]*ent.Address, error)
}

// Config are the ordering rules.
type Config struct {
	Freight pricing.FreightRule
	// PayWithin is how long an ALIPAY order may stay unpaid.
	PayWithin time.Duration
	// PurchaseLimit is the purchase limit of SKUs without their own (0:
	// none), LimitWindow how far back orders count against it (default
	// DefaultLimitWindow); MaxUnpaid caps a shopper's UNPAID orders (0:
	// none). See limit.go.
	PurchaseLimit int
	LimitWindow   time.Duration
	MaxUnpaid     int
}

// Service places orders.
type Service struct {
	db        *database.DB
	carts     Carts
	addresses Addresses
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	// beforeStock runs inside the transaction after the inserts; tests use
	// it to kill the connection there.
	beforeStock func(ctx context.Context, tx *ent.Tx) error
	// batches combines concurrent orders for one SKU (combine.go).
	batches combiner
	// cleared groups the records of finished cart clean-ups (cartclean.go).
	cleared clearedCarts
}

// Option adjusts a Service.
type Option func(*Service)

// WithFaultBeforeStock runs fn inside each attempt's transaction between
// the inserts and the stock updates (for fault-injection tests).
func WithFaultBeforeStock(fn func(ctx context.Context, tx *ent.Tx) error) Option {
	return func(s *Service) { s.beforeStock = fn }
}

// New returns the order service. Its transactions retry under db's policy.
func New(db *database.DB, carts Carts, addresses Addresses, cfg Config, log *slog.Logger, opts ...Option) *Service {
	if cfg.LimitWindow <= 0 {
		cfg.LimitWindow = DefaultLimitWindow
	}
	s := &Service{db: db, carts: carts, addresses: addresses, cfg: cfg, log: log, now: time.Now}
	s.batches.queues = make(map[int]*queue)
	for _, o := range opts {
		o(s)
	}
	return s
}

// PlaceInput is a placeOrder request.
type PlaceInput struct {
	UserID         int
	AddressID      int
	PayMethod      orderinfo.PayMethod
	IdempotencyKey string
	// CartOwed is the shopper's users.cart_owed as this request already
	// read it (with its login check); nil: Place reads it.
	CartOwed *bool
	// Session is the login to check before anything is placed, when the
	// request has not (auth.Principal.Deferred): the batch asks the table
	// for it, with the cart_owed marker. "": the login was checked.
	Session string
}

// keyRule keeps idempotency keys to what clients generate (UUIDs, ULIDs,
// random tokens) and out of anything that could surprise a log or a shell.
var keyRule = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

func (in PlaceInput) validate() error {
	if err := orderinfo.PayMethodValidator(in.PayMethod); err != nil {
		return apperr.BadField("payMethod", "payMethod must be CASH or ALIPAY")
	}
	if !keyRule.MatchString(in.IdempotencyKey) {
		return apperr.BadField("idempotencyKey", "idempotencyKey must be 1 to 64 characters of letters, digits, and _ . : -")
	}
	return nil
}

// Place turns the shopper's selected cart lines into an order.
func (s *Service) Place(ctx context.Context, in PlaceInput) (*ent.OrderInfo, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	// No lookup of the key first: a replay fails somewhere (the cart is
	// empty, or the order insert hits the (user, key) unique index before
	// any stock is taken), and every failure looks the key up below. The
	// common case, a new order, saves a statement.
	placed, err := s.place(ctx, in)
	if err == nil {
		return placed, nil
	}
	if errors.Is(err, auth.ErrSessionEnded) {
		// A login that has ended learns nothing, not even of an order
		// its key placed before.
		return nil, err
	}
	// This key's order may exist: placed by an earlier call (a replay), or
	// by a racing one that committed meanwhile and emptied the cart or took
	// the last units. That order is the answer.
	o, kerr := s.byKey(ctx, in.UserID, in.IdempotencyKey)
	switch {
	case kerr != nil:
		// Nobody knows whether the order exists, so every refusal could
		// be a lie (CART_EMPTY, when the cart is empty because it was
		// placed): the client must try again.
		s.log.WarnContext(ctx, "order: the idempotency key lookup failed", "user", in.UserID, "err", kerr, "placing", err)
		return nil, apperr.Unavailable{Cause: errors.Join(err, kerr)}
	case o != nil:
		return o, nil
	case apperr.CodeOf(err) == "" && outage.Is(err):
		// No order, and the database or Redis did not answer: not a
		// refusal, a reason to try again.
		s.log.WarnContext(ctx, "order: placing failed", "user", in.UserID, "err", err)
		return nil, apperr.Unavailable{Cause: err}
	}
	return nil, err
}

// checkoutLines are the shopper's selected cart lines, in cart order, as
// Place and Preview both start from them: lines that an earlier order
// bought but could not take out of the cart (Redis did not answer) leave
// it first, and nothing selected is CART_EMPTY.
func (s *Service) checkoutLines(ctx context.Context, userID int, owed *bool) ([]cart.Line, error) {
	if err := s.settleCart(ctx, userID, owed); err != nil {
		return nil, err
	}
	lines, err := s.carts.Selected(ctx, cart.User(userID))
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, apperr.CartEmpty()
	}
	return lines, nil
}

// bySKU orders lines by ascending SKU id: every transaction takes the row
// locks in one order, and the first offending SKU is the same for Place
// and Preview.
func bySKU(a, b cart.Line) int { return a.SKUID - b.SKUID }

func (s *Service) place(ctx context.Context, in PlaceInput) (*ent.OrderInfo, error) {
	owed := in.CartOwed
	if in.Session != "" {
		// Not read yet: the batch reads it with the login, and sends the
		// order back here (errCartOwed) when set.
		owed = new(bool)
	}
	lines, err := s.checkoutLines(ctx, in.UserID, owed)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(lines, bySKU)
	// Through the combiner (combine.go), which reads the batch's SKUs,
	// addresses and unchecked logins together and places it in one
	// transaction.
	placed, err := s.placeBatched(ctx, in, lines)
	if errors.Is(err, errCartOwed) {
		// The login lives (the batch said so), and its cart owes lines
		// to earlier orders: settle them, then read the cart again.
		owed := true
		in.Session, in.CartOwed = "", &owed
		return s.place(ctx, in)
	}
	if err != nil {
		return nil, err
	}
	// The order stands whatever happens to the cart now, and the cart is
	// cleared even if the client has gone; when Redis does not answer, the
	// order still owes it (cartclean.go).
	if err := s.clearCart(ctx, placed); err != nil {
		s.log.WarnContext(ctx, "order placed; its lines leave the cart later", "order", placed.OrderNo, "err", err)
		if err := s.markOwed(ctx, in.UserID, true); err != nil {
			// The order is still owed: the cleaner finishes it.
			s.log.WarnContext(ctx, "order: marking the cart owed", "order", placed.OrderNo, "err", err)
		}
	}
	return placed, nil
}

// placeOwnTx places one order in its own transaction.
func (s *Service) placeOwnTx(ctx context.Context, in PlaceInput, addr *ent.Address, lines []cart.Line) (*ent.OrderInfo, error) {
	skus, err := s.priced(ctx, lines)
	if err != nil {
		return nil, err
	}
	var placed *ent.OrderInfo
	for attempt := 1; ; attempt++ {
		err = s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			placed, err = s.insert(ctx, tx, in, addr, lines, skus)
			return err
		})
		// A unique violation is either this key placed elsewhere (Place
		// then answers with that order) or, very rarely, an order number
		// drawn twice: draw again.
		if err == nil || !database.IsUniqueViolation(err) || attempt == 3 {
			break
		}
		o, kerr := s.byKey(ctx, in.UserID, in.IdempotencyKey)
		if kerr != nil {
			return nil, apperr.Unavailable{Cause: kerr}
		}
		if o != nil {
			return o, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return unwrap(placed), nil
}

// unwrap detaches an order made in a transaction, and its lines, from that
// transaction, so that later reads (for the response) use the client.
func unwrap(o *ent.OrderInfo) *ent.OrderInfo {
	o = o.Unwrap()
	for i, l := range o.Edges.Lines {
		o.Edges.Lines[i] = l.Unwrap()
	}
	return o
}

// byKey returns the user's order placed with key, with its lines, or nil.
func (s *Service) byKey(ctx context.Context, userID int, key string) (*ent.OrderInfo, error) {
	ctx, cancel := lookup(ctx)
	defer cancel()
	o, err := s.db.Client.OrderInfo.Query().
		Where(orderinfo.UserID(userID), orderinfo.IdempotencyKey(key)).
		WithLines().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return o, err
}

// priced reads the SKUs of lines before the transaction: their prices and
// names go into the order, and a SKU already gone, off sale (SKU_UNAVAILABLE)
// or short fails here without opening a transaction (the guarded update
// still decides). The batch applies the same two checks (combine.go).
func (s *Service) priced(ctx context.Context, lines []cart.Line) (map[int]*ent.SKU, error) {
	ids := make([]int, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	byID, err := s.skusByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	if id, ok := unavailable(lines, byID); ok {
		return nil, apperr.SKUUnavailable{SKUID: id}
	}
	if e, ok := short(lines, stockOf(byID)); ok {
		return nil, e
	}
	return byID, nil
}

// skusByID reads the SKUs by id in one statement; ids gone are missing
// from the map.
func (s *Service) skusByID(ctx context.Context, ids []int) (map[int]*ent.SKU, error) {
	ctx, cancel := lookup(ctx)
	defer cancel()
	rows, err := s.db.Client.SKU.Query().Where(sku.IDIn(slices.Compact(slices.Sorted(slices.Values(ids)))...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("order: reading skus: %w", err)
	}
	byID := make(map[int]*ent.SKU, len(rows))
	for _, k := range rows {
		byID[k.ID] = k
	}
	return byID, nil
}

// insert is one attempt: the buyer's limits, order row, lines, then the
// guarded stock updates.
func (s *Service) insert(ctx context.Context, tx *ent.Tx, in PlaceInput, addr *ent.Address, lines []cart.Line, skus map[int]*ent.SKU) (*ent.OrderInfo, error) {
	d := demandOf(in, lines)
	a, err := s.allowances(ctx, tx, []demand{d}, skus)
	if err != nil {
		return nil, err
	}
	if err := s.check(a, d, skus); err != nil {
		return nil, err
	}
	now := s.now()
	create, err := s.orderRow(tx, in, addr, lines, skus, now)
	if err != nil {
		return nil, err
	}
	o, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	builders := make([]*ent.OrderGoodsCreate, len(lines))
	for i, l := range lines {
		builders[i] = lineRow(tx, o.ID, skus[l.SKUID], l.Count, now)
	}
	saved, err := tx.OrderGoods.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return nil, err
	}
	o.Edges.SetLines(saved)
	if err := s.faultBeforeStock(ctx, tx); err != nil {
		return nil, err
	}
	// Last, so the contended row locks are held only until COMMIT.
	for _, l := range lines {
		took, err := stock.Take(l.SKUID, l.Count).Apply(ctx, tx.SKU)
		if err != nil {
			return nil, err
		}
		if !took {
			return nil, shortfall(ctx, tx, l.SKUID)
		}
	}
	return o, nil
}

func (s *Service) faultBeforeStock(ctx context.Context, tx *ent.Tx) error {
	if s.beforeStock == nil {
		return nil
	}
	return s.beforeStock(ctx, tx)
}

// orderRow builds one buyer's order row: totals, freight, the address
// snapshot, and the status its pay method starts in.
func (s *Service) orderRow(tx *ent.Tx, in PlaceInput, addr *ent.Address, lines []cart.Line, skus map[int]*ent.SKU, now time.Time) (*ent.OrderInfoCreate, error) {
	price := s.price(lines, skus)
	no, err := orderNumber(now, in.UserID)
	if err != nil {
		return nil, err
	}
	create := tx.OrderInfo.Create().
		SetOrderNo(no).
		SetUserID(in.UserID).
		SetIdempotencyKey(in.IdempotencyKey).
		SetReceiver(addr.Receiver).SetMobile(addr.Mobile).
		SetProvince(addr.Province).SetCity(addr.City).SetDistrict(addr.District).SetDetail(addr.Detail).
		SetTotalCount(price.Count).
		SetTotalAmount(price.Goods).
		SetFreight(price.Freight).
		SetPayMethod(in.PayMethod).
		SetCartOwed(true).
		SetCreatedAt(now)
	if in.PayMethod == orderinfo.PayMethodALIPAY {
		create.SetStatus(orderstate.Unpaid).SetExpiresAt(now.Add(s.cfg.PayWithin))
	} else {
		create.SetStatus(orderstate.Unsend)
	}
	return create, nil
}

// lineRow builds an order line with the SKU's name and price as bought.
func lineRow(tx *ent.Tx, orderID int, k *ent.SKU, count int, now time.Time) *ent.OrderGoodsCreate {
	return tx.OrderGoods.Create().
		SetOrderID(orderID).SetSkuID(k.ID).SetSkuName(k.Name).SetPrice(k.Price).SetCount(count).SetCreatedAt(now)
}

// shortfall says why a guarded stock.Take changed nothing. The row is read in
// the same transaction; at READ COMMITTED that is the latest committed
// state, which is what the buyer needs to hear.
func shortfall(ctx context.Context, tx *ent.Tx, skuID int) error {
	k, err := tx.SKU.Query().Where(sku.ID(skuID)).Select(sku.FieldStock, sku.FieldLaunched).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	if k == nil || !k.Launched {
		return apperr.SKUUnavailable{SKUID: skuID}
	}
	return apperr.InsufficientStock{SKUID: skuID, Left: k.Stock}
}

// orderNumber is readable and unique: UTC time to the second, six digits of
// the user's id, and 12 random digits (32 characters). The user digits are
// the id modulo a million, masked to 32 bits first so a huge id cannot make
// the modulo negative: they keep the number's width fixed and let support
// staff tell two shoppers' orders of one second apart at a glance; they are
// not unique, the random digits are. A collision needs one user drawing the
// same digits twice in a second; the unique index refuses it and Place
// draws again.
func orderNumber(now time.Time, userID int) (string, error) {
	r, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%06d%012d", now.UTC().Format("20060102150405"), userID&0xffffffff%1_000_000, r.Int64()), nil
}

// Order returns one of the user's orders with its lines. Another user's order
// is NOT_FOUND, like one that does not exist.
func (s *Service) Order(ctx context.Context, userID, id int) (*ent.OrderInfo, error) {
	return usersOrder(ctx, s.db.Client.OrderInfo.Query().WithLines(), userID, id)
}

// OrderWithoutLines returns one of the user's orders (without its lines), or NOT_FOUND.
func (s *Service) OrderWithoutLines(ctx context.Context, userID, id int) (*ent.OrderInfo, error) {
	return usersOrder(ctx, s.db.Client.OrderInfo.Query(), userID, id)
}

func usersOrder(ctx context.Context, q *ent.OrderInfoQuery, userID, id int) (*ent.OrderInfo, error) {
	ctx, cancel := lookup(ctx)
	defer cancel()
	o, err := q.Where(orderinfo.ID(id), orderinfo.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("order")
	}
	return o, err
}

// CancelUnpaid cancels an UNPAID order and puts its stock back, once: nil
// when this call canceled it, ORDER_STATE when it had left UNPAID (paid,
// or canceled by another caller), NOT_FOUND when there is no such order.
func (s *Service) CancelUnpaid(ctx context.Context, orderID int) error {
	return s.cancel(ctx, Transition{OrderID: orderID, From: []orderstate.Status{orderstate.Unpaid}})
}

// CancelUnsentCash cancels an UNSEND CASH order for the merchant, keeping
// the reason, and puts its stock back, once. A paid ALIPAY order is not
// canceled here: its money would need a refund. Errors as CancelUnpaid's.
func (s *Service) CancelUnsentCash(ctx context.Context, orderID int, reason string) error {
	return s.cancel(ctx, Transition{
		OrderID: orderID, From: []orderstate.Status{orderstate.Unsend}, PayMethod: orderinfo.PayMethodCASH,
		Set: func(u *ent.OrderInfoUpdate) { u.SetCancelReason(reason) },
	})
}

// cancel moves the order to CANCELED through t and puts its stock back, in
// one transaction whose first statement is the transition: of any number
// of callers (sweepers on several instances, the buyer, the merchant), one
// moves the order and restores the stock; the others change nothing. The
// buyer's purchase limits count the order no more.
func (s *Service) cancel(ctx context.Context, t Transition) error {
	set := t.Set
	t.To = orderstate.Canceled
	t.Set = func(u *ent.OrderInfoUpdate) {
		u.SetCanceledAt(s.now())
		if set != nil {
			set(u)
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		if err := t.Apply(ctx, tx.Client()); err != nil {
			return err
		}
		lines, err := tx.OrderGoods.Query().Where(ordergoods.OrderID(t.OrderID)).
			Order(ent.Asc(ordergoods.FieldSkuID)).All(ctx)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if _, err := stock.PutBack(l.SkuID, l.Count).Apply(ctx, tx.SKU); err != nil {
				return err
			}
		}
		return nil
	})
}
