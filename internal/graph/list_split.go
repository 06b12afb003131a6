package graph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	abs "github.com/microsoft/kiota-abstractions-go"
	"golang.org/x/sync/errgroup"
)

const (
	// firstChars are the first characters a prefix split of the whole
	// query gives a partition each. Names beginning with anything else
	// (other punctuation, other scripts) land in the rest, which code
	// splits cut further: the choice affects how many probes a plan takes,
	// never its completeness.
	firstChars = "abcdefghijklmnopqrstuvwxyz0123456789"

	// maxRankWays bounds the pieces of one rank split (its probes run in
	// parallel; a second round refines what the first left too large).
	maxRankWays = 16

	// maxDepth bounds how many times a partition is split: names that
	// pivots cannot separate (long runs of uncommon characters) are listed
	// as they are.
	maxDepth = 12

	// rangeWays is how many ranges a code split makes of a range.
	rangeWays = 16

	// maxRune ends the last range: one past the largest code point.
	maxRune = utf8.MaxRune + 1

	// maxPartitionPages caps a partition at this many full pages. A
	// partition's set of delivered ids lives as long as it is being listed,
	// so the cap keeps that memory flat whatever the directory's size: with
	// the authentication columns only a few chains list, and a share of the
	// directory per chain would grow with it (a quarter of 500,000 users).
	maxPartitionPages = 32
)

// scriptBounds are where a rest is first cut: the Unicode blocks names are
// written in (ASCII punctuation, Latin, Greek and Cyrillic, Hebrew and
// Arabic, kana, CJK, Hangul), so that one round of probes separates scripts.
func scriptBounds() []rune {
	return []rune{0, 0x30, 0x3A, 0x61, 0x7B, 0x80, 0x100, 0x180, 0x250, 0x370, 0x400, 0x460, 0x530,
		0x600, 0x700, 0x1100, 0x3040, 0x3100, 0x4E00, 0x6000, 0x7000, 0x8000, 0x9000, 0xA000,
		0xAC00, 0xB800, 0xC400, 0xD7B0, 0xE000, maxRune}
}

// splitter splits the query's users into partitions of about target users
// at most, using cheap $count probes (ConsistencyLevel: eventual).
type splitter struct {
	l      *lister
	target int64
	probes chan struct{} // bounds the probes in flight
}

// newSplitter sizes partitions at about the work of one chain: taken largest
// first, the chains then finish close together (a partition is never longer
// than the work per chain, and the last to start are the shortest). Below
// two pages a split saves less than its probes cost; above maxPartitionPages
// a partition holds more memory than it saves probes. Probes run as many at
// once as the client allows requests, even when few chains list: the plan's
// first split stands between the start and the first page.
func newSplitter(l *lister, total int64) *splitter {
	top := int64(l.base.top)
	target := min(max(total/int64(l.chains), 2*top), maxPartitionPages*top)
	return &splitter{l: l, target: target, probes: make(chan struct{}, max(l.chains, l.c.concurrency))}
}

// split returns the children of parent that hold users. It returns nil when
// parent cannot be split, or its children cannot be trusted to partition it
// exactly: Graph rejected a child's filter, or the counts do not add up (the
// directory changed meanwhile). Other errors end the read.
func (p *splitter) split(ctx context.Context, parent *partition) ([]*partition, error) {
	switch {
	case parent.kind == kindPrefix && parent.prefix == "":
		return p.prefixSplit(ctx, parent)
	case parent.kind == kindRest:
		return p.codeSplit(ctx, parent, scriptBounds())
	case parent.kind == kindCode && parent.hi-parent.lo > 1:
		return p.codeSplit(ctx, parent, subdivide(parent.lo, parent.hi))
	default:
		return p.rankSplit(ctx, parent)
	}
}

// prefixSplit cuts the whole query by first character. Empty children are
// not listed: they stay inside the rest, which therefore still covers them
// should a user appear there, and which is listed even when it is empty for
// that reason.
func (p *splitter) prefixSplit(ctx context.Context, parent *partition) ([]*partition, error) {
	children := make([]*partition, 0, len(firstChars)+1)
	for _, r := range firstChars {
		child := parent.with(kindPrefix, startsWithUPN(string(r)))
		child.prefix = string(r)
		children = append(children, child)
	}
	if err := p.countAll(ctx, children); err != nil {
		return nil, orNil(err)
	}
	var populated []*partition
	var excluded []string
	for _, ch := range children {
		if ch.count > 0 {
			populated = append(populated, ch)
			excluded = append(excluded, startsWithUPN(ch.prefix))
		}
	}
	if len(populated) == 0 {
		return nil, nil // every name begins with an uncommon character
	}
	rest := parent.with(kindRest, "not("+joinOr(excluded)+")")
	if err := p.countAll(ctx, []*partition{rest}); err != nil {
		return nil, orNil(err)
	}
	populated = append(populated, rest)
	children = populated
	ok, err := p.agree(ctx, parent, children)
	if !ok {
		return nil, err
	}
	return children, nil
}

