package export

// Spreadsheets run a cell that begins with =, +, - or @ as a formula, and
// some treat a leading TAB or CR the same way once they strip it; Graph's
// values (display names, job titles, even error messages) are set by people
// who may not be friendly. A leading single quote makes the spreadsheet show
// the text as typed.
const formulaGuard = '\''

// needsFormulaGuard reports whether v would be read as a formula. A value
// that begins with + or - and holds nothing but phone-number characters is
// left alone, so that "+1 (555) 010-0100 x23" stays a phone number.
func needsFormulaGuard[T text](v T) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		for i := 1; i < len(v); i++ {
			if !isPhoneByte(v[i]) {
				return true
			}
		}
	}
	return false
}

func isPhoneByte(c byte) bool {
	switch {
	case '0' <= c && c <= '9':
		return true
	case c == ' ', c == '+', c == '-', c == '(', c == ')', c == '.', c == 'x', c == 'X':
		return true
	}
	return false
}

// appendCell appends v as a CSV field, guarded against formulas when escape
// is set. The guarded field is "'" + v; it never begins with a space nor
// equals `\.`, so it needs quotes exactly when v holds a quotable byte.
func appendCell[T text](dst []byte, v T, escape, crlf bool) []byte {
	if !escape || !needsFormulaGuard(v) {
		return appendField(dst, v, crlf)
	}
	if !hasQuotable(v) {
		dst = append(dst, formulaGuard)
		return append(dst, v...)
	}
	dst = append(dst, '"', formulaGuard)
	dst = appendQuotedBody(dst, v, crlf)
	return append(dst, '"')
}
