package problem

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Incidents is what problem management needs from incident management:
// acting on the incidents that wait on a problem, and following a
// duplicate's incidents to its original. The incident package's Service
// satisfies it; problem does not import incident, the host wires them
// together in [Config]. Every method must be idempotent: the problem
// Service calls them again when a follow-up is retried.
type Incidents interface {
	// ResolveForProblem resolves incidentID if it is on hold awaiting a
	// problem and linked to problemID, with notes as its resolution notes,
	// and does nothing otherwise (returning nil). It must be idempotent:
	// the problem Service may call it again for the same pair (for example
	// at resolve and again at close).
	ResolveForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, notes string) error
	// ResumeForProblem resumes incidentID to in progress, with note as a
	// work note, if it is on hold awaiting a problem and linked to
	// problemID, and does nothing otherwise (returning nil). The problem
	// Service calls it when a problem ends without fixing the incident
	// (its risk accepted), or on a fix when [Config.OnFix] is
	// [FixResumes]. It must be idempotent.
	ResumeForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, note string) error
	// MoveToProblem links incidentID to toProblem and unlinks it from
	// fromProblem, keeping its state (an incident on hold awaiting
	// fromProblem then awaits toProblem). The problem Service calls it for
	// every incident of a problem marked as a duplicate of toProblem. It
	// must be idempotent: an incident already moved changes nothing. An
	// unknown incident is an error matching lifecycle.ErrNotFound.
	MoveToProblem(ctx context.Context, actor lifecycle.Actor, incidentID, fromProblem, toProblem string) error
}

// ResolveWhen says at which transitions the [Service] asks
// [Config.Incidents] to act on the incidents waiting on a problem
// (resolve or resume them; see [Config.OnFix]).
type ResolveWhen int

const (
	// WhenResolved acts when the problem is resolved (resolve or
	// accept_risk). It is the default, as in ServiceNow: the incidents'
	// callers get their answer as soon as the fix is applied.
	WhenResolved ResolveWhen = iota
	// WhenClosed acts when the problem is closed (complete).
	WhenClosed
	// WhenResolvedAndClosed does both; the second call finds incidents
	// already resolved or resumed and changes nothing.
	WhenResolvedAndClosed
)

// String returns "resolved", "closed", "resolved_and_closed", or the
// number for an unknown value.
func (w ResolveWhen) String() string {
	switch w {
	case WhenResolved:
		return "resolved"
	case WhenClosed:
		return "closed"
	case WhenResolvedAndClosed:
		return "resolved_and_closed"
	}
	return strconv.Itoa(int(w))
}

// FixAction says what the [Service] asks [Config.Incidents] to do with the
// incidents waiting on a problem whose fix was applied (resolution
// fix_applied). A problem whose risk was accepted fixed nothing: its
// waiting incidents are always resumed, whatever the FixAction.
type FixAction int

const (
	// FixResolves resolves the waiting incidents
	// ([Incidents.ResolveForProblem]): the problem's fix fixed them too.
	// It is the default.
	FixResolves FixAction = iota
	// FixResumes resumes the waiting incidents to in progress
	// ([Incidents.ResumeForProblem]), so that their assignees check the
	// fix with the callers and resolve them themselves.
	FixResumes
)

// String returns "resolve", "resume", or the number for an unknown value.
func (a FixAction) String() string {
	switch a {
	case FixResolves:
		return "resolve"
	case FixResumes:
		return "resume"
	}
	return strconv.Itoa(int(a))
}