// codeSplit cuts a rest by the code point of the character after its
// prefix, at bounds (ascending; 0 and maxRune stand for no bound).
func (p *splitter) codeSplit(ctx context.Context, parent *partition, bounds []rune) ([]*partition, error) {
	bounds = foldBounds(bounds)
	children := make([]*partition, 0, len(bounds)-1)
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := bounds[i], bounds[i+1]
		var lower, upper string
		if lo > 0 {
			lower = parent.prefix + string(validRune(lo))
		}
		if hi < maxRune {
			upper = parent.prefix + string(validRune(hi))
		}
		child := parent.with(kindCode, rangeClauses(lower, upper)...)
		child.lo, child.hi = lo, hi
		children = append(children, child)
	}
	if err := p.countAll(ctx, children); err != nil {
		return nil, orNil(err)
	}
	ok, err := p.agree(ctx, parent, children)
	if !ok {
		return nil, err
	}
	return mergeEmptyCodes(parent, children, p.target), nil
}

// rankSplit cuts parent at pivot names, probing how many of its users come
// up to each pivot, then merges neighbouring pieces while they stay within
// the target, so that the plan has no more partitions than it needs. The
// pivots are spread between the partition's first and last names, read from
// Graph: names cluster (given names, a shared prefix), and bounds taken from
// the data put the next split inside the cluster at once.
func (p *splitter) rankSplit(ctx context.Context, parent *partition) ([]*partition, error) {
	low, high, err := p.edges(ctx, parent)
	if err != nil || low == "" {
		return nil, orNil(err)
	}
	ways := int(min(maxRankWays, 2*((parent.count+p.target-1)/p.target)))
	pivots := rankPivots(parent.prefix, low, high, ways)
	if len(pivots) == 0 {
		return nil, nil
	}
	upto := make([]*partition, len(pivots))
	for i, pv := range pivots {
		upto[i] = parent.with(kindRank, rangeClauses("", pv)...)
	}
	if err := p.countAll(ctx, upto); err != nil {
		return nil, orNil(err)
	}
	bounds := append(append([]string{parent.after}, pivots...), parent.upTo)
	for attempt := 1; ; attempt++ {
		if counts, ok := rankPieces(parent.count, upto); ok {
			return p.mergePieces(parent, bounds, counts), nil
		}
		if attempt > maxRecounts {
			p.l.c.log.DebugContext(ctx, "rank split counts do not add up; keeping the partition whole", "partition", parent.String())
			return nil, nil
		}
		if err := p.recount(ctx, attempt, append(upto, parent)); err != nil {
			return nil, orNil(err)
		}
	}
}

// rankPieces are the counts of the pieces between consecutive pivots: the
// differences of the cumulative counts, which must not decrease nor pass the
// parent's.
func rankPieces(total int64, upto []*partition) ([]int64, bool) {
	counts := make([]int64, len(upto)+1)
	prev := int64(0)
	for i := range counts {
		cum := total
		if i < len(upto) {
			cum = upto[i].count
		}
		if cum < prev || cum > total {
			return nil, false
		}
		counts[i], prev = cum-prev, cum
	}
	return counts, true
}

// edges reads the first and last names of a partition (lower-cased), with
// two one-user pages; high is "" when Graph will not list in descending
// order.
func (p *splitter) edges(ctx context.Context, part *partition) (low, high string, err error) {
	filter := andFilters(p.l.base.filter, part.filter())
	var g errgroup.Group
	var highErr error
	if !p.l.refused.desc.Load() {
		g.Go(recovered(func() error {
			high, highErr = p.edge(ctx, filter, true)
			return nil
		}))
	}
	low, err = p.edge(ctx, filter, false)
	if perr := g.Wait(); perr != nil {
		return "", "", perr
	}
	switch {
	case err != nil:
		return "", "", err
	case rejected(highErr):
		p.l.refused.desc.Store(true)
		return low, "", nil
	}
	return low, high, highErr
}

// edge is one probe of edges.
func (p *splitter) edge(ctx context.Context, filter string, desc bool) (string, error) {
	select {
	case p.probes <- struct{}{}:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	defer func() { <-p.probes }()
	q := listQuery{selects: []string{"id", "userPrincipalName"}, top: 1, filter: filter,
		search: p.l.base.search, advanced: true, order: orderAsc}
	if desc {
		q.order = orderDesc
	}
	var name string
	_, err := p.l.c.do(ctx, call{
		op: OpListUsers,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			return p.l.c.firstPageRequest(ctx, q)
		},
		decode: func(r *response) error {
			page, err := decodePage(r.body, 1, nil)
			if err == nil && len(page.users()) > 0 {
				name = strings.ToLower(page.users()[0].UserPrincipalName)
			}
			return err
		},
	})
	return name, err
}

