// Package orderstate names the order statuses shared by the Ent schema, the
// order service and the GraphQL layer. It is a leaf package so that the
// generated ent code can use the type without an import cycle.
package orderstate

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
)

// Status is stored as its small integer code; the codes are part of the data
// and must never be renumbered.
type Status int8

const (
	Unpaid     Status = 1
	Unsend     Status = 2
	Unreceived Status = 3
	Uncomment  Status = 4
	Finished   Status = 5
	Canceled   Status = 6
)

var names = map[Status]string{
	Unpaid:     "UNPAID",
	Unsend:     "UNSEND",
	Unreceived: "UNRECEIVED",
	Uncomment:  "UNCOMMENT",
	Finished:   "FINISHED",
	Canceled:   "CANCELED",
}

// All lists the statuses in code order.
func All() []Status {
	return []Status{Unpaid, Unsend, Unreceived, Uncomment, Finished, Canceled}
}

func (s Status) String() string {
	if n, ok := names[s]; ok {
		return n
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the known codes.
func (s Status) Valid() bool { _, ok := names[s]; return ok }

// MarshalGQL writes the GraphQL enum name.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(s.String())) }

// UnmarshalGQL reads the GraphQL enum name.
func (s *Status) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("order status must be a string, got %T", v)
	}
	for code, n := range names {
		if n == str {
			*s = code
			return nil
		}
	}
	return fmt.Errorf("%q is not an order status", str)
}

// Value stores the code.
func (s Status) Value() (driver.Value, error) { return int64(s), nil }

// Scan reads the code.
func (s *Status) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*s = Status(v)
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 8)
		if err != nil {
			return err
		}
		*s = Status(n)
	case nil:
		*s = 0
	default:
		return fmt.Errorf("orderstate: cannot scan %T", src)
	}
	return nil
}