// Config configures a [Service]. Only Store is required; every other zero
// value means the documented default.
type Config struct {
	// Store keeps the problems. Required.
	Store Store
	// Notifier receives the events of stored changes; nil discards them.
	Notifier lifecycle.Notifier
	// Clock tells the time; nil is the system clock.
	Clock lifecycle.Clock
	// IDs names new problems; nil is lifecycle.RandomIDs("PRB").
	IDs lifecycle.IDFunc
	// Matrix maps impact × urgency to priority; the zero Matrix is
	// lifecycle.DefaultMatrix.
	Matrix lifecycle.Matrix
	// Incidents, when set, acts on the incidents waiting on a problem
	// (see ResolveIncidents and OnFix) and moves a duplicate's incidents
	// to its original. Nil means problems only emit TypeIncidentNotified
	// events and never touch incidents.
	Incidents Incidents
	// ResolveIncidents says at which transitions Incidents is asked to
	// act on the waiting incidents; the zero value is WhenResolved.
	ResolveIncidents ResolveWhen
	// OnFix says what happens then to the incidents waiting on a fixed
	// problem (resolution fix_applied): FixResolves (the zero value)
	// resolves them, FixResumes resumes them to in progress. The
	// incidents of a problem whose risk was accepted are always resumed.
	OnFix FixAction
	// Dependencies, when set, widens a known-error search by
	// configuration item to the items it depends on (see
	// [Service.SearchKnownErrors]). Nil matches the item alone.
	Dependencies Dependencies
	// Interceptors see every operation of the Service, in order: an access
	// policy may refuse one, an observer measures them (see
	// lifecycle.Interceptor).
	Interceptors []lifecycle.Interceptor
	// Access is the access policy the Service applies after
	// Interceptors; nil is the default rules ([AccessRules]), a zero
	// AccessPolicy lets every actor fire every event.
	Access *lifecycle.AccessPolicy
}

// Service runs problem management over a [Store]: every operation loads
// the problem, applies the pure transition ([Problem.ApplyMatrix]), stores
// it over the version it read and then notifies. It holds no state between
// calls and is safe for concurrent use.
//
// Errors: a stale version is lifecycle.ErrConflict and nothing happens; an
// error before the store succeeds means nothing was stored or notified.
// Once the change is stored the operation returns the stored problem, even
// when the Notifier fails (the error wraps a *lifecycle.NotifyError) or a
// follow-up on other records fails (a *[lifecycle.FollowUpError]); both can come
// joined. Stored changes are never undone.
type Service struct {
	store     Store
	kernel    lifecycle.Kernel[*Problem]
	notifier  lifecycle.Notifier
	clock     lifecycle.Clock
	ids       lifecycle.IDFunc
	matrix    lifecycle.Matrix
	incidents Incidents
	when      ResolveWhen
	onFix     FixAction
	deps      Dependencies
}

// New returns a Service for cfg, or a *lifecycle.ValidationError when cfg
// has no Store, or an unknown ResolveIncidents or OnFix value.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "a Store is required")
	}
	if cfg.ResolveIncidents < WhenResolved || cfg.ResolveIncidents > WhenResolvedAndClosed {
		return nil, lifecycle.Invalid("resolve_incidents", "unknown value %d", cfg.ResolveIncidents)
	}
	if cfg.OnFix < FixResolves || cfg.OnFix > FixResumes {
		return nil, lifecycle.Invalid("on_fix", "unknown value %d", cfg.OnFix)
	}
	s := &Service{
		store:     cfg.Store,
		notifier:  lifecycle.NotifierOrDiscard(cfg.Notifier),
		clock:     lifecycle.ClockOrSystem(cfg.Clock),
		ids:       cfg.IDs,
		matrix:    cfg.Matrix,
		incidents: cfg.Incidents,
		when:      cfg.ResolveIncidents,
		onFix:     cfg.OnFix,
		deps:      cfg.Dependencies,
	}
	if s.ids == nil {
		s.ids = lifecycle.RandomIDs("PRB")
	}
	s.kernel = lifecycle.Kernel[*Problem]{Process: Process, Store: cfg.Store, Notifier: s.notifier, Version: version, Detach: detach, State: state, Finish: finish,
		Interceptors: lifecycle.Guarded(cfg.Interceptors, cfg.Access, AccessRules()), ID: recordID, Clone: (*Problem).Clone, Last: last}
	return s, nil
}

// version is the kernel's view of a problem's version.
func version(p *Problem) int64         { return p.Version }
func state(p *Problem) string          { return string(p.State) }
func recordID(p *Problem) string       { return p.ID }
func last(p *Problem) lifecycle.Record { return lifecycle.LastRecord(p.History) }

