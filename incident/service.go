package incident

import (
	"context"
	"errors"
	"slices"
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
	// ConfigItems, when set, tells the services an incident's
	// configuration item affects: opening an incident with an item, or
	// updating it to another, records them (Incident.AffectedServices). A
	// failed lookup fails the command; an unknown item is a
	// *lifecycle.ValidationError naming "config_item". Nil records none
	// unless the command carries them.
	ConfigItems ConfigItems
	// ImpactFromServices lets the most critical affected service raise an
	// incident's impact (see [Rules].ImpactFromServices).
	ImpactFromServices bool
	// Interceptors see every operation of the Service, in order: an access
	// policy may refuse one, an observer measures them (see
	// lifecycle.Interceptor).
	Interceptors []lifecycle.Interceptor
	// Access is the access policy the Service applies after
	// Interceptors; nil is the default rules ([AccessRules]), a zero
	// AccessPolicy lets every actor fire every event.
	Access *lifecycle.AccessPolicy
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
//     incident failed (err holds a *[lifecycle.FollowUpError]), or both, joined.
//     The stored change stands.
type Service struct {
	store          Store
	kernel         lifecycle.Kernel[*Incident]
	notifier       lifecycle.Notifier
	clock          lifecycle.Clock
	ids            lifecycle.IDFunc
	rules          Rules
	autoCloseAfter time.Duration
	cis            ConfigItems
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, lifecycle.Invalid("store", "required")
	}
	rules := Rules{Matrix: cfg.Matrix, EscalationLevels: cfg.EscalationLevels, ImpactFromServices: cfg.ImpactFromServices}
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
		cis:            cfg.ConfigItems,
	}
	s.kernel = lifecycle.Kernel[*Incident]{Process: Process, Store: cfg.Store, Notifier: s.notifier, Version: version, Detach: detach, State: state, Finish: finish,
		Interceptors: lifecycle.Guarded(cfg.Interceptors, cfg.Access, AccessRules()), ID: recordID, Clone: (*Incident).Clone, Last: last}
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

// version is the kernel's view of an incident's version.
func version(x *Incident) int64         { return x.Version }
func state(x *Incident) string          { return string(x.State) }
func recordID(x *Incident) string       { return x.ID }
func last(x *Incident) lifecycle.Record { return lifecycle.LastRecord(x.History) }

// Open logs a new incident, in state new, and returns it as stored. With a
// Parent, the parent must exist, be open and not itself be a child; the
// check and the store are one atomic step (see [Store]).
func (s *Service) Open(ctx context.Context, actor lifecycle.Actor, cmd Open) (*Incident, error) {
	// The ID is drawn once, when the command first passes its checks, so
	// that a rerun keeps it and bad input uses up none.
	var id string
	ids := func() string {
		if id == "" {
			id = s.ids()
		}
		return id
	}
	x, err := s.kernel.CreateEvent(ctx, actor, eventOpen, func(ctx context.Context, reads *lifecycle.ReadSet) (*Incident, []lifecycle.Notification, error) {
		cmd := cmd
		if s.cis != nil {
			cmd.AffectedServices = nil
			if cmd.ConfigItem != "" {
				var err error
				if cmd.AffectedServices, err = s.affected(ctx, cmd.ConfigItem); err != nil {
					return nil, nil, err
				}
			}
		}
		x, evs, err := s.rules.open(actor, s.clock.Now(), ids, cmd)
		if err != nil {
			return nil, nil, err
		}
		return x, evs, s.checkParent(ctx, x, false, reads)
	})
	if err != nil && !lifecycle.IsNotifyError(err) {
		return nil, err
	}
	return x, err
}

// Do runs any command: load, apply with the command's rules (those over
// other incidents record what they read), commit with the loaded version
// and the read set, notify, then the follow-ups (resolving a parent
// resolves its open children). The per-operation methods
// ([Service.Assign], ...) do the same with their command's own type.
func (s *Service) Do(ctx context.Context, actor lifecycle.Actor, cmd Command) (*Incident, error) {
	if err := lifecycle.NilCommand(cmd); err != nil {
		return nil, err
	}
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, _ := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	return s.run(ctx, actor, id, func(*Incident) (Command, bool) { return cmd, true })
}

// crossRule is a command whose rules read other incidents: check runs
// after the command applied to x, and records what it read in reads.
type crossRule interface {
	check(ctx context.Context, s *Service, x *Incident, reads *lifecycle.ReadSet) error
}

// once is cmd as a reaction that happens at most once per incident and
// key (see [Incident.Reactions]): it applies cmd and records key, or
// changes nothing when key is recorded already.
type once struct {
	Command
	key string
}

func (o once) apply(x *Incident, st *step) error {
	if slices.Contains(x.Reactions, o.key) {
		return errSettled
	}
	if err := o.Command.apply(x, st); err != nil {
		return err
	}
	x.Reactions = append(x.Reactions, o.key)
	return nil
}

// consequent is a command with consequences for other incidents, run once its
// own change of x is stored.
type consequent interface {
	consequences(ctx context.Context, s *Service, actor lifecycle.Actor, x *Incident) error
}

