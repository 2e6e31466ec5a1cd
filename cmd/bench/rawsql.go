package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/pricing"
)

// rawDB places the same orders as placeOrder (one unit of each of one or a
// few SKUs), as plain SQL on its own pool: no HTTP, no GraphQL, no Redis
// cart, no Ent, no reads before the transaction. What placeOrder reaches
// against it is the API's cost.
type rawDB struct {
	db     *sql.DB
	policy *database.RetryPolicy
	runID  string
	// prices[n] is what an order of one unit of n bench SKUs costs.
	prices [maxRawLines + 1]pricing.Totals
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
	r := &rawDB{db: db, policy: database.NewRetryPolicy(), runID: e.runID}
	for n := 1; n <= maxRawLines; n++ {
		lines := make([]pricing.Line, n)
		for i := range lines {
			lines[i] = pricing.Line{Price: skuPrice, Count: 1}
		}
		r.prices[n] = pricing.Order(lines, e.freight)
	}
	return r, nil
}

// The statements of one order, in the order placeOrder runs them: the
// inserts first, the contended guarded updates last (one per SKU, in
// ascending SKU id), so the SKU rows' locks are held only from their update
// to COMMIT and two orders never wait on each other in opposite orders.
const (
	insertOrderSQL = "INSERT INTO `orders` (`created_at`, `updated_at`, `order_no`, `idempotency_key`," +
		" `receiver`, `mobile`, `province`, `city`, `district`, `detail`," +
		" `total_count`, `total_amount`, `freight`, `pay_method`, `status`, `user_id`)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'CASH', ?, ?)"
	insertLineSQL = "INSERT INTO `order_lines` (`created_at`, `updated_at`, `sku_name`, `count`, `price`, `sku_id`, `order_id`)" +
		" VALUES" + lineValues
	lineValues   = " (?, ?, ?, 1, ?, ?, ?)"
	takeStockSQL = "UPDATE `skus` SET `stock` = `stock` - 1, `sales` = `sales` + 1 WHERE `id` = ? AND `stock` >= 1 AND `launched`"
)

// maxRawLines bounds the lines of a raw order (the statements and prices
// are prepared up to it).
const maxRawLines = multiLines

// insertLinesSQL[n] inserts n lines in one statement, as Ent's CreateBulk
// does; insertLinesSQL[1] is insertLineSQL itself, so the one-line rows
// send the very statement they always have.
var insertLinesSQL = func() (stmts [maxRawLines + 1]string) {
	for n := 1; n <= maxRawLines; n++ {
		stmts[n] = insertLineSQL + strings.Repeat(","+lineValues, n-1)
	}
	return stmts
}()

// errShort is the guarded update changing no row.
var errShort = errors.New("insufficient stock")

// order places one order of one unit of each of skus (distinct, at most
// maxRawLines; order sorts them) for userID and returns "" or an error code
// like the API's.
func (r *rawDB) order(ctx context.Context, userID int, skus []benchSKU) string {
	// The API takes the SKU locks in ascending id, and so inserts its lines.
	slices.SortFunc(skus, func(a, b benchSKU) int { return a.ID - b.ID })
	n := r.seq.Add(1)
	orderNo := fmt.Sprintf("R%s%012d", r.runID, n) // 21 of varchar(32)
	key := fmt.Sprintf("raw-%s-%d", r.runID, n)
	err := database.Retry(ctx, r.policy, func(ctx context.Context) error {
		return r.attempt(ctx, userID, skus, orderNo, key)
	})
	return r.code(err)
}

// attempt is one transaction; Retry runs it again after a deadlock, a lock
// wait timeout or a lost connection.
func (r *rawDB) attempt(ctx context.Context, userID int, skus []benchSKU, orderNo, key string) error {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now := time.Now().UTC()
	a := benchAddress
	price := r.prices[len(skus)]
	res, err := tx.ExecContext(ctx, insertOrderSQL, now, now, orderNo, key,
		a["receiver"], a["mobile"], benchAddressNames[0], benchAddressNames[1], benchAddressNames[2], a["detail"],
		price.Count, int64(price.Goods), int64(price.Freight), int(orderstate.Unsend), userID)
	if err != nil {
		return err
	}
	orderID, err := res.LastInsertId()
	if err != nil {
		return err
	}
	args := make([]any, 0, 6*len(skus))
	for _, k := range skus {
		args = append(args, now, now, k.Name, int64(skuPrice), k.ID, orderID)
	}
	if _, err := tx.ExecContext(ctx, insertLinesSQL[len(skus)], args...); err != nil {
		return err
	}
	for _, k := range skus {
		res, err = tx.ExecContext(ctx, takeStockSQL, k.ID)
		if err != nil {
			return err
		}
		if changed, err := res.RowsAffected(); err != nil {
			return err
		} else if changed != 1 {
			return errShort
		}
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
