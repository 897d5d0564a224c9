package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Dependents tells the [Portfolio] what work other processes still have
// open against a service. The host answers from its incident and change
// stores; lifecycle imports neither. Implementations must be safe for
// concurrent use and should honour ctx.
type Dependents interface {
	// OpenWork returns the number of incidents not yet resolved and of
	// changes scheduled (authorised, not yet closed) against the service.
	OpenWork(ctx context.Context, serviceID string) (openIncidents, scheduledChanges int, err error)
}

// DependentsFunc adapts a function to [Dependents].
type DependentsFunc func(ctx context.Context, serviceID string) (openIncidents, scheduledChanges int, err error)

// OpenWork calls f.
func (f DependentsFunc) OpenWork(ctx context.Context, serviceID string) (int, int, error) {
	return f(ctx, serviceID)
}

// NoDependents is the [Dependents] of a host that really has no incidents
// and no changes against its services (for instance a portfolio kept
// apart from any service desk): it always reports no open work. Set it
// explicitly in [PortfolioConfig.Dependents]; leaving Dependents nil makes
// the Portfolio refuse phase-out and retirement instead.
var NoDependents Dependents = noDependents{}

type noDependents struct{}

func (noDependents) OpenWork(context.Context, string) (int, int, error) { return 0, 0, nil }

// PortfolioConfig configures a [Portfolio]. Zero values mean the documented
// defaults.
type PortfolioConfig struct {
	// Store keeps the services. Required.
	Store PortfolioStore
	// Improvements keeps the improvement register. Nil means Store, when
	// Store also implements ImprovementStore; otherwise the improvement
	// operations fail.
	Improvements ImprovementStore
	// Notifier receives the events of stored changes. Nil means Discard.
	Notifier Notifier
	// Clock tells the time. Nil means SystemClock.
	Clock Clock
	// IDs names new services. Nil means RandomIDs("SVC").
	IDs IDFunc
	// ImprovementIDs names new improvements. Nil means RandomIDs("CSI").
	ImprovementIDs IDFunc
	// Dependents reports the open work that blocks retirement. Nil is
	// safe, not permissive: phasing out and retiring are then refused
	// with a *ConfigError (matching ErrNotConfigured, wrapped in a
	// *TransitionError), because the Portfolio cannot know whether
	// incidents or changes still depend on the service. A host that truly
	// has none sets [NoDependents].
	Dependents Dependents
	// Agreements, when set, checks the agreements linked to services
	// (Define, AddAgreement) against the host's sla agreements: an
	// unknown ID or a kind other than the agreement's is a
	// *ValidationError, and a link given without a kind takes the
	// agreement's. Nil means links are taken as given (kinds required).
	Agreements AgreementLookup
	// Interceptors see every operation of the Portfolio, in order: an access
	// policy may refuse one, an observer measures them (see
	// Interceptor).
	Interceptors []Interceptor
	// Access is the access policy the Portfolio applies after
	// Interceptors; nil is the default rules ([PortfolioAccessRules]), a
	// zero AccessPolicy lets every actor fire every event.
	Access *AccessPolicy
}

// Portfolio is the orchestrator of service portfolio management and of the
// continual-improvement register. It runs every operation on a [Kernel],
// one for services and one for improvements: load the record, check the
// version the caller pinned, apply the pure transition ([ITService.Apply],
// [Improvement.Apply]) with the rules that need the host's answers (open
// work, agreement kinds), commit the result over the version loaded
// ([PortfolioStore.CommitService], [ImprovementStore.CommitImprovement])
// and then notify. It holds no state between calls and is safe for
// concurrent use: of two operations racing on one record, one wins and the
// other returns [ErrConflict].
//
// When an operation's change is stored but the notifier fails, it returns
// the stored record together with a *[NotifyError]; any other error comes
// with a nil record and nothing stored.
//
// Events (Process "service"): "created", "advanced", "rejected",
// "reworked", "phased_out", "reinstated", "retired", "updated",
// "agreement_added", "agreement_removed", "config_item_added",
// "config_item_removed". Events (Process "improvement"): "proposed",
// "approved", "started", "completed", "rejected". Each stored change emits
// exactly one, whose ID is NotificationID(process, id, version, 0).
//
// Retirement checks the host's [Dependents] just before the change is
// stored; without Dependents configured, phase-out and retirement are
// refused (see [PortfolioConfig.Dependents] and [NoDependents]). The check
// is not transactional with the other processes: an incident opened
// between the check and the store is not seen.
type Portfolio struct {
	store        PortfolioStore
	services     Kernel[*ITService]
	imps         ImprovementStore
	improvements Kernel[*Improvement] // zero when imps is nil
	clock        Clock
	ids          IDFunc
	impIDs       IDFunc
	deps         Dependents
	links        AgreementLookup
}

