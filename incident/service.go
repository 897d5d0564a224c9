package incident

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// DefaultAutoCloseAfter is how long a resolved incident waits without an
// update before [Service.AutoClose] closes it, when
// [Config].AutoCloseAfter is zero.
const DefaultAutoCloseAfter = 7 * 24 * time.Hour

// Config configures a [Service]. Only Store is required; every other zero
// value means the documented default.
type Config struct {
	// Store keeps the incidents. Required.
	Store Store
	// Notifier receives the events of stored changes; nil discards them.
	Notifier lifecycle.Notifier
	// Clock tells the time of each change; nil is the system clock.
	Clock lifecycle.Clock
	// IDs names new incidents; nil is lifecycle.RandomIDs("INC").
	IDs lifecycle.IDFunc
	// Matrix derives priority from impact and urgency; the zero Matrix is
	// the default 3 × 3 one.
	Matrix lifecycle.Matrix
	// EscalationLevels is the highest hierarchical escalation level; 0
	// means DefaultEscalationLevels. Negative is invalid.
	EscalationLevels int
	// AutoCloseAfter is how long a resolved incident must go without any
	// update before AutoClose closes it; 0 means DefaultAutoCloseAfter,
	// negative disables auto-close.
	AutoCloseAfter time.Duration
}

// Service runs the incident process over a [Store]: each operation loads
// the incident, applies the command ([Rules.Apply]), stores the result with
// the version it loaded, and only then hands the events to the Notifier.
//
// A Service holds no state between calls and no lock across them; it is
// safe for concurrent use, and several replicas may share one Store.
//
// Results and errors of an operation on an incident:
//   - (incident, nil): stored and notified.
//   - (nil, err): nothing was stored and nothing notified. err matches
//     lifecycle.ErrNotFound, ErrConflict (a stale or racing version),
//     ErrInvalidTransition, ErrValidation or ErrForbidden, or is the Store's.
//   - (incident, err): the change was stored, but the Notifier failed
//     (err holds a *lifecycle.NotifyError) or a follow-up change of another
//     incident failed (err holds a *[FollowUpError]), or both, joined.
//     The stored change stands.
type Service struct {
	store          Store
	notifier       lifecycle.Notifier
	clock          lifecycle.Clock
	ids            lifecycle.IDFunc
	rules          Rules
	autoCloseAfter time.Duration
	// quiet is set when nobody would see the events (a discarding
	// notifier, no outbox), so that none are built.
	quiet bool
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "required")
	}
	rules := Rules{Matrix: cfg.Matrix, EscalationLevels: cfg.EscalationLevels}
	if err := rules.validate(); err != nil {
		return nil, err
	}
	s := &Service{
		store:          cfg.Store,
		notifier:       lifecycle.NotifierOrDiscard(cfg.Notifier),
		clock:          lifecycle.ClockOrSystem(cfg.Clock),
		ids:            cfg.IDs,
		rules:          rules,
		autoCloseAfter: cfg.AutoCloseAfter,
	}
	_, outbox := cfg.Store.(lifecycle.Outbox[*Incident])
	s.quiet = !outbox && (cfg.Notifier == nil || cfg.Notifier == lifecycle.Discard)
	if s.ids == nil {
		s.ids = lifecycle.RandomIDs("INC")
	}
	if s.autoCloseAfter == 0 {
		s.autoCloseAfter = DefaultAutoCloseAfter
	}
	return s, nil
}

// Rules returns the rules the service applies.
func (s *Service) Rules() Rules { return s.rules }

// FollowUpError reports that an operation's own change was stored but a
// follow-up change to another incident failed: an open child not resolved
// with its parent, for example. Incident names the other incident.
type FollowUpError struct {
	Incident string // the incident the follow-up was for
	Err      error  // why it failed
}

// Error renders "follow-up on incident <id>: <err>".
func (e *FollowUpError) Error() string {
	return fmt.Sprintf("follow-up on incident %s: %v", e.Incident, e.Err)
}

// Unwrap returns the follow-up's error.
func (e *FollowUpError) Unwrap() error { return e.Err }

// Get returns the stored incident, or an error matching
// lifecycle.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (*Incident, error) {
	return s.store.Get(ctx, id)
}

// List returns a page of the incidents matching f; see [Store.List]. A
// filter that fails [Filter.Validate] is refused with its error.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	return s.store.List(ctx, f)
}

