package skusearch

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// reindexMessage asks every instance to rebuild its index.
const reindexMessage = "reindex"

// Fleet carries catalog changes to every instance's index over one Redis
// channel: a SKU id to refresh, or reindexMessage. Pub/sub does not keep
// what an instance missed while it was disconnected, so each
// resubscription after the first rebuilds the whole index (the catch-up).
type Fleet struct {
	s       *Service
	rdb     redis.UniversalClient
	channel string
}

// NewFleet returns the fleet link of s on rdb; its channel is prefix +
// "search:changes".
func NewFleet(s *Service, rdb redis.UniversalClient, prefix string) *Fleet {
	return &Fleet{s: s, rdb: rdb, channel: prefix + "search:changes"}
}

// Changed refreshes a SKU here, then tells the other instances. It is the
// partner service's hook: the change reaches this index before the
// mutation answers, the others' within a round trip.
func (f *Fleet) Changed(ctx context.Context, skuID int) {
	f.s.Refresh(ctx, skuID)
	f.publish(ctx, strconv.Itoa(skuID))
}

// CategoryChanged is the hook of a category created or renamed
// (menu.New): every SKU under it is indexed with the category's name, so
// this instance rebuilds before the mutation answers and tells the
// others to. Categories change seldom; a rebuild of thousands of SKUs
// takes about a second.
func (f *Fleet) CategoryChanged(ctx context.Context, _ int) {
	f.s.RunReindex(ctx)
	f.publish(ctx, reindexMessage)
}

// Reindex asks every instance to rebuild (storefront reindex).
func (f *Fleet) Reindex(ctx context.Context) error {
	return f.rdb.Publish(ctx, f.channel, reindexMessage).Err()
}

func (f *Fleet) publish(ctx context.Context, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := f.rdb.Publish(ctx, f.channel, msg).Err(); err != nil {
		f.s.log.WarnContext(ctx, "search: a change was not sent to the other instances; they catch up at their next rebuild", "err", err)
	}
}

// Follow applies the other instances' changes until ctx ends.
func (f *Fleet) Follow(ctx context.Context) {
	sub := f.rdb.Subscribe(ctx, f.channel)
	// Receive does not always return when ctx ends (a read with no
	// deadline waits for the next message); closing the subscription
	// ends it, so shutdown never waits on a quiet channel.
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	defer func() { stop(); _ = sub.Close() }()
	first := true
	for {
		msg, err := sub.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			// go-redis reconnects on the next Receive; pause so a Redis
			// that is down does not spin this loop.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && !first {
				f.s.RunReindex(ctx) // back after a gap: catch up
			}
			first = false
		case *redis.Message:
			if m.Payload == reindexMessage {
				f.s.RunReindex(ctx)
				continue
			}
			if id, err := strconv.Atoi(m.Payload); err == nil {
				f.s.Refresh(ctx, id)
			}
		}
	}
}
