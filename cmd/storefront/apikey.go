package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
)

// apikeyCommand manages partner API keys:
//
//	storefront apikey create -name NAME -scopes catalog:write,stock:write
//	storefront apikey revoke PREFIX
//	storefront apikey list
//
// The database comes from the environment (STOREFRONT_MYSQL_DSN or the
// embedded SQLite under STOREFRONT_DATA_DIR), as for serve.
func apikeyCommand(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	usage := errors.New("usage: storefront apikey create -name NAME -scopes " + strings.Join(apikey.AllScopes, ",") + " | revoke PREFIX | list")
	if len(args) == 0 {
		return usage
	}
	db, err := database.Open(ctx, database.Config{MySQLDSN: cfg.MySQLDSN, SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return err
	}
	defer db.Close()
	if pending, err := database.Pending(ctx, db); err != nil {
		return err
	} else if pending {
		return app.ErrPendingMigrations
	}
	keys := apikey.New(db.Client)
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
		name := fs.String("name", "", "what the key is for, e.g. the ERP")
		scopes := fs.String("scopes", "", "comma-separated: "+strings.Join(apikey.AllScopes, ", "))
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		key, rec, err := keys.Create(ctx, *name, strings.Split(*scopes, ","))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "API key (shown once; send it as Authorization: ApiKey <key>):\n%s\nprefix %s, scopes %s\n",
			key, rec.Prefix, strings.Join(rec.Scopes, ","))
		return nil
	case "revoke":
		if len(args) != 2 {
			return usage
		}
		if err := keys.Revoke(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s\n", args[1])
		return nil
	case "list":
		list, err := keys.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PREFIX\tNAME\tSCOPES\tCREATED\tLAST USED\tREVOKED")
		stamp := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format(time.RFC3339)
		}
		for _, k := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Name, strings.Join(k.Scopes, ","),
				k.CreatedAt.UTC().Format(time.RFC3339), stamp(k.LastUsedAt), stamp(k.RevokedAt))
		}
		return tw.Flush()
	}
	return usage
}
