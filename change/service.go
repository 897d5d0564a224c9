package change

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// Config configures a [Service]. Zero values mean the documented defaults.
type Config struct {
	// Store keeps the changes. Required.
	Store Store
	// Notifier receives the events of stored changes; nil means
	// lifecycle.Discard.
	Notifier lifecycle.Notifier
	// Clock tells the time; nil means lifecycle.SystemClock.
	Clock lifecycle.Clock
	// IDs makes new change IDs; nil means lifecycle.RandomIDs("CHG").
	IDs lifecycle.IDFunc
	// Windows gives the blackout and maintenance windows; nil means none.
	// A WindowList is validated by New.
	Windows WindowSource
	// Relations, when set, extends conflict detection to related
	// configuration items: a change on an item also conflicts with an
	// overlapping booked change on an item related to it
	// ([ConflictRelated]). A failed lookup fails the command. Nil checks
	// each item alone.
	Relations Relations
	// ConfigItems, when set, tells the business services a change's
	// configuration items affect: creating a change with items, or
	// changing them, records them (Change.AffectedServices), for the
	// record and the risk rules. A failed lookup fails the command; an
	// unknown item is a *lifecycle.ValidationError naming "config_items".
	// Nil records none unless the command carries them.
	ConfigItems ConfigItems
	// Rules are the change authorities, risk rules, questionnaire,
	// standard change templates and priority matrix (Config.Authorities,
	// Config.RiskRules, Config.Matrix, ...). The zero Rules is the default
	// policy, with lifecycle.DefaultMatrix.
	Rules
	// Interceptors see every operation of the Service, in order: an access
	// policy may refuse one, an observer measures them (see
	// lifecycle.Interceptor).
	Interceptors []lifecycle.Interceptor
	// Access is the access policy the Service applies after
	// Interceptors; nil is the default rules ([AccessRules]), a zero
	// AccessPolicy lets every actor fire every event.
	Access *lifecycle.AccessPolicy
}

// Service runs change enablement over a Store: each operation loads the
// change, reads what the command's rules need, applies the pure
// transition, commits it with the version it read and its read set
// (lifecycle.Commit), and then notifies. It holds no state between calls,
// takes no locks and is safe for concurrent use.
//
// The schedule rule, that no other change holds a configuration item of
// the change in an overlapping window, is about records that may not
// exist yet, so no version of a record read can carry it. A guard per
// item carries it instead: every command that reads the forward schedule
// (Assess, RequestApproval, Schedule, and the scheduling that follows an
// approval) takes the guard "ci/<item>" of each of the change's items
// (and, with Config.Relations, of each item related to them), before the
// schedule query, and its commit bumps them. Of two such
// commands on one item the later to commit finds a guard it did not see:
// the Service then runs it again from a fresh read (see [lifecycle.Kernel]),
// and it sees what the earlier one booked. No other command can put a
// change on an item's schedule or move it there: the window and the items
// are edited only before a change is booked (Update, in new or assess),
// Implement keeps the booking as it is, and Revert, Cancel and Review only
// take a change off the schedule, which can leave a recorded conflict
// stale but never hide one; so they take no guard. A command that keeps
// meeting concurrent writers on its items fails, after lifecycle.Attempts
// runs, with an error matching lifecycle.ErrConflict.
type Service struct {
	store   Store
	kernel  lifecycle.Kernel[*Change]
	notify  lifecycle.Notifier
	clock   lifecycle.Clock
	ids     lifecycle.IDFunc
	windows WindowSource
	rules   Rules
	// relations and cis are Config.Relations and Config.ConfigItems.
	relations Relations
	cis       ConfigItems
}

// New checks cfg and returns a Service. A missing Store or invalid rules
// or windows give a *lifecycle.ValidationError.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "a Store is required")
	}
	rules := cfg.Rules
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if wl, ok := cfg.Windows.(WindowList); ok {
		if err := wl.Validate(); err != nil {
			return nil, err
		}
	}
	s := &Service{
		store:   cfg.Store,
		notify:  lifecycle.NotifierOrDiscard(cfg.Notifier),
		clock:   lifecycle.ClockOrSystem(cfg.Clock),
		ids:     cfg.IDs,
		windows: cfg.Windows,
		rules:   rules,

		relations: cfg.Relations,
		cis:       cfg.ConfigItems,
	}
	if s.ids == nil {
		s.ids = lifecycle.RandomIDs("CHG")
	}
	s.kernel = lifecycle.Kernel[*Change]{Process: Process, Store: cfg.Store, Notifier: s.notify, Version: version, Detach: detach, State: state, Finish: finish,
		Interceptors: lifecycle.Guarded(cfg.Interceptors, cfg.Access, AccessRules()), ID: recordID, Clone: (*Change).Clone, Last: last, Replayed: []string{FieldType}}
	return s, nil
}

