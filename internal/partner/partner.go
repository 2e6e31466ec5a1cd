// Package partner is what a merchant's systems do through API keys: keep
// the catalog and stock, ship orders, read orders. Every method checks the
// key's scope itself, so no caller can forget it, and every change is a
// conditional update, so racing integrations cannot apply one twice.
package partner

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/goods"
	"github.com/storefront/storefront/ent/goodsspecification"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/specificationoption"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/paging"
	"github.com/storefront/storefront/internal/stock"
	"github.com/storefront/storefront/internal/text"
)

// Limits of partner input.
const (
	MaxPrice    = money.Fen(10_000_000_00)
	MaxStock    = 10_000_000
	maxNameChar = 128
)

// Orders is what the partner service needs of the order service: the one
// cancel transition that puts stock back (nil when this call canceled the
// order, otherwise NOT_FOUND or ORDER_STATE as order.Transition explains).
type Orders interface {
	CancelUnsentCash(ctx context.Context, orderID int, reason string) error
}

// Service runs partner operations.
type Service struct {
	db       *database.DB
	orders   Orders
	onChange []func(ctx context.Context, skuID int)
}

// New returns the partner service. onChange hear of every SKU a partner
// created or changed (its name, price, launch or stock), after the change
// is stored: caches and the search index follow the catalog through them.
func New(db *database.DB, orders Orders, onChange ...func(ctx context.Context, skuID int)) *Service {
	return &Service{db: db, orders: orders, onChange: onChange}
}

// announce tells onChange of a stored change and passes the result on.
func (s *Service) announce(ctx context.Context, k *ent.SKU, err error) (*ent.SKU, error) {
	if err == nil && k != nil {
		for _, f := range s.onChange {
			f(ctx, k.ID)
		}
	}
	return k, err
}

// SKUInput is a new SKU.
type SKUInput struct {
	GoodsID     int
	Name        string
	Caption     string
	Price       money.Fen
	MarketPrice money.Fen
	Stock       int
	Launched    bool
	Image       string
	// OptionIDs are options of the goods' specifications, at most one per
	// specification.
	OptionIDs []int
	// PurchaseLimit is the most units per order and per shopper; nil or 0:
	// the shop's default.
	PurchaseLimit *int
}

// The text rules mirror the columns of ent/schema: a value is stored as
// cleaned (trimmed), so what was checked is what is written.
var (
	nameRule    = text.Rule{Field: "name", Min: 1, Max: maxNameChar}
	captionRule = text.Rule{Field: "caption", Max: 256}
	imageRule   = text.Rule{Field: "image", Max: 512, MaxBytes: 512}
	carrierRule = text.Rule{Field: "carrier", Min: 1, Max: 32}
	reasonRule  = text.Rule{Field: "reason", Min: 1, Max: 200}
)

// checkLimit bounds a purchase limit; 0 is the shop's default.
func checkLimit(v *int) error {
	if v != nil && (*v < 0 || *v > MaxStock) {
		return apperr.BadField("purchaseLimit", "purchaseLimit must be between 0 (the shop's default) and %d", MaxStock)
	}
	return nil
}

// clean cleans *v in place; a nil v (a field left out) is fine.
func clean(r text.Rule, v *string) error {
	if v == nil {
		return nil
	}
	c, err := r.Clean(*v)
	*v = c
	return err
}

// saved is the outcome of a Save: should a rule here ever drift from the
// schema's validators, the client still hears which field it sent wrong
// (BAD_USER_INPUT), not INTERNAL.
func saved[T any](v T, err error) (T, error) {
	return v, inputError(err)
}

// inputError is err, or the BAD_USER_INPUT naming the field when err is a
// schema validator's.
func inputError(err error) error {
	var ve *ent.ValidationError
	if errors.As(err, &ve) {
		name := inputName(ve.Name)
		return apperr.BadField(name, "%s is out of range", name)
	}
	return err
}