// Open logs a new problem (state new) and returns it as stored. It is named
// o.ID when set (see [Open]), otherwise by Config.IDs. Errors:
// ErrValidation for bad input or actor, whatever the Store's Create returns
// (ErrConflict if the ID is taken: with o.ID set, that is how a retried
// Open finds that it was done).
func (s *Service) Open(ctx context.Context, actor lifecycle.Actor, o Open) (*Problem, error) {
	id := o.ID
	if id == "" {
		id = s.ids()
	}
	p, err := s.kernel.CreateEvent(ctx, actor, eventOpen, func(context.Context, *lifecycle.ReadSet) (*Problem, []lifecycle.Notification, error) {
		return NewProblem(id, s.matrix, actor, s.clock.Now(), o)
	})
	if err != nil && !lifecycle.IsNotifyError(err) {
		return nil, err
	}
	return p, err
}

// Get returns the problem with the given ID (ErrNotFound if none), as
// stored: without its History and WorkNotes (see [Service.History],
// [Service.Journal] and [Service.Export]).
func (s *Service) Get(ctx context.Context, id string) (*Problem, error) {
	return s.store.Get(ctx, id)
}

// List returns a page of problems matching f; see [Store.List].
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	return s.store.List(ctx, f)
}

// Do performs any command: load, version check, [Problem.ApplyMatrix],
// store over the version read, notify, then the follow-ups:
//
//   - for [MarkDuplicate], the original (which must exist, differ from the
//     problem, be open and not itself a duplicate) gets the duplicate's
//     incidents in a second stored change, and then, once that is stored,
//     Config.Incidents moves each incident's own link from the duplicate
//     to the original ([Incidents.MoveToProblem]), so that an incident
//     waiting on the duplicate waits on the original;
//   - on entering resolved or closed, at the transitions
//     Config.ResolveIncidents names, Config.Incidents acts on the linked
//     incidents: after a fix it resolves them (or resumes them, per
//     Config.OnFix); after accepting the risk it resumes them, with the
//     workaround in the note.
//
// Follow-ups run after the primary change is stored, with ctx's values but
// not its cancellation, and their errors come back in a *[lifecycle.FollowUpError]
// together with the stored problem.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Problem, error) {
	if err := lifecycle.NilCommand(cmd); err != nil {
		return nil, err
	}
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, pinned := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "is required")
	}
	return s.run(ctx, actor, id, pinned, func(context.Context, *Problem) (Command, error) { return cmd, nil })
}

// run runs on problem id, at version pinned (0: the current one), the
// command that decide picks for the problem as loaded (errSettled: none,
// nothing is stored) through the kernel: the command's rules over other
// problems, which record what they read, then the command itself; commit
// with the read set, notify; then the command's consequences, whose
// errors come back in a *lifecycle.FollowUpError with the stored problem.
func (s *Service) run(ctx context.Context, actor lifecycle.Actor, id string, pinned int64, decide func(context.Context, *Problem) (Command, error)) (*Problem, error) {
	var cmd, next Command
	var decided error
	var moved []string
	event := func(p *Problem) string {
		if next, decided = decide(ctx, p); decided != nil {
			return ""
		}
		return string(next.event())
	}
	p, err := s.kernel.UpdateEvent(ctx, actor, id, pinned, event, func(ctx context.Context, p *Problem, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		c, err := next, decided
		if err != nil {
			return nil, err
		}
		if r, ok := c.(crossRule); ok {
			if err := r.check(ctx, s, p, reads); err != nil {
				return nil, err
			}
		}
		cmd, moved = c, p.Incidents
		return p.apply(s.matrix, actor, s.clock.Now(), c, false)
	})
	if err != nil && !lifecycle.IsNotifyError(err) {
		return nil, err
	}
	if f, ok := cmd.(consequent); ok {
		if follow := f.consequences(context.WithoutCancel(ctx), s, actor, p, moved); follow != nil {
			err = errors.Join(err, &lifecycle.FollowUpError{Process: Process, Record: p.ID, Err: follow})
		}
	}
	return p, err
}

