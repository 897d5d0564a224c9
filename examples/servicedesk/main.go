package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/itsmkit/itsm/examples/telemetry"
	"github.com/itsmkit/itsm/lifecycle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "servicedesk:", err)
		}
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	addr        string
	dsn         string
	policyFile  string
	logFormat   string
	logLevel    slog.Level
	slaEvery    time.Duration
	relayEvery  time.Duration
	closeEvery  time.Duration
	shutdownMax time.Duration
}

// parseConfig reads the flags, with ITSM_DATABASE_URL as the database
// when -db is not given.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("servicedesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen `address`")
	dataDir := fs.String("data", ".", "`directory` of the SQLite database itsm.db, when neither -db nor ITSM_DATABASE_URL is set")
	fs.StringVar(&c.dsn, "db", "", "database `DSN`: postgres://..., sqlite:path, :memory: (default $ITSM_DATABASE_URL, else sqlite in -data)")
	fs.StringVar(&c.policyFile, "policy", "", "JSON `file` with change windows, templates, authorities and the SLA business calendar")
	fs.StringVar(&c.logFormat, "log", "text", "log `format`: text or json")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn, error")
	fs.DurationVar(&c.slaEvery, "sla-interval", defaultSLAInterval, "evaluate SLA timers at least this often (and at each deadline)")
	fs.DurationVar(&c.relayEvery, "relay-interval", defaultRelayInterval, "poll the outbox this often (new events wake the relay at once)")
	fs.DurationVar(&c.closeEvery, "autoclose-interval", defaultAutoCloseInterval, "auto-close resolved incidents this often; negative disables")
	fs.DurationVar(&c.shutdownMax, "shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("-log: want text or json, got %q", c.logFormat)
	}
	if c.dsn == "" {
		c.dsn = getenv("ITSM_DATABASE_URL")
	}
	if c.dsn == "" {
		if err := os.MkdirAll(*dataDir, 0o755); err != nil {
			return c, err
		}
		c.dsn = "sqlite:" + filepath.Join(*dataDir, "itsm.db")
	}
	return c, nil
}

// run serves the desk until ctx is canceled, then shuts down gracefully
// and returns nil. listening, when set, is told the address once the
// server accepts connections (tests listen on port 0).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, listening func(net.Addr)) error {
	c, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	hopts := &slog.HandlerOptions{Level: c.logLevel}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if c.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	log := slog.New(h)
	pol, err := loadPolicy(c.policyFile)
	if err != nil {
		return err
	}

	interceptors, stopTelemetry, err := exportTelemetry(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer stopTelemetry()

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	d, err := newDesk(openCtx, options{
		DSN: c.dsn, Policy: pol, Log: log,
		SLAInterval: c.slaEvery, RelayInterval: c.relayEvery, AutoCloseInterval: c.closeEvery,
		Interceptors: interceptors,
	})
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			log.Error("close database", "err", err)
		}
		log.Info("stopped")
	}()
	log.Info("database open", "dialect", d.db.Dialect(), "dsn", redact(c.dsn))
	log.Warn("configuration items are kept in memory: lost when the desk stops, not shared between replicas")

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           d.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(h, slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	waitLoops := d.start(loopCtx)
	defer func() {
		stopLoops()
		waitLoops()
		// Deliver what the last requests queued, so that a clean stop
		// leaves nothing pending (a crash would deliver it on restart).
		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.flush(fctx)
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if listening != nil {
		listening(ln.Addr())
	}

	select {
	case err := <-served:
		return err // the listener failed
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownMax)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// exportTelemetry returns the telemetry interceptor when the standard
// OTEL_EXPORTER_OTLP_*ENDPOINT variables ask for export (see
// telemetry.FromEnv), and none otherwise: a desk that exports nothing
// spends nothing on spans. stop exports what is left and shuts the
// exporters down; run calls it last, after the desk is closed.
func exportTelemetry(ctx context.Context, getenv func(string) string, log *slog.Logger) (is []lifecycle.Interceptor, stop func(), err error) {
	exp, err := telemetry.FromEnv(ctx, "servicedesk", getenv)
	if err != nil || exp == nil {
		return nil, func() {}, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := exp.Shutdown(sctx); err != nil {
			log.Error("telemetry shutdown", "err", err)
		}
	}
	tel, err := telemetry.New(exp.Traces, exp.Metrics)
	if err != nil {
		stop()
		return nil, nil, err
	}
	log.Info("exporting telemetry", "otlp", "http/protobuf")
	return []lifecycle.Interceptor{tel}, stop, nil
}

// redact hides the password of a database URL for the logs.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
