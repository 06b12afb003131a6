package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// emulatorSpec is one emulator process: its tenant and service profile.
type emulatorSpec struct {
	Users        int
	Seed         int64
	Profile      string  // "zero" or "realistic"
	TimeScale    float64 // realistic only
	SharedShare  float64 // share of users whose UPN begins with SharedPrefix
	SharedPrefix string
	Churn        tenant.ChurnOptions // zero Interval: the directory holds still
}

func (s emulatorSpec) String() string {
	desc := fmt.Sprintf("%s, %s users, seed %d", s.Profile, thousands(int64(s.Users)), s.Seed)
	if s.Profile == "realistic" && s.TimeScale != 1 {
		desc += fmt.Sprintf(", time scale %g", s.TimeScale)
	}
	if s.SharedShare > 0 {
		desc += fmt.Sprintf(", %g%% of UPNs beginning %q", 100*s.SharedShare, s.SharedPrefix)
	}
	if c := s.Churn; c.Interval > 0 {
		desc += fmt.Sprintf(", changing every %v (%d creates, %d deletes, %d renames, %d updates)", c.Interval, c.Creates, c.Deletes, c.Renames, c.Updates)
	}
	return desc
}

// churnArgs are the graphemu flags of the spec's churn.
func (s emulatorSpec) churnArgs() []string {
	c := s.Churn
	if c.Interval <= 0 {
		return nil
	}
	return []string{
		"--churn-interval", c.Interval.String(),
		"--churn-creates", strconv.Itoa(c.Creates), "--churn-deletes", strconv.Itoa(c.Deletes),
		"--churn-renames", strconv.Itoa(c.Renames), "--churn-updates", strconv.Itoa(c.Updates),
		"--churn-restores", strconv.Itoa(c.Restores), "--churn-seed", strconv.FormatInt(c.Seed, 10),
	}
}

// emulator is a running graphemu process.
type emulator struct {
	spec    emulatorSpec
	cmd     *exec.Cmd
	exited  chan struct{}
	env     map[string]string // what its env file says
	http    *http.Client      // for the counters endpoint, trusting its CA
	counter string            // the counters URL
	log     string            // its log file
	users   int               // live users, as generated and changed by bursts
}

// emulatorReadyTimeout bounds the wait for the env file: generating a
// million users takes about a second.
const emulatorReadyTimeout = 2 * time.Minute

