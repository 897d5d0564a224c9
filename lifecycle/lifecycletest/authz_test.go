package lifecycletest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestCheckForbidden(t *testing.T) {
	forbidden := &lifecycle.ForbiddenError{Actor: "ann", Action: "close", Reason: `needs role "owner"`}
	wrapped := fmt.Errorf("closing: %w", forbidden)
	passes(t, "a refusal", func(f *tbFailures) {
		if fe := lifecycletest.CheckForbidden(f, wrapped, "ann", "owner"); fe != forbidden {
			f.Errorf("returned %v, not the refusal", fe)
		}
	})
	passes(t, "a refusal, for any reason", func(f *tbFailures) { lifecycletest.CheckForbidden(f, forbidden, "ann", "") })
	fails(t, "another actor", func(f *tbFailures) { lifecycletest.CheckForbidden(f, forbidden, "bob", "owner") })
	fails(t, "another reason", func(f *tbFailures) { lifecycletest.CheckForbidden(f, forbidden, "ann", "manager") })
	fails(t, "no error", func(f *tbFailures) { lifecycletest.CheckForbidden(f, nil, "ann", "") })
	fails(t, "an untyped refusal", func(f *tbFailures) {
		lifecycletest.CheckForbidden(f, fmt.Errorf("no: %w", lifecycle.ErrForbidden), "ann", "")
	})
	fails(t, "a validation error", func(f *tbFailures) { lifecycletest.CheckForbidden(f, lifecycle.Invalid("x", "y"), "ann", "") })
}

func TestCheckAuthorized(t *testing.T) {
	ann := lifecycle.Actor{ID: "ann"}
	forbidden := &lifecycle.ForbiddenError{Actor: "ann", Action: "close", Reason: `needs role "owner"`}
	passes(t, "allowed", func(f *tbFailures) { lifecycletest.CheckAuthorized(f, true, ann, "owner", nil) })
	passes(t, "refused", func(f *tbFailures) { lifecycletest.CheckAuthorized(f, false, ann, "owner", forbidden) })
	fails(t, "refused where allowed", func(f *tbFailures) { lifecycletest.CheckAuthorized(f, true, ann, "owner", forbidden) })
	fails(t, "allowed where refused", func(f *tbFailures) { lifecycletest.CheckAuthorized(f, false, ann, "owner", nil) })
	fails(t, "failed otherwise where allowed", func(f *tbFailures) {
		lifecycletest.CheckAuthorized(f, true, ann, "owner", errors.New("down"))
	})
}
