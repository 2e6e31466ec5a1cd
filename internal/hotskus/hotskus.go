// Package hotskus answers a category's best sellers, the list a detail or
// list page shows beside the goods. Its promises:
//
//   - A refresh is one SQL statement (the category's subtree and its top
//     launched SKUs by sales, in one recursive query), and concurrent
//     misses of one category on one instance share it (single-flight).
//     The ids of all categories are read once per TTL (one more
//     statement), so an unknown id is NOT_FOUND without SQL and without
//     a write: made-up ids cannot grow the cache.
//   - Answers come from Redis: one hash holds every category's list with
//     the time it was read, and the known ids, so a hit is one HMGET and
//     no SQL.
//   - A list lives TTL; partner changes to SKUs (Invalidate) and sales
//     that moved enough since the lists were read (Watch, one cheap query
//     per period whatever the traffic) drop every list at once.
//   - A Redis that does not answer is not an outage of the page: the list
//     is read from the database, still one statement per instance at a
//     time per category.
package hotskus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/apperr"
)

// Max is the longest list kept and the most first may ask for; Min the
// fewest.
const (
	Max = 10
	Min = 2
)

// Config tunes the cache; zero fields take the defaults.
type Config struct {
	// TTL is how long a list is served (5 minutes).
	TTL time.Duration
	// MovedEnough is how many units sold shop-wide since the lists were
	// read make them stale before their TTL (50).
	MovedEnough int
}

// Service reads and caches best sellers.
type Service struct {
	client *ent.Client
	rdb    redis.UniversalClient
	key    string
	cfg    Config
	log    *slog.Logger
	group  singleflight.Group
	// Now is the clock; tests move it.
	Now func() time.Time
}

// New returns the service; its hash is prefix + "hot".
func New(client *ent.Client, rdb redis.UniversalClient, prefix string, cfg Config, log *slog.Logger) *Service {
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.MovedEnough <= 0 {
		cfg.MovedEnough = 50
	}
	return &Service{client: client, rdb: rdb, key: prefix + "hot", cfg: cfg, log: log, Now: time.Now}
}

type entry struct {
	ReadAt int64      `json:"t"`
	SKUs   []*ent.SKU `json:"s"`
}

// known is the ids of every category, kept in the hash beside the lists
// (field idsField) so that an id that names no category is answered
// NOT_FOUND with no SQL and nothing written: caching "missing" per id
// would let anyone grow the hash without bound, one made-up id at a
// time.
type known struct {
	ReadAt int64 `json:"t"`
	IDs    []int `json:"ids"`
}

// idsField is the hash field of the known ids; list fields are decimal
// category ids, so it cannot clash.
const idsField = "ids"

// errMissing is Top's answer for a category that does not exist.
var errMissing = apperr.NotFound("category")

// Top returns up to first best sellers of category (its subtree), most
// sold first, ties by id. A hit is one HMGET: the list, and the known
// ids for when the list is not there.
func (s *Service) Top(ctx context.Context, categoryID, first int) ([]*ent.SKU, error) {
	if first < Min || first > Max {
		return nil, apperr.BadField("first", "first must be %d to %d", Min, Max)
	}
	field := strconv.Itoa(categoryID)
	var ids *known
	vals, err := s.rdb.HMGet(ctx, s.key, field, idsField).Result()
	if err != nil {
		s.log.WarnContext(ctx, "hot SKUs: Redis did not answer; reading the database", "err", err)
	} else {
		var e entry
		if raw, ok := vals[0].(string); ok && s.decode(raw, &e.ReadAt, &e) {
			return head(e.SKUs, first), nil
		}
		var k known
		if raw, ok := vals[1].(string); ok && s.decode(raw, &k.ReadAt, &k) {
			ids = &k
		}
	}
	if ids == nil {
		v, err, _ := s.group.Do(idsField, func() (any, error) {
			ctx, cancel := flightContext(ctx)
			defer cancel()
			// A caller that missed just before another flight stored the
			// ids finds them here, not in the database.
			var k known
			if s.stored(ctx, idsField, &k.ReadAt, &k) {
				return &k, nil
			}
			return s.readIDs(ctx)
		})
		if err != nil {
			return nil, err
		}
		ids = v.(*known)
	}
	if !slices.Contains(ids.IDs, categoryID) {
		return nil, errMissing
	}
	v, err, _ := s.group.Do(field, func() (any, error) {
		ctx, cancel := flightContext(ctx)
		defer cancel()
		var e entry
		if s.stored(ctx, field, &e.ReadAt, &e) {
			return e.SKUs, nil // stored by a flight that ended just before
		}
		rows, err := s.read(ctx, categoryID)
		if err != nil {
			return nil, err
		}
		s.store(ctx, field, entry{ReadAt: s.Now().UnixMilli(), SKUs: rows})
		return rows, nil
	})
	if err != nil {
		return nil, err
	}
	return head(v.([]*ent.SKU), first), nil
}

