package main

import (
	"context"
	"database/sql"
	"fmt"
)

// checkInvariants verifies in the database what the shop promises, whatever
// the cells did (errors, retries, Ctrl-C in the middle of a transaction):
// nothing oversold, no unit lost or invented, no order without lines. It
// returns the violations (nil: all hold) and a summary.
func checkInvariants(ctx context.Context, db *sql.DB, initial map[int]skuStart) (violations []string, summary string, err error) {
	add := func(format string, args ...any) {
		violations = append(violations, fmt.Sprintf(format, args...))
	}

	// Stock never negative, every unit either still in stock or sold, and
	// every sale since seeding an order line (the demo catalog's SKUs start
	// with sales that no order line holds).
	rows, err := db.QueryContext(ctx, "SELECT s.`id`, s.`stock`, s.`sales`, COALESCE(l.`units`, 0) FROM `skus` s"+
		" LEFT JOIN (SELECT `sku_id`, SUM(`count`) `units` FROM `order_lines` GROUP BY `sku_id`) l ON l.`sku_id` = s.`id`")
	if err != nil {
		return nil, "", err
	}
	seen := 0
	for rows.Next() {
		var id, stock, sales, lines int
		if err := rows.Scan(&id, &stock, &sales, &lines); err != nil {
			rows.Close()
			return nil, "", err
		}
		seen++
		want, ok := initial[id]
		if !ok {
			add("SKU %d was not seeded by the bench", id)
			continue
		}
		if stock < 0 {
			add("SKU %d has negative stock %d", id, stock)
		}
		if stock+sales != want.stock+want.sales {
			add("SKU %d: initial stock %d + sales %d != stock %d + sales %d", id, want.stock, want.sales, stock, sales)
		}
		if sold := sales - want.sales; sold != lines {
			add("SKU %d: %d sold since seeding != %d units in its order lines", id, sold, lines)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if seen != len(initial) {
		add("%d SKUs in the database, %d seeded", seen, len(initial))
	}

	counts := []struct {
		query, what string
	}{
		{"SELECT COUNT(*) FROM `order_lines` l LEFT JOIN `skus` s ON s.`id` = l.`sku_id` WHERE s.`id` IS NULL",
			"order lines of an unknown SKU"},
		{"SELECT COUNT(*) FROM `orders` o WHERE NOT EXISTS (SELECT 1 FROM `order_lines` l WHERE l.`order_id` = o.`id`)",
			"orders without lines"},
		{"SELECT COUNT(*) FROM `orders` o JOIN (SELECT `order_id`, SUM(`count`) c, SUM(`count` * `price`) a" +
			" FROM `order_lines` GROUP BY `order_id`) l ON l.`order_id` = o.`id`" +
			" WHERE o.`total_count` <> l.c OR o.`total_amount` <> l.a",
			"orders whose totals differ from their lines"},
	}
	for _, c := range counts {
		var n int
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return nil, "", err
		}
		if n > 0 {
			add("%d %s", n, c.what)
		}
	}

	var orders, units int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `orders`").Scan(&orders); err != nil {
		return nil, "", err
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(`count`), 0) FROM `order_lines`").Scan(&units); err != nil {
		return nil, "", err
	}
	return violations, fmt.Sprintf("%d orders, %d units", orders, units), nil
}
