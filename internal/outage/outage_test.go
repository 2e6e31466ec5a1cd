package outage_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/outage"
)

func TestWhatCountsAsAnOutage(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a deadline", fmt.Errorf("order: %w", context.DeadlineExceeded), true},
		{"the client left", context.Canceled, false},
		{"a lost connection", mysql.ErrInvalidConn, true},
		{"a dropped reply", io.EOF, true},
		{"retries ran out", fmt.Errorf("%w: %w", database.ErrRetriesExhausted, errors.New("deadlock")), true},
		{"too many connections", &mysql.MySQLError{Number: 1040}, true},
		{"the server shutting down", &mysql.MySQLError{Number: 1053}, true},
		{"a killed connection", &mysql.MySQLError{Number: 1927}, true},
		{"a duplicate key (an answer)", &mysql.MySQLError{Number: 1062}, false},
		{"a syntax error (a bug)", &mysql.MySQLError{Number: 1064}, false},
		{"a refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"redis pool timeout", redis.ErrPoolTimeout, true},
		{"a coded refusal", apperr.NotFound("order"), false},
		{"a plain bug", errors.New("nil map"), false},
	} {
		if got := outage.Is(c.err); got != c.want {
			t.Errorf("%s: outage.Is(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
