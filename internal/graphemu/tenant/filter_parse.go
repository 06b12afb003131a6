package tenant

import (
	"fmt"
	"strings"
)

// The $filter grammar (OData, the subset Graph's directory accepts):
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	term    = "(" expr ")"
//	        | func "(" path "," literal ")"
//	        | path "/" ("any"|"all") "(" var ":" expr ")"
//	        | path op literal | path "in" "(" literal { "," literal } ")"
//	unary   = "not" unary | term
//
// Keywords and function names are case-insensitive, as in Graph.

type tokKind uint8

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkGUID
	tkDate
	tkDateTime
	tkLParen
	tkRParen
	tkComma
	tkColon
	tkSlash
)

type token struct {
	kind tokKind
	text string // identifier, literal text (strings unquoted)
	pos  int
}

// maxFilterDepth bounds nesting so hostile input cannot exhaust the stack.
const maxFilterDepth = 64

type syntaxError struct {
	pos int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		if c := s[i]; c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		t, n, err := lexToken(s, i)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		i += n
	}
	return append(out, token{kind: tkEOF, pos: len(s)}), nil
}

// lexToken reads the token at s[i:] and its length.
func lexToken(s string, i int) (token, int, error) {
	c := s[i]
	if k, ok := punctuation(c); ok {
		return token{kind: k, text: s[i : i+1], pos: i}, 1, nil
	}
	if c == '\'' {
		str, n, err := lexString(s, i)
		return token{kind: tkString, text: str, pos: i}, n, err
	}
	if n, kind := lexLiteral(s[i:]); n > 0 {
		return token{kind: kind, text: s[i : i+n], pos: i}, n, nil
	}
	if isIdentStart(c) {
		j := i + 1
		for j < len(s) && isIdentChar(s[j]) {
			j++
		}
		return token{kind: tkIdent, text: s[i:j], pos: i}, j - i, nil
	}
	return token{}, 0, &syntaxError{i, fmt.Sprintf("Syntax error: character '%c' is not valid at position %d in '%s'.", rune(c), i, s)}
}

func punctuation(c byte) (tokKind, bool) {
	switch c {
	case '(':
		return tkLParen, true
	case ')':
		return tkRParen, true
	case ',':
		return tkComma, true
	case ':':
		return tkColon, true
	case '/':
		return tkSlash, true
	}
	return 0, false
}

func lexString(s string, start int) (string, int, error) {
	var b strings.Builder
	for i := start + 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1 - start, nil
	}
	return "", 0, &syntaxError{start, fmt.Sprintf("There is an unterminated string literal at position %d in '%s'.", start, s)}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '.' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { _, ok := unhex(c); return ok }

// lexLiteral recognises a GUID, a date, a date-time or a number at the start
// of s and returns its length (0 when none).
func lexLiteral(s string) (int, tokKind) {
	if len(s) >= 36 && isGUIDText(s[:36]) && (len(s) == 36 || !isIdentChar(s[36])) {
		return 36, tkGUID
	}
	if n := matchDate(s); n > 0 {
		if m := matchTime(s[n:]); m > 0 {
			return n + m, tkDateTime
		}
		return n, tkDate
	}
	if n := matchNumber(s); n > 0 {
		return n, tkNumber
	}
	return 0, 0
}