// inputName is the GraphQL spelling of an Ent field name (market_price:
// marketPrice).
func inputName(entField string) string {
	parts := strings.Split(entField, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func checkPrice(name string, v money.Fen) error {
	if v < 0 || v > MaxPrice {
		return apperr.BadField(name, "%s must be between 0.00 and %s", name, MaxPrice)
	}
	return nil
}

// CreateSKU adds a SKU to a product (catalog:write).
func (s *Service) CreateSKU(ctx context.Context, p apikey.Partner, in SKUInput) (*ent.SKU, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	for _, err := range []error{
		clean(nameRule, &in.Name),
		clean(captionRule, &in.Caption),
		clean(imageRule, &in.Image),
		checkPrice("price", in.Price),
		checkPrice("marketPrice", in.MarketPrice),
		checkLimit(in.PurchaseLimit),
	} {
		if err != nil {
			return nil, err
		}
	}
	if in.Stock < 0 || in.Stock > MaxStock {
		return nil, apperr.BadField("stock", "stock must be between 0 and %d", MaxStock)
	}
	g, err := s.db.Client.Goods.Query().Where(goods.ID(in.GoodsID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("goods")
	}
	if err != nil {
		return nil, err
	}
	// The options must belong to this product, one per specification.
	opts, err := s.db.Client.SpecificationOption.Query().
		Where(specificationoption.IDIn(in.OptionIDs...),
			specificationoption.HasSpecificationWith(goodsspecification.GoodsID(g.ID))).
		All(ctx)
	if err != nil {
		return nil, err
	}
	perSpec := map[int]bool{}
	for _, o := range opts {
		if perSpec[o.SpecificationID] {
			return nil, apperr.BadField("optionIds", "choose at most one option per specification")
		}
		perSpec[o.SpecificationID] = true
	}
	if len(opts) != len(in.OptionIDs) {
		return nil, apperr.BadField("optionIds", "every option must belong to this product's specifications, once")
	}
	k, err := saved(s.db.Client.SKU.Create().
		SetGoodsID(g.ID).SetCategoryID(g.CategoryID).
		SetName(in.Name).SetCaption(in.Caption).SetImage(in.Image).
		SetPrice(in.Price).SetMarketPrice(in.MarketPrice).
		SetStock(in.Stock).SetLaunched(in.Launched).
		SetNillablePurchaseLimit(in.PurchaseLimit).
		AddOptionIDs(in.OptionIDs...).
		Save(ctx))
	return s.announce(ctx, k, err)
}

// SKUPatch changes some of a SKU's fields; stock changes only through
// AdjustStock.
type SKUPatch struct {
	Name, Caption, Image *string
	Price, MarketPrice   *money.Fen
	// PurchaseLimit 0 returns the SKU to the shop's default.
	PurchaseLimit *int
}

// UpdateSKU edits a SKU (catalog:write).
func (s *Service) UpdateSKU(ctx context.Context, p apikey.Partner, id int, in SKUPatch) (*ent.SKU, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	for _, err := range []error{
		clean(nameRule, in.Name), clean(captionRule, in.Caption), clean(imageRule, in.Image),
		checkLimit(in.PurchaseLimit),
	} {
		if err != nil {
			return nil, err
		}
	}
	u := s.db.Client.SKU.UpdateOneID(id).
		SetNillableName(in.Name).SetNillableCaption(in.Caption).SetNillableImage(in.Image).
		SetNillablePurchaseLimit(in.PurchaseLimit)
	for name, v := range map[string]*money.Fen{"price": in.Price, "marketPrice": in.MarketPrice} {
		if v != nil {
			if err := checkPrice(name, *v); err != nil {
				return nil, err
			}
		}
	}
	if in.Price != nil {
		u.SetPrice(*in.Price)
	}
	if in.MarketPrice != nil {
		u.SetMarketPrice(*in.MarketPrice)
	}
	k, err := saved(u.Save(ctx))
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("SKU")
	}
	return s.announce(ctx, k, err)
}

// SetSKULaunched puts a SKU on or off sale (catalog:write).
func (s *Service) SetSKULaunched(ctx context.Context, p apikey.Partner, id int, launched bool) (*ent.SKU, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	k, err := s.db.Client.SKU.UpdateOneID(id).SetLaunched(launched).Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("SKU")
	}
	return s.announce(ctx, k, err)
}

// AdjustStock adds delta (negative to remove) to a SKU's stock in one
// guarded update (stock.Adjust) that never takes it below zero nor above
// MaxStock (stock:write). Sales are
// untouched: this is receiving goods or a count correction, not a sale.
func (s *Service) AdjustStock(ctx context.Context, p apikey.Partner, skuID, delta int) (*ent.SKU, error) {
	if err := p.Require(apikey.StockWrite); err != nil {
		return nil, err
	}
	if delta == 0 || delta > MaxStock || delta < -MaxStock {
		return nil, apperr.BadField("delta", "delta must be non-zero and at most %d either way", MaxStock)
	}
	moved, err := stock.Adjust(skuID, delta, MaxStock).Apply(ctx, s.db.Client.SKU)
	if err != nil {
		return nil, err
	}
	k, err := s.db.Client.SKU.Get(ctx, skuID)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("SKU")
	}
	if err != nil {
		return nil, err
	}
	if !moved {
		if delta > 0 {
			return nil, apperr.BadField("delta", "stock would exceed %d", MaxStock)
		}
		return nil, apperr.InsufficientStock{SKUID: skuID, Left: k.Stock}
	}
	return s.announce(ctx, k, nil)
}