// mergePieces turns rank pieces into partitions, merging neighbours while
// their sum stays within the target. No piece is dropped, however empty: a
// user created or renamed into it while the read runs must still be listed
// (a range between two dense clusters of names, such as jim.* between
// james.* and john.*, is empty when planned). Empty pieces join a neighbour,
// where they cost nothing.
func (p *splitter) mergePieces(parent *partition, bounds []string, counts []int64) []*partition {
	var out []*partition
	for _, g := range groupPieces(counts, p.target) {
		var lower, upper string
		if g.first > 0 {
			lower = bounds[g.first]
		}
		if g.last+1 < len(bounds)-1 {
			upper = bounds[g.last+1]
		}
		child := parent.with(kindRank, rangeClauses(lower, upper)...)
		child.after, child.upTo, child.count = bounds[g.first], bounds[g.last+1], g.count
		out = append(out, child)
	}
	return out
}

// pieceGroup is a run of consecutive pieces listed as one partition.
type pieceGroup struct {
	first, last int
	count       int64
}

// groupPieces merges consecutive pieces while their sum stays within
// target; an empty piece always joins its group, and an empty group (the
// first pieces, before one over the target) joins the next.
func groupPieces(counts []int64, target int64) []pieceGroup {
	var out []pieceGroup
	for i := 0; i < len(counts); {
		g := pieceGroup{first: i, last: i, count: counts[i]}
		for g.last+1 < len(counts) && (counts[g.last+1] == 0 || g.count+counts[g.last+1] <= target) {
			g.last++
			g.count += counts[g.last]
		}
		if n := len(out); n > 0 && out[n-1].count == 0 {
			g.first = out[n-1].first
			out = out[:n-1]
		}
		out = append(out, g)
		i = g.last + 1
	}
	return out
}

// mergeEmptyCodes keeps every range of code points of a code split (see
// mergePieces: none is dropped, however empty), joining each run of empty
// children to a neighbour that will be listed whole (within target): the
// one before, else the one after. A neighbour over the target is split
// again by its own code points, and joined to empty ranges it would give
// that split the same range as before: there the run is a partition of its
// own, which costs one request. The children are consecutive ranges.
func mergeEmptyCodes(parent *partition, children []*partition, target int64) []*partition {
	var out []*partition
	for _, g := range codeGroups(children, target) {
		if g.first == g.last {
			out = append(out, children[g.first])
			continue
		}
		lo, hi := children[g.first].lo, children[g.last].hi
		var lower, upper string
		if lo > 0 {
			lower = parent.prefix + string(validRune(lo))
		}
		if hi < maxRune {
			upper = parent.prefix + string(validRune(hi))
		}
		merged := parent.with(kindCode, rangeClauses(lower, upper)...)
		merged.lo, merged.hi, merged.count = lo, hi, g.count
		out = append(out, merged)
	}
	return out
}

// codeGroups groups the children of a code split for mergeEmptyCodes.
func codeGroups(children []*partition, target int64) []pieceGroup {
	var out []pieceGroup
	for i := 0; i < len(children); {
		if children[i].count > 0 {
			out = append(out, pieceGroup{first: i, last: i, count: children[i].count})
			i++
			continue
		}
		end := i // the run of empty children is [i, end]
		for end+1 < len(children) && children[end+1].count == 0 {
			end++
		}
		switch n := len(out); {
		case n > 0 && out[n-1].count <= target:
			out[n-1].last = end
		case end+1 < len(children) && children[end+1].count <= target:
			end++
			out = append(out, pieceGroup{first: i, last: end, count: children[end].count})
		default:
			out = append(out, pieceGroup{first: i, last: end})
		}
		i = end + 1
	}
	return out
}

// maxRecounts bounds how often a split whose counts do not add up is
// counted again before the partition is kept whole.
const maxRecounts = 3

// agree reports whether the children's counts add up to the parent's,
// counting them all again (with short growing waits) while they do not: on
// a live directory the probes, taken one after the other, may straddle a
// change. false (with a nil error) keeps the parent whole; an error ends
// the read. When the counts never agree but the parent's own count moved
// between rounds, the directory is changing under the probes rather than
// the split leaking users: a difference within what churn explains is then
// accepted (each partition is checked against its own count when listed,
// and the read's change log catches what moved).
func (p *splitter) agree(ctx context.Context, parent *partition, children []*partition) (bool, error) {
	first := parent.count
	moved := false
	for attempt := 1; ; attempt++ {
		sum := int64(0)
		for _, ch := range children {
			sum += ch.count
		}
		diff := sum - parent.count
		if diff == 0 {
			return true, nil
		}
		moved = moved || parent.count != first
		if moved && abs64(diff) <= max(2, parent.count/1000) {
			p.l.c.log.DebugContext(ctx, "split counts differ by what the directory's changes explain; accepting the split",
				"partition", parent.String(), "count", parent.count, "children", sum)
			return true, nil
		}
		if attempt > maxRecounts {
			p.l.c.log.DebugContext(ctx, "split counts do not add up; keeping the partition whole",
				"partition", parent.String(), "count", parent.count, "children", sum)
			return false, nil
		}
		if err := p.recount(ctx, attempt, append(slices.Clone(children), parent)); err != nil {
			return false, orNil(err)
		}
	}
}

