package graphemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxBatch is Graph's limit of requests in one $batch.
const maxBatch = 20

// batchRequest is one entry of a $batch body.
type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// handleBatch runs a $batch: each inner request goes through the whole
// pipeline on its own (authentication, throttle, faults, latency), all at once
// except where dependsOn orders them; a request whose dependency failed
// answers 424. The answers come back in shuffled order, as Graph's may.
func (s *Server) handleBatch(c *call) *reply {
	reqs, deps, msg := parseBatch(c.body)
	if msg != "" {
		return s.graphError(c, http.StatusBadRequest, codeBadRequest, msg)
	}
	results := make([]*reply, len(reqs))
	done := make([]chan struct{}, len(reqs))
	calls := make([]*call, len(reqs))
	for i := range reqs {
		done[i], calls[i] = make(chan struct{}), s.innerCall(c, reqs[i])
	}
	var wg sync.WaitGroup
	for i, ic := range calls {
		wg.Go(func() {
			defer close(done[i])
			for _, d := range deps[i] {
				<-done[d]
				if results[d].status >= 400 || results[d].abort != abortNone {
					results[i] = s.failedDependency(ic)
					return
				}
			}
			results[i] = s.serveCall(ic)
		})
	}
	wg.Wait()
	return s.batchReply(reqs, results)
}

// batchReply composes the answer, or passes on a connection fault an inner
// request drew: the whole batch shares one connection.
func (s *Server) batchReply(reqs []batchRequest, results []*reply) *reply {
	abort := abortNone
	for _, r := range results {
		switch {
		case r.abort == abortGone, r.abort == abortReset && abort != abortGone:
			abort = r.abort
		case r.abort == abortTruncate && abort == abortNone:
			abort = abortTruncate
		}
	}
	if abort == abortGone || abort == abortReset {
		return &reply{status: StatusAborted, header: http.Header{}, abort: abort}
	}
	order := make([]int, len(reqs))
	size := len(`{"responses":[]}`)
	for i, r := range results {
		order[i] = i
		size += r.bodyLen() + 256 // id, status, headers
	}
	s.shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	b := append(make([]byte, 0, size), `{"responses":[`...)
	for k, i := range order {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendInnerResponse(b, reqs[i].ID, results[i])
	}
	return &reply{
		status: http.StatusOK,
		header: http.Header{"Content-Type": {contentTypeJSON}},
		body:   [][]byte{append(b, "]}"...)},
		abort:  abort,
	}
}

// appendInnerResponse appends an inner reply as {id, status, headers, body}
// (headers sorted, left out when there are none; body left out when empty):
// JSON bodies as JSON, text as a JSON string (as OData JSON batches carry
// textual media types). The body is copied once and scanned once, to tell
// JSON from text.
func appendInnerResponse(b []byte, id string, r *reply) []byte {
	b = appendJSONString(append(b, `{"id":`...), id)
	b = strconv.AppendInt(append(b, `,"status":`...), int64(r.status), 10)
	b = appendInnerHeaders(b, r.header)
	if r.bodyLen() == 0 {
		return append(b, '}')
	}
	b = append(b, `,"body":`...)
	start := len(b)
	for _, p := range r.body {
		b = append(b, p...)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || !json.Valid(b[start:]) {
		b = appendJSONString(b[:start], string(b[start:]))
	}
	return append(b, '}')
}

// appendInnerHeaders appends ,"headers":{...} with Graph's spelling of the
// names, sorted, a header's values joined by ", "; nothing without headers.
func appendInnerHeaders(b []byte, h http.Header) []byte {
	if len(h) == 0 {
		return b
	}
	type field struct{ name, value string }
	fields := make([]field, 0, len(h))
	for k, v := range h {
		fields = append(fields, field{graphHeaderName(k), strings.Join(v, ", ")})
	}
	slices.SortFunc(fields, func(x, y field) int { return strings.Compare(x.name, y.name) })
	b = append(b, `,"headers":{`...)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, f.name), ':')
		b = appendJSONString(b, f.value)
	}
	return append(b, '}')
}

// graphHeaderName spells a header name as Graph does in batch answers
// (a JSON object, where the case shows): x-ms-* in lower case, OData-Version
// with its capitals, the others canonical.
func graphHeaderName(k string) string {
	switch lower := strings.ToLower(k); {
	case strings.HasPrefix(lower, "x-ms-"):
		return lower
	case lower == "odata-version":
		return "OData-Version"
	default:
		return http.CanonicalHeaderKey(k)
	}
}

