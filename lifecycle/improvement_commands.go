package lifecycle

import "time"

// Field names used in the Changes of improvement records, beside
// [FieldState] (the status).
const (
	FieldServiceID = "service_id"
	FieldMeasure   = "measure"
	FieldBaseline  = "baseline"
	FieldTarget    = "target"
	FieldResult    = "result"
)

// ImprovementCommand is an operation on an existing [Improvement]: one of
// [ApproveImprovement], [StartImprovement], [CompleteImprovement] and
// [RejectImprovement]. The set is closed. ID and Version work as in
// [ServiceCommand].
type ImprovementCommand interface {
	target() (id string, version int64)
	// event is the event the command fires: its history record's, which
	// the access rules guard.
	event() ImprovementEvent
	applyImprovement(x *Improvement, st *improvementStep) error
}

// improvementStep is one command being applied to an improvement: the
// [Delta] it records, and the type and Data of its one notification.
type improvementStep struct {
	Delta
	typ  string
	data map[string]string
}

var improvementEventTypes = map[ImprovementEvent]string{
	ImprovementApprove:  "approved",
	ImprovementStart:    "started",
	ImprovementComplete: "completed",
	ImprovementReject:   "rejected",
}

// fire runs the machine with x (the command's inputs already applied) as the
// guards' subject.
func (st *improvementStep) fire(x *Improvement, ev ImprovementEvent) error {
	to, err := improvementMachine.Fire(x.ID, x.Status, ev, x)
	if err != nil {
		return err
	}
	x.Status = to
	st.Event = string(ev)
	st.typ = improvementEventTypes[ev]
	return nil
}

// ProposeImprovement is the input for a new entry of the improvement
// register, which starts in [ImprovementProposed]. ServiceID, Title,
// Measure, Baseline and Target are required.
type ProposeImprovement struct {
	// ServiceID is the ID of the service to improve; the [Portfolio]
	// checks that it exists and is not retired.
	ServiceID string `json:"service_id,omitempty"`
	// Title names the initiative.
	Title string `json:"title,omitempty"`
	// Measure is what is measured, e.g. "mean time to restore".
	Measure string `json:"measure,omitempty"`
	// Baseline is where the measure stands now.
	Baseline string `json:"baseline,omitempty"`
	// Target is where the measure should get to.
	Target string `json:"target,omitempty"`
	// Note is recorded in the creation record.
	Note string `json:"note,omitempty"`
}

// New returns the new improvement with the given ID, proposed by actor at
// now, and its "proposed" event. It is the pure layer under
// [Portfolio.Propose], which also checks that the service exists: nothing
// is stored or looked up here.
func (p ProposeImprovement) New(actor Actor, now time.Time, id string) (*Improvement, []Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	for _, f := range []struct{ field, value string }{
		{"id", id}, {FieldServiceID, p.ServiceID}, {FieldTitle, p.Title},
		{FieldMeasure, p.Measure}, {FieldBaseline, p.Baseline}, {FieldTarget, p.Target},
	} {
		if blankText(f.value) {
			return nil, nil, Invalid(f.field, "is required")
		}
	}
	x := &Improvement{
		ID:        id,
		Version:   1,
		ServiceID: p.ServiceID,
		Title:     p.Title,
		Measure:   p.Measure,
		Baseline:  p.Baseline,
		Target:    p.Target,
		Status:    improvementMachine.Initial(),
		CreatedAt: now,
		UpdatedAt: now,
	}
	op := Delta{Actor: actor, Now: now, Event: eventPropose, Note: p.Note, Changes: diffImprovement(&Improvement{}, x)}
	op.Emit("proposed")
	x.History = []Record{op.Record(1, string(x.Status))}
	return x, op.Notifications(ProcessImprovement, x.ID, 1, string(x.Status), x.Snapshot()), nil
}