// startEmulator starts the graphemu binary for spec and waits until it has
// written its env file.
func startEmulator(ctx context.Context, binary, dir string, spec emulatorSpec) (*emulator, error) {
	name := fmt.Sprintf("graphemu-%s-%d-%d", spec.Profile, spec.Users, time.Now().UnixNano())
	envFile := filepath.Join(dir, name+".env")
	logFile := filepath.Join(dir, name+".log")
	args := []string{
		"--users", strconv.Itoa(spec.Users),
		"--seed", strconv.FormatInt(spec.Seed, 10),
		"--profile", spec.Profile,
		"--time-scale", strconv.FormatFloat(spec.TimeScale, 'g', -1, 64),
		"--shared-prefix-share", strconv.FormatFloat(spec.SharedShare, 'g', -1, 64),
		"--shared-prefix", spec.SharedPrefix,
		"--listen", "127.0.0.1:0",
		"--ca-file", filepath.Join(dir, name+"-ca.pem"),
		"--counters-endpoint",
		"--env-file", envFile,
	}
	args = append(args, spec.churnArgs()...)
	logOut, err := os.Create(logFile)
	if err != nil {
		return nil, fmt.Errorf("emulator log: %w", err)
	}
	// The emulator outlives ctx's cancellation only until stop: it is
	// stopped by a signal, gracefully, not killed with the context. If this
	// program dies without stopping it, it dies too.
	cmd := exec.Command(binary, args...) //nolint:gosec,noctx // the emulator binary this program built, with arguments it made
	dieWithParent(cmd)
	cmd.Stdout, cmd.Stderr = logOut, logOut
	if err := cmd.Start(); err != nil {
		_ = logOut.Close()
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	e := &emulator{spec: spec, cmd: cmd, exited: make(chan struct{}), log: logFile, users: spec.Users}
	go func() {
		_ = cmd.Wait() // its exit status is read through exited; a signalled exit is expected
		_ = logOut.Close()
		close(e.exited)
	}()
	if err := e.waitReady(ctx, envFile); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// waitReady polls for the env file, which the emulator writes atomically
// once it serves.
func (e *emulator) waitReady(ctx context.Context, envFile string) error {
	deadline := time.Now().Add(emulatorReadyTimeout)
	for {
		env, err := readEnvFile(envFile)
		switch {
		case err == nil:
			return e.connect(env)
		case !errors.Is(err, os.ErrNotExist):
			return err
		case time.Now().After(deadline):
			return fmt.Errorf("the emulator was not ready after %v (log: %s)", emulatorReadyTimeout, e.log)
		}
		select {
		case <-e.exited:
			return fmt.Errorf("the emulator stopped before it was ready (log: %s)", e.log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// connect records the env file and builds the client for the counters.
func (e *emulator) connect(env map[string]string) error {
	for _, k := range []string{"AAD_EMULATOR_URL", "AAD_EMULATOR_COUNTERS_URL", "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "SSL_CERT_FILE"} {
		if env[k] == "" {
			return fmt.Errorf("the emulator's env file lacks %s", k)
		}
	}
	client, err := trustingClient(env["SSL_CERT_FILE"])
	if err != nil {
		return err
	}
	e.env, e.http, e.counter = env, client, env["AAD_EMULATOR_COUNTERS_URL"]
	return nil
}

// environ is the environment of a process that talks to the emulator: this
// process's, with the env file's values on top (later entries win).
func (e *emulator) environ(extra ...string) []string {
	env := os.Environ()
	for k, v := range e.env {
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}

func (e *emulator) pid() int { return e.cmd.Process.Pid }

// churns reports whether the emulator's directory changes while it serves.
func (e *emulator) churns() bool { return e.spec.Churn.Interval > 0 }

// takeCounters reads the emulator's counters and sets them back to zero.
func (e *emulator) takeCounters(ctx context.Context) (graphemu.Counters, error) {
	var c graphemu.Counters
	err := e.call(ctx, http.MethodPost, e.counter, 1<<20, &c)
	return c, err
}

// snapshot reads the directory as it is, with how far its churn has come.
func (e *emulator) snapshot(ctx context.Context) (graphemu.Snapshot, error) {
	var s graphemu.Snapshot
	err := e.call(ctx, http.MethodGet, e.env["AAD_EMULATOR_URL"]+graphemu.SnapshotPath, maxAdminBody, &s)
	return s, err
}

// events reads the churn's events after the one numbered after.
func (e *emulator) events(ctx context.Context, after uint64) ([]tenant.Event, error) {
	var ce graphemu.ChurnEvents
	url := e.env["AAD_EMULATOR_URL"] + graphemu.EventsPath + "?after=" + strconv.FormatUint(after, 10)
	if err := e.call(ctx, http.MethodGet, url, maxAdminBody, &ce); err != nil {
		return nil, err
	}
	return ce.TenantEvents()
}

// burst has the emulator make n changes to its directory at once, drawn
// from seed (graphemu.ChurnPath), and records how many users it then holds.
func (e *emulator) burst(ctx context.Context, n int, seed int64) (graphemu.ChurnBurst, error) {
	var b graphemu.ChurnBurst
	url := fmt.Sprintf("%s%s?events=%d&seed=%d", e.env["AAD_EMULATOR_URL"], graphemu.ChurnPath, n, seed)
	if err := e.call(ctx, http.MethodPost, url, 1<<20, &b); err != nil {
		return b, err
	}
	e.users = b.Users
	return b, nil
}

// maxAdminBody bounds a snapshot (about 80 bytes a user) or an event log.
const maxAdminBody = 1 << 30

// call sends a request to one of the emulator's own endpoints and decodes
// its JSON answer, of at most limit bytes, into v.
func (e *emulator) call(ctx context.Context, method, url string, limit int64, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return fmt.Errorf("asking the emulator: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // read whole below; a close error changes nothing
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return fmt.Errorf("reading the emulator's answer to %s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, req.URL.Path, resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding the emulator's answer to %s %s: %w", method, req.URL.Path, err)
	}
	return nil
}

// stop asks the emulator to shut down (it removes its env file) and kills
// it if it does not within a few seconds.
func (e *emulator) stop() {
	_ = e.cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited already
	select {
	case <-e.exited:
	case <-time.After(15 * time.Second):
		_ = e.cmd.Process.Kill() // as above
		<-e.exited
	}
}

// readEnvFile parses the KEY='VALUE' lines graphemu writes (POSIX single
// quotes; a quote inside a value is written '\”).
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("env file %s: line without '='", path)
		}
		if env[k], err = shellUnquote(v); err != nil {
			return nil, fmt.Errorf("env file %s, %s: %w", path, k, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("env file %s: %w", path, err)
	}
	return env, nil
}

// shellUnquote reads a word made of single-quoted parts and backslash-escaped
// single quotes, as graphemu's shellQuote writes them.
func shellUnquote(s string) (string, error) {
	var b strings.Builder
	for s != "" {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", errors.New("unterminated quote")
			}
			b.WriteString(s[1 : 1+end])
			s = s[end+2:]
		default:
			return "", fmt.Errorf("unexpected %q outside quotes", s[0])
		}
	}
	return b.String(), nil
}
