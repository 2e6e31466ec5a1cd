package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/pricing"
)

// rawDB places the same one-unit orders as placeOrder, as plain SQL on its
// own pool: no HTTP, no GraphQL, no Redis cart, no Ent, no reads before the
// transaction. What placeOrder reaches against it is the API's cost.
type rawDB struct {
	db     *sql.DB
	policy *database.RetryPolicy
	runID  string
	price  pricing.Totals // of every order: one unit of a bench SKU
	seq    atomic.Int64
	// logOnce prints the first unexpected error, so a failing cell says why.
	logOnce sync.Once
}

func openRawDB(ctx context.Context, e *env) (*rawDB, error) {
	mc, err := mysql.ParseDSN(e.dsn)
	if err != nil {
		return nil, err
	}
	// The settings database.Open forces on the application's pool; without
	// interpolateParams every statement is a prepare/execute/close round
	// trip and the hot-row rate halves (docs/ARCHITECTURE.md).
	mc.InterpolateParams = true
	mc.ParseTime = true
	mc.Loc = time.UTC
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	// One connection per worker, as many as there are buyers.
	db.SetMaxOpenConns(e.opts.buyers)
	db.SetMaxIdleConns(e.opts.buyers)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &rawDB{db: db, policy: database.NewRetryPolicy(), runID: e.runID, price: e.oneUnit}, nil
}

// The statements of one order, in the order placeOrder runs them: the
// inserts first, the contended guarded update last, so the SKU row's lock
// is held only from that update to COMMIT.
const (
	insertOrderSQL = "INSERT INTO `orders` (`created_at`, `updated_at`, `order_no`, `idempotency_key`," +
		" `receiver`, `mobile`, `province`, `city`, `district`, `detail`," +
		" `total_count`, `total_amount`, `freight`, `pay_method`, `status`, `user_id`)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'CASH', ?, ?)"
	insertLineSQL = "INSERT INTO `order_lines` (`created_at`, `updated_at`, `sku_name`, `count`, `price`, `sku_id`, `order_id`)" +
		" VALUES (?, ?, ?, 1, ?, ?, ?)"
	takeStockSQL = "UPDATE `skus` SET `stock` = `stock` - 1, `sales` = `sales` + 1 WHERE `id` = ? AND `stock` >= 1 AND `launched`"
)

// errShort is the guarded update changing no row.
var errShort = errors.New("insufficient stock")

// order places one order of one unit of sku for userID and returns "" or
// an error code like the API's.
func (r *rawDB) order(ctx context.Context, userID int, sku benchSKU) string {
	n := r.seq.Add(1)
	orderNo := fmt.Sprintf("R%s%012d", r.runID, n) // 21 of varchar(32)
	key := fmt.Sprintf("raw-%s-%d", r.runID, n)
	err := database.Retry(ctx, r.policy, func(ctx context.Context) error {
		return r.attempt(ctx, userID, sku, orderNo, key)
	})
	return r.code(err)
}

// attempt is one transaction; Retry runs it again after a deadlock, a lock
// wait timeout or a lost connection.
func (r *rawDB) attempt(ctx context.Context, userID int, sku benchSKU, orderNo, key string) error {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now := time.Now().UTC()
	a := benchAddress
	res, err := tx.ExecContext(ctx, insertOrderSQL, now, now, orderNo, key,
		a["receiver"], a["mobile"], benchAddressNames[0], benchAddressNames[1], benchAddressNames[2], a["detail"],
		r.price.Count, int64(r.price.Goods), int64(r.price.Freight), int(orderstate.Unsend), userID)
	if err != nil {
		return err
	}
	orderID, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, insertLineSQL, now, now, sku.Name, int64(skuPrice), sku.ID, orderID); err != nil {
		return err
	}
	res, err = tx.ExecContext(ctx, takeStockSQL, sku.ID)
	if err != nil {
		return err
	}
	if changed, err := res.RowsAffected(); err != nil {
		return err
	} else if changed != 1 {
		return errShort
	}
	return tx.Commit()
}

// code turns an order's error into a code for the report.
func (r *rawDB) code(err error) string {
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errShort):
		return apperr.CodeInsufficientStock
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return codeCanceled
	case errors.Is(err, database.ErrRetriesExhausted) && errors.As(err, &me):
		return fmt.Sprintf("RETRIES_EXHAUSTED_%d", me.Number)
	case errors.As(err, &me):
		r.logOnce.Do(func() { fmt.Fprintf(os.Stderr, "bench: raw SQL: %v\n", err) })
		return fmt.Sprintf("MYSQL_%d", me.Number)
	default:
		r.logOnce.Do(func() { fmt.Fprintf(os.Stderr, "bench: raw SQL: %v\n", err) })
		return codeSQLError
	}
}
