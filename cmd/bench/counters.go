package main

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Round trips are where a request's time goes when the machine is small:
// each cell reports how many SQL statements and Redis commands the servers
// executed per measured operation. The counters are server-wide (MariaDB's
// Questions, Redis's total_commands_processed), so another program using
// the same servers during a run inflates them; the cores column shows that
// too.

// serverCounters reads the two counters.
type serverCounters struct {
	db  *sql.DB
	rdb *redis.Client
}

type counterSample struct {
	questions, redisCmds int64
	ok                   bool
}

func (c serverCounters) sample(ctx context.Context) counterSample {
	var s counterSample
	var name string
	if c.db == nil || c.rdb == nil {
		return s
	}
	if err := c.db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Questions'").Scan(&name, &s.questions); err != nil {
		return s
	}
	info, err := c.rdb.Info(ctx, "stats").Result()
	if err != nil {
		return s
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			s.redisCmds, err = strconv.ParseInt(v, 10, 64)
			s.ok = err == nil
		}
	}
	return s
}

// perOp is the work the servers did per measured operation between two
// samples.
type perOp struct {
	sql, redis float64
	ok         bool
}

func (s counterSample) perOp(from counterSample, ops int) perOp {
	if !s.ok || !from.ok || ops == 0 {
		return perOp{}
	}
	return perOp{
		sql:   float64(s.questions-from.questions) / float64(ops),
		redis: float64(s.redisCmds-from.redisCmds) / float64(ops),
		ok:    true,
	}
}