// errNoImprovements is returned by improvement operations of a Portfolio
// configured without an ImprovementStore.
var errNoImprovements error = &ConfigError{
	Setting: "PortfolioConfig.Improvements",
	Reason:  "the Portfolio has no ImprovementStore (set PortfolioConfig.Improvements, or a Store that also implements ImprovementStore)",
}

// errNoDependents is the reason a Portfolio configured without Dependents
// refuses to phase out or retire a service.
var errNoDependents error = &ConfigError{
	Setting: "PortfolioConfig.Dependents",
	Reason: "the Portfolio cannot check for open incidents and scheduled changes: configure PortfolioConfig.Dependents " +
		"(lifecycle.NoDependents if the host really has none)",
}

// NewPortfolio checks cfg and returns a Portfolio. A missing Store is a
// *ValidationError.
func NewPortfolio(cfg PortfolioConfig) (*Portfolio, error) {
	if cfg.Store == nil {
		return nil, Invalid("Store", "a PortfolioStore is required")
	}
	notifier := NotifierOrDiscard(cfg.Notifier)
	p := &Portfolio{
		store:  cfg.Store,
		imps:   cfg.Improvements,
		clock:  ClockOrSystem(cfg.Clock),
		ids:    cfg.IDs,
		impIDs: cfg.ImprovementIDs,
		deps:   cfg.Dependents,
		links:  cfg.Agreements,
	}
	p.services = Kernel[*ITService]{
		Process:  ProcessService,
		Store:    kernelStore(cfg.Store, cfg.Store.GetService, cfg.Store.CommitService),
		Notifier: notifier,
		Version:  func(s *ITService) int64 { return s.Version },

		Interceptors: Guarded(cfg.Interceptors, cfg.Access, PortfolioAccessRules()),
		ID:           func(s *ITService) string { return s.ID },
		Clone:        (*ITService).Clone,
		Last:         func(s *ITService) Record { return LastRecord(s.History) },
	}
	if p.imps == nil {
		p.imps, _ = cfg.Store.(ImprovementStore)
	}
	if p.imps != nil {
		p.improvements = Kernel[*Improvement]{
			Process:  ProcessImprovement,
			Store:    kernelStore(p.imps, p.imps.GetImprovement, p.imps.CommitImprovement),
			Notifier: notifier,
			Version:  func(x *Improvement) int64 { return x.Version },

			Interceptors: Guarded(cfg.Interceptors, cfg.Access, PortfolioAccessRules()),
			ID:           func(x *Improvement) string { return x.ID },
			Clone:        (*Improvement).Clone,
			Last:         func(x *Improvement) Record { return LastRecord(x.History) },
		}
	}
	if p.ids == nil {
		p.ids = RandomIDs("SVC")
	}
	if p.impIDs == nil {
		p.impIDs = RandomIDs("CSI")
	}
	return p, nil
}

// records is the [RecordStore] a Kernel runs on, over the Get and Commit
// methods of a portfolio store, whose names differ per record type
// (GetService and CommitService, GetImprovement and CommitImprovement).
type records[T any] struct {
	get    func(ctx context.Context, id string) (T, error)
	commit func(ctx context.Context, w Write[T]) error
	store  any // the portfolio store the methods belong to
}