// errSettled is what a decide function of [Service.run] returns when the
// problem needs no change: nothing is stored.
var errSettled = errors.New("problem: nothing to change")

// crossRule is a command whose rules read other problems: check runs on
// the problem as loaded, before the command applies, and records what it
// read in reads.
type crossRule interface {
	check(ctx context.Context, s *Service, p *Problem, reads *lifecycle.ReadSet) error
}

// consequent is a command with consequences for other records, run once its
// own change of p is stored; moved are the incidents p had before it.
type consequent interface {
	consequences(ctx context.Context, s *Service, actor lifecycle.Actor, p *Problem, moved []string) error
}

func (c MarkDuplicate) check(ctx context.Context, s *Service, p *Problem, reads *lifecycle.ReadSet) error {
	return s.checkOriginal(ctx, p, c.Original, reads)
}

func (c MarkDuplicate) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, p *Problem, moved []string) error {
	return s.moveDuplicate(ctx, actor, p, moved)
}

func (c Resolve) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, p *Problem, _ []string) error {
	return s.resolvedFollowUp(ctx, actor, p)
}

func (c AcceptRisk) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, p *Problem, _ []string) error {
	return s.resolvedFollowUp(ctx, actor, p)
}

func (c Complete) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, p *Problem, _ []string) error {
	if s.when == WhenResolved {
		return nil
	}
	return s.settleIncidents(ctx, actor, p)
}

// checkOriginal validates a MarkDuplicate's original before anything is
// stored, and records the original at the version seen: the mark commits
// only if the original is still as checked. Cases the pure transition
// refuses on its own (wrong state, no original, the problem itself) are
// left to it.
func (s *Service) checkOriginal(ctx context.Context, dup *Problem, original string, reads *lifecycle.ReadSet) error {
	original = strings.TrimSpace(original)
	if _, ok := machine.Target(dup.State, EventMarkDuplicate); !ok || original == "" || original == dup.ID {
		return nil
	}
	o, err := s.store.Get(ctx, original)
	if errors.Is(err, lifecycle.ErrNotFound) || err == nil && o.Tenant != dup.Tenant {
		// A problem of another tenant does not exist for this one.
		return lifecycle.Invalid("original", "problem %s does not exist", original)
	}
	if err != nil {
		return err
	}
	reads.Record(o.ID, o.Version)
	if o.DuplicateOf != "" {
		return lifecycle.Invalid("original", "problem %s is itself a duplicate of %s", original, o.DuplicateOf)
	}
	if !o.State.Open() {
		return lifecycle.Invalid("original", "problem %s is %s; the original of a duplicate must be open", original, o.State)
	}
	return nil
}

// moveDuplicate is the follow-up of marking dup a duplicate of its
// original: the original links incidents (one stored change), then, once
// that is stored, each incident is moved from the duplicate to the
// original through Config.Incidents, carrying on past failures, all in
// dup's tenant. Both steps are idempotent.
func (s *Service) moveDuplicate(ctx context.Context, actor lifecycle.Actor, dup *Problem, incidents []string) error {
	if len(incidents) == 0 {
		return nil
	}
	duplicate, original := dup.ID, dup.DuplicateOf
	actor = actor.In(dup.Tenant)
	err := s.moveIncidents(ctx, actor, original, duplicate, incidents)
	if err != nil && !lifecycle.IsNotifyError(err) {
		// The original does not list them: leave the incidents' own
		// links as they are, for the retry to move both.
		return err
	}
	errs := []error{err}
	if s.incidents != nil {
		for _, inc := range incidents {
			if ierr := s.incidents.MoveToProblem(ctx, actor, inc, duplicate, original); ierr != nil {
				errs = append(errs, fmt.Errorf("moving incident %s from %s to %s: %w", inc, duplicate, original, ierr))
			}
		}
	}
	return errors.Join(errs...)
}

