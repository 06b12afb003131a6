package tenant

import (
	"strconv"
	"strings"
)

// Where the names of created and renamed users land. A client that splits
// the directory into startsWith ranges must meet new names everywhere: in
// the huge shared-prefix range, under unusual first characters, in other
// scripts, in ranges that held no one, and above all in the gaps between
// neighbouring names of a dense cluster (jim.new between james.* and
// john.*), where a boundary drawn from names seen earlier is most likely to
// cut.
type place int

const (
	placeGap     place = iota // between a live name and the next one
	placeShared               // under the shared prefix of a skewed tenant
	placeUnusual              // after an unusual first character
	placeNative               // in a non-Latin script
	placeEmpty                // in a two-character range that held no one
	placeCommon               // a plain dotted Latin name, in the dense clusters
	numPlaces
)

// placeWeight is how often a place is drawn, out of 100.
func placeWeight(p place) int {
	switch p {
	case placeGap:
		return 35
	case placeShared:
		return 15
	case placeUnusual, placeEmpty:
		return 10
	case placeNative:
		return 15
	}
	return 15
}

// newName is a name for a created or renamed user.
type newName struct {
	local                   string // before '@', lower case
	given, surname, display string
	capital                 bool // spell the local part's words with capitals
}

func (n newName) upn(domain string) string {
	local := n.local
	if n.capital {
		b := []byte(local)
		capitalizeWords(b)
		local = string(b)
	}
	return local + "@" + domain
}

// newName draws a place and a name there; a place with no room (no gap to
// fill, no empty range found) gives a common name instead. Callers hold
// c.t.mu.
func (c *Churn) newName() newName {
	w := c.r.intn(100)
	p := placeGap
	for ; p < numPlaces-1; p++ {
		if w < placeWeight(p) {
			break
		}
		w -= placeWeight(p)
	}
	if nm, ok := c.nameAt(p); ok {
		return nm
	}
	nm, _ := c.nameAt(placeCommon)
	return nm
}

// nameAt draws a name at a place. Callers hold c.t.mu.
func (c *Churn) nameAt(p place) (newName, bool) {
	nm, given, surname := c.person(&c.tpl.words.scripts[0])
	nm.capital = c.r.chance(0.2)
	switch p {
	case placeGap:
		ok := c.gapName(&nm, given.ascii+c.digits())
		return nm, ok
	case placeShared:
		prefix := c.tpl.prefix
		if c.t.gen != nil {
			prefix = c.t.gen.prefix
		}
		n := max(10*c.t.base.n, 1000)
		nm.local = strings.ToLower(prefix) + strconv.Itoa(c.r.intn(n)) + string(lowerLetters[c.r.intn(len(lowerLetters))])
	case placeUnusual:
		nm.local = pick(&c.r, c.tpl.words.unusualFirst) + given.ascii + "." + surname.ascii + c.digits()
	case placeNative:
		nm, given, surname = c.person(&c.tpl.words.scripts[1+c.r.intn(len(c.tpl.words.scripts)-1)])
		nm.local = given.lowerNative + "." + surname.lowerNative + c.digits()
	case placeEmpty:
		ok := c.emptyName(&nm, given.ascii+c.digits())
		return nm, ok
	default:
		nm.local = given.ascii + "." + surname.ascii + c.digits()
	}
	return nm, true
}

// person draws a given name and a surname of a script: the names of a new
// user, and the words its local part is made of.
func (c *Churn) person(sc *script) (nm newName, given, surname name) {
	given, surname = pick(&c.r, sc.given), pick(&c.r, sc.surname)
	nm = newName{given: given.native, surname: surname.native}
	if sc.familyFirst {
		nm.display = nm.surname + nm.given
	} else {
		nm.display = nm.given + " " + nm.surname
	}
	return nm, given, surname
}

func (c *Churn) digits() string { return strconv.Itoa(c.r.intn(100000)) }

// gapName puts the name strictly between a live user's name and the next
// one, so that it lands inside whatever cluster they belong to.
func (c *Churn) gapName(nm *newName, tail string) bool {
	t := c.t
	a, ok := c.pickLive()
	if !ok {
		return false
	}
	ka, kb := t.lowerUPNOf(a), ""
	t.scan(&t.cur, vUPN, false, allSpans(), &sortKey{upn: ka}, func(x cand) bool {
		kb = t.lowerUPNOf(x)
		return false
	})
	lb := ""
	if kb != "" {
		lb = kb[:strings.LastIndexByte(kb, '@')+1]
	}
	local, ok := between(ka[:strings.LastIndexByte(ka, '@')+1], lb, tail, &c.r)
	if !ok {
		return false
	}
	full := local + "@" + strings.ToLower(t.domain)
	if full <= ka || (kb != "" && full >= kb) {
		return false // the neighbours are in another domain
	}
	nm.local = local
	return true
}

// gapAlphabet are the characters a name in a gap may branch off with, in
// byte order: no '.', which may not begin a name or follow another.
const gapAlphabet = "-0123456789_abcdefghijklmnopqrstuvwxyz~"

// between makes a local part s with a < s+"@" < b, where a and b are the
// "local@" pieces of neighbouring names (b empty: a is the last name) and
// tail begins with a letter. Where a and b first differ, s branches off with
// a character between theirs when there is one (j + i + tail between
// james@ and john@); otherwise s is a's local part followed by tail, which
// sorts right after a and, as a and b differ before a's '@', before b.
func between(a, b, tail string, r *rng) (string, bool) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	if b != "" && p < len(a) && p < len(b) {
		var mid []byte
		for i := range len(gapAlphabet) {
			if ch := gapAlphabet[i]; ch > a[p] && ch < b[p] {
				mid = append(mid, ch)
			}
		}
		if len(mid) > 0 {
			return a[:p] + string(pick(r, mid)) + tail, true
		}
	}
	if strings.IndexByte(a, '#') < 0 && (b == "" || p < len(a)-1) {
		return a[:len(a)-1] + tail, true
	}
	return "", false
}

const lowerLetters = "abcdefghijklmnopqrstuvwxyz"

// emptyFirsts begin the two-character ranges emptyName tries: rare first
// letters, digits and letters of other scripts.
const emptyFirsts = "qxzyvuk23456ñøßжщюωひㅎق"

// emptyName puts the name in a two-character startsWith range that holds no
// live user.
func (c *Churn) emptyName(nm *newName, tail string) bool {
	firsts := []rune(emptyFirsts)
	const seconds = lowerLetters + "0123456789"
	for range maxTries {
		prefix := string(firsts[c.r.intn(len(firsts))]) + string(seconds[c.r.intn(len(seconds))])
		if c.t.countSpans(&c.t.cur, prefixSpan(prefix)) == 0 {
			nm.local = prefix + "." + tail
			return true
		}
	}
	return false
}
