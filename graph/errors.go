package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gid"
)

// presentError is the one place that turns errors into what clients see.
// A coded domain error keeps its message and code; errors gqlgen already
// coded (parse, validation, complexity) pass through; anything else is an
// internal error whose text (SQL, driver messages) is logged, never shown.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var coded apperr.Coded
		if errors.As(err, &coded) {
			gqlErr.Message = coded.Error()
			ext := map[string]any{"code": coded.Code()}
			for k, v := range coded.Extensions() {
				ext[k] = v
			}
			// Errors about one SKU name it with the id clients know.
			var about interface{ SKU() int }
			if errors.As(err, &about) {
				ext["skuId"] = gid.Encode(about.SKU())
			}
			gqlErr.Extensions = ext
			return gqlErr
		}
		if code, ok := gqlErr.Extensions["code"]; ok {
			// gqlgen reports a variable whose value does not fit its type
			// (an unknown enum value, a string for an Int) as a validation
			// failure of the document; the document is fine, the input is
			// not. Such errors are the ones whose path starts at "variable".
			if code == apperr.CodeValidationFailed && len(gqlErr.Path) > 0 && gqlErr.Path[0] == ast.PathName("variable") {
				gqlErr.Extensions["code"] = apperr.CodeBadUserInput
			}
			return gqlErr
		}
		// A bare gqlerror with no path comes from before the operation:
		// the persisted-query extension (malformed, or a hash that does
		// not match its query). gqlgen's own transports also made them
		// for undecodable bodies, echoing the body in the message.
		var bare *gqlerror.Error
		if errors.As(err, &bare) && bare.Unwrap() == nil && len(bare.Path) == 0 {
			gqlErr.Message = "the request is not a valid GraphQL request"
			gqlErr.Extensions = map[string]any{"code": apperr.CodeBadRequest}
			return gqlErr
		}
		log.ErrorContext(ctx, "graphql: internal error", "err", err, "path", gqlErr.Path.String())
		gqlErr.Message = "internal error"
		gqlErr.Extensions = map[string]any{"code": apperr.CodeInternal}
		return gqlErr
	}
}

// recoverPanic logs a resolver panic and answers INTERNAL instead of
// dropping the connection.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(p))
		return apperr.New(apperr.CodeInternal, "internal error")
	}
}