// Open logs a new incident, in state new, and returns it as stored. With a
// Parent, the parent must exist, be open and not itself be a child.
func (s *Service) Open(ctx context.Context, actor lifecycle.Actor, cmd Open) (*Incident, error) {
	x, evs, err := s.rules.open(actor, s.clock.Now(), s.ids, cmd, s.quiet)
	if err != nil {
		return nil, err
	}
	if x.Parent != "" {
		if err := s.checkParent(ctx, x, false); err != nil {
			return nil, err
		}
	}
	err = lifecycle.CommitCreate(ctx, s.store, s.notifier, x, evs)
	if err != nil && !isNotifyError(err) {
		return nil, err
	}
	if x.Parent != "" {
		var serr error
		x, serr = s.settleAttached(ctx, actor, x)
		err = errors.Join(err, serr)
	}
	return x, err
}

// Do runs any command: load, apply, store with the loaded version, notify,
// then the follow-ups (resolving a parent resolves its open children). The
// per-operation methods ([Service.Assign], ...) do the same with their
// command's own type.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Incident, error) {
	if cmd == nil {
		return nil, lifecycle.Invalid("command", "nil")
	}
	return do(s, ctx, actor, cmd)
}

// do is [Service.Do] for a command of a known type, so that the
// per-operation methods need not box their command in an interface value.
func do[C Command](s *Service, ctx context.Context, actor lifecycle.Actor, cmd C) (*Incident, error) {
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, _ := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	x, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return run(s, ctx, actor, x, cmd)
}

// run applies cmd to x, freshly loaded and owned by the caller (no other
// copy is made: on error x is dropped), then commits.
func run[C Command](s *Service, ctx context.Context, actor lifecycle.Actor, x *Incident, cmd C) (*Incident, error) {
	evs, err := applyCmd(s.rules, x, actor, s.clock.Now(), cmd, s.quiet)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, actor, x, evs)
}

// commit takes x, just changed by a command, checks the rules that involve
// other incidents, stores it with the version it was loaded at, notifies,
// and runs the follow-ups.
func (s *Service) commit(ctx context.Context, actor lifecycle.Actor, x *Incident, evs []lifecycle.Event) (*Incident, error) {
	event := Event(x.History[len(x.History)-1].Event)
	switch event {
	case EventSetParent:
		if err := s.checkParent(ctx, x, true); err != nil {
			return nil, err
		}
	case EventReopen:
		if err := s.checkReopen(ctx, x); err != nil {
			return nil, err
		}
	}
	err := lifecycle.CommitUpdate(ctx, s.store, s.notifier, x, x.Version-1, evs)
	if err != nil && !isNotifyError(err) {
		return nil, err
	}
	switch event {
	case EventResolve, EventClose:
		err = errors.Join(err, s.resolveChildren(ctx, actor, x))
	case EventSetParent:
		var serr error
		x, serr = s.settleAttached(ctx, actor, x)
		err = errors.Join(err, serr)
	case EventReopen:
		var serr error
		x, serr = s.settleChild(ctx, actor, x)
		err = errors.Join(err, serr)
	}
	return x, err
}

func isNotifyError(err error) bool {
	var ne *lifecycle.NotifyError
	return errors.As(err, &ne)
}

// checkParent checks x.Parent (when set): it must exist, be open and not be
// a child itself; with existing, x must not have children of its own.
func (s *Service) checkParent(ctx context.Context, x *Incident, existing bool) error {
	if x.Parent == "" {
		return nil
	}
	p, err := s.store.Get(ctx, x.Parent)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return lifecycle.Invalid("parent", "incident %s does not exist", x.Parent)
	}
	if err != nil {
		return err
	}
	if !p.State.IsOpen() {
		return lifecycle.Invalid("parent", "incident %s is %s: a parent must be open", p.ID, p.State)
	}
	if p.Parent != "" {
		return lifecycle.Invalid("parent", "incident %s is a child of %s: the hierarchy has one level", p.ID, p.Parent)
	}
	if existing {
		page, err := s.store.List(ctx, Filter{Parent: x.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Incidents) > 0 {
			return lifecycle.Invalid("parent", "incident %s has children: the hierarchy has one level", x.ID)
		}
	}
	return nil
}

// checkReopen refuses to reopen a child whose parent is resolved or closed:
// a child is never open under a resolved parent.
func (s *Service) checkReopen(ctx context.Context, x *Incident) error {
	if x.Parent == "" {
		return nil
	}
	p, err := s.store.Get(ctx, x.Parent)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.State == StateResolved || p.State == StateClosed {
		allowed := Allowed(StateResolved)
		names := make([]string, len(allowed))
		for i, e := range allowed {
			names[i] = string(e)
		}
		return &lifecycle.TransitionError{
			Process: Process, Subject: x.ID, From: string(StateResolved), Event: string(EventReopen),
			Allowed: names,
			Reason:  fmt.Errorf("parent %s is %s: reopen the parent first", p.ID, p.State),
		}
	}
	return nil
}