func (r records[T]) Get(ctx context.Context, id string) (T, error) { return r.get(ctx, id) }

func (r records[T]) Commit(ctx context.Context, w Write[T]) error { return r.commit(ctx, w) }

// StoresEvents answers for the store, so that [Commit] finds its outbox.
func (r records[T]) StoresEvents() bool { return StoresEvents(r.store) }

// kernelStore returns the RecordStore over get and commit, the methods of
// store.
func kernelStore[T any](store any, get func(context.Context, string) (T, error), commit func(context.Context, Write[T]) error) RecordStore[T] {
	return records[T]{get: get, commit: commit, store: store}
}

// Define creates a service in [StatusRequirements] from cmd and returns it
// as stored.
func (p *Portfolio) Define(ctx context.Context, actor Actor, cmd DefineService) (*ITService, error) {
	if p.links != nil && len(cmd.Agreements) > 0 {
		if err := actor.Validate(); err != nil {
			return nil, err
		}
		links := slices.Clone(cmd.Agreements)
		for i := range links {
			k, err := p.agreementKind(ctx, "agreements", links[i].ID, links[i].Kind)
			if err != nil {
				return nil, err
			}
			links[i].Kind = k
		}
		cmd.Agreements = links
	}
	now, id := p.clock.Now(), p.ids()
	return p.services.CreateEvent(ctx, actor, eventDefine, func(context.Context, *ReadSet) (*ITService, []Notification, error) {
		return cmd.New(actor, now, id)
	})
}

// GetService returns the service with the given ID (an error matching
// [ErrNotFound] if there is none).
func (p *Portfolio) GetService(ctx context.Context, id string) (*ITService, error) {
	return p.store.GetService(ctx, id)
}

// ListServices returns one page of the services matching filter, ordered
// by ID. An unknown status, stage or part in the filter is a
// *ValidationError.
func (p *Portfolio) ListServices(ctx context.Context, filter ServiceFilter) (ServicePage, error) {
	if err := filter.Validate(); err != nil {
		return ServicePage{}, err
	}
	return p.store.ListServices(ctx, filter)
}

// serviceRule is a service command whose rules need what the Portfolio
// knows of the host (its [AgreementLookup], say): check runs after the
// service is loaded, before the command applies, and returns the command
// to apply in its place.
type serviceRule interface {
	check(ctx context.Context, p *Portfolio) (ServiceCommand, error)
}

// Do performs any service command on the service kernel: load, check the
// version, ask the [Dependents] when the command would retire the
// service, run the command's own rules that need the host (the kind of an
// [AddServiceAgreement]'s agreement), apply, store over the version read,
// notify. It returns
// the service as stored. A nil command, or a nil pointer to one, is a
// *ValidationError.
func (p *Portfolio) Do(ctx context.Context, actor Actor, cmd ServiceCommand) (*ITService, error) {
	if err := NilCommand(cmd); err != nil {
		return nil, err
	}
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if blankText(id) {
		return nil, Invalid("id", "a service ID is required")
	}
	event := func(s *ITService) string { return serviceEvent(cmd, s.Status) }
	return p.services.UpdateEvent(ctx, actor, id, version, event, func(ctx context.Context, s *ITService, _ *ReadSet) ([]Notification, error) {
		work, err := p.retirementWork(ctx, s, cmd)
		if err != nil {
			return nil, err
		}
		c := cmd
		if r, ok := cmd.(serviceRule); ok {
			if c, err = r.check(ctx, p); err != nil {
				return nil, err
			}
		}
		return s.apply(actor, p.clock.Now(), c, work)
	})
}

