// Package cart keeps shopping carts in Redis: one per signed-in shopper and
// one per guest token for visitors who have not signed in. The GraphQL layer
// calls it; it knows nothing of GraphQL.
//
// # Key layout
//
// A cart is ONE Redis hash, so every operation touches one key
// (RemovePurchased and Merge's first step: two of the same slot):
//
//	<prefix>cart:{u<userID>}    a shopper's cart, e.g. sf:cart:{u42}; no TTL
//	<prefix>cart:{g<token>}     a guest's cart; expires after 30 idle days
//	<prefix>cart:{u<userID>}:bought:<orderID>
//	                            an order's lines were taken out of the cart
//	                            (RemovePurchased); expires after 7 days
//	<prefix>cart:{u<userID>}:merged:<guest cart Name>
//	                            a merge of that guest cart that has not
//	                            finished (Merge); expires after 30 days
//
// field = SKU id in decimal ("17"), value = "<count>:<selected>:<seq>", e.g.
// "3:1:7": 3 units, selected (1) or not (0), and the add sequence: the line
// was the 7th distinct SKU put into this cart. Count and selection live in
// the same value so no write can ever update one without the other. Lines
// are listed by seq (the order they were first added), ties by SKU id; a new
// line gets the cart's highest seq + 1.
//
// The braces are Redis Cluster hash tags: every key of one cart (same tag)
// lands in the same slot, so each script touches one slot and the shop runs
// on a Redis Cluster as on a single Redis. Merge reads a guest cart and
// writes a shopper cart, two slots, in steps that a retry completes (see
// Merge). A prefix that itself contains braces would make every key share
// the prefix's tag: harmless, but one slot for the whole shop.
//
// # TTLs
//
// A guest cart expires GuestTTL (30 days) after it was last touched: every
// read and every write sets the TTL again (PEXPIRE inside the same script).
// A new guest cart earns that only once it is used again, by a second
// write or by a visit GuestRevisit after it was made; until then it lives
// NewGuestTTL (a day). A visitor who leaves after one addToCart (or a
// script that opens carts by the hundred) keeps a hash a day, not a month.
// A shopper cart never expires. Removing its last line deletes the key.
//
// Opening guest carts is rate limited per client address (GuestCartRule,
// see NewGuest).
//
// # Atomicity
//
// Every operation is one Lua script (redis.NewScript(...).Run), so two devices
// tapping at once lose nothing; Merge, whose two carts may live on
// different cluster nodes, is a few that a retry completes. Facts from the catalog (is the SKU launched,
// how many are in stock) are read before the script and passed in as
// arguments: the final "resulting count <= stock" check runs inside the
// script, atomically with the write. Stock can still change in the database
// right after; placeOrder's guarded UPDATE is what prevents overselling, the
// cart only refuses counts that are already impossible.
//
// # Limits
//
// A line holds 1..MaxCount (999) units and at most the SKU's purchase
// limit; a cart holds at most MaxLines (100) distinct SKUs.
package cart

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/ratelimit"
)

// Limits of a cart.
const (
	// MaxCount is the most units of one SKU a line may hold.
	MaxCount = 999
	// MaxLines is the most distinct SKUs a cart may hold.
	MaxLines = 100
	// GuestTTL is how long a guest cart lives after it was last read or written.
	GuestTTL = 30 * 24 * time.Hour
	// NewGuestTTL is how long a guest cart lives until it is used again.
	NewGuestTTL = 24 * time.Hour
	// GuestRevisit is how long after its creation a read counts as a later
	// visit (the usual idle gap that ends a web session).
	GuestRevisit = 30 * time.Minute
	// PurchasedMemory is how long a cart remembers that an order's lines
	// were taken out (RemovePurchased): longer than any clean-up an order
	// may still owe stays unfinished.
	PurchasedMemory = 7 * 24 * time.Hour
)

// GuestCartRule bounds the guest carts one client address opens: a
// household or an office behind one address opens a few a day; a script
// opening hundreds waits. The burst lets a small office start at once.
var GuestCartRule = ratelimit.Rule{
	Name: "guest-cart", Rate: 60, Burst: 20, Period: time.Hour,
	Message: "too many new guest carts from this address",
}

// guestTokenBytes is the entropy of a guest token: 256 bits, far beyond
// guessing, encoded as 43 base64url characters.
const guestTokenBytes = 32

// SKUFacts is what the cart needs to know about a SKU right now.
type SKUFacts struct {
	ID       int
	Name     string
	Price    money.Fen
	Stock    int
	Launched bool
	Image    string
	// PurchaseLimit is the most units one shopper may buy of it, the limit
	// in force (0: none): a line never holds more.
	PurchaseLimit int
}

