package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// printTables prints one table per scenario group, then placeOrder against
// the raw SQL ceiling.
func printTables(w io.Writer, results []*cellResult) {
	var groups []string
	for _, r := range results {
		if !slices.Contains(groups, r.sc.group) {
			groups = append(groups, r.sc.group)
		}
	}
	for _, g := range groups {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%-18s %5s %9s %9s %9s %7s  %-11s  %-20s  %s\n",
			"operation", "conc", "ops/s", "p50", "p99", "retries", "sql+rds/op", "cores bench/db/rds/all", "errors")
		for _, r := range results {
			if r.sc.group == g {
				printRow(w, r)
			}
		}
	}
	printCeiling(w, results)
	printCheckout(w, results)
	for _, r := range results {
		if r.cpu.disturbed() {
			fmt.Fprintf(w, "\n* other programs used over %.2f cores during the cells so marked: their numbers are low; rerun on a quiet machine\n", otherLoad)
			break
		}
	}
}

func printRow(w io.Writer, r *cellResult) {
	if r.err != nil && len(r.samples) == 0 {
		fmt.Fprintf(w, "%-18s %5d %9s %9s %9s %7s  %-11s  %-20s  %v\n", r.sc.name, r.conc, "-", "-", "-", "-", "", "", r.err)
		return
	}
	errs := formatErrors(r.errors)
	if r.err != nil {
		errs += fmt.Sprintf(" [%v]", r.err)
	}
	fmt.Fprintf(w, "%-18s %5d %9.1f %9s %9s %7s  %-11s  %-20s  %s\n",
		r.sc.name, r.conc, r.opsPerSec(),
		formatDuration(percentile(r.samples, 0.50)), formatDuration(percentile(r.samples, 0.99)),
		formatRetries(r), formatLoad(r.load), formatCPU(r.cpu), errs)
}

// printCeiling puts each placeOrder cell beside the raw SQL cell of the
// same SKU choice and concurrency: one-line orders (hot, spread) in one
// table, multi-line orders in a second, so the first keeps its columns.
func printCeiling(w io.Writer, results []*cellResult) {
	find := func(key string, conc int) *cellResult {
		for _, r := range results {
			if r.sc.key == key && r.conc == conc && r.err == nil {
				return r
			}
		}
		return nil
	}
	concsOf := func(kinds ...string) []int {
		var concs []int
		for _, r := range results {
			for _, k := range kinds {
				if r.sc.key == "place-"+k && !slices.Contains(concs, r.conc) {
					concs = append(concs, r.conc)
				}
			}
		}
		slices.Sort(concs)
		return concs
	}
	row := func(c int, kinds ...string) {
		fmt.Fprintf(w, "%5d", c)
		for _, kind := range kinds {
			api, raw := find("place-"+kind, c), find("raw-"+kind, c)
			fmt.Fprintf(w, "  %9s %9s %7s %6s %6s %7s", formatOps(api), formatOps(raw), formatRatio(api, raw),
				formatBatch(api), formatAlone(api), formatAux(api, stageOp))
		}
		fmt.Fprintln(w)
	}
	if concs := concsOf("hot", "spread"); len(concs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "placeOrder against the raw SQL ceiling (orders/s; batch = orders per combined transaction, alone = orders sent back to one")
		fmt.Fprintln(w, "transaction each; stage = p50 of the untimed cart staging before each order)")
		fmt.Fprintf(w, "%5s  %9s %9s %7s %6s %6s %7s  %9s %9s %7s %6s %6s %7s\n",
			"conc", "API hot", "raw hot", "API/raw", "batch", "alone", "stage", "API sprd", "raw sprd", "API/raw", "batch", "alone", "stage")
		for _, c := range concs {
			row(c, "hot", "spread")
		}
	}
	if concs := concsOf("3lines"); len(concs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%d-line orders against their raw SQL ceiling (orders/s; stage = p50 of staging all %d lines)\n", multiLines, multiLines)
		fmt.Fprintf(w, "%5s  %9s %9s %7s %6s %6s %7s\n", "conc", "API 3l", "raw 3l", "API/raw", "batch", "alone", "stage")
		for _, c := range concs {
			row(c, "3lines")
		}
	}
}

func formatOps(r *cellResult) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", r.opsPerSec())
}

func formatRatio(api, raw *cellResult) string {
	if api == nil || raw == nil || raw.opsPerSec() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", api.opsPerSec()/raw.opsPerSec())
}

// formatBatch is the mean number of orders per combined transaction.
func formatBatch(r *cellResult) string {
	if r == nil || r.batches.Batches == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(r.batches.Batched)/float64(r.batches.Batches))
}

func formatAlone(r *cellResult) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprint(r.batches.OwnTx)
}

func formatAux(r *cellResult, op string) string {
	if r == nil || len(r.aux[op]) == 0 {
		return "-"
	}
	return formatDuration(percentile(r.aux[op], 0.50))
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// formatErrors is "0", or the count and the codes seen, most frequent
// first: "5 (INSUFFICIENT_STOCK 3, addToCart: CART_FULL 2)".
func formatErrors(errs map[string]int) string {
	total := 0
	codes := make([]string, 0, len(errs))
	for code, n := range errs {
		total += n
		codes = append(codes, code)
	}
	if total == 0 {
		return "0"
	}
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(errs[b], errs[a]), cmp.Compare(a, b))
	})
	if len(codes) == 1 {
		return fmt.Sprintf("%d (%s)", total, codes[0])
	}
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s %d", c, errs[c])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func formatRetries(r *cellResult) string {
	if r.retries.GaveUp > 0 {
		return fmt.Sprintf("%d/%d!", r.retries.Retries, r.retries.GaveUp)
	}
	return fmt.Sprint(r.retries.Retries)
}

func formatLoad(l perOp) string {
	if !l.ok {
		return ""
	}
	return fmt.Sprintf("%.1f+%.1f", l.sql, l.redis)
}

func formatCPU(u cpuUsage) string {
	if !u.ok {
		return ""
	}
	s := fmt.Sprintf("%.2f/%.2f/%.2f/%.2f", u.bench, u.db, u.redis, u.machine)
	if u.disturbed() {
		s += "*"
	}
	return s
}
