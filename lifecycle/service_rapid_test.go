package lifecycle_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
)

// TestServiceProperties applies random command sequences by random actors
// to one service and checks, after every step:
//   - a refused command leaves the service deep-equal to before, with an
//     error matching one of the documented sentinels;
//   - a machine command succeeds exactly when the written-out machine
//     (wantMachine) has the pair and its guard holds (owner or role for
//     retirement events, owner and an SLA (not an OLA or underpinning
//     contract) for going live, no open work for retiring);
//   - linking an agreement succeeds exactly when the service is not
//     retired, the ID is not linked yet and the kind is known; unlinking
//     exactly when it is linked and a live service keeps an SLA;
//   - every success appends one record (Seq = len), bumps Version by one
//     and returns one event whose ID is NotificationID(service, id, version, 0);
//   - Version == len(History), the records chain From→To and end at Status,
//     and replaying them through Snapshot.Apply gives Status;
//   - a live service has an owner and an SLA; lists hold no
//     duplicates and are nil rather than empty; retired is final;
//   - in the end, the service survives a JSON round trip unchanged.
func TestServiceProperties(t *testing.T) {
	actors := []lifecycle.Actor{
		ownerAlice, strangerMallory, portfolioM, lifecycle.System, {ID: "bob"},
	}
	ids := []string{"A", "B", "C"}
	rapid.Check(t, func(rt *rapid.T) {
		s, _, err := lifecycle.DefineService{Name: "Svc", Owner: "alice", Agreements: []lifecycle.AgreementLink{slaLink("A")}}.New(ownerAlice, svcT0, "SVC-1")
		if err != nil {
			rt.Fatalf("define: %v", err)
		}
		now := svcT0
		// Start anywhere in the lifecycle, reached through the machine.
		for _, to := range lifecycle.Statuses()[1:rapid.IntRange(1, len(lifecycle.Statuses())).Draw(rt, "start")] {
			now = now.Add(time.Minute)
			if _, err := s.Apply(lifecycle.System, now, lifecycle.SetServiceStatus{ID: s.ID, To: to}); err != nil {
				rt.Fatalf("moving to %s: %v", to, err)
			}
		}
		wasRetired := false

		// fire applies cmd and checks the step's properties. predicted is
		// the expected outcome for machine commands (nil for edits).
		fire := func(rt *rapid.T, actor lifecycle.Actor, cmd lifecycle.ServiceCommand, predicted *bool) {
			now = now.Add(time.Minute)
			before := s.Clone()
			evs, err := s.Apply(actor, now, cmd)
			if predicted != nil && *predicted != (err == nil) {
				rt.Fatalf("%s in %s by %s: predicted success=%v, got error %v", serviceCmdName(cmd), before.Status, actor.ID, *predicted, err)
			}
			if err != nil {
				if !errors.Is(err, lifecycle.ErrInvalidTransition) && !errors.Is(err, lifecycle.ErrValidation) &&
					!errors.Is(err, lifecycle.ErrForbidden) {
					rt.Fatalf("undocumented error %v", err)
				}
				if evs != nil {
					rt.Fatalf("events on refusal: %v", evs)
				}
				if !equalService(before, s) {
					rt.Fatalf("refused %s changed the service:\nbefore %+v\nafter  %+v", serviceCmdName(cmd), before, s)
				}
				return
			}
			if wasRetired {
				rt.Fatalf("%s succeeded on a retired service", serviceCmdName(cmd))
			}
			if s.Version != before.Version+1 || len(s.History) != len(before.History)+1 || !s.UpdatedAt.Equal(now) {
				rt.Fatalf("success must add one version and one record at now")
			}
			if len(evs) != 1 || evs[0].ID != lifecycle.NotificationID("service", s.ID, s.Version, 0) || evs[0].Version != s.Version {
				rt.Fatalf("events %+v", evs)
			}
			if evs[0].Snapshot.State != string(s.Status) || evs[0].Actor != actor.ID {
				rt.Fatalf("event snapshot/actor %+v", evs[0])
			}
		}

		rt.Repeat(map[string]func(*rapid.T){
			"machine": func(rt *rapid.T) {
				ev := rapid.SampledFrom(lifecycle.ServiceEvents()).Draw(rt, "event")
				actor := rapid.SampledFrom(actors).Draw(rt, "actor")
				work := lifecycle.ServiceWork{
					OpenIncidents:    rapid.IntRange(0, 2).Draw(rt, "incidents"),
					ScheduledChanges: rapid.IntRange(0, 1).Draw(rt, "changes"),
				}
				to, inMachine := wantMachine[s.Status][ev]
				ok := inMachine && predictGuard(s, actor, ev, to, work)
				cmd := serviceCommandFor(s, ev)
				if r, isRetire := cmd.(lifecycle.RetireService); isRetire {
					r.Work = work
					cmd = r
				}
				if rapid.Bool().Draw(rt, "viaSetStatus") && inMachine {
					cmd = lifecycle.SetServiceStatus{ID: s.ID, Version: s.Version, To: to, Work: work}
				}
				fire(rt, actor, cmd, &ok)
			},
			"owner": func(rt *rapid.T) {
				o := rapid.SampledFrom([]string{"", "alice", "bob"}).Draw(rt, "newOwner")
				fire(rt, rapid.SampledFrom(actors).Draw(rt, "actor"), lifecycle.UpdateServiceDetails{ID: s.ID, Owner: &o}, nil)
			},
			"addAgreement": func(rt *rapid.T) {
				id := rapid.SampledFrom(ids).Draw(rt, "id")
				kind := rapid.SampledFrom(append(lifecycle.AgreementKinds(), "", "SLA")).Draw(rt, "kind")
				ok := s.Status != lifecycle.StatusRetired && !slices.Contains(s.AgreementIDs(), id) &&
					slices.Contains([]lifecycle.AgreementKind{"sla", "ola", "underpinning_contract"}, kind)
				fire(rt, ownerAlice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: id, Kind: kind}, &ok)
			},
			"removeAgreement": func(rt *rapid.T) {
				id := rapid.SampledFrom(ids).Draw(rt, "id")
				var rest []lifecycle.AgreementLink
				for _, l := range s.Agreements {
					if l.ID != id {
						rest = append(rest, l)
					}
				}
				live := s.Status == lifecycle.StatusOperational || s.Status == lifecycle.StatusRetiring
				ok := s.Status != lifecycle.StatusRetired && len(rest) < len(s.Agreements) && (!live || hasSLA(rest))
				fire(rt, ownerAlice, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: id}, &ok)
			},
			"addConfigItem": func(rt *rapid.T) {
				fire(rt, ownerAlice, lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: rapid.SampledFrom(ids).Draw(rt, "id")}, nil)
			},
			"removeConfigItem": func(rt *rapid.T) {
				fire(rt, ownerAlice, lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: rapid.SampledFrom(ids).Draw(rt, "id")}, nil)
			},
			"staleVersion": func(rt *rapid.T) {
				before := s.Clone()
				_, err := s.Apply(ownerAlice, now, lifecycle.AdvanceService{ID: s.ID, Version: s.Version + 1})
				if !errors.Is(err, lifecycle.ErrConflict) || !equalService(before, s) {
					rt.Fatalf("stale version: %v", err)
				}
			},
			"": func(rt *rapid.T) {
				checkServiceInvariants(rt, s)
				if wasRetired && s.Status != lifecycle.StatusRetired {
					rt.Fatalf("left retired")
				}
				wasRetired = s.Status == lifecycle.StatusRetired
			},
		})
		checkJSONRoundTrip(rt, s)
	})
}