// Catalog tells the cart about SKUs. It is implemented outside this package
// (over the database); a SKU the catalog does not know is simply absent from
// the returned map.
type Catalog interface {
	SKUFacts(ctx context.Context, ids []int) (map[int]SKUFacts, error)
}

// Owner says whose cart it is: exactly one of UserID (a signed-in shopper)
// and GuestToken (a visitor, see NewGuestToken) is set.
type Owner struct {
	UserID     int
	GuestToken string
}

// User is the cart of a signed-in shopper.
func User(id int) Owner { return Owner{UserID: id} }

// Guest is the cart of a visitor holding token.
func Guest(token string) Owner { return Owner{GuestToken: token} }

// Name is a stable name of the cart for ids that clients cache and may
// log: "u42" for a shopper's, "g" and a digest of the token for a guest's,
// so the name never gives the token (the guest cart's only key) away. ""
// for no cart.
func (o Owner) Name() string {
	switch {
	case o.UserID != 0:
		return "u" + strconv.Itoa(o.UserID)
	case o.GuestToken != "":
		sum := sha256.Sum256([]byte(o.GuestToken))
		return "g" + base64.RawURLEncoding.EncodeToString(sum[:16])
	}
	return ""
}

// Line is one SKU in a cart.
type Line struct {
	SKUID    int
	Count    int
	Selected bool
}

