// Package menu is the home page's category menu (meiduo's goods
// channels): groups of top-level categories, in order, each with the page
// it links to and its whole sub-category tree. Its promises:
//
//   - The menu is read in three statements (groups, channels, the category
//     tree) and kept whole in Redis, so serving it costs no SQL; concurrent
//     misses on one instance share one read (single-flight).
//   - Any partner change to categories or channels drops it (Invalidate);
//     it also expires after TTL, so an instance that missed the drop (a
//     Redis that lost it) serves the change within TTL.
//   - A Redis that does not answer is not an outage of the home page: the
//     menu is read from the database.
package menu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/channel"
	"github.com/storefront/storefront/ent/channelgroup"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gallery"
	"github.com/storefront/storefront/internal/text"
)

// TTL is how long a cached menu is served at most.
const TTL = 10 * time.Minute

// Group is one row of the menu.
type Group struct {
	ID       int       `json:"id"`
	Name     string    `json:"name"`
	Channels []Channel `json:"channels"`
}

// Channel is a top-level category in a group.
type Channel struct {
	URL      string `json:"url"`
	Category Node   `json:"category"`
}

// Node is a category with its sub-categories, in display order.
type Node struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Children []Node `json:"children"`
}

// Service serves and changes the menu.
type Service struct {
	client *ent.Client
	rdb    redis.UniversalClient
	key    string
	log    *slog.Logger
	group  singleflight.Group
	// onCategory are told of a category created or renamed: the search
	// index holds category names, the hot lists know which ids exist.
	onCategory []func(ctx context.Context, categoryID int)
}

// New returns the service; the menu is cached at prefix + "menu".
// onCategory run after a category is created or changed.
func New(client *ent.Client, rdb redis.UniversalClient, prefix string, log *slog.Logger, onCategory ...func(ctx context.Context, categoryID int)) *Service {
	return &Service{client: client, rdb: rdb, key: prefix + "menu", log: log, onCategory: onCategory}
}

func (s *Service) categoryChanged(ctx context.Context, id int) {
	s.Invalidate(ctx)
	for _, f := range s.onCategory {
		f(ctx, id)
	}
}

// Menu returns the menu.
func (s *Service) Menu(ctx context.Context) ([]Group, error) {
	raw, err := s.rdb.Get(ctx, s.key).Bytes()
	if err == nil {
		var g []Group
		if json.Unmarshal(raw, &g) == nil {
			return g, nil
		}
	} else if !errors.Is(err, redis.Nil) {
		s.log.WarnContext(ctx, "menu: Redis did not answer; reading the database", "err", err)
	}
	v, err, _ := s.group.Do("menu", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		g, err := s.read(ctx)
		if err != nil {
			return nil, err
		}
		if b, err := json.Marshal(g); err == nil {
			if err := s.rdb.Set(ctx, s.key, b, TTL).Err(); err != nil {
				s.log.WarnContext(ctx, "menu: not cached", "err", err)
			}
		}
		return g, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]Group), nil
}

func (s *Service) read(ctx context.Context) ([]Group, error) {
	groups, err := s.client.ChannelGroup.Query().Order(ent.Asc(channelgroup.FieldSort), ent.Asc(channelgroup.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("menu: groups: %w", err)
	}
	chans, err := s.client.Channel.Query().Order(ent.Asc(channel.FieldSort), ent.Asc(channel.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("menu: channels: %w", err)
	}
	cats, err := s.client.Category.Query().Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("menu: categories: %w", err)
	}
	children := map[int][]*ent.Category{}
	byID := map[int]*ent.Category{}
	for _, c := range cats {
		byID[c.ID] = c
		if c.ParentID != nil {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		}
	}
	var node func(c *ent.Category, depth int) Node
	node = func(c *ent.Category, depth int) Node {
		n := Node{ID: c.ID, Name: c.Name, Children: []Node{}}
		if depth < 8 {
			for _, k := range children[c.ID] {
				n.Children = append(n.Children, node(k, depth+1))
			}
		}
		return n
	}
	out := make([]Group, 0, len(groups))
	at := map[int]int{}
	for _, g := range groups {
		at[g.ID] = len(out)
		out = append(out, Group{ID: g.ID, Name: g.Name, Channels: []Channel{}})
	}
	for _, ch := range chans {
		i, ok := at[ch.GroupID]
		c, found := byID[ch.CategoryID]
		if ok && found {
			out[i].Channels = append(out[i].Channels, Channel{URL: ch.URL, Category: node(c, 0)})
		}
	}
	return out, nil
}

// Invalidate drops the cached menu.
func (s *Service) Invalidate(ctx context.Context) {
	if err := s.rdb.Del(ctx, s.key).Err(); err != nil {
		s.log.WarnContext(ctx, "menu: not dropped; it expires within its TTL", "err", err, "ttl", TTL)
	}
}

var nameRule = text.Rule{Field: "name", Min: 1, Max: 64}

// CreateCategory adds a category under parent (nil: top level) at sort.
func (s *Service) CreateCategory(ctx context.Context, p apikey.Partner, name string, parentID *int, sort int) (*ent.Category, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	name, err := nameRule.Clean(name)
	if err != nil {
		return nil, err
	}
	create := s.client.Category.Create().SetName(name).SetSort(sort)
	if parentID != nil {
		if ok, err := s.client.Category.Query().Where(category.ID(*parentID)).Exist(ctx); err != nil {
			return nil, err
		} else if !ok {
			return nil, apperr.NotFound("category")
		}
		create.SetParentID(*parentID)
	}
	c, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("menu: creating a category: %w", err)
	}
	s.categoryChanged(ctx, c.ID)
	return c, nil
}

