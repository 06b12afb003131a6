package export

// Spreadsheets run a cell that begins with =, +, - or @ as a formula, and
// some treat a leading TAB or CR the same way once they strip it; Graph's
// values (display names, job titles, even error messages) are set by people
// who may not be friendly. A leading single quote makes the spreadsheet show
// the text as typed.
const formulaGuard = '\''

// needsFormulaGuard reports whether v would be read as a formula. A value
// that begins with + or - and is shaped like a phone number is left alone,
// so that "+1 (555) 010-0100" and "+1 206 555 0199x12" stay phone numbers.
func needsFormulaGuard[T text](v T) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !isPhoneNumber(v[1:])
	}
	return false
}

// isPhoneNumber reports whether v, the rest of a value after its sign, holds
// only digits, spaces and + - ( ) ., optionally ending in an extension: an x
// (or X) right after a digit, then digits only. An x anywhere else is not
// part of a phone number but of a cell reference ("+X1", "-x1+X2"), and
// neither is one after a space ("0199 x12"), which a formula can start.
func isPhoneNumber[T text](v T) bool {
	for i := range len(v) {
		c := v[i]
		if c == 'x' || c == 'X' {
			return i > 0 && isDigit(v[i-1]) && i+1 < len(v) && allDigits(v[i+1:])
		}
		if !isPhoneByte(c) {
			return false
		}
	}
	return true
}

func isPhoneByte(c byte) bool {
	switch {
	case isDigit(c):
		return true
	case c == ' ', c == '+', c == '-', c == '(', c == ')', c == '.':
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits[T text](v T) bool {
	for i := range len(v) {
		if !isDigit(v[i]) {
			return false
		}
	}
	return true
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
