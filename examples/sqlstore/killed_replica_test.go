package sqlstore

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// The environment of a replica process of TestKilledReplica: its role and
// the database's DSN.
const (
	envReplicaRole = "ITSM_TEST_CLAIMS_REPLICA"
	envReplicaDSN  = "ITSM_TEST_CLAIMS_DSN"
)

// killedFleet is the fleet of TestKilledReplica, and killedBatch what each
// replica claims at a time.
const (
	killedFleet = 300
	killedBatch = 40
	killedLease = time.Minute
)

// TestKilledReplica runs three replica processes (this test binary, run
// again in a replica role) evaluating one due fleet on PostgreSQL. The
// victim claims a batch and evaluates it, reports that on stdout, and
// stops before its commit; the test SIGKILLs it there. The two survivors
// evaluate the fleet at the same instant (the victim's batch is leased,
// so they skip it), then once more when its lease has ended, and take the
// batch over. A relay then delivers the outbox to a receiver, which counts
// by event ID: every (timer, cycle, threshold) arrives under exactly one
// ID, and the outbox holds one row per ID.
//
// Leases end at instants of the evaluation's clock (at+lease), so the test
// waits for no lease: the survivors' second run evaluates at fleetAt plus
// the lease.
func TestKilledReplica(t *testing.T) {
	if role := os.Getenv(envReplicaRole); role != "" {
		runReplica(t, role, os.Getenv(envReplicaDSN))
		return
	}
	testdb.SkipWithoutPostgres(t)
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.Schema(t)
	db := openDSN(t, dsn)
	seedFleet(t, db, killedFleet)

	victim := startReplica(t, "victim", dsn)
	line := victim.expect(t, "claimed ")
	var claimed int
	if _, err := fmt.Sscanf(line, "claimed %d", &claimed); err != nil || claimed != killedBatch {
		t.Fatalf("victim reported %q, want a claim of %d timers", line, killedBatch)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := victim.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("victim exited with %v, want it killed", err)
	}
	leased := leasedTo(t, db, "victim")
	if leased != killedBatch {
		t.Fatalf("%d timers are leased to the killed victim, want its batch of %d", leased, killedBatch)
	}

	survivors := []*replicaProc{startReplica(t, "survivor-1", dsn), startReplica(t, "survivor-2", dsn)}
	firstRun := 0
	for _, s := range survivors {
		var n int
		if _, err := fmt.Sscanf(s.expect(t, "evaluated "), "evaluated %d", &n); err != nil {
			t.Fatal(err)
		}
		firstRun += n
	}
	if want := fleetEvents(killedFleet - killedBatch); firstRun != want {
		t.Fatalf("the survivors' first run fired %d events, want %d: all but the victim's leased batch", firstRun, want)
	}
	for _, s := range survivors {
		s.send(t, "lease ended")
	}
	secondRun := 0
	for _, s := range survivors {
		var n int
		if _, err := fmt.Sscanf(s.expect(t, "evaluated "), "evaluated %d", &n); err != nil {
			t.Fatal(err)
		}
		secondRun += n
		if err := s.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", s.role, err, s.stderr.String())
		}
	}
	if want := fleetEvents(killedBatch); secondRun != want {
		t.Fatalf("the survivors' second run fired %d events, want %d: the victim's batch", secondRun, want)
	}
	if n := leasedTo(t, db, "victim"); n != 0 {
		t.Fatalf("%d timers are still leased to the killed victim", n)
	}

	// The receiving end counts by event ID.
	sink := &deliveries{db: db, byID: map[string]lifecycle.Notification{}}
	if _, err := db.Relay(sink).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sink.checkErrs) > 0 {
		t.Fatal(sink.checkErrs)
	}
	perDeadline := map[string][]string{}
	for id, e := range sink.byID {
		if e.Process == sla.Process {
			perDeadline[deadlineKey(e)] = append(perDeadline[deadlineKey(e)], id)
		}
	}
	if len(perDeadline) != fleetEvents(killedFleet) {
		t.Fatalf("%d deadlines arrived, want %d (2 for each of %d timers)", len(perDeadline), fleetEvents(killedFleet), killedFleet)
	}
	for d, ids := range perDeadline {
		if len(ids) != 1 {
			t.Fatalf("deadline %s arrived under %d event IDs %q, want one", d, len(ids), ids)
		}
	}
	checkFleetOnce(t, db, killedFleet, firstRun+secondRun)
	t.Logf("victim killed holding %d timers; survivors fired %d events, then %d after its lease; %d arrived, each once",
		claimed, firstRun, secondRun, len(sink.byID))
}

// openDSN opens dsn, closed when the test ends.
func openDSN(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// leasedTo counts the timers of db leased to owner.
func leasedTo(t *testing.T, db *DB, owner string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(context.Background(), db.q(`SELECT COUNT(*) FROM sla_timers WHERE lease_owner = ?`), owner).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// replicaProc is a replica process of TestKilledReplica: lines read from
// its stdout, and its stdin to write to.
type replicaProc struct {
	role   string
	cmd    *exec.Cmd
	lines  chan string
	stdin  io.WriteCloser
	stderr *testdb.Buffer
}

// startReplica runs this test binary again as the replica role over dsn,
// killed when the test ends if it is still running.
func startReplica(t *testing.T, role, dsn string) *replicaProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledReplica$", "-test.count=1")
	cmd.Env = append(os.Environ(), envReplicaRole+"="+role, envReplicaDSN+"="+dsn)
	p := &replicaProc{role: role, cmd: cmd, lines: make(chan string, 16), stderr: new(testdb.Buffer)}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var reading sync.WaitGroup
	reading.Go(func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	})
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		reading.Wait()
	})
	return p
}

// expect returns the next line of p's stdout that starts with prefix,
// failing t when p ends first or after 60 s.
func (p *replicaProc) expect(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("%s ended before printing %q:\n%s", p.role, prefix, p.stderr.String())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("%s printed no %q in 60 s:\n%s", p.role, prefix, p.stderr.String())
		}
	}
}

// send writes line to p's stdin.
func (p *replicaProc) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("%s: %v", p.role, err)
	}
}

// runReplica is the replica process of role over dsn. The victim claims
// one batch, evaluates it, prints "claimed <n>" and waits at its commit
// until it is killed. A survivor evaluates the fleet at fleetAt, prints
// "evaluated <events>", waits for a line on stdin, evaluates at
// fleetAt+killedLease, when every lease of fleetAt has ended, prints
// "evaluated <events>" and exits.
func runReplica(t *testing.T, role, dsn string) {
	ctx := context.Background()
	db := openDSN(t, dsn)
	var store sla.Store = db.Timers()
	if role == "victim" {
		store = stopBeforeCommit{db.Timers()}
	}
	e, err := sla.New(sla.Config{
		Store: store, Agreements: []*sla.Agreement{fleetAgreement()},
		Owner: role, Batch: killedBatch, Lease: killedLease,
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.EvaluateDue(ctx, fleetAt)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("evaluated %d\n", n)
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if n, err = e.EvaluateDue(ctx, fleetAt.Add(killedLease)); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("evaluated %d\n", n)
}

// stopBeforeCommit is the victim's store: its CommitClaimed reports the
// claimed batch on stdout and then waits to be killed, so that the claim
// is made and its commit never is.
type stopBeforeCommit struct{ *TimerStore }

func (s stopBeforeCommit) CommitClaimed(_ context.Context, _ string, writes []lifecycle.Write[*sla.Timer]) ([]error, error) {
	fmt.Printf("claimed %d\n", len(writes))
	time.Sleep(time.Hour)
	panic("the victim was not killed")
}
