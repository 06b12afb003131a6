package graph

import (
	"context"
	"sync"
	"unicode/utf8"
)

const (
	// Characters a prefix split extends the prefix by. Names continuing
	// with anything else (other punctuation, other scripts) land in the
	// split's rest, which range splits cut further: the choice affects how
	// many probes a plan takes, never its completeness.
	firstChars = "abcdefghijklmnopqrstuvwxyz0123456789"
	laterChars = firstChars + "._-@"

	// maxPrefix bounds how deep names are split (in characters): a
	// partition this deep that is still large is listed as it is.
	maxPrefix = 24

	// rangeWays is how many ranges a range split makes of a range.
	rangeWays = 16

	// maxRune ends the last range: one past the largest code point.
	maxRune = utf8.MaxRune + 1
)

// scriptBounds are where a rest is first cut: the Unicode blocks names are
// written in (ASCII punctuation, Latin, Greek and Cyrillic, Hebrew and
// Arabic, kana, CJK, Hangul), so that one round of probes separates scripts.
func scriptBounds() []rune {
	return []rune{0, 0x30, 0x3A, 0x61, 0x7B, 0x80, 0x100, 0x180, 0x250, 0x370, 0x400, 0x460, 0x530,
		0x600, 0x700, 0x1100, 0x3040, 0x3100, 0x4E00, 0x6000, 0x7000, 0x8000, 0x9000, 0xA000,
		0xAC00, 0xB800, 0xC400, 0xD7B0, 0xE000, maxRune}
}

// planner splits the query's users into partitions of about target users
// at most, using cheap $count probes (ConsistencyLevel: eventual).
type planner struct {
	l      *lister
	target int64
	probes chan struct{} // bounds the probes in flight
}

// newPlanner sizes partitions so that, taken largest first, the chains
// finish close together: the largest partition is well under the work per
// chain, so the last ones to start are short. Below two pages a split saves
// less than its probes cost.
func newPlanner(l *lister, total int64) *planner {
	target := 2 * total / int64(3*l.chains)
	target = max(target, 2*int64(l.base.top))
	return &planner{l: l, target: target, probes: make(chan struct{}, l.chains)}
}

// split returns the children of parent that hold users. It returns nil when
// they cannot be trusted to partition the parent exactly: Graph rejected a
// child's filter, or the counts do not add up (the directory changed
// meanwhile, or Graph's filters behave unlike Graph's docs). Other errors
// end the read.
func (p *planner) split(ctx context.Context, parent *partition) ([]*partition, error) {
	var children []*partition
	switch {
	case parent.ranged && parent.hi-parent.lo > 1:
		children = rangeChildren(parent, subdivide(parent.lo, parent.hi))
	case parent.rest && !parent.ranged:
		children = rangeChildren(parent, scriptBounds())
	default:
		return p.prefixSplit(ctx, parent)
	}
	if err := p.countAll(ctx, children); err != nil {
		return nil, orNil(err)
	}
	return p.checked(ctx, parent, children), nil
}

// prefixSplit extends the parent's prefix by each common character, and
// leaves the rest. Empty children are not listed: they stay inside the
// rest, which therefore still covers them should a user appear there.
func (p *planner) prefixSplit(ctx context.Context, parent *partition) ([]*partition, error) {
	q := parent.prefix
	if parent.ranged {
		q += string(parent.lo)
	}
	chars := laterChars
	if q == "" {
		chars = firstChars
	}
	children := make([]*partition, 0, len(chars)+1)
	for _, r := range chars {
		child := parent.with(startsWithUPN(q + string(r)))
		child.prefix, child.rest, child.ranged = q+string(r), false, false
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
		return nil, nil // every name continues with an uncommon character
	}
	rest := parent.with("not(" + joinOr(excluded) + ")")
	rest.prefix, rest.rest, rest.ranged = q, true, false
	if err := p.countAll(ctx, []*partition{rest}); err != nil {
		return nil, orNil(err)
	}
	return p.checked(ctx, parent, append(populated, rest)), nil
}

// checked drops the empty children, or returns nil when the children's
// counts do not add up to the parent's.
func (p *planner) checked(ctx context.Context, parent *partition, children []*partition) []*partition {
	var sum int64
	kept := children[:0]
	for _, ch := range children {
		sum += ch.count
		if ch.count > 0 {
			kept = append(kept, ch)
		}
	}
	if sum != parent.count {
		p.l.c.log.DebugContext(ctx, "split counts do not add up; keeping the partition whole",
			"partition", parent.String(), "count", parent.count, "children", sum)
		return nil
	}
	return kept
}

// rangeChildren cuts parent by the character after its prefix at bounds
// (ascending; 0 and maxRune stand for no bound).
func rangeChildren(parent *partition, bounds []rune) []*partition {
	children := make([]*partition, 0, len(bounds)-1)
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := bounds[i], bounds[i+1]
		child := parent.with(rangeClause(parent.prefix, lo, hi))
		child.ranged, child.lo, child.hi = true, lo, hi
		children = append(children, child)
	}
	return children
}

// rangeClause selects names whose character after prefix is in [lo, hi),
// in Graph's order: after prefix+lo's predecessor, up to prefix+hi. No name
// equals prefix plus one character (names hold an @ and a domain), so
// "le prefix+hi" is "before prefix+hi".
func rangeClause(prefix string, lo, hi rune) string {
	var clauses []string
	if lo > 0 {
		clauses = append(clauses, "not(userPrincipalName le "+odataString(prefix+string(validRune(lo)))+")")
	}
	if hi < maxRune {
		clauses = append(clauses, "userPrincipalName le "+odataString(prefix+string(validRune(hi))))
	}
	return joinAnd(clauses)
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

// countAll probes the counts of parts in parallel.
func (p *planner) countAll(ctx context.Context, parts []*partition) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, part := range parts {
		select {
		case p.probes <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return context.Cause(ctx)
		}
		wg.Add(1)
		go func() {
			defer func() { <-p.probes; wg.Done() }()
			n, err := p.l.c.count(ctx, andFilters(p.l.base.filter, part.filter()), p.l.base.search)
			mu.Lock()
			defer mu.Unlock()
			// A failure to answer outranks a rejection: it ends the read.
			if err != nil && (first == nil || rejected(first)) {
				first = err
			}
			part.count = n
		}()
	}
	wg.Wait()
	return first
}

// refineAll emits parts, splitting further those over the target,
// concurrently.
func (p *planner) refineAll(ctx context.Context, parts []*partition, emit func(*partition)) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.refine(ctx, part, emit); err != nil {
				mu.Lock()
				first = firstErr(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// refine emits part, or its children when it is over the target and splits
// cleanly.
func (p *planner) refine(ctx context.Context, part *partition, emit func(*partition)) error {
	if part.count <= p.target || utf8.RuneCountInString(part.prefix) >= maxPrefix {
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
	return p.refineAll(ctx, children, emit)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