// Rules returns the service's rules (not to be modified).
func (s *Service) Rules() Rules { return s.rules }

// Create makes a new change in state new and stores it. With a
// *lifecycle.NotifyError the change is stored and returned as well.
func (s *Service) Create(ctx context.Context, actor lifecycle.Actor, req Create) (*Change, error) {
	id := s.ids()
	c, err := s.kernel.CreateEvent(ctx, actor, eventCreate, func(ctx context.Context, _ *lifecycle.ReadSet) (*Change, []lifecycle.Notification, error) {
		now, req := s.clock.Now(), req
		if s.cis != nil {
			// The items are the request's or its template's: New knows
			// which, and is pure, so it is asked first.
			req.AffectedServices = nil
			c, _, err := s.rules.New(id, actor, now, req)
			if err != nil {
				return nil, nil, err
			}
			if req.AffectedServices, err = s.affected(ctx, c.ConfigItems); err != nil {
				return nil, nil, err
			}
		}
		return s.rules.New(id, actor, now, req)
	})
	return stored(c, err)
}

// version is the kernel's view of a change's version.
func version(c *Change) int64         { return c.Version }
func state(c *Change) string          { return string(c.State) }
func recordID(c *Change) string       { return c.ID }
func last(c *Change) lifecycle.Record { return lifecycle.LastRecord(c.History) }

// stored returns c with err when err is nil or a notifier failure (the
// change is stored), and nil with err otherwise.
func stored(c *Change, err error) (*Change, error) {
	if err != nil && !lifecycle.IsNotifyError(err) {
		return nil, err
	}
	return c, err
}

// Get returns the change with id, as stored: without its History (see
// [Service.History] and [Service.Export]), or an error matching
// lifecycle.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (*Change, error) {
	return s.store.Get(ctx, id)
}

// ChangeOutcome reports whether change changeID has ended (closed or
// canceled) and, if so, whether it succeeded (closed with outcome
// successful or successful_with_issues). An unknown change is an error
// matching lifecycle.ErrNotFound. It is the method problem management's
// ChangeOutcomes interface expects, so that a problem fixed through several
// changes waits for all of them.
func (s *Service) ChangeOutcome(ctx context.Context, changeID string) (ended, succeeded bool, err error) {
	c, err := s.store.Get(ctx, changeID)
	if err != nil {
		return false, false, err
	}
	switch c.State {
	case StateClosed:
		return true, c.Outcome == OutcomeSuccessful || c.Outcome == OutcomeSuccessfulWithIssues, nil
	case StateCanceled:
		return true, false, nil
	}
	return false, false, nil
}

// List returns a page of changes; see [Store.List].
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	for _, st := range f.States {
		if _, err := lifecycle.ParseEnum("states", allStates, string(st)); err != nil {
			return Page{}, err
		}
	}
	for _, t := range f.Types {
		if _, err := lifecycle.ParseEnum("types", allTypes, string(t)); err != nil {
			return Page{}, err
		}
	}
	return s.store.List(ctx, f)
}

// Conflicts returns the current conflicts of change id's planned window
// (see [Conflicts]), without changing anything.
func (s *Service) Conflicts(ctx context.Context, id string) ([]Conflict, error) {
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkPlanned(c); err != nil {
		return nil, err
	}
	return (&reading{s: s}).conflicts(ctx, c)
}

// A reading is what one attempt of a command reads beyond its own change,
// on behalf of the command's rules ([reader]), and the read set that
// guards it.
type reading struct {
	s *Service
	// reads collects the guards the reads take, for the commit; nil for a
	// query, which commits nothing and takes none.
	reads *lifecycle.ReadSet
}

// ciGuard is the key of configuration item ci's guard, which every write
// that checks the item's schedule takes (see [Service]).
func ciGuard(ci string) string { return "ci/" + ci }

// conflicts reads the booked changes and windows around c's planned window
// and checks them. An unplanned change has none. With Config.Relations,
// the items related to c's are read first and the schedule covers them
// too. When r collects a read set, it first takes the guard of each item
// the schedule covers (sorted, so concurrent writers take shared guards
// in one order): what the schedule query then shows is at least as new as
// the guards.
func (r *reading) conflicts(ctx context.Context, c *Change) ([]Conflict, error) {
	if !c.Planned() || !c.PlannedEnd.After(c.PlannedStart) {
		return nil, nil
	}
	related, items, err := r.related(ctx, c.ConfigItems)
	if err != nil {
		return nil, err
	}
	var others []*Change
	if len(items) > 0 {
		if r.reads != nil {
			for _, ci := range items {
				if err := r.reads.TakeGuard(ctx, r.s.store, ciGuard(ci)); err != nil {
					return nil, err
				}
			}
		}
		if others, err = r.s.store.Scheduled(ctx, slices.Clone(items), c.PlannedStart, c.PlannedEnd); err != nil {
			return nil, err
		}
	}
	var windows []Window
	if r.s.windows != nil {
		var err error
		if windows, err = r.s.windows.Windows(ctx, slices.Clone(c.ConfigItems), c.PlannedStart, c.PlannedEnd); err != nil {
			return nil, err
		}
	}
	return ConflictsWith(c, others, windows, related)
}