func serviceCmdName(cmd lifecycle.ServiceCommand) string {
	b, _ := json.Marshal(cmd)
	return string(b)
}

func predictGuard(s *lifecycle.ITService, a lifecycle.Actor, ev lifecycle.ServiceEvent, to lifecycle.Status, w lifecycle.ServiceWork) bool {
	liveOK := s.Owner != "" && hasSLA(s.Agreements)
	switch ev {
	case lifecycle.ServiceAdvance:
		return to != lifecycle.StatusOperational || liveOK
	case lifecycle.ServicePhaseOut:
		return true // who may is the access rules' (TestServiceAuthorization)
	case lifecycle.ServiceReinstate:
		return liveOK
	case lifecycle.ServiceRetire:
		return w.OpenIncidents == 0 && w.ScheduledChanges == 0
	}
	return true
}

// hasSLA reports whether links hold one of kind "sla", spelled out rather
// than through Service.HasAgreement.
func hasSLA(links []lifecycle.AgreementLink) bool {
	for _, l := range links {
		if l.Kind == "sla" {
			return true
		}
	}
	return false
}

func equalService(a, b *lifecycle.ITService) bool { return reflect.DeepEqual(a, b) }

func checkServiceInvariants(rt *rapid.T, s *lifecycle.ITService) {
	if !s.Status.Valid() {
		rt.Fatalf("invalid status %q", s.Status)
	}
	if s.Version != int64(len(s.History)) {
		rt.Fatalf("version %d with %d records", s.Version, len(s.History))
	}
	prev := ""
	snap := lifecycle.Snapshot{}
	for i, r := range s.History {
		if r.Seq != i+1 || r.From != prev {
			rt.Fatalf("record %d: seq %d from %q, want seq %d from %q", i, r.Seq, r.From, i+1, prev)
		}
		if r.From != r.To && r.From != "" {
			if want := wantMachine[lifecycle.Status(r.From)][lifecycle.ServiceEvent(r.Event)]; string(want) != r.To {
				rt.Fatalf("record %d: %s from %s to %s is not in the machine", i, r.Event, r.From, r.To)
			}
		}
		if len(r.Changes) == 0 {
			rt.Fatalf("record %d changes nothing", i)
		}
		prev = r.To
		snap = snap.Apply(r)
	}
	if prev != string(s.Status) || snap.State != string(s.Status) {
		rt.Fatalf("history ends at %q (replay %q), status %q", prev, snap.State, s.Status)
	}
	if s.Live() && (s.Owner == "" || !hasSLA(s.Agreements)) {
		rt.Fatalf("live service without owner or SLA: %+v", s)
	}
	if s.Agreements != nil && len(s.Agreements) == 0 {
		rt.Fatalf("empty non-nil agreement list")
	}
	for _, l := range s.Agreements {
		if !l.Kind.Valid() {
			rt.Fatalf("agreement %q of unknown kind %q", l.ID, l.Kind)
		}
	}
	for _, l := range [][]string{s.AgreementIDs(), s.ConfigItems} {
		if l != nil && len(l) == 0 {
			rt.Fatalf("empty non-nil list")
		}
		c := slices.Clone(l)
		slices.Sort(c)
		if len(slices.Compact(c)) != len(l) {
			rt.Fatalf("duplicates in %v", l)
		}
	}
}

func checkJSONRoundTrip(rt *rapid.T, s *lifecycle.ITService) {
	b, err := json.Marshal(s)
	if err != nil {
		rt.Fatalf("marshal: %v", err)
	}
	var back lifecycle.ITService
	if err := json.Unmarshal(b, &back); err != nil {
		rt.Fatalf("unmarshal: %v", err)
	}
	if !equalService(s, &back) {
		rt.Fatalf("JSON round trip changed the service:\n%+v\n%+v", s, &back)
	}
}
