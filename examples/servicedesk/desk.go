package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/examples/sqlstore"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/sla"
)

// Defaults of the background loops.
const (
	defaultSLAInterval       = 30 * time.Second
	defaultRelayInterval     = time.Second
	defaultAutoCloseInterval = time.Hour
	// minSLAWait keeps the SLA loop from spinning on a deadline that is
	// already due but claimed by another replica.
	minSLAWait = 250 * time.Millisecond
)

// options configure a desk. Zero values mean the documented defaults.
type options struct {
	// DSN names the database (see sqlstore.Open). Required.
	DSN string
	// Policy is the host's change windows, templates, authorities and
	// business calendar.
	Policy policy
	// Clock tells the time; nil is the system clock. Tests use a fake one.
	Clock lifecycle.Clock
	// Log receives the desk's structured logs; nil discards them.
	Log *slog.Logger
	// Notifier, when set, also receives every event the relay delivers:
	// where a host plugs in its mailer or chat bot.
	Notifier lifecycle.Notifier
	// SLAInterval is the longest the SLA loop sleeps between evaluations;
	// it wakes earlier for the next deadline. 0 means 30s.
	SLAInterval time.Duration
	// RelayInterval is how often the relay polls the outbox; it also wakes
	// when this process queues events. 0 means 1s.
	RelayInterval time.Duration
	// AutoCloseInterval is how often resolved incidents are auto-closed;
	// 0 means 1h, negative disables it.
	AutoCloseInterval time.Duration
	// Interceptors see every operation of every process, in order (see
	// lifecycle.Interceptor): where run installs telemetry.
	Interceptors []lifecycle.Interceptor
}

// desk is the service desk: every process's service over one database,
// the SLA engine, and the outbox relay that feeds the engine and the
// host's notifier.
type desk struct {
	db         *sqlstore.DB
	incidents  *incident.Service
	problems   *problem.Service
	changes    *change.Service
	portfolio  *lifecycle.Portfolio
	catalog    *request.Catalog
	requests   *request.Service
	cis        *cmdb.Service
	ciStore    *cmdbtest.Store // in memory: see wireCMDB
	ciClasses  *cmdb.Classes
	engine     *sla.Engine
	agreements []*sla.Agreement
	relay      *sqlstore.Relay
	clock      lifecycle.Clock
	log        *slog.Logger
	opts       options
	// slaKick wakes the SLA loop when the relay fed the engine, whose next
	// deadline may then be earlier.
	slaKick chan struct{}
}