var trackingRule = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// ShipOrder hands an order to a carrier: UNSEND -> UNRECEIVED
// (orders:write).
func (s *Service) ShipOrder(ctx context.Context, p apikey.Partner, orderID int, carrier, trackingNo string) (*ent.OrderInfo, error) {
	if err := p.Require(apikey.OrdersWrite); err != nil {
		return nil, err
	}
	if err := clean(carrierRule, &carrier); err != nil {
		return nil, err
	}
	if !trackingRule.MatchString(trackingNo) {
		return nil, apperr.BadField("trackingNo", "trackingNo must be 1 to 64 letters, digits or -")
	}
	shipped := order.Transition{OrderID: orderID, From: []orderstate.Status{orderstate.Unsend}, To: orderstate.Unreceived,
		Set: func(u *ent.OrderInfoUpdate) { u.SetCarrier(carrier).SetTrackingNo(trackingNo) }}
	if err := shipped.Apply(ctx, s.db.Client); err != nil {
		return nil, inputError(err)
	}
	return s.order(ctx, orderID)
}

// order reads the order a transition changed, for the answer.
func (s *Service) order(ctx context.Context, orderID int) (*ent.OrderInfo, error) {
	o, err := s.db.Client.OrderInfo.Get(ctx, orderID)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("order")
	}
	return o, err
}

// CancelOrder cancels an UNSEND CASH order and puts its stock back, once
// (orders:write): the way out of an order that hoards stock. Every other
// order is ORDER_STATE: an unpaid one expires or its buyer cancels it, a
// paid one needs a refund, a shipped one is on its way.
func (s *Service) CancelOrder(ctx context.Context, p apikey.Partner, orderID int, reason string) (*ent.OrderInfo, error) {
	if err := p.Require(apikey.OrdersWrite); err != nil {
		return nil, err
	}
	if err := clean(reasonRule, &reason); err != nil {
		return nil, err
	}
	if err := s.orders.CancelUnsentCash(ctx, orderID, reason); err != nil {
		return nil, err
	}
	return s.order(ctx, orderID)
}

// OrderFilter narrows the partner's order listing.
type OrderFilter struct {
	Statuses               []orderstate.Status
	CreatedFrom, CreatedTo *time.Time
}

// Orders returns a page of the orders matching f, newest first
// (orders:read).
func (s *Service) Orders(ctx context.Context, p apikey.Partner, f OrderFilter, page paging.Args) (*ent.OrderInfoConnection, error) {
	if err := p.Require(apikey.OrdersRead); err != nil {
		return nil, err
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && f.CreatedTo.Before(*f.CreatedFrom) {
		return nil, apperr.BadField("createdTo", "createdTo is before createdFrom")
	}
	q := s.db.Client.OrderInfo.Query()
	if len(f.Statuses) > 0 {
		q = q.Where(orderinfo.StatusIn(f.Statuses...))
	}
	if f.CreatedFrom != nil {
		q = q.Where(orderinfo.CreatedAtGTE(*f.CreatedFrom))
	}
	if f.CreatedTo != nil {
		q = q.Where(orderinfo.CreatedAtLT(*f.CreatedTo))
	}
	return order.Page(ctx, q, page)
}
