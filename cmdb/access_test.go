package cmdb_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// fireCI returns the lifecycletest.FireAs that records a VM in status
// and a host, runs prep on the VM by ann, then cmd by
// the actor under test, on a Service with the default rules. A nil cmd
// records a CI instead.
func fireCI(status cmdb.Status, prep func(vm, host string) []cmdb.Command, cmd func(vm, host string) cmdb.Command) lifecycletest.FireAs {
	return func(t *testing.T, actor lifecycle.Actor) (error, bool) {
		e := newEnv(t)
		if cmd == nil {
			_, err := e.svc.Create(ctx, actor, cmdb.NewCI{Class: cmdb.ClassVM, Name: "mx-1"})
			page, lerr := e.svc.List(ctx, cmdb.Filter{})
			require.NoError(t, lerr)
			return err, len(page.CIs) > 0 || len(e.rec.Events()) > 0
		}
		vm := e.ci(t, cmdb.ClassVM, "mx-1", status, cmdb.CriticalityLow)
		host := e.ci(t, cmdb.ClassVM, "hv-1", cmdb.StatusOperational, cmdb.CriticalityLow)
		var cmds []cmdb.Command
		if prep != nil {
			cmds = prep(vm.ID, host.ID)
		}
		for _, c := range cmds {
			_, err := e.svc.Do(ctx, ann, c)
			require.NoError(t, err, "prepare %T", c)
		}
		before, err := e.svc.Get(ctx, vm.ID)
		require.NoError(t, err)
		e.rec.Reset()
		_, err = e.svc.Do(ctx, actor, cmd(vm.ID, host.ID))
		after, gerr := e.svc.Get(ctx, vm.ID)
		require.NoError(t, gerr)
		return err, after.Version != before.Version || len(e.rec.Events()) > 0
	}
}

// TestDefaultAccessRules runs every default rule of the cmdb process both
// ways: the actors it lets fire its event, the others are refused with
// the rule's name, and nothing is stored or notified.
func TestDefaultAccessRules(t *testing.T) {
	related := func(vm, host string) []cmdb.Command {
		return []cmdb.Command{cmdb.Relate{ID: vm, Type: cmdb.TypeRunsOn, Child: host}}
	}
	degraded := func(vm, _ string) []cmdb.Command { return []cmdb.Command{cmdb.Degrade{ID: vm, Reason: "disk"}} }
	fire := map[string]lifecycletest.FireAs{
		"create":  fireCI("", nil, nil),
		"update":  fireCI(cmdb.StatusOperational, nil, func(vm, _ string) cmdb.Command { return cmdb.Update{ID: vm, Owner: "mail-team"} }),
		"install": fireCI(cmdb.StatusPlanned, nil, func(vm, _ string) cmdb.Command { return cmdb.Install{ID: vm} }),
		"operate": fireCI(cmdb.StatusInstalled, nil, func(vm, _ string) cmdb.Command { return cmdb.Operate{ID: vm} }),
		"maintain": fireCI(cmdb.StatusOperational, nil, func(vm, _ string) cmdb.Command {
			return cmdb.Maintain{ID: vm, Reason: "patching"}
		}),
		"degrade": fireCI(cmdb.StatusOperational, nil, func(vm, _ string) cmdb.Command {
			return cmdb.Degrade{ID: vm, Reason: "one disk lost"}
		}),
		"restore": fireCI(cmdb.StatusOperational, degraded, func(vm, _ string) cmdb.Command {
			return cmdb.Restore{ID: vm}
		}),
		"retire": fireCI(cmdb.StatusOperational, nil, func(vm, _ string) cmdb.Command { return cmdb.Retire{ID: vm, Reason: "replaced"} }),
		"relate": fireCI(cmdb.StatusOperational, nil, func(vm, host string) cmdb.Command {
			return cmdb.Relate{ID: vm, Type: cmdb.TypeRunsOn, Child: host}
		}),
		"unrelate": fireCI(cmdb.StatusOperational, related, func(vm, host string) cmdb.Command {
			return cmdb.Unrelate{ID: vm, Type: cmdb.TypeRunsOn, Child: host}
		}),
	}
	lifecycletest.CheckAccessRules(t, cmdb.AccessRules(), cmdb.Events(), fire)
}
