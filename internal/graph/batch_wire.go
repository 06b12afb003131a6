package graph

// The $batch wire format: the request body, the inner responses, and the
// headers read from them.

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// maxBatchSize is Graph's limit of requests in one $batch.
const maxBatchSize = 20

// throttlePressure is the x-ms-throttle-limit-percentage from which Graph
// warns that the budget is nearly spent.
const throttlePressure = 0.8

// errUnanswered: a $batch response held no answer for one of its requests.
var errUnanswered = errors.New("the $batch response holds no answer for this request")

// innerResponse is one element of a $batch response.
type innerResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// header returns an inner response header, whatever its case.
func (r *innerResponse) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// httpHeader converts the inner headers for error parsing.
func (r *innerResponse) httpHeader() http.Header {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	return h
}

// graphError is the *Error an inner failure stands for.
func (r *innerResponse) graphError(op string) *Error {
	return newGraphError(op, r.Status, r.httpHeader(), r.Body)
}

// batchBody is the JSON of a $batch request.
type batchBody struct {
	Requests []batchStep `json:"requests"`
}

type batchStep struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

// pressured reads x-ms-throttle-limit-percentage.
func pressured(v string) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && f >= throttlePressure
}