// followUpAttempts bounds the retries of a follow-up change that meets a
// concurrent writer.
const followUpAttempts = 5

// resolveChildren resolves the open children of parent, just resolved or
// closed, each as its own stored change.
func (s *Service) resolveChildren(ctx context.Context, actor lifecycle.Actor, parent *Incident) error {
	if parent.Parent != "" {
		return nil // a child has no children: the hierarchy has one level
	}
	var errs []error
	f := Filter{Parent: parent.ID, States: openStates, Limit: MaxLimit}
	for {
		page, err := s.store.List(ctx, f)
		if err != nil {
			return errors.Join(append(errs, &FollowUpError{Incident: parent.ID, Err: err})...)
		}
		for _, c := range page.Incidents {
			if _, err := s.resolveChild(ctx, actor, c, parent); err != nil {
				errs = append(errs, &FollowUpError{Incident: c.ID, Err: err})
			}
		}
		if page.Next == "" {
			return errors.Join(errs...)
		}
		f.After = page.Next
	}
}

// settleChild resolves x, an open child, when its parent turns out to be
// resolved or closed: it closes the race between a parent being resolved
// and a child joining or reopening under it. It returns the child as last
// stored.
func (s *Service) settleChild(ctx context.Context, actor lifecycle.Actor, x *Incident) (*Incident, error) {
	if x.Parent == "" || !x.State.IsOpen() {
		return x, nil
	}
	p, err := s.store.Get(ctx, x.Parent)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return x, nil
	}
	if err != nil {
		return x, &FollowUpError{Incident: x.ID, Err: err}
	}
	if p.State != StateResolved && p.State != StateClosed {
		return x, nil
	}
	c, err := s.resolveChild(ctx, actor, x, p)
	if err != nil {
		err = &FollowUpError{Incident: x.ID, Err: err}
	}
	if c == nil {
		c = x
	}
	return c, err
}

