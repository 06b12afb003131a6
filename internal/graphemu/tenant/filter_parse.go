package tenant

import (
	"fmt"
	"strings"
)

// The $filter grammar (OData, the subset Graph's directory accepts):
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | primary
//	primary = "(" expr ")" | func "(" path "," literal ")"
//	        | path "/" ("any"|"all") "(" var ":" expr ")"
//	        | path op literal | path "in" "(" literal { "," literal } ")"
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
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',' || c == ':' || c == '/':
			out = append(out, token{kind: map[byte]tokKind{'(': tkLParen, ')': tkRParen, ',': tkComma, ':': tkColon, '/': tkSlash}[c], text: string(c), pos: i})
			i++
		case c == '\'':
			str, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tkString, text: str, pos: i})
			i += n
		default:
			if n, kind := lexLiteral(s[i:]); n > 0 {
				out = append(out, token{kind: kind, text: s[i : i+n], pos: i})
				i += n
				continue
			}
			if isIdentStart(c) {
				j := i + 1
				for j < len(s) && isIdentChar(s[j]) {
					j++
				}
				out = append(out, token{kind: tkIdent, text: s[i:j], pos: i})
				i = j
				continue
			}
			return nil, &syntaxError{i, fmt.Sprintf("Syntax error: character '%c' is not valid at position %d in '%s'.", rune(c), i, s)}
		}
	}
	return append(out, token{kind: tkEOF, pos: len(s)}), nil
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
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i || (j < len(s) && isIdentChar(s[j]) && s[j] != '.') {
		return 0, 0
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j+1 || (k < len(s) && isIdentChar(s[k])) {
			return 0, 0
		}
		j = k
	}
	return j, tkNumber
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
	if len(s) < 10 {
		return 0
	}
	for i := range 10 {
		if (i == 4 || i == 7) != (s[i] == '-') || (i != 4 && i != 7 && !isDigit(s[i])) {
			return 0
		}
	}
	if len(s) > 10 && s[10] != 'T' && isIdentChar(s[10]) {
		return 0
	}
	return 10
}

// matchTime matches THH:MM[:SS[.fff]](Z|±HH:MM) after a date.
func matchTime(s string) int {
	if len(s) < 6 || s[0] != 'T' || !isDigit(s[1]) || !isDigit(s[2]) || s[3] != ':' || !isDigit(s[4]) || !isDigit(s[5]) {
		return 0
	}
	i := 6
	if i+2 < len(s) && s[i] == ':' && isDigit(s[i+1]) && isDigit(s[i+2]) {
		i += 3
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j > i+1 {
				i = j
			}
		}
	}
	switch {
	case i < len(s) && s[i] == 'Z':
		i++
	case i+5 < len(s) && (s[i] == '+' || s[i] == '-') && isDigit(s[i+1]) && isDigit(s[i+2]) && s[i+3] == ':' && isDigit(s[i+4]) && isDigit(s[i+5]):
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
	if p.depth++; p.depth > maxFilterDepth {
		return nil, p.errAt(p.peek(), "The filter at position %d in '%s' is nested too deeply.")
	}
	defer func() { p.depth-- }()
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
		if p.depth++; p.depth > maxFilterDepth {
			return nil, p.errAt(p.peek(), "The filter at position %d in '%s' is nested too deeply.")
		}
		defer func() { p.depth-- }()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, l: x}, nil
	}
	return p.primary()
}

// functions Graph's $filter knows; only startsWith and endsWith work on users.
var functions = []string{"startsWith", "endsWith", "contains", "substringof", "tolower", "toupper", "length", "indexof", "trim"}

func canonicalFunction(s string) (string, bool) {
	for _, f := range functions {
		if strings.EqualFold(f, s) {
			return f, true
		}
	}
	return "", false
}

func (p *parser) primary() (*node, error) {
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

var comparisonOps = []string{"eq", "ne", "gt", "ge", "lt", "le", "has"}

func (p *parser) comparison(path []string) (*node, error) {
	t := p.next()
	if t.kind == tkIdent && strings.EqualFold(t.text, "in") {
		return p.inList(path)
	}
	if t.kind == tkIdent {
		for _, op := range comparisonOps {
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