// recount counts parts again, at once the first time (the probes of a
// split take milliseconds, and a change between them is the likely cause),
// then after short waits that grow with attempt.
func (p *splitter) recount(ctx context.Context, attempt int, parts []*partition) error {
	if err := p.l.c.retry.clock.Sleep(ctx, time.Duration(attempt-1)*recountWait); err != nil {
		return err
	}
	return p.countAll(ctx, parts)
}

// recountWait is the first wait before counting a split again.
const recountWait = 100 * time.Millisecond

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// rangeClauses select names after lower and up to upper ("" = no bound).
// No name equals a prefix plus one character (names hold an @ and a
// domain), so a one-character bound cuts between characters.
func rangeClauses(lower, upper string) []string {
	var clauses []string
	if lower != "" {
		clauses = append(clauses, "not(userPrincipalName le "+odataString(lower)+")")
	}
	if upper != "" {
		clauses = append(clauses, "userPrincipalName le "+odataString(upper))
	}
	return clauses
}

// foldBounds lower-cases the inner bounds, as Graph compares names without
// regard to case, and drops those that would then be out of order: bounds
// must increase in Graph's comparison for the ranges to be disjoint.
func foldBounds(bounds []rune) []rune {
	last := bounds[len(bounds)-1]
	out := []rune{bounds[0]}
	for _, b := range bounds[1 : len(bounds)-1] {
		b = unicode.ToLower(validRune(b))
		if b > out[len(out)-1] && b < last {
			out = append(out, b)
		}
	}
	return append(out, last)
}

// validRune moves a bound out of the surrogate block, which no string holds.
func validRune(r rune) rune {
	if r >= 0xD800 && r < 0xE000 {
		return 0xE000
	}
	return r
}

// subdivide cuts [lo, hi) into at most rangeWays ranges.
func subdivide(lo, hi rune) []rune {
	step := max(1, (hi-lo+rangeWays-1)/rangeWays)
	bounds := []rune{lo}
	for b := lo + step; b < hi; b += step {
		bounds = append(bounds, b)
	}
	return append(bounds, hi)
}

// orNil turns a rejection (the split cannot be used) into nil.
func orNil(err error) error {
	if rejected(err) {
		return nil
	}
	return err
}

// countAll probes the counts of parts in parallel, as many at once as the
// splitter's probe slots allow.
func (p *splitter) countAll(ctx context.Context, parts []*partition) error {
	var (
		g     errgroup.Group
		mu    sync.Mutex
		first error
	)
	for _, part := range parts {
		select {
		case p.probes <- struct{}{}:
		case <-ctx.Done():
			return errors.Join(g.Wait(), ctx.Err())
		}
		g.Go(recovered(func() error {
			defer func() { <-p.probes }()
			n, err := p.l.c.count(ctx, andFilters(p.l.base.filter, part.filter()), p.l.base.search)
			mu.Lock()
			defer mu.Unlock()
			// A failure to answer outranks a rejection: it ends the read,
			// where a rejection only keeps the partition whole.
			if err != nil && (first == nil || rejected(first)) {
				first = err
			}
			part.count = n
			return nil
		}))
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return first
}

// refineAll emits parts, splitting further those over the target,
// concurrently.
func (p *splitter) refineAll(ctx context.Context, parts []*partition, depth int, emit func(*partition)) error {
	var g errgroup.Group
	for _, part := range parts {
		g.Go(recovered(func() error { return p.refine(ctx, part, depth, emit) }))
	}
	return g.Wait()
}

// refine emits part, or its children when it is over the target and splits
// cleanly.
func (p *splitter) refine(ctx context.Context, part *partition, depth int, emit func(*partition)) error {
	if part.count <= p.target || depth >= maxDepth {
		emit(part)
		return nil
	}
	children, err := p.split(ctx, part)
	if err != nil {
		return err
	}
	if children == nil {
		emit(part)
		return nil
	}
	p.l.c.log.DebugContext(ctx, "split partition", "partition", part.String(), "count", part.count, "children", len(children))
	return p.refineAll(ctx, children, depth+1, emit)
}