// resolveChild resolves child c with parent's resolution, reloading and
// retrying when it meets a concurrent change, and returns it as stored. A
// child that is no longer open, or no longer under parent, is left alone
// (nil, nil). c is not modified.
func (s *Service) resolveChild(ctx context.Context, actor lifecycle.Actor, c *Incident, parent *Incident) (*Incident, error) {
	cmd := resolveWithParent{id: c.ID, parent: parent.ID, code: parent.ResolutionCode, notes: parent.ResolutionNotes}
	if cmd.code == "" {
		cmd.code = CodeSolutionProvided
	}
	if blank(cmd.notes) {
		cmd.notes = "resolved with its parent"
	}
	var err error
	for range followUpAttempts {
		if c == nil {
			c, err = s.store.Get(ctx, cmd.id)
			if errors.Is(err, lifecycle.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
		if c.Parent != parent.ID || !c.State.IsOpen() {
			return nil, nil
		}
		x := c.Clone()
		c = nil
		evs, aerr := s.rules.apply(x, actor, s.clock.Now(), cmd, s.quiet)
		if aerr != nil {
			return nil, aerr
		}
		err = lifecycle.CommitUpdate(ctx, s.store, s.notifier, x, x.Version-1, evs)
		if err == nil || isNotifyError(err) {
			return x, err
		}
		if !errors.Is(err, lifecycle.ErrConflict) {
			return nil, err
		}
	}
	return nil, err
}

// AutoClose closes the incidents that have stayed resolved, with no update
// at all, for longer than Config.AutoCloseAfter before the Service clock's
// now; accepted major incidents are left for a person to close. The closer
// is recorded as the resolver (ClosedBy, as ServiceNow does); the history
// records name actor, usually lifecycle.System for a scheduled job.
//
// Run it periodically, from one replica or several: an incident changed
// concurrently (a comment, a reopen, another replica closing it) is
// skipped, so running it twice closes nothing twice. It returns how many
// incidents it closed. A notification failure does not stop it; any other
// error does, returned with the count so far.
func (s *Service) AutoClose(ctx context.Context, actor lifecycle.Actor) (int, error) {
	if err := actor.Validate(); err != nil {
		return 0, err
	}
	if s.autoCloseAfter < 0 {
		return 0, nil
	}
	now := s.clock.Now()
	cutoff := now.Add(-s.autoCloseAfter)
	note := "auto-closed: resolved with no update for " + s.autoCloseAfter.String()
	seen := map[string]bool{}
	closed := 0
	var errs []error
	for {
		batch, err := s.store.ResolvedBefore(ctx, cutoff, DefaultLimit)
		if err != nil {
			return closed, errors.Join(append(errs, err)...)
		}
		progress := false
		for _, x := range batch {
			if seen[x.ID] {
				continue
			}
			seen[x.ID] = true
			progress = true
			if x.State != StateResolved || x.Major == MajorAccepted || !x.UpdatedAt.Before(cutoff) {
				continue
			}
			evs, err := s.rules.apply(x, actor, now, autoClose{id: x.ID, version: x.Version, note: note}, s.quiet)
			if err != nil {
				continue // changed under us in a way the store did not filter
			}
			err = lifecycle.CommitUpdate(ctx, s.store, s.notifier, x, x.Version-1, evs)
			switch {
			case err == nil || isNotifyError(err):
				closed++
				if err != nil {
					errs = append(errs, err)
				}
				if ferr := s.resolveChildren(ctx, actor, x); ferr != nil {
					errs = append(errs, ferr)
				}
			case errors.Is(err, lifecycle.ErrConflict), errors.Is(err, lifecycle.ErrNotFound):
				// Changed or removed concurrently: not a candidate any more.
			default:
				return closed, errors.Join(append(errs, err)...)
			}
		}
		if !progress || len(batch) < DefaultLimit {
			return closed, errors.Join(errs...)
		}
	}
}

// Assign runs an [Assign] command.
func (s *Service) Assign(ctx context.Context, actor lifecycle.Actor, cmd Assign) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// EscalateFunctional runs an [EscalateFunctional] command.
func (s *Service) EscalateFunctional(ctx context.Context, actor lifecycle.Actor, cmd EscalateFunctional) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// EscalateHierarchical runs an [EscalateHierarchical] command.
func (s *Service) EscalateHierarchical(ctx context.Context, actor lifecycle.Actor, cmd EscalateHierarchical) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Hold runs a [Hold] command.
func (s *Service) Hold(ctx context.Context, actor lifecycle.Actor, cmd Hold) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Resume runs a [Resume] command.
func (s *Service) Resume(ctx context.Context, actor lifecycle.Actor, cmd Resume) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Resolve runs a [Resolve] command; the incident's open children are then
// resolved with the same code and notes, each as its own stored change.
func (s *Service) Resolve(ctx context.Context, actor lifecycle.Actor, cmd Resolve) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Reopen runs a [Reopen] command. A child cannot be reopened while its
// parent is resolved or closed (lifecycle.ErrInvalidTransition).
func (s *Service) Reopen(ctx context.Context, actor lifecycle.Actor, cmd Reopen) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Close runs a [Close] command; any child still open is then resolved.
func (s *Service) Close(ctx context.Context, actor lifecycle.Actor, cmd Close) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Cancel runs a [Cancel] command.
func (s *Service) Cancel(ctx context.Context, actor lifecycle.Actor, cmd Cancel) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Update runs an [Update] command.
func (s *Service) Update(ctx context.Context, actor lifecycle.Actor, cmd Update) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// Comment runs a [Comment] command.
func (s *Service) Comment(ctx context.Context, actor lifecycle.Actor, cmd Comment) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// WorkNote runs a [WorkNote] command.
func (s *Service) WorkNote(ctx context.Context, actor lifecycle.Actor, cmd WorkNote) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// CallerUpdate runs a [CallerUpdate] command.
func (s *Service) CallerUpdate(ctx context.Context, actor lifecycle.Actor, cmd CallerUpdate) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// ProposeMajor runs a [ProposeMajor] command.
func (s *Service) ProposeMajor(ctx context.Context, actor lifecycle.Actor, cmd ProposeMajor) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// AcceptMajor runs an [AcceptMajor] command.
func (s *Service) AcceptMajor(ctx context.Context, actor lifecycle.Actor, cmd AcceptMajor) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// RejectMajor runs a [RejectMajor] command.
func (s *Service) RejectMajor(ctx context.Context, actor lifecycle.Actor, cmd RejectMajor) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// SetParent runs a [SetParent] command.
func (s *Service) SetParent(ctx context.Context, actor lifecycle.Actor, cmd SetParent) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// LinkProblem runs a [LinkProblem] command.
func (s *Service) LinkProblem(ctx context.Context, actor lifecycle.Actor, cmd LinkProblem) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// UnlinkProblem runs an [UnlinkProblem] command.
func (s *Service) UnlinkProblem(ctx context.Context, actor lifecycle.Actor, cmd UnlinkProblem) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// LinkChange runs a [LinkChange] command.
func (s *Service) LinkChange(ctx context.Context, actor lifecycle.Actor, cmd LinkChange) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}

// UnlinkChange runs an [UnlinkChange] command.
func (s *Service) UnlinkChange(ctx context.Context, actor lifecycle.Actor, cmd UnlinkChange) (*Incident, error) {
	return do(s, ctx, actor, cmd)
}