// digitsAt is the number of digits at s[i:].
func digitsAt(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// matchNumber matches -?digits(.digits)? not followed by an identifier.
func matchNumber(s string) int {
	i := 0
	if s != "" && s[0] == '-' {
		i++
	}
	n := digitsAt(s, i)
	if n == 0 {
		return 0
	}
	j := i + n
	if j < len(s) && s[j] == '.' {
		f := digitsAt(s, j+1)
		if f == 0 {
			return 0
		}
		j += 1 + f
	}
	if j < len(s) && isIdentChar(s[j]) {
		return 0
	}
	return j
}

func isGUIDText(s string) bool {
	for i := range 36 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// matchDate matches YYYY-MM-DD.
func matchDate(s string) int {
	if !shape(s, "9999-99-99") {
		return 0
	}
	if len(s) > 10 && s[10] != 'T' && isIdentChar(s[10]) {
		return 0
	}
	return 10
}

// shape reports whether s starts with the pattern, where '9' is a digit and
// any other byte stands for itself.
func shape(s, pattern string) bool {
	if len(s) < len(pattern) {
		return false
	}
	for i := range len(pattern) {
		if pattern[i] == '9' && !isDigit(s[i]) || pattern[i] != '9' && s[i] != pattern[i] {
			return false
		}
	}
	return true
}

// matchTime matches THH:MM[:SS[.fff]](Z|±HH:MM) after a date.
func matchTime(s string) int {
	if !shape(s, "T99:99") {
		return 0
	}
	i := 6
	if shape(s[i:], ":99") {
		i += 3
		if shape(s[i:], ".9") {
			i += 1 + digitsAt(s, i+1)
		}
	}
	switch {
	case shape(s[i:], "Z"):
		i++
	case shape(s[i:], "+99:99"), shape(s[i:], "-99:99"):
		i += 6
	default:
		return 0
	}
	if i < len(s) && isIdentChar(s[i]) {
		return 0
	}
	return i
}

// AST.

type nodeKind uint8

const (
	nAnd nodeKind = iota
	nOr
	nNot
	nCmp  // path op lit
	nIn   // path in (lits)
	nCall // fn(path, lit)
	nAny  // path/any(v: body) or path/all(...)
)

type litKind uint8

const (
	lString litKind = iota
	lNumber
	lBool
	lNull
	lGUID
	lDate
	lDateTime
)

type literal struct {
	kind litKind
	text string // unquoted for strings; as written otherwise
}

type node struct {
	kind   nodeKind
	op     string   // comparison operator (lower case), function name (canonical) or "any"/"all"
	path   []string // property path as written
	lit    literal
	list   []literal
	l, r   *node // and/or operands; l for not
	lambda string
	body   *node
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// parseFilter parses a $filter expression.
func parseFilter(src string) (*node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.errAt(t, "Syntax error at position %d in '%s'.")
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, format string) error {
	return &syntaxError{t.pos, fmt.Sprintf(format, t.pos, p.src)}
}

func (p *parser) keyword(word string) bool {
	t := p.peek()
	if t.kind == tkIdent && strings.EqualFold(t.text, word) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(k tokKind) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.errAt(t, "Syntax error at position %d in '%s'.")
	}
	return t, nil
}

func (p *parser) expr() (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFilterDepth {
		return nil, p.errAt(p.peek(), "The filter at position %d in '%s' is nested too deeply.")
	}
	l, err := p.and()
	for err == nil && p.keyword("or") {
		var r *node
		if r, err = p.and(); err == nil {
			l = &node{kind: nOr, l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) and() (*node, error) {
	l, err := p.unary()
	for err == nil && p.keyword("and") {
		var r *node
		if r, err = p.unary(); err == nil {
			l = &node{kind: nAnd, l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) unary() (*node, error) {
	if p.keyword("not") {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxFilterDepth {
			return nil, p.errAt(p.peek(), "The filter at position %d in '%s' is nested too deeply.")
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, l: x}, nil
	}
	return p.term()
}

// canonicalFunction spells a function OData knows the canonical way; only
// startsWith and endsWith work on users.
func canonicalFunction(s string) (string, bool) {
	for _, f := range [...]string{"startsWith", "endsWith", "contains", "substringof", "tolower", "toupper", "length", "indexof", "trim"} {
		if strings.EqualFold(f, s) {
			return f, true
		}
	}
	return "", false
}

func (p *parser) term() (*node, error) {
	t := p.peek()
	if t.kind == tkLParen {
		p.next()
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tkRParen)
		return n, err
	}
	if t.kind != tkIdent {
		return nil, p.errAt(t, "Syntax error at position %d in '%s'.")
	}
	if p.toks[p.i+1].kind == tkLParen {
		return p.call()
	}
	path, lambda, err := p.path()
	if err != nil {
		return nil, err
	}
	if lambda != "" {
		return p.lambda(path, lambda)
	}
	return p.comparison(path)
}

func (p *parser) call() (*node, error) {
	t := p.next()
	name, ok := canonicalFunction(t.text)
	if !ok {
		return nil, &syntaxError{t.pos, fmt.Sprintf("An unknown function with name '%s' was found.", t.text)}
	}
	p.next() // (
	path, lambda, err := p.path()
	if err != nil {
		return nil, err
	}
	if lambda != "" {
		return nil, p.errAt(p.peek(), "Syntax error at position %d in '%s'.")
	}
	if _, err := p.expect(tkComma); err != nil {
		return nil, err
	}
	lit, err := p.literal()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkRParen); err != nil {
		return nil, err
	}
	return &node{kind: nCall, op: name, path: path, lit: lit}, nil
}

// path reads ident { "/" ident }; a trailing "/any" or "/all" followed by "("
// is returned as the lambda operator instead.
func (p *parser) path() ([]string, string, error) {
	t, err := p.expect(tkIdent)
	if err != nil {
		return nil, "", err
	}
	path := []string{t.text}
	for p.peek().kind == tkSlash {
		p.next()
		seg, err := p.expect(tkIdent)
		if err != nil {
			return nil, "", err
		}
		if (strings.EqualFold(seg.text, "any") || strings.EqualFold(seg.text, "all")) && p.peek().kind == tkLParen {
			return path, strings.ToLower(seg.text), nil
		}
		path = append(path, seg.text)
	}
	return path, "", nil
}

func (p *parser) lambda(path []string, op string) (*node, error) {
	p.next() // (
	v, err := p.expect(tkIdent)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkColon); err != nil {
		return nil, err
	}
	body, err := p.expr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkRParen); err != nil {
		return nil, err
	}
	return &node{kind: nAny, op: op, path: path, lambda: v.text, body: body}, nil
}

func (p *parser) comparison(path []string) (*node, error) {
	t := p.next()
	if t.kind == tkIdent && strings.EqualFold(t.text, "in") {
		return p.inList(path)
	}
	if t.kind == tkIdent {
		for _, op := range [...]string{"eq", "ne", "gt", "ge", "lt", "le", "has"} {
			if strings.EqualFold(op, t.text) {
				lit, err := p.literal()
				if err != nil {
					return nil, err
				}
				return &node{kind: nCmp, op: op, path: path, lit: lit}, nil
			}
		}
	}
	return nil, p.errAt(t, "Syntax error at position %d in '%s'.")
}

func (p *parser) inList(path []string) (*node, error) {
	if _, err := p.expect(tkLParen); err != nil {
		return nil, err
	}
	var list []literal
	for {
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		list = append(list, lit)
		t := p.next()
		if t.kind == tkRParen {
			return &node{kind: nIn, path: path, list: list}, nil
		}
		if t.kind != tkComma {
			return nil, p.errAt(t, "Syntax error at position %d in '%s'.")
		}
	}
}

func (p *parser) literal() (literal, error) {
	t := p.next()
	switch t.kind {
	case tkString:
		return literal{lString, t.text}, nil
	case tkNumber:
		return literal{lNumber, t.text}, nil
	case tkGUID:
		return literal{lGUID, t.text}, nil
	case tkDate:
		return literal{lDate, t.text}, nil
	case tkDateTime:
		return literal{lDateTime, t.text}, nil
	case tkIdent:
		switch strings.ToLower(t.text) {
		case "true", "false":
			return literal{lBool, strings.ToLower(t.text)}, nil
		case "null":
			return literal{lNull, "null"}, nil
		}
	}
	return literal{}, p.errAt(t, "Syntax error at position %d in '%s'.")
}

// String is the canonical form: every binary operator parenthesised, keywords
// lower case, strings re-quoted. Parsing it gives the same tree.
func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case nAnd, nOr:
		b.WriteByte('(')
		n.l.write(b)
		b.WriteString(map[nodeKind]string{nAnd: " and ", nOr: " or "}[n.kind])
		n.r.write(b)
		b.WriteByte(')')
	case nNot:
		b.WriteString("not(")
		n.l.write(b)
		b.WriteByte(')')
	case nCmp:
		b.WriteString(strings.Join(n.path, "/"))
		b.WriteString(" " + n.op + " ")
		n.lit.write(b)
	case nIn:
		b.WriteString(strings.Join(n.path, "/"))
		b.WriteString(" in (")
		for i, l := range n.list {
			if i > 0 {
				b.WriteByte(',')
			}
			l.write(b)
		}
		b.WriteByte(')')
	case nCall:
		b.WriteString(n.op + "(" + strings.Join(n.path, "/") + ",")
		n.lit.write(b)
		b.WriteByte(')')
	case nAny:
		b.WriteString(strings.Join(n.path, "/") + "/" + n.op + "(" + n.lambda + ":")
		n.body.write(b)
		b.WriteByte(')')
	}
}

func (l literal) write(b *strings.Builder) {
	if l.kind == lString {
		b.WriteString("'" + strings.ReplaceAll(l.text, "'", "''") + "'")
		return
	}
	b.WriteString(l.text)
}