// NewGuestToken returns a fresh random guest token (256 bits, base64url
// without padding). It is the only thing that makes a guest cart private:
// hand it to the visitor only (the X-Cart-Token response header, which the
// client keeps and sends back) and never log it.
func NewGuestToken() (string, error) {
	b := make([]byte, guestTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cart: guest token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// errMalformedToken is returned for any token NewGuestToken could not have
// produced. The check also keeps key material ("}", ":", "*") out of keys.
var errMalformedToken = apperr.BadInput("malformed guest cart token")

// ValidateGuestToken reports BAD_USER_INPUT unless token has the exact form
// NewGuestToken produces.
func ValidateGuestToken(token string) error {
	if len(token) != base64.RawURLEncoding.EncodedLen(guestTokenBytes) {
		return errMalformedToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != guestTokenBytes {
		return errMalformedToken
	}
	return nil
}

// Option adjusts a Store.
type Option func(*Store)

// WithGuestTTL sets how long an untouched guest cart lives (default
// GuestTTL). Tests use a short one to watch a cart really expire. It is
// applied in whole milliseconds; under 1ms guest carts never expire.
func WithGuestTTL(d time.Duration) Option {
	return func(s *Store) { s.guestTTL = d }
}

// WithGuestLimit rate-limits opening guest carts (NewGuest) per client
// address with rule.
func WithGuestLimit(l *ratelimit.Limiter, rule ratelimit.Rule) Option {
	return func(s *Store) { s.limiter, s.guestRule = l, rule }
}

// Store is the cart service over one Redis.
type Store struct {
	rdb       redis.UniversalClient
	prefix    string
	catalog   Catalog
	guestTTL  time.Duration
	limiter   *ratelimit.Limiter
	guestRule ratelimit.Rule
}

// New returns a Store keeping carts under keys that start with prefix.
func New(rdb redis.UniversalClient, prefix string, catalog Catalog, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: prefix, catalog: catalog, guestTTL: GuestTTL}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewGuest opens a guest cart for a visitor from addr (the client
// address): a fresh token, nothing stored until the first write. Past
// GuestCartRule for addr it is RATE_LIMITED.
func (s *Store) NewGuest(ctx context.Context, addr string) (Owner, error) {
	if s.limiter != nil {
		if err := s.limiter.Allow(ctx, s.guestRule, ratelimit.AddressKey(addr)); err != nil {
			return Owner{}, err
		}
	}
	tok, err := NewGuestToken()
	if err != nil {
		return Owner{}, err
	}
	return Guest(tok), nil
}

// cartKey is an owner's cart key and the TTLs (see the scripts' touch) to
// apply at every touch.
type cartKey struct {
	key string
	// ttl, newTTL, revisit in milliseconds; ttl 0: never expires.
	ttl, newTTL, revisit int64
}

// args are the scripts' first three ARGV, then rest.
func (k cartKey) args(rest ...any) []any {
	return append([]any{k.ttl, k.newTTL, k.revisit}, rest...)
}

func (s *Store) keyOf(o Owner) (cartKey, error) {
	switch {
	case o.UserID != 0 && o.GuestToken != "":
		return cartKey{}, apperr.BadInput("a cart belongs to a shopper or to a guest token, not both")
	case o.UserID > 0:
		return cartKey{key: s.userKey(o.UserID)}, nil
	case o.UserID < 0:
		return cartKey{}, apperr.BadInput("malformed user id")
	case o.GuestToken != "":
		if err := ValidateGuestToken(o.GuestToken); err != nil {
			return cartKey{}, err
		}
		return cartKey{
			key:     s.guestKey(o.GuestToken),
			ttl:     s.guestTTL.Milliseconds(),
			newTTL:  min(NewGuestTTL, s.guestTTL).Milliseconds(),
			revisit: GuestRevisit.Milliseconds(),
		}, nil
	}
	return cartKey{}, apperr.BadInput("a cart needs a signed-in shopper or a guest token")
}

func (s *Store) userKey(id int) string {
	return s.prefix + "cart:{u" + strconv.Itoa(id) + "}"
}

// guestKey must only see tokens that passed ValidateGuestToken.
func (s *Store) guestKey(token string) string {
	return s.prefix + "cart:{g" + token + "}"
}

// checkCount enforces the per-line bounds on a count the client sent.
func checkCount(count int) error {
	if count < 1 || count > MaxCount {
		return apperr.BadInput("count must be between 1 and %d, got %d", MaxCount, count)
	}
	return nil
}

// onSale returns the facts of a SKU a shopper may put into a cart now.
func (s *Store) onSale(ctx context.Context, skuID int) (SKUFacts, error) {
	facts, err := s.catalog.SKUFacts(ctx, []int{skuID})
	if err != nil {
		return SKUFacts{}, fmt.Errorf("cart: sku %d facts: %w", skuID, err)
	}
	f, ok := facts[skuID]
	if !ok || !f.Launched {
		return SKUFacts{}, apperr.SKUUnavailable{SKUID: skuID}
	}
	return f, nil
}

// checkLine checks what Add and Update both need before their script runs:
// a valid owner, a count in range, and a SKU on sale (whose stock and
// limit the script checks the new count against).
func (s *Store) checkLine(ctx context.Context, o Owner, skuID, count int) (cartKey, SKUFacts, error) {
	k, err := s.keyOf(o)
	if err != nil {
		return cartKey{}, SKUFacts{}, err
	}
	if err := checkCount(count); err != nil {
		return cartKey{}, SKUFacts{}, err
	}
	f, err := s.onSale(ctx, skuID)
	return k, f, err
}

// Add puts count more units of a SKU into the cart. A new line starts
// selected; an existing line keeps its selection. It returns the line as it
// now is. The resulting count must be within 1..MaxCount (BAD_USER_INPUT)
// and within the stock now (INSUFFICIENT_STOCK); a new line must fit in
// MaxLines (CART_FULL); the SKU must be launched (SKU_UNAVAILABLE).
func (s *Store) Add(ctx context.Context, o Owner, skuID, count int) (Line, error) {
	k, f, err := s.checkLine(ctx, o, skuID, count)
	if err != nil {
		return Line{}, err
	}
	v, err := addScript.Run(ctx, s.rdb, []string{k.key},
		k.args(skuID, count, f.Stock, f.PurchaseLimit, MaxCount, MaxLines)...).Text()
	if err != nil {
		return Line{}, scriptError("add", f, err)
	}
	l, _, err := decodeLine(strconv.Itoa(skuID), v)
	return l, err
}

// Update sets a line's count, and its selection when selected is not nil.
// The line must be in the cart (NOT_FOUND); the count must be within
// 1..MaxCount and the stock now; the SKU must still be launched.
func (s *Store) Update(ctx context.Context, o Owner, skuID, count int, selected *bool) (Line, error) {
	k, f, err := s.checkLine(ctx, o, skuID, count)
	if err != nil {
		return Line{}, err
	}
	sel := ""
	if selected != nil {
		sel = selFlag(*selected)
	}
	v, err := updateScript.Run(ctx, s.rdb, []string{k.key}, k.args(skuID, count, f.Stock, f.PurchaseLimit, sel)...).Text()
	if err != nil {
		return Line{}, scriptError("update", f, err)
	}
	l, _, err := decodeLine(strconv.Itoa(skuID), v)
	return l, err
}

// Remove deletes the lines of the given SKUs; SKUs not in the cart are ignored.
func (s *Store) Remove(ctx context.Context, o Owner, skuIDs []int) error {
	k, err := s.keyOf(o)
	if err != nil {
		return err
	}
	if len(skuIDs) == 0 {
		return nil
	}
	args := k.args()
	for _, id := range skuIDs {
		args = append(args, id)
	}
	if err := removeScript.Run(ctx, s.rdb, []string{k.key}, args...).Err(); err != nil {
		return fmt.Errorf("cart: remove: %w", err)
	}
	return nil
}

// SelectAll selects (or deselects) every line.
func (s *Store) SelectAll(ctx context.Context, o Owner, selected bool) error {
	k, err := s.keyOf(o)
	if err != nil {
		return err
	}
	if err := selectAllScript.Run(ctx, s.rdb, []string{k.key}, k.args(selFlag(selected))...).Err(); err != nil {
		return fmt.Errorf("cart: select all: %w", err)
	}
	return nil
}

// Lines returns the cart's lines in the order they were first added. An
// empty (or expired) cart has no lines and is not an error.
func (s *Store) Lines(ctx context.Context, o Owner) ([]Line, error) {
	k, err := s.keyOf(o)
	if err != nil {
		return nil, err
	}
	flat, err := readScript.Run(ctx, s.rdb, []string{k.key}, k.args()...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("cart: read: %w", err)
	}
	type seqLine struct {
		Line
		seq int64
	}
	ls := make([]seqLine, 0, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		l, seq, err := decodeLine(flat[i], flat[i+1])
		if err != nil {
			return nil, err
		}
		ls = append(ls, seqLine{l, seq})
	}
	slices.SortFunc(ls, func(a, b seqLine) int {
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		return cmp.Compare(a.SKUID, b.SKUID)
	})
	out := make([]Line, len(ls))
	for i, l := range ls {
		out[i] = l.Line
	}
	return out, nil
}

// Selected returns the selected lines in cart order: what placeOrder buys.
func (s *Store) Selected(ctx context.Context, o Owner) ([]Line, error) {
	ls, err := s.Lines(ctx, o)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ls, func(l Line) bool { return !l.Selected }), nil
}

// RemovePurchased takes what order orderID bought out of the cart once the
// order has committed. Each line loses only the purchased count: units of
// the same SKU added while the order was being placed stay (with the
// line's selection and position); a line left with nothing is deleted.
//
// It applies once per order: the cart keeps a mark of the order for
// PurchasedMemory, set in the same atomic step, so a second call for the
// order (a retry after a lost answer, a clean-up that an order still owes)
// changes nothing, and never takes units added since.
func (s *Store) RemovePurchased(ctx context.Context, o Owner, orderID int, lines []Line) error {
	k, err := s.keyOf(o)
	if err != nil {
		return err
	}
	if orderID <= 0 {
		return apperr.BadInput("malformed order id")
	}
	args := k.args(PurchasedMemory.Milliseconds())
	for _, l := range lines {
		if l.Count > 0 {
			args = append(args, l.SKUID, l.Count)
		}
	}
	if len(args) == 4 {
		return nil
	}
	keys := []string{k.key, k.key + ":bought:" + strconv.Itoa(orderID)}
	if err := removePurchasedScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("cart: remove purchased: %w", err)
	}
	return nil
}

// Merge moves a guest cart into a shopper's cart when the visitor signs in:
//   - a SKU in both carts takes the guest line's count and selection (what
//     the visitor did last wins) and keeps its place in the shopper's cart;
//   - the guest's other lines are appended in the order the visitor added
//     them, while the cart has fewer than MaxLines lines; the rest are
//     dropped (the shopper's own lines are never pushed out) and their SKU
//     ids returned, so the caller can tell the shopper;
//   - the guest cart is deleted, so merging again changes nothing.
//
// The two carts may live on different nodes of a Redis Cluster, so no one
// script sees both: the guest cart is read, its lines are applied to the
// shopper's cart under a mark of this merge (applyGuestScript), and the
// guest cart is deleted if it still holds what was read (dropGuestScript);
// the mark goes last. A merge that stops in between (a crash, a lost
// answer) leaves the guest cart, and the next one finds in the mark which
// lines were applied: none twice (what the shopper changed since stands),
// none lost (a line the visitor changed or added since is applied).
//
// Counts and stock are not checked again: every guest line passed those
// checks when it was written, and View (and checkoutPreview) show what changed since.
func (s *Store) Merge(ctx context.Context, guestToken string, userID int) (dropped []int, err error) {
	if err := ValidateGuestToken(guestToken); err != nil {
		return nil, err
	}
	if userID <= 0 {
		return nil, apperr.BadInput("malformed user id")
	}
	// Each round fails only when the visitor writes to the guest cart
	// between its read and its deletion.
	for range mergeRounds {
		g, err := s.readGuest(ctx, guestToken)
		if err != nil {
			return nil, err
		}
		if len(g) > 0 {
			if dropped, err = s.applyGuest(ctx, guestToken, userID, g); err != nil {
				return nil, err
			}
			gone, err := dropGuestScript.Run(ctx, s.rdb, []string{s.guestKey(guestToken)}, g...).Int()
			if err != nil {
				return nil, fmt.Errorf("cart: merge: deleting the guest cart: %w", err)
			}
			if gone == 0 {
				continue
			}
		}
		// Also when the guest cart was gone already: a merge that stopped
		// after deleting it may have left its mark.
		if err := s.rdb.Del(ctx, s.mergeMark(guestToken, userID)).Err(); err != nil {
			return nil, fmt.Errorf("cart: merge: %w", err)
		}
		return dropped, nil
	}
	return nil, apperr.Unavailable{Cause: errors.New("cart: merge: the guest cart kept changing while it was merged")}
}

// mergeRounds bounds Merge's rounds; a visitor racing a sign-in loses
// nothing by waiting for the retry.
const mergeRounds = 3

// MergeMemory is how long a merge that stopped halfway remembers what it
// applied: as long as the guest cart it left may live untouched.
const MergeMemory = GuestTTL

// mergeMark is the mark of merging the guest cart of token into userID's:
// in the shopper cart's slot, named by the guest cart's Name (never the
// token).
func (s *Store) mergeMark(token string, userID int) string {
	return s.userKey(userID) + ":merged:" + Guest(token).Name()
}

// readGuest returns the guest cart's lines as flat sku, value pairs.
func (s *Store) readGuest(ctx context.Context, token string) ([]any, error) {
	h, err := s.rdb.HGetAll(ctx, s.guestKey(token)).Result()
	if err != nil {
		return nil, fmt.Errorf("cart: merge: reading the guest cart: %w", err)
	}
	g := make([]any, 0, 2*len(h))
	for sku, v := range h {
		g = append(g, sku, v)
	}
	return g, nil
}

// applyGuest is the first step of Merge: guest (readGuest's pairs) into
// the shopper's cart, at most once per guest line value.
func (s *Store) applyGuest(ctx context.Context, token string, userID int, guest []any) (dropped []int, err error) {
	args := append([]any{MaxLines, MergeMemory.Milliseconds()}, guest...)
	keys := []string{s.userKey(userID), s.mergeMark(token, userID)}
	ids, err := applyGuestScript.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("cart: merge: %w", err)
	}
	for _, id := range ids {
		n, err := strconv.Atoi(id)
		if err != nil {
			return nil, fmt.Errorf("cart: merge: dropped sku %q: %w", id, err)
		}
		dropped = append(dropped, n)
	}
	return dropped, nil
}

func selFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// decodeLine parses a hash field and value written by the scripts.
func decodeLine(field, value string) (Line, int64, error) {
	id, err1 := strconv.Atoi(field)
	parts := strings.Split(value, ":")
	if err1 != nil || len(parts) != 3 || (parts[1] != "0" && parts[1] != "1") {
		return Line{}, 0, fmt.Errorf("cart: malformed line %q=%q", field, value)
	}
	count, err2 := strconv.Atoi(parts[0])
	seq, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err2 != nil || err3 != nil {
		return Line{}, 0, fmt.Errorf("cart: malformed line %q=%q", field, value)
	}
	return Line{SKUID: id, Count: count, Selected: parts[1] == "1"}, seq, nil
}

// scriptError turns the coded replies of the write scripts into domain
// errors; anything else is an internal error.
func scriptError(op string, f SKUFacts, err error) error {
	switch {
	case redis.HasErrorPrefix(err, errPrefixQtyLimit):
		return apperr.BadInput("a cart line holds at most %d units", MaxCount)
	case redis.HasErrorPrefix(err, errPrefixLimit):
		// The cart knows no orders: left is what one order may hold.
		return apperr.PurchaseLimit{SKUID: f.ID, Limit: f.PurchaseLimit, Left: f.PurchaseLimit}
	case redis.HasErrorPrefix(err, errPrefixNoStock):
		return apperr.InsufficientStock{SKUID: f.ID, Left: max(f.Stock, 0)}
	case redis.HasErrorPrefix(err, errPrefixCartFull):
		return errCartFull
	case redis.HasErrorPrefix(err, errPrefixNoLine):
		return apperr.NotFound("cart line")
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("cart: %s: script returned nothing", op)
	}
	return fmt.Errorf("cart: %s: %w", op, err)
}