// moveIncidents links a duplicate's incidents to its original, as a change
// of its own on the original, retrying on version conflicts. It changes
// nothing when the original links them all already.
func (s *Service) moveIncidents(ctx context.Context, actor lifecycle.Actor, original, duplicate string, incidents []string) error {
	err := lifecycle.Settle(ctx, func() (bool, error) {
		o, err := s.run(ctx, actor, original, 0, func(_ context.Context, o *Problem) (Command, error) {
			var add []string
			for _, id := range incidents {
				if !o.HasIncident(id) {
					add = append(add, id)
				}
			}
			if len(add) == 0 {
				return nil, errSettled
			}
			return LinkIncident{ID: original, Incidents: add, Notes: "moved from duplicate " + duplicate, duplicate: duplicate}, nil
		})
		if errors.Is(err, errSettled) {
			return false, nil
		}
		return o != nil, err
	})
	if err != nil {
		return fmt.Errorf("moving incidents %s to original %s: %w", joinIDs(incidents), original, err)
	}
	return nil
}

// MoveDuplicateIncidents redoes the follow-up of marking problem id as a
// duplicate: the original links the incidents the duplicate had (those it
// lacks, in one stored change), then Config.Incidents moves each of them
// from the duplicate to the original. It is the way to retry after a
// *[lifecycle.FollowUpError] from [Service.MarkDuplicate], and is idempotent: once
// everything has moved it changes nothing (an incident unlinked from the
// original since is linked again). Errors: ErrNotFound, ErrValidation when
// the problem is not closed as a duplicate, and the moves' errors joined.
func (s *Service) MoveDuplicateIncidents(ctx context.Context, actor lifecycle.Actor, id string) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	p, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if p.Resolution != ResolutionDuplicate || p.DuplicateOf == "" {
		return lifecycle.Invalid("state", "problem %s is not closed as a duplicate", id)
	}
	return s.moveDuplicate(ctx, actor, p, p.MovedIncidents)
}

// settleIncidents asks Config.Incidents to act on every incident linked to
// p as its resolution says: resolve them after a fix (resume them when
// Config.OnFix is FixResumes), resume them after accepting the risk. It
// carries on past failures.
func (s *Service) settleIncidents(ctx context.Context, actor lifecycle.Actor, p *Problem) error {
	if s.incidents == nil || len(p.Incidents) == 0 {
		return nil
	}
	// act is the call for every incident, verb names it in errors.
	act, verb := s.incidents.ResumeForProblem, "resuming"
	var note, tail string
	switch {
	case p.Resolution != ResolutionFixApplied:
		note = fmt.Sprintf("Problem %s ended without a fix (%s)", p.ID, p.Resolution)
		if p.KnownError.Workaround != "" {
			tail = "\nWorkaround: " + p.KnownError.Workaround
		}
	case s.onFix == FixResumes:
		note = fmt.Sprintf("Problem %s is fixed (%s)", p.ID, p.Resolution)
		tail = "\nCheck the fix with the caller and resolve the incident."
	default:
		act, verb = s.incidents.ResolveForProblem, "resolving"
		note = fmt.Sprintf("Resolved by problem %s (%s)", p.ID, p.Resolution)
	}
	if p.ResolutionNotes != "" {
		note += ": " + p.ResolutionNotes
	}
	note += tail
	var errs []error
	actor = actor.In(p.Tenant)
	for _, inc := range p.Incidents {
		if err := act(ctx, actor, inc, p.ID, note); err != nil {
			errs = append(errs, fmt.Errorf("%s incident %s: %w", verb, inc, err))
		}
	}
	return errors.Join(errs...)
}

// resolvedFollowUp is what resolving p (resolve or accept_risk) does to
// its waiting incidents under Config.ResolveIncidents: nothing under
// WhenClosed, settleIncidents otherwise. [Service.Do] calls it on
// resolving, the Reactor again when a change event is delivered again for
// a problem already resolved.
func (s *Service) resolvedFollowUp(ctx context.Context, actor lifecycle.Actor, p *Problem) error {
	if s.when == WhenClosed {
		return nil
	}
	return s.settleIncidents(ctx, actor, p)
}

