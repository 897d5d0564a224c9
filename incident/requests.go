package incident

import (
	"context"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// ResolveForRequest resolves incident incidentID as one that became
// service request requestID (code resolved_by_request), linking it to the
// request, as ServiceNow's "create request" from an incident does. An
// incident already linked to that request and no longer open is left
// alone (nil), so the request process may call it again; a concurrent
// change is retried; a missing incident is an error matching
// lifecycle.ErrNotFound. It satisfies request.Incidents.
func (s *Service) ResolveForRequest(ctx context.Context, actor lifecycle.Actor, incidentID, requestID string) error {
	if strings.TrimSpace(requestID) == "" {
		return lifecycle.Invalid("request", "required")
	}
	return s.followUp(ctx, actor, incidentID, func(x *Incident) (Command, bool) {
		if x.Request == requestID && !x.State.IsOpen() {
			return nil, false
		}
		return resolveForRequest{id: x.ID, version: x.Version, request: requestID}, true
	})
}

// resolveForRequest is what ResolveForRequest applies.
type resolveForRequest struct {
	id      string
	version int64
	request string
}

func (c resolveForRequest) target() (string, int64) { return c.id, c.version }

func (resolveForRequest) event() Event { return EventResolve }

func (c resolveForRequest) apply(x *Incident, st *step) error {
	st.Diff("request", x.Request, c.request)
	x.Request = c.request
	return resolve(x, st, CodeResolvedByRequest, "fulfilled as service request "+c.request, "request", c.request)
}