// run runs on incident id the command that decide picks for its current
// state (none: errSettled, nothing stored) through the kernel: apply, the
// command's rules over other incidents, commit with the read set, notify;
// then the command's follow-ups.
func (s *Service) run(ctx context.Context, actor lifecycle.Actor, id string, decide func(*Incident) (Command, bool)) (*Incident, error) {
	var cmd, next Command
	event := func(x *Incident) string {
		if c, ok := decide(x); ok {
			next = c
			return string(c.event())
		}
		next = nil
		return ""
	}
	x, err := s.kernel.UpdateEvent(ctx, actor, id, 0, event, func(ctx context.Context, x *Incident, reads *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		c := next
		if c == nil {
			return nil, errSettled
		}
		if r, ok := c.(reader); ok && s.cis != nil {
			if _, allowed := machine.Target(x.State, c.event()); allowed {
				var err error
				if c, err = r.read(ctx, s, x); err != nil {
					return nil, err
				}
			}
		}
		cmd = c
		evs, err := s.rules.apply(x, actor, s.clock.Now(), c)
		if r, ok := c.(crossRule); ok && err == nil {
			err = r.check(ctx, s, x, reads)
		}
		return evs, err
	})
	if err != nil && !lifecycle.IsNotifyError(err) {
		return nil, err
	}
	if f, ok := cmd.(consequent); ok {
		err = errors.Join(err, f.consequences(context.WithoutCancel(ctx), s, actor, x))
	}
	return x, err
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
			stored, err := s.run(ctx, actor, x.ID, func(x *Incident) (Command, bool) {
				return autoClose{id: x.ID, version: x.Version, note: note},
					x.State == StateResolved && x.Major != MajorAccepted && x.UpdatedAt.Before(cutoff)
			})
			switch {
			case stored != nil:
				closed++
				if err != nil {
					errs = append(errs, err)
				}
			case errors.Is(err, errSettled):
				// Changed concurrently: not a candidate any more.
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
	return s.Do(ctx, actor, cmd)
}

// EscalateFunctional runs an [EscalateFunctional] command.
func (s *Service) EscalateFunctional(ctx context.Context, actor lifecycle.Actor, cmd EscalateFunctional) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// EscalateHierarchical runs an [EscalateHierarchical] command.
func (s *Service) EscalateHierarchical(ctx context.Context, actor lifecycle.Actor, cmd EscalateHierarchical) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Hold runs a [Hold] command.
func (s *Service) Hold(ctx context.Context, actor lifecycle.Actor, cmd Hold) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Resume runs a [Resume] command.
func (s *Service) Resume(ctx context.Context, actor lifecycle.Actor, cmd Resume) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Resolve runs a [Resolve] command; the incident's open children are then
// resolved with the same code and notes, each as its own stored change.
func (s *Service) Resolve(ctx context.Context, actor lifecycle.Actor, cmd Resolve) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Reopen runs a [Reopen] command. A child cannot be reopened while its
// parent is resolved or closed (lifecycle.ErrInvalidTransition).
func (s *Service) Reopen(ctx context.Context, actor lifecycle.Actor, cmd Reopen) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Close runs a [Close] command; any child still open is then resolved.
func (s *Service) Close(ctx context.Context, actor lifecycle.Actor, cmd Close) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Cancel runs a [Cancel] command.
func (s *Service) Cancel(ctx context.Context, actor lifecycle.Actor, cmd Cancel) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Update runs an [Update] command.
func (s *Service) Update(ctx context.Context, actor lifecycle.Actor, cmd Update) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// Comment runs a [Comment] command.
func (s *Service) Comment(ctx context.Context, actor lifecycle.Actor, cmd Comment) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// WorkNote runs a [WorkNote] command.
func (s *Service) WorkNote(ctx context.Context, actor lifecycle.Actor, cmd WorkNote) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// CallerUpdate runs a [CallerUpdate] command.
func (s *Service) CallerUpdate(ctx context.Context, actor lifecycle.Actor, cmd CallerUpdate) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// ProposeMajor runs a [ProposeMajor] command.
func (s *Service) ProposeMajor(ctx context.Context, actor lifecycle.Actor, cmd ProposeMajor) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// AcceptMajor runs an [AcceptMajor] command.
func (s *Service) AcceptMajor(ctx context.Context, actor lifecycle.Actor, cmd AcceptMajor) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// RejectMajor runs a [RejectMajor] command.
func (s *Service) RejectMajor(ctx context.Context, actor lifecycle.Actor, cmd RejectMajor) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// SetParent runs a [SetParent] command.
func (s *Service) SetParent(ctx context.Context, actor lifecycle.Actor, cmd SetParent) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// LinkProblem runs a [LinkProblem] command.
func (s *Service) LinkProblem(ctx context.Context, actor lifecycle.Actor, cmd LinkProblem) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// UnlinkProblem runs an [UnlinkProblem] command.
func (s *Service) UnlinkProblem(ctx context.Context, actor lifecycle.Actor, cmd UnlinkProblem) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// LinkChange runs a [LinkChange] command.
func (s *Service) LinkChange(ctx context.Context, actor lifecycle.Actor, cmd LinkChange) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// UnlinkChange runs an [UnlinkChange] command.
func (s *Service) UnlinkChange(ctx context.Context, actor lifecycle.Actor, cmd UnlinkChange) (*Incident, error) {
	return s.Do(ctx, actor, cmd)
}

// errSettled is what a follow-up's decision returns for an incident that no
// longer needs it.
var errSettled = errors.New("incident: settled meanwhile")