// newDesk opens the database (applying migrations) and wires the
// processes. Close releases it.
func newDesk(ctx context.Context, opts options) (*desk, error) {
	d := &desk{
		clock:   lifecycle.ClockOrSystem(opts.Clock),
		log:     opts.Log,
		opts:    opts,
		slaKick: make(chan struct{}, 1),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	var cal *sla.Calendar
	if opts.Policy.Calendar != nil {
		var err error
		if cal, err = sla.NewCalendar(*opts.Policy.Calendar); err != nil {
			return nil, fmt.Errorf("policy calendar: %w", err)
		}
	}
	d.agreements = agreements(cal)

	db, err := sqlstore.Open(ctx, opts.DSN)
	if err != nil {
		return nil, err
	}
	d.db = db
	if err := d.wire(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// wire builds the services over d.db. The stores are outboxes, so the
// services store their events with each change instead of notifying; the
// relay delivers them.
func (d *desk) wire() error {
	var err error
	is := d.opts.Interceptors
	if d.incidents, err = incident.New(incident.Config{Store: d.db.Incidents(), Clock: d.clock, Interceptors: is}); err != nil {
		return err
	}
	if d.problems, err = problem.New(problem.Config{
		Store: d.db.Problems(), Clock: d.clock, Interceptors: is,
		Incidents: d.incidents, // a fixed problem resolves the incidents waiting on it
	}); err != nil {
		return err
	}
	var windows change.WindowSource
	if len(d.opts.Policy.Windows) > 0 {
		windows = d.opts.Policy.Windows
	}
	if d.changes, err = change.New(change.Config{
		Store: d.db.Changes(), Clock: d.clock, Windows: windows, Interceptors: is,
		Rules: change.Rules{Authorities: d.opts.Policy.Authorities, Templates: d.opts.Policy.Templates},
	}); err != nil {
		return err
	}
	if d.portfolio, err = lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store: d.db.Services(), Improvements: d.db.Improvements(), Clock: d.clock, Interceptors: is,
		Dependents: lifecycle.DependentsFunc(d.openWork),
		Agreements: lifecycle.AgreementLookupFunc(d.agreementKind),
	}); err != nil {
		return err
	}
	if d.catalog, err = newCatalog(d.opts.Policy, d.agreements); err != nil {
		return err
	}
	if d.requests, err = request.New(request.Config{
		Store: d.db.Requests(), Catalog: d.catalog, Directory: d.opts.Policy.Directory,
		Clock: d.clock, Interceptors: is,
	}); err != nil {
		return err
	}
	if err = d.wireCMDB(); err != nil {
		return err
	}
	if d.engine, err = sla.New(sla.Config{Store: d.db.Timers(), Clock: d.clock, Agreements: d.agreements}); err != nil {
		return err
	}
	d.relay = d.db.Relay(lifecycle.Fanout(
		lifecycle.NotifierFunc(d.observe),
		lifecycle.NotifierFunc(d.logEvents),
		d.opts.Notifier,
	))
	d.relay.OnError = func(err error) { d.log.Warn("outbox relay", "err", err) }
	d.relay.Log = d.log
	return nil
}

// agreementKind answers the portfolio's question when a service links an
// agreement: the desk's agreements are the ones that exist.
func (d *desk) agreementKind(_ context.Context, id string) (lifecycle.AgreementKind, error) {
	for _, a := range d.agreements {
		if a.ID == id {
			return lifecycle.AgreementKind(a.Type), nil
		}
	}
	return "", fmt.Errorf("agreement %s: %w", id, lifecycle.ErrNotFound)
}

// Close closes the database. Stop the background loops first.
func (d *desk) Close() error { return d.db.Close() }

// observe feeds the SLA engine, then wakes the SLA loop: a new timer may
// have a deadline earlier than the one it sleeps for.
func (d *desk) observe(ctx context.Context, events ...lifecycle.Notification) error {
	err := d.engine.Notify(ctx, events...)
	select {
	case d.slaKick <- struct{}{}:
	default:
	}
	return err
}

// logEvents is the desk's own notifier: one log line per delivered event,
// SLA breaches as warnings.
func (d *desk) logEvents(ctx context.Context, events ...lifecycle.Notification) error {
	for _, e := range events {
		level := slog.LevelInfo
		if e.Type == sla.EventBreached {
			level = slog.LevelWarn
		}
		d.log.Log(ctx, level, "event", "id", e.ID, "process", e.Process, "subject", e.Subject,
			"type", e.Type, "actor", e.Actor, "version", e.Version, "state", e.Snapshot.State)
	}
	return nil
}

// openWork answers the portfolio's question before a service retires:
// incidents not yet resolved and changes booked against it. The stores
// filter neither by service, so it pages through the open ones.
func (d *desk) openWork(ctx context.Context, serviceID string) (openIncidents, scheduledChanges int, err error) {
	openIncidents, err = countAll(ctx, func(ctx context.Context, after string) ([]*incident.Incident, string, error) {
		page, err := d.incidents.List(ctx, incident.Filter{
			States: []incident.State{incident.StateNew, incident.StateInProgress, incident.StateOnHold},
			Limit:  incident.MaxLimit, After: after,
		})
		return page.Incidents, page.Next, err
	}, func(x *incident.Incident) bool { return x.Service == serviceID })
	if err != nil {
		return 0, 0, err
	}
	scheduledChanges, err = countAll(ctx, func(ctx context.Context, after string) ([]*change.Change, string, error) {
		page, err := d.changes.List(ctx, change.Filter{
			States: []change.State{change.StateScheduled, change.StateImplement},
			Limit:  change.MaxLimit, After: after,
		})
		return page.Changes, page.Next, err
	}, func(c *change.Change) bool { return c.Service == serviceID })
	if err != nil {
		return 0, 0, err
	}
	return openIncidents, scheduledChanges, nil
}

// countAll pages through a list (list answers the page after the cursor,
// and the next cursor) and counts the records that match.
func countAll[X any](ctx context.Context, list func(ctx context.Context, after string) ([]X, string, error), match func(X) bool) (int, error) {
	n := 0
	for after := ""; ; {
		xs, next, err := list(ctx, after)
		if err != nil {
			return 0, err
		}
		for _, x := range xs {
			if match(x) {
				n++
			}
		}
		if after = next; after == "" {
			return n, nil
		}
	}
}

// start runs the background loops until ctx is done: the outbox relay,
// the SLA evaluator and the auto-closer. The returned function waits for
// them to stop.
func (d *desk) start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	interval := d.opts.RelayInterval
	if interval <= 0 {
		interval = defaultRelayInterval
	}
	wg.Go(func() {
		if err := d.relay.Run(ctx, interval); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("outbox relay stopped", "err", err)
		}
	})
	wg.Go(func() { d.slaLoop(ctx) })
	if d.opts.AutoCloseInterval >= 0 {
		wg.Go(func() { d.autoCloseLoop(ctx) })
	}
	return wg.Wait
}

// flush delivers the events pending in the outbox, once.
func (d *desk) flush(ctx context.Context) {
	n, err := d.relay.RunOnce(ctx)
	if err != nil {
		d.log.Warn("outbox flush", "delivered", n, "err", err)
	} else if n > 0 {
		d.log.Info("outbox flushed", "delivered", n)
	}
}

// slaLoop evaluates due SLA timers, then sleeps until the next deadline,
// at most SLAInterval, or until the relay fed the engine. Each replica
// runs one; the engine's claims keep them off each other's timers.
func (d *desk) slaLoop(ctx context.Context) {
	limit := d.opts.SLAInterval
	if limit <= 0 {
		limit = defaultSLAInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.slaKick:
		}
		wait := d.evaluateSLA(ctx, limit)
		t.Reset(wait)
	}
}

// evaluateSLA fires the due warnings and breaches and returns how long to
// sleep before the next run.
func (d *desk) evaluateSLA(ctx context.Context, limit time.Duration) time.Duration {
	n, err := d.engine.EvaluateDue(ctx, d.clock.Now())
	if err != nil && ctx.Err() == nil {
		d.log.Warn("sla evaluation", "err", err)
	}
	if n > 0 {
		d.log.Debug("sla evaluation", "fired", n)
	}
	next, ok, err := d.engine.NextDeadline(ctx)
	if err != nil && ctx.Err() == nil {
		d.log.Warn("sla next deadline", "err", err)
	}
	if !ok {
		return limit
	}
	return min(limit, max(next.Sub(d.clock.Now()), minSLAWait))
}

// autoCloseLoop closes incidents resolved for longer than the incident
// service's AutoCloseAfter, every AutoCloseInterval.
func (d *desk) autoCloseLoop(ctx context.Context) {
	every := d.opts.AutoCloseInterval
	if every == 0 {
		every = defaultAutoCloseInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := d.incidents.AutoClose(ctx, lifecycle.System)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("auto-close", "err", err, "closed", n)
		} else if n > 0 {
			d.log.Info("auto-close", "closed", n)
		}
	}
}