// UpdateCategory renames or re-sorts a category.
func (s *Service) UpdateCategory(ctx context.Context, p apikey.Partner, id int, name *string, sort *int) (*ent.Category, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	u := s.client.Category.UpdateOneID(id)
	if name != nil {
		n, err := nameRule.Clean(*name)
		if err != nil {
			return nil, err
		}
		u.SetName(n)
	}
	if sort != nil {
		u.SetSort(*sort)
	}
	c, err := u.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("category")
	}
	if err != nil {
		return nil, fmt.Errorf("menu: updating a category: %w", err)
	}
	s.categoryChanged(ctx, c.ID)
	return c, nil
}

// CreateGroup adds a menu group at sort.
func (s *Service) CreateGroup(ctx context.Context, p apikey.Partner, name string, sort int) (*ent.ChannelGroup, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	name, err := nameRule.Clean(name)
	if err != nil {
		return nil, err
	}
	g, err := s.client.ChannelGroup.Create().SetName(name).SetSort(sort).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("menu: creating a group: %w", err)
	}
	s.Invalidate(ctx)
	return g, nil
}

// SetChannel puts a top-level category in a group with its page url (a
// site path or https URL), or moves it there; one channel per category.
func (s *Service) SetChannel(ctx context.Context, p apikey.Partner, groupID, categoryID int, url string, sort int) error {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return err
	}
	url, err := gallery.CheckURL(url)
	if err != nil {
		return err
	}
	c, err := s.client.Category.Get(ctx, categoryID)
	if ent.IsNotFound(err) {
		return apperr.NotFound("category")
	}
	if err != nil {
		return err
	}
	if c.ParentID != nil {
		return apperr.BadField("categoryId", "a channel is a top-level category")
	}
	if ok, err := s.client.ChannelGroup.Query().Where(channelgroup.ID(groupID)).Exist(ctx); err != nil {
		return err
	} else if !ok {
		return apperr.NotFound("channel group")
	}
	n, err := s.client.Channel.Update().Where(channel.CategoryID(categoryID)).
		SetGroupID(groupID).SetURL(url).SetSort(sort).Save(ctx)
	if err == nil && n == 0 {
		err = s.client.Channel.Create().SetGroupID(groupID).SetCategoryID(categoryID).SetURL(url).SetSort(sort).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("menu: setting a channel: %w", err)
	}
	s.Invalidate(ctx)
	return nil
}

// RemoveChannel takes a category out of the menu.
func (s *Service) RemoveChannel(ctx context.Context, p apikey.Partner, categoryID int) error {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return err
	}
	n, err := s.client.Channel.Delete().Where(channel.CategoryID(categoryID)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("menu: removing a channel: %w", err)
	}
	if n == 0 {
		return apperr.NotFound("channel")
	}
	s.Invalidate(ctx)
	return nil
}

// Seed gives a catalog without a menu one: its top-level categories two
// to a group (named after them), each linking to its list page.
func Seed(ctx context.Context, client *ent.Client) error {
	if ok, err := client.ChannelGroup.Query().Exist(ctx); err != nil || ok {
		return err
	}
	tops, err := client.Category.Query().Where(category.ParentIDIsNil()).Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < len(tops); i += 2 {
		pair := tops[i:min(i+2, len(tops))]
		names := make([]string, len(pair))
		for j, c := range pair {
			names[j] = c.Name
		}
		g, err := client.ChannelGroup.Create().SetName(strings.Join(names, " / ")).SetSort(i / 2).Save(ctx)
		if err != nil {
			return err
		}
		for j, c := range pair {
			if err := client.Channel.Create().SetGroupID(g.ID).SetCategoryID(c.ID).
				SetURL(fmt.Sprintf("/list/%d/", c.ID)).SetSort(j).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