func diffImprovement(old, x *Improvement) []FieldChange {
	var cs []FieldChange
	cs = Diff(cs, FieldState, string(old.Status), string(x.Status))
	cs = Diff(cs, FieldServiceID, old.ServiceID, x.ServiceID)
	cs = Diff(cs, FieldTitle, old.Title, x.Title)
	cs = Diff(cs, FieldMeasure, old.Measure, x.Measure)
	cs = Diff(cs, FieldBaseline, old.Baseline, x.Baseline)
	cs = Diff(cs, FieldTarget, old.Target, x.Target)
	cs = Diff(cs, FieldResult, old.Result, x.Result)
	return cs
}

// Apply performs cmd on the improvement on behalf of actor at now, as
// [ITService.Apply] does for services: one [Record], Version+1, UpdatedAt,
// one event; on any error x is left exactly as it was.
func (x *Improvement) Apply(actor Actor, now time.Time, cmd ImprovementCommand) ([]Notification, error) {
	if err := CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if err := CheckTarget(ProcessImprovement, id, version, x.ID, x.Version); err != nil {
		return nil, err
	}
	c := x.Clone()
	st := &improvementStep{Delta: Delta{Actor: actor, Now: now, From: string(x.Status)}}
	if err := cmd.applyImprovement(c, st); err != nil {
		return nil, err
	}
	st.Changes = diffImprovement(x, c)
	st.EmitData(st.typ, st.data)
	c.Version++
	c.UpdatedAt = now
	c.History = append(c.History, st.Record(c.Version, string(c.Status)))
	evs := st.Notifications(ProcessImprovement, c.ID, c.Version, string(c.Status), c.Snapshot())
	*x = *c
	return evs, nil
}

// ApproveImprovement approves a proposed improvement.
type ApproveImprovement struct {
	// ID names the improvement. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c ApproveImprovement) target() (string, int64) { return c.ID, c.Version }

func (ApproveImprovement) event() ImprovementEvent { return ImprovementApprove }

func (c ApproveImprovement) applyImprovement(x *Improvement, st *improvementStep) error {
	st.Note = c.Note
	return st.fire(x, ImprovementApprove)
}

// StartImprovement starts work on an approved improvement.
type StartImprovement struct {
	// ID names the improvement. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c StartImprovement) target() (string, int64) { return c.ID, c.Version }

func (StartImprovement) event() ImprovementEvent { return ImprovementStart }

func (c StartImprovement) applyImprovement(x *Improvement, st *improvementStep) error {
	st.Note = c.Note
	return st.fire(x, ImprovementStart)
}

// CompleteImprovement completes an improvement in progress, recording the
// Result achieved against the measure (required: the machine refuses to
// complete without one).
type CompleteImprovement struct {
	// ID names the improvement. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Result is what was achieved against the measure, e.g. "1h30".
	// Required.
	Result string `json:"result,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c CompleteImprovement) target() (string, int64) { return c.ID, c.Version }

func (CompleteImprovement) event() ImprovementEvent { return ImprovementComplete }

func (c CompleteImprovement) applyImprovement(x *Improvement, st *improvementStep) error {
	st.Note = c.Note
	if c.Result != "" {
		x.Result = c.Result
		st.data = map[string]string{"result": c.Result}
	}
	return st.fire(x, ImprovementComplete)
}

// RejectImprovement rejects an improvement that is proposed, approved or
// in progress (abandoning it). Reason is required.
type RejectImprovement struct {
	// ID names the improvement. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Reason says why the initiative is rejected or abandoned. Required.
	Reason string `json:"reason,omitempty"`
}

func (c RejectImprovement) target() (string, int64) { return c.ID, c.Version }

func (RejectImprovement) event() ImprovementEvent { return ImprovementReject }

func (c RejectImprovement) applyImprovement(x *Improvement, st *improvementStep) error {
	if blankText(c.Reason) {
		return Invalid("reason", "a reason for the rejection is required")
	}
	st.Note = c.Reason
	st.data = map[string]string{"reason": c.Reason}
	return st.fire(x, ImprovementReject)
}