// flightContext is the context of a single-flight read: detached from
// the first caller's cancellation (the others wait on it too), bounded.
func flightContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// decode reads a stored value into v and reports whether it is younger
// than the TTL; readAt is v's time of reading.
func (s *Service) decode(raw string, readAt *int64, v any) bool {
	return json.Unmarshal([]byte(raw), v) == nil && s.Now().Sub(time.UnixMilli(*readAt)) < s.cfg.TTL
}

// stored is decode of the hash's field, read now.
func (s *Service) stored(ctx context.Context, field string, readAt *int64, v any) bool {
	raw, err := s.rdb.HGet(ctx, s.key, field).Result()
	return err == nil && s.decode(raw, readAt, v)
}

// readIDs reads every category's id (one statement) and keeps them.
func (s *Service) readIDs(ctx context.Context) (*known, error) {
	ids, err := s.client.Category.Query().IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("hotskus: category ids: %w", err)
	}
	k := &known{ReadAt: s.Now().UnixMilli(), IDs: ids}
	s.store(ctx, idsField, k)
	return k, nil
}

func (s *Service) store(ctx context.Context, field string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if err := s.rdb.HSet(ctx, s.key, field, b).Err(); err != nil {
		s.log.WarnContext(ctx, "hot SKUs: not cached", "err", err)
	}
}

func head(rows []*ent.SKU, n int) []*ent.SKU {
	if len(rows) > n {
		return rows[:n]
	}
	return rows
}

// read is the one statement of a refresh.
func (s *Service) read(ctx context.Context, categoryID int) ([]*ent.SKU, error) {
	rows, err := s.client.SKU.Query().
		Where(sku.Launched(true), func(sel *entsql.Selector) {
			sel.Where(entsql.ExprP(sel.C(sku.FieldCategoryID)+
				" IN (WITH RECURSIVE sub(id) AS (SELECT id FROM categories WHERE id = ?"+
				" UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)", categoryID))
		}).
		Order(ent.Desc(sku.FieldSales), ent.Asc(sku.FieldID)).
		Limit(Max).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("hotskus: %w", err)
	}
	return rows, nil
}

// dropLists deletes every list of the hash and keeps the known ids, in
// one step: a list refreshed after a sales move costs its one statement,
// not a second for ids that did not change.
var dropLists = redis.NewScript(`
local ids = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[1])
if ids then redis.call('HSET', KEYS[1], ARGV[1], ids) end
return 0`)

// Invalidate drops every list: a partner changed a SKU (launched, price,
// category), and the lists it is in are those of its category's
// ancestors; or sales moved.
func (s *Service) Invalidate(ctx context.Context) {
	if err := dropLists.Run(ctx, s.rdb, []string{s.key}, idsField).Err(); err != nil {
		s.log.WarnContext(ctx, "hot SKUs: lists not dropped; they expire within their TTL", "err", err, "ttl", s.cfg.TTL)
	}
}

// CategoryChanged is the hook of a category created or changed
// (menu.New): the lists and the known ids go, so a new category is
// known at once on every instance.
func (s *Service) CategoryChanged(ctx context.Context, _ int) {
	if err := s.rdb.Del(ctx, s.key).Err(); err != nil {
		s.log.WarnContext(ctx, "hot SKUs: lists not dropped; they expire within their TTL", "err", err, "ttl", s.cfg.TTL)
	}
}

// Changed is the hook of a SKU a partner changed (partner.New,
// gallery.New): the lists that hold it go (all of them; see Invalidate).
func (s *Service) Changed(ctx context.Context, _ int) { s.Invalidate(ctx) }

// Watch drops the lists whenever the shop has sold MovedEnough units
// since it last looked, checking every period with one statement (the
// total of sales), until ctx ends.
func (s *Service) Watch(ctx context.Context, period time.Duration) {
	last := -1
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		total, err := s.totalSales(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "hot SKUs: reading total sales", "err", err)
			}
		case last >= 0 && total-last >= s.cfg.MovedEnough:
			s.Invalidate(ctx)
			last = total
		case last < 0:
			last = total
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) totalSales(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var out []struct {
		Sum int `json:"sum"`
	}
	err := s.client.SKU.Query().Aggregate(ent.Sum(sku.FieldSales)).Scan(ctx, &out)
	if err != nil || len(out) == 0 {
		return 0, err
	}
	return out[0].Sum, nil
}
