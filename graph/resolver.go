// Package graph is the GraphQL adapter: resolvers parse arguments, check who
// is asking and delegate to the domain packages under internal/. They hold no
// SQL and no Redis calls.
package graph

import (
	"log/slog"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/captcha"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/catalog"
	"github.com/storefront/storefront/internal/emailverify"
	"github.com/storefront/storefront/internal/gallery"
	"github.com/storefront/storefront/internal/hotskus"
	"github.com/storefront/storefront/internal/menu"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/partner"
	"github.com/storefront/storefront/internal/payment"
	"github.com/storefront/storefront/internal/qqlogin"
	"github.com/storefront/storefront/internal/signin"
	"github.com/storefront/storefront/internal/skusearch"
	"github.com/storefront/storefront/internal/verify"
)

// Resolver holds the domain services the resolvers delegate to.
type Resolver struct {
	Client      *ent.Client
	Catalog     *catalog.Service
	HotSKUs     *hotskus.Service
	Search      *skusearch.Service
	Gallery     *gallery.Service
	Menus       *menu.Service
	Auth        *auth.Service
	AddressBook *address.Service
	Carts       *cart.Store
	OrderBook   *order.Service
	Payments    *payment.Service
	APIKeys     *apikey.Store
	Partner     *partner.Service
	SignIn      *signin.Service
	Captchas    *captcha.Store
	Verify      *verify.Service
	Emails      *emailverify.Service
	// QQ is nil when the shop has no QQ app.
	QQ  *qqlogin.Service
	Log *slog.Logger
}