// retirementWork returns the open work against s when cmd would retire
// it (nil otherwise, leaving the command's own Work), and refuses phasing
// out or retiring s without [Dependents] configured.
func (p *Portfolio) retirementWork(ctx context.Context, s *ITService, cmd ServiceCommand) (*ServiceWork, error) {
	ev, ok := cmd.machineEvent(s.Status)
	if !ok || (ev != ServiceRetire && ev != ServicePhaseOut) {
		return nil, nil
	}
	if _, ok := s.Status.Target(ev); !ok {
		return nil, nil
	}
	switch {
	case p.deps == nil:
		// Safe by default: without a way to see open work, never start
		// or finish a retirement.
		return nil, serviceMachine.Refuse(s.ID, s.Status, ev, errNoDependents)
	case ev == ServiceRetire:
		w, err := p.openWork(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		return &w, nil
	}
	return nil, nil
}

// agreementKind asks the AgreementLookup for agreement id and returns its
// kind, refusing an unknown agreement or a kind other than the one given
// (empty: any). A blank ID is left to the command's own validation.
func (p *Portfolio) agreementKind(ctx context.Context, field, id string, kind AgreementKind) (AgreementKind, error) {
	if blankText(id) {
		return kind, nil
	}
	got, err := p.links.AgreementKind(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", Invalid(field, "agreement %q does not exist", id)
	case err != nil:
		return "", fmt.Errorf("lifecycle: looking up agreement %s: %w", id, err)
	case !got.Valid():
		return "", fmt.Errorf("lifecycle: looking up agreement %s: the AgreementLookup answered unknown kind %q", id, got)
	case kind != "" && kind != got:
		return "", Invalid(field, "agreement %q is of kind %s, not %s", id, got, kind)
	}
	return got, nil
}

func (p *Portfolio) openWork(ctx context.Context, id string) (ServiceWork, error) {
	inc, chg, err := p.deps.OpenWork(ctx, id)
	if err != nil {
		return ServiceWork{}, fmt.Errorf("lifecycle: asking for open work on service %s: %w", id, err)
	}
	return ServiceWork{OpenIncidents: inc, ScheduledChanges: chg}, nil
}

// Advance moves a service one status forward; see [AdvanceService].
func (p *Portfolio) Advance(ctx context.Context, actor Actor, cmd AdvanceService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// SetStatus moves a service to a neighbouring status; see
// [SetServiceStatus]. A move to retired consults the [Dependents] as
// [Portfolio.Retire] does.
func (p *Portfolio) SetStatus(ctx context.Context, actor Actor, cmd SetServiceStatus) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// Reject sends a service under review back to requirements; see
// [RejectService].
func (p *Portfolio) Reject(ctx context.Context, actor Actor, cmd RejectService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// Rework sends a service in transition back to design; see [ReworkService].
func (p *Portfolio) Rework(ctx context.Context, actor Actor, cmd ReworkService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// PhaseOut starts retiring an operational service; see [PhaseOutService].
// It needs [PortfolioConfig.Dependents] to be set (it does not ask it, but
// a Portfolio that cannot check retirement does not start one).
func (p *Portfolio) PhaseOut(ctx context.Context, actor Actor, cmd PhaseOutService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// Reinstate returns a retiring service to operational; see
// [ReinstateService].
func (p *Portfolio) Reinstate(ctx context.Context, actor Actor, cmd ReinstateService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// Retire retires a service; see [RetireService]. The open work comes from
// the configured [Dependents] (cmd.Work is ignored), asked after the
// version check and before the change is applied. Without Dependents
// configured it is refused with a *[ConfigError].
func (p *Portfolio) Retire(ctx context.Context, actor Actor, cmd RetireService) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// UpdateDetails changes a service's descriptive fields; see
// [UpdateServiceDetails].
func (p *Portfolio) UpdateDetails(ctx context.Context, actor Actor, cmd UpdateServiceDetails) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// AddAgreement links an agreement to a service; see [AddServiceAgreement].
func (p *Portfolio) AddAgreement(ctx context.Context, actor Actor, cmd AddServiceAgreement) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// RemoveAgreement unlinks an agreement from a service; see
// [RemoveServiceAgreement].
func (p *Portfolio) RemoveAgreement(ctx context.Context, actor Actor, cmd RemoveServiceAgreement) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// AddConfigItem records a configuration item of a service; see
// [AddServiceConfigItem].
func (p *Portfolio) AddConfigItem(ctx context.Context, actor Actor, cmd AddServiceConfigItem) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// RemoveConfigItem removes a configuration item from a service; see
// [RemoveServiceConfigItem].
func (p *Portfolio) RemoveConfigItem(ctx context.Context, actor Actor, cmd RemoveServiceConfigItem) (*ITService, error) {
	return p.Do(ctx, actor, cmd)
}

// Propose adds an improvement for an existing, unretired service to the
// register and returns it as stored. An unknown service is an error
// matching [ErrNotFound]; a retired one a *ValidationError for
// "service_id".
func (p *Portfolio) Propose(ctx context.Context, actor Actor, cmd ProposeImprovement) (*Improvement, error) {
	if p.imps == nil {
		return nil, errNoImprovements
	}
	now, id := p.clock.Now(), p.impIDs()
	return p.improvements.CreateEvent(ctx, actor, eventPropose, func(ctx context.Context, _ *ReadSet) (*Improvement, []Notification, error) {
		x, evs, err := cmd.New(actor, now, id)
		if err != nil {
			return nil, nil, err
		}
		s, err := p.store.GetService(ctx, cmd.ServiceID)
		if err != nil {
			return nil, nil, fmt.Errorf("service_id: %w", err)
		}
		if s.Status == StatusRetired {
			return nil, nil, Invalid(FieldServiceID, "service %s is retired", s.ID)
		}
		return x, evs, nil
	})
}

// GetImprovement returns the improvement with the given ID (an error
// matching [ErrNotFound] if there is none).
func (p *Portfolio) GetImprovement(ctx context.Context, id string) (*Improvement, error) {
	if p.imps == nil {
		return nil, errNoImprovements
	}
	return p.imps.GetImprovement(ctx, id)
}

// ListImprovements returns one page of the register, ordered by ID. An
// unknown status in the filter is a *ValidationError.
func (p *Portfolio) ListImprovements(ctx context.Context, filter ImprovementFilter) (ImprovementPage, error) {
	if p.imps == nil {
		return ImprovementPage{}, errNoImprovements
	}
	if err := filter.Validate(); err != nil {
		return ImprovementPage{}, err
	}
	return p.imps.ListImprovements(ctx, filter)
}

// DoImprovement performs any improvement command on the improvement
// kernel: load, check the version, apply, store over the version read,
// notify. It returns the improvement as stored. A nil command, or a nil
// pointer to one, is a *ValidationError.
func (p *Portfolio) DoImprovement(ctx context.Context, actor Actor, cmd ImprovementCommand) (*Improvement, error) {
	if p.imps == nil {
		return nil, errNoImprovements
	}
	if err := NilCommand(cmd); err != nil {
		return nil, err
	}
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if blankText(id) {
		return nil, Invalid("id", "an improvement ID is required")
	}
	event := func(*Improvement) string { return string(cmd.event()) }
	return p.improvements.UpdateEvent(ctx, actor, id, version, event, func(_ context.Context, x *Improvement, _ *ReadSet) ([]Notification, error) {
		return x.Apply(actor, p.clock.Now(), cmd)
	})
}

// ApproveImprovement approves a proposed improvement.
func (p *Portfolio) ApproveImprovement(ctx context.Context, actor Actor, cmd ApproveImprovement) (*Improvement, error) {
	return p.DoImprovement(ctx, actor, cmd)
}

// StartImprovement starts an approved improvement.
func (p *Portfolio) StartImprovement(ctx context.Context, actor Actor, cmd StartImprovement) (*Improvement, error) {
	return p.DoImprovement(ctx, actor, cmd)
}

// CompleteImprovement completes an improvement in progress with its result.
func (p *Portfolio) CompleteImprovement(ctx context.Context, actor Actor, cmd CompleteImprovement) (*Improvement, error) {
	return p.DoImprovement(ctx, actor, cmd)
}

// RejectImprovement rejects an improvement that is not yet completed.
func (p *Portfolio) RejectImprovement(ctx context.Context, actor Actor, cmd RejectImprovement) (*Improvement, error) {
	return p.DoImprovement(ctx, actor, cmd)
}