func (s *Server) failedDependency(ic *call) *reply {
	_ = s.route(ic) // only to learn the endpoint it would have reached, for the counters
	rp := s.finish(ic, s.graphError(ic, http.StatusFailedDependency, "FailedDependency", "The request could not be processed because a request it depends on failed."))
	s.counters.record(ic.endpoint, true, rp.status)
	return rp
}

// innerCall makes a call of a $batch entry. The batch's own token applies to
// every entry, as on Graph.
func (s *Server) innerCall(outer *call, r batchRequest) *call {
	ic := &call{
		ctx:             outer.ctx,
		method:          strings.ToUpper(r.Method),
		header:          http.Header{},
		base:            outer.base,
		inner:           true,
		requestID:       s.newID(),
		clientRequestID: outer.clientRequestID,
	}
	if auth := outer.header.Get("Authorization"); auth != "" {
		ic.header.Set("Authorization", auth)
	}
	for k, v := range r.Headers {
		ic.header.Set(k, v)
	}
	ic.body = innerBody(r.Body)
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme != "" || u.Host != "" {
		ic.badPath = "Invalid request URL '" + r.URL + "': the url of a batch request must be relative, such as /users."
		return ic
	}
	ic.segments, ic.badPath = splitGraphPath("/v1.0/" + strings.TrimPrefix(u.EscapedPath(), "/"))
	ic.query, ic.badQuery = parseQuery(u.RawQuery)
	return ic
}

// innerBody is an entry's body: a JSON value as is, or a base64 string
// decoded (for media that is not JSON).
func innerBody(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b
		}
		return []byte(s)
	}
	return raw
}

// parseBatch reads a $batch body and checks Graph's rules: 1 to 20
// requests, each with id, method and url, unique ids (case-insensitive),
// a Content-Type with a body, dependsOn naming requests of the batch without
// a cycle. deps[i] are the indexes request i waits for; msg is the reason for
// a 400.
func parseBatch(body []byte) (reqs []batchRequest, deps [][]int, msg string) {
	var b struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.Requests == nil {
		return nil, nil, "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
	}
	switch {
	case len(b.Requests) == 0:
		return nil, nil, "The batch request must contain at least one request."
	case len(b.Requests) > maxBatch:
		return nil, nil, "The batch request contains more than the maximum of 20 requests."
	}
	index, msg := indexBatch(b.Requests)
	if msg != "" {
		return nil, nil, msg
	}
	if deps, msg = dependencies(b.Requests, index); msg != "" {
		return nil, nil, msg
	}
	return b.Requests, deps, ""
}

// indexBatch checks each entry and maps its lower-cased id to its index + 1.
func indexBatch(reqs []batchRequest) (map[string]int, string) {
	index := make(map[string]int, len(reqs))
	for i, r := range reqs {
		id := strings.ToLower(r.ID)
		switch {
		case r.ID == "" || r.Method == "" || r.URL == "":
			return nil, "Each request of a batch must have an id, a method and a url."
		case index[id] > 0:
			return nil, "The batch request contains duplicate ids: '" + r.ID + "'."
		case len(bytes.TrimSpace(r.Body)) > 0 && headerValue(r.Headers, "Content-Type") == "":
			return nil, "Request '" + r.ID + "' has a body but no Content-Type header."
		}
		index[id] = i + 1
	}
	return index, ""
}

// dependencies resolves dependsOn ids to indexes and refuses cycles.
func dependencies(reqs []batchRequest, index map[string]int) ([][]int, string) {
	deps := make([][]int, len(reqs))
	for i, r := range reqs {
		for _, d := range r.DependsOn {
			j := index[strings.ToLower(d)] - 1
			if j < 0 || j == i {
				return nil, "Request '" + r.ID + "' depends on '" + d + "', which is not another request of the batch."
			}
			deps[i] = append(deps[i], j)
		}
	}
	if hasCycle(deps) {
		return nil, "The dependsOn of the batch requests form a cycle."
	}
	return deps, ""
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// hasCycle reports whether the dependency graph has a cycle (depth-first,
// colouring nodes in progress).
func hasCycle(deps [][]int) bool {
	const (
		unseen = iota
		active
		settled
	)
	state := make([]int, len(deps))
	var visit func(int) bool
	visit = func(i int) bool {
		switch state[i] {
		case active:
			return true
		case settled:
			return false
		}
		state[i] = active
		for _, j := range deps[i] {
			if visit(j) {
				return true
			}
		}
		state[i] = settled
		return false
	}
	for i := range deps {
		if visit(i) {
			return true
		}
	}
	return false
}