// Do applies any command: load, version check, the command's reads (the
// forward schedule, under the guards of its items, for the commands that
// check it), the pure transition, commit with the version and the read
// set, notify; a read conflict runs it all again (see [Service]). After
// an approval that authorizes a change whose window has no conflicts, it
// also schedules the change (as lifecycle.System, a second stored
// version); an error there is joined to the result, which is then the
// authorized change.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Change, error) {
	if err := lifecycle.NilCommand(cmd); err != nil {
		return nil, err
	}
	c, err := s.apply(ctx, actor, cmd)
	if err != nil || cmd.event() != EventApprove {
		return c, err
	}
	if c.State != StateAuthorize || !c.Authorized() {
		return c, nil
	}
	next, err := s.apply(ctx, lifecycle.System, Schedule{ID: c.ID, Version: c.Version})
	if errors.Is(err, ErrScheduleConflict) {
		// The window has conflicts: the change waits, authorized, for a
		// Schedule with an override.
		return c, nil
	}
	if err != nil {
		err = fmt.Errorf("change %s: approved and authorized, but scheduling it failed: %w", c.ID, err)
	}
	if next == nil {
		return c, err
	}
	return next, err
}

// apply runs cmd through the kernel: load, version check, the command's
// reads (under the guards they take), the pure transition, commit with
// the read set; a read conflict runs it all again from a fresh read.
func (s *Service) apply(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Change, error) {
	id, pinned := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "a change ID is required")
	}
	event := func(*Change) string { return string(cmd.event()) }
	c, err := s.kernel.UpdateEvent(ctx, actor, id, pinned, event, func(ctx context.Context, c *Change, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		cmd := cmd
		if r, ok := cmd.(reader); ok && allows(c, cmd.event()) {
			var err error
			if cmd, err = r.read(ctx, &reading{s: s, reads: reads}, c); err != nil {
				return nil, err
			}
		}
		return s.rules.Apply(c, actor, s.clock.Now(), cmd)
	})
	return stored(c, err)
}

// allows reports whether c's machine has event e from c's state (guards
// aside), so that conflicts are only read for commands that can proceed.
func allows(c *Change, e Event) bool {
	_, ok := Target(c.Type, c.State, e)
	return ok
}

// Update edits a change's details; see [Update].
func (s *Service) Update(ctx context.Context, actor lifecycle.Actor, cmd Update) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// SetType changes a change's type; see [SetType].
func (s *Service) SetType(ctx context.Context, actor lifecycle.Actor, cmd SetType) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Assign sets a change's group and assignee; see [Assign].
func (s *Service) Assign(ctx context.Context, actor lifecycle.Actor, cmd Assign) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Link links problems and incidents to a change; see [Link].
func (s *Service) Link(ctx context.Context, actor lifecycle.Actor, cmd Link) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Assess moves a normal change to assess, recording its conflicts and
// risk; see [Assess].
func (s *Service) Assess(ctx context.Context, actor lifecycle.Actor, cmd Assess) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// RequestApproval asks the change authority to authorize a change; see
// [RequestApproval].
func (s *Service) RequestApproval(ctx context.Context, actor lifecycle.Actor, cmd RequestApproval) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Approve records an approval and, once the change is authorized and its
// window has no conflicts, schedules it; see [Approve] and [Service.Do].
func (s *Service) Approve(ctx context.Context, actor lifecycle.Actor, cmd Approve) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Reject records a rejection and returns the change to new; see [Reject].
func (s *Service) Reject(ctx context.Context, actor lifecycle.Actor, cmd Reject) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Schedule books a change's window, checking conflicts against the Store
// and the windows; see [Schedule].
func (s *Service) Schedule(ctx context.Context, actor lifecycle.Actor, cmd Schedule) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Revert returns a change to new; see [Revert].
func (s *Service) Revert(ctx context.Context, actor lifecycle.Actor, cmd Revert) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Implement starts a change's implementation; see [Implement].
func (s *Service) Implement(ctx context.Context, actor lifecycle.Actor, cmd Implement) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Review ends the implementation with an outcome; see [Review].
func (s *Service) Review(ctx context.Context, actor lifecycle.Actor, cmd Review) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Close closes a reviewed change; see [Close].
func (s *Service) Close(ctx context.Context, actor lifecycle.Actor, cmd Close) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}

// Cancel cancels a change; see [Cancel].
func (s *Service) Cancel(ctx context.Context, actor lifecycle.Actor, cmd Cancel) (*Change, error) {
	return s.Do(ctx, actor, cmd)
}
