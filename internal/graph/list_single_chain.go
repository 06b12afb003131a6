package graph

import (
	"context"
	"fmt"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// UsersSingleChain reads the users q filters or searches for in one
// nextLink chain of pageSize users a page (1..999): no partitions, no
// counts, no authentication methods. It is the way other tools list users,
// kept as the benchmark's baseline.
func (c *Client) UsersSingleChain(ctx context.Context, q directory.Query, pageSize int, sink directory.Sink) error {
	if pageSize < 1 || pageSize > 999 {
		return fmt.Errorf("page size must be between 1 and 999, got %d", pageSize)
	}
	base := baseQuery(q)
	base.top = int32(pageSize)
	// Other tools list in Graph's own order: no $orderby.
	naive := &refusals{}
	naive.asc.Store(true)
	table := newIDTable(0)
	defer table.release()
	r := newPartRun(c, &partition{count: -1}, base, table, 1, naive, func(ctx context.Context, users []directory.User) error {
		c.stats.users.Add(int64(len(users)))
		return sink.Users(ctx, users)
	})
	return chain{r: r, whole: true}.run(ctx)
}