// ResolveWaitingIncidents asks Config.Incidents to act on the incidents
// linked to a resolved or closed problem, whatever Config.ResolveIncidents
// says: resolve them after a fix (resume them when Config.OnFix is
// FixResumes), resume them after accepting the risk. It is the way to retry
// after a *[lifecycle.FollowUpError], or to act by hand; incidents that
// have stopped waiting on the problem are left alone. It is a no-op without Config.Incidents.
// Errors: ErrNotFound, ErrValidation when the problem is neither resolved
// nor closed (or closed as a duplicate, whose incidents moved to the
// original: see [Service.MoveDuplicateIncidents]), and the incidents'
// errors joined.
func (s *Service) ResolveWaitingIncidents(ctx context.Context, actor lifecycle.Actor, id string) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	p, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if (p.State != StateResolved && p.State != StateClosed) || p.Resolution == ResolutionDuplicate {
		return lifecycle.Invalid("state", "problem %s is %s; only a resolved or closed problem resolves its incidents", id, p.State)
	}
	return s.settleIncidents(ctx, actor, p)
}

// Assess starts the assessment; see [Assess].
func (s *Service) Assess(ctx context.Context, actor lifecycle.Actor, cmd Assess) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Confirm confirms the problem for root cause analysis; see [Confirm].
func (s *Service) Confirm(ctx context.Context, actor lifecycle.Actor, cmd Confirm) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// MarkDuplicate closes the problem as a duplicate and moves its incidents
// to the original, on the problem side and through Config.Incidents on
// the incident side; see [MarkDuplicate] and [Service.Do].
func (s *Service) MarkDuplicate(ctx context.Context, actor lifecycle.Actor, cmd MarkDuplicate) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Cancel drops the problem; see [Cancel].
func (s *Service) Cancel(ctx context.Context, actor lifecycle.Actor, cmd Cancel) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// StartFix starts the fix through linked changes; see [StartFix].
func (s *Service) StartFix(ctx context.Context, actor lifecycle.Actor, cmd StartFix) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// AcceptRisk resolves the problem with its risk accepted, then resumes the
// waiting incidents as configured (nothing was fixed, so none is
// resolved); see [AcceptRisk] and [Service.Do].
func (s *Service) AcceptRisk(ctx context.Context, actor lifecycle.Actor, cmd AcceptRisk) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Resolve records the fix as applied, then resolves (or, per
// Config.OnFix, resumes) the waiting incidents as configured; see [Resolve]
// and [Service.Do].
func (s *Service) Resolve(ctx context.Context, actor lifecycle.Actor, cmd Resolve) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Complete closes a resolved problem, then acts on the waiting incidents
// as configured; see [Complete] and [Service.Do].
func (s *Service) Complete(ctx context.Context, actor lifecycle.Actor, cmd Complete) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Reanalyze reopens a resolved or closed problem for analysis; see
// [Reanalyze].
func (s *Service) Reanalyze(ctx context.Context, actor lifecycle.Actor, cmd Reanalyze) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Assign changes the assignment; see [Assign].
func (s *Service) Assign(ctx context.Context, actor lifecycle.Actor, cmd Assign) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// Update changes descriptive fields; see [Update].
func (s *Service) Update(ctx context.Context, actor lifecycle.Actor, cmd Update) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// AddWorkNote adds a work note; see [AddWorkNote].
func (s *Service) AddWorkNote(ctx context.Context, actor lifecycle.Actor, cmd AddWorkNote) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// LinkIncident links incidents; see [LinkIncident].
func (s *Service) LinkIncident(ctx context.Context, actor lifecycle.Actor, cmd LinkIncident) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// UnlinkIncident removes incident links; see [UnlinkIncident].
func (s *Service) UnlinkIncident(ctx context.Context, actor lifecycle.Actor, cmd UnlinkIncident) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// LinkChange links more fixing changes; see [LinkChange].
func (s *Service) LinkChange(ctx context.Context, actor lifecycle.Actor, cmd LinkChange) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}

// RecordKnownError records symptom, root cause, workaround or fix; see
// [RecordKnownError].
func (s *Service) RecordKnownError(ctx context.Context, actor lifecycle.Actor, cmd RecordKnownError) (*Problem, error) {
	return s.Do(ctx, actor, cmd)
}
