package lifecycletest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// rec is the record kind of the committers below.
type rec struct {
	ID      string
	Version int64
}

// memCommitter is a minimal lifecycle.Committer over lifecycletest.Guards,
// the shape of every kit's in-memory store. Its flags break one clause
// each.
type memCommitter struct {
	mu     sync.Mutex
	recs   map[string]rec
	guards lifecycletest.Guards

	ignoreReads    bool // commits whatever the read set says
	ignoreGuards   bool // checks records but not guards
	noBump         bool // never bumps a guard
	ignoreExpected bool // last writer wins
}

func (s *memCommitter) Guard(_ context.Context, key string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.guards.Version(key), nil
}

func (s *memCommitter) Commit(_ context.Context, w lifecycle.Write[rec]) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.recs[w.Record.ID]
	switch {
	case s.ignoreExpected:
	case w.Expected == 0 && ok:
		return lifecycle.Conflict("test", w.Record.ID, 0, cur.Version)
	case w.Expected > 0 && !ok:
		return lifecycle.NotFound("test", w.Record.ID)
	case ok && cur.Version != w.Expected:
		return lifecycle.Conflict("test", w.Record.ID, w.Expected, cur.Version)
	}
	reads := w.Reads
	if s.ignoreReads {
		reads = lifecycle.ReadSet{}
	}
	if s.ignoreGuards {
		reads.Guards = nil
	}
	if err := s.guards.Check("test", reads, func(id string) int64 { return s.recs[id].Version }); err != nil {
		return err
	}
	s.recs[w.Record.ID] = w.Record
	if !s.noBump {
		s.guards.Bump(w.Reads)
	}
	return nil
}

// logCommitter is a memCommitter that keeps history and journal, the way
// the process stores do. Its flags break one clause each.
type logCommitter struct {
	*memCommitter
	history map[string][]lifecycle.Record
	journal map[string][]lifecycle.Entry

	rewrite    bool // stores w.History by Seq, over stored records
	dropLater  bool // keeps only the first write's history
	shared     bool // returns its own slices
	logsFirst  bool // appends the logs before the version check
	noNumbers  bool // stores journal entries without numbering them
	noNotFound bool // an unknown record has an empty history
	noRedact   bool // ignores redactions
	redactAny  bool // ignores redactions of entries it does not have
}

func (s *logCommitter) Commit(ctx context.Context, w lifecycle.Write[rec]) error {
	id := w.Record.ID
	if s.logsFirst {
		s.appendLogs(id, w)
		return s.memCommitter.Commit(ctx, w)
	}
	s.mu.Lock()
	stored := len(s.history[id])
	s.mu.Unlock()
	if !s.rewrite {
		if err := lifecycle.CheckAppend(stored, w.History); err != nil {
			return err
		}
	}
	for _, r := range w.Redactions {
		if r.Log == lifecycle.LogHistory && r.Seq > stored && !s.redactAny {
			return lifecycle.NoSuchEntry(r)
		}
	}
	if err := s.memCommitter.Commit(ctx, w); err != nil {
		return err
	}
	s.appendLogs(id, w)
	return nil
}

func (s *logCommitter) appendLogs(id string, w lifecycle.Write[rec]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.history[id]
	for _, r := range w.History {
		switch {
		case s.dropLater && w.Expected > 0:
		case s.rewrite && r.Seq <= len(h):
			h[r.Seq-1] = r
		default:
			h = append(h, r)
		}
	}
	for _, r := range w.Redactions {
		switch {
		case s.noRedact:
		case r.Log == lifecycle.LogHistory && r.Seq <= len(h):
			h[r.Seq-1] = lifecycle.RedactRecord(h[r.Seq-1], r)
		case r.Log == lifecycle.LogJournal && r.Seq <= len(s.journal[id]):
			s.journal[id][r.Seq-1] = lifecycle.RedactEntry(s.journal[id][r.Seq-1], r)
		}
	}
	s.history[id] = h
	for _, e := range w.Journal {
		if !s.noNumbers {
			e.Seq = len(s.journal[id]) + 1
		}
		s.journal[id] = append(s.journal[id], e)
	}
}

func (s *logCommitter) History(_ context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[id]; !ok && !s.noNotFound {
		return nil, lifecycle.NotFound("test", id)
	}
	var page []lifecycle.Record
	for i, r := range s.history[id] {
		if r.Seq > after && (limit <= 0 || len(page) < limit) {
			if s.shared {
				page = s.history[id][i : i+1 : i+1]
				continue
			}
			page = append(page, lifecycle.CloneHistory([]lifecycle.Record{r})...)
		}
	}
	return page, nil
}

func (s *logCommitter) Journal(_ context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[id]; !ok && !s.noNotFound {
		return nil, lifecycle.NotFound("test", id)
	}
	var page []lifecycle.Entry
	for _, e := range s.journal[id] {
		if e.Seq > after && (limit <= 0 || len(page) < limit) {
			page = append(page, e)
		}
	}
	return page, nil
}

var logCommitters = map[string]func(l *logCommitter){
	"logs":               func(*logCommitter) {},
	"logsRewrite":        func(l *logCommitter) { l.rewrite = true },
	"logsDropLater":      func(l *logCommitter) { l.dropLater = true },
	"logsShared":         func(l *logCommitter) { l.shared = true },
	"logsFirst":          func(l *logCommitter) { l.logsFirst = true },
	"logsUnnumbered":     func(l *logCommitter) { l.noNumbers = true },
	"logsUnknownIsEmpty": func(l *logCommitter) { l.noNotFound = true },
	"logsNoRedact":       func(l *logCommitter) { l.noRedact = true },
	"logsRedactAny":      func(l *logCommitter) { l.redactAny = true },
}

var committers = map[string]func() *memCommitter{
	"good":           func() *memCommitter { return &memCommitter{} },
	"ignoreReads":    func() *memCommitter { return &memCommitter{ignoreReads: true} },
	"ignoreGuards":   func() *memCommitter { return &memCommitter{ignoreGuards: true} },
	"noBump":         func() *memCommitter { return &memCommitter{noBump: true} },
	"ignoreExpected": func() *memCommitter { return &memCommitter{ignoreExpected: true} },
}

func kit(name string) lifecycletest.CommitterKit[rec] {
	return lifecycletest.CommitterKit[rec]{
		New: func(*testing.T) lifecycle.Committer[rec] {
			if edit, ok := logCommitters[name]; ok {
				l := &logCommitter{memCommitter: &memCommitter{recs: map[string]rec{}},
					history: map[string][]lifecycle.Record{}, journal: map[string][]lifecycle.Entry{}}
				edit(l)
				return l
			}
			s := committers[name]()
			s.recs = map[string]rec{}
			return s
		},
		Record: func(id string, version int64) rec { return rec{id, version} },
		Get: func(_ context.Context, c lifecycle.Committer[rec], id string) (int64, error) {
			s, ok := c.(*memCommitter)
			if !ok {
				s = c.(*logCommitter).memCommitter
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			r, ok := s.recs[id]
			if !ok {
				return 0, lifecycle.NotFound("test", id)
			}
			return r.Version, nil
		},
	}
}

// outboxCommitter is a memCommitter that stores the events of each write
// it commits: a transactional outbox. Its flags break one clause each.
type outboxCommitter struct {
	*memCommitter
	events []string

	eventsFirst bool // stores the events before the checks
	notOutbox   bool // says it stores no events
}

func (s *outboxCommitter) StoresEvents() bool { return !s.notOutbox }

func (s *outboxCommitter) Get(_ context.Context, id string) (rec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[id]
	if !ok {
		return rec{}, lifecycle.NotFound("test", id)
	}
	return r, nil
}

func (s *outboxCommitter) Commit(ctx context.Context, w lifecycle.Write[rec]) error {
	if !s.eventsFirst {
		if err := s.memCommitter.Commit(ctx, w); err != nil {
			return err
		}
	}
	s.mu.Lock()
	for _, e := range w.Events {
		s.events = append(s.events, e.ID)
	}
	s.mu.Unlock()
	if s.eventsFirst {
		return s.memCommitter.Commit(ctx, w)
	}
	return nil
}

// testOutbox runs lifecycletest.TestOutbox over an outboxCommitter that
// edit breaks.
func testOutbox(t *testing.T, edit func(*outboxCommitter)) {
	lifecycletest.TestOutbox(t, lifecycletest.RecordKit[rec]{
		New: func(*testing.T) lifecycle.RecordStore[rec] {
			s := &outboxCommitter{memCommitter: &memCommitter{recs: map[string]rec{}}}
			edit(s)
			return s
		},
		Record: func(id string, version int64) rec { return rec{id, version} },
		Key:    func(r rec) (string, int64) { return r.ID, r.Version },
	}, func(_ *testing.T, s lifecycle.RecordStore[rec]) []string {
		o := s.(*outboxCommitter)
		o.mu.Lock()
		defer o.mu.Unlock()
		return slices.Clone(o.events)
	})
}

var outboxCommitters = map[string]func(*outboxCommitter){
	"outboxEventsFirst": func(s *outboxCommitter) { s.eventsFirst = true },
	"outboxNotOutbox":   func(s *outboxCommitter) { s.notOutbox = true },
}

func TestOutboxKitPassesAGoodStore(t *testing.T) {
	testOutbox(t, func(*outboxCommitter) {})
}

func TestCommitterKitPassesAGoodStore(t *testing.T) {
	lifecycletest.TestCommitter(t, kit("good"))
	t.Run("WithLogs", func(t *testing.T) { lifecycletest.TestCommitter(t, kit("logs")) })
}

// TestBrokenCommitterHelper runs TestCommitter on a broken committer when
// TestCommitterKitCatchesBrokenStores asks it to (in a child process,
// since it must fail).
func TestBrokenCommitterHelper(t *testing.T) {
	name := os.Getenv("LIFECYCLETEST_BROKEN_COMMITTER")
	if name == "" {
		t.Skip("run by TestCommitterKitCatchesBrokenStores")
	}
	if edit, ok := outboxCommitters[name]; ok {
		testOutbox(t, edit)
		return
	}
	lifecycletest.TestCommitter(t, kit(name))
}

func TestCommitterKitCatchesBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for name, want := range map[string]string{
		"ignoreReads":    "Commit: a record of the read set whose version changed is a read conflict",
		"ignoreGuards":   "Commit: a guard not at the version seen is a read conflict",
		"noBump":         "Commit: a committed write bumps every guard of its read set by one",
		"ignoreExpected": "Commit with Expected 0: an existing ID is an error matching ErrConflict",

		"logsRewrite":        "Commit refuses history records whose Seq do not follow on",
		"logsDropLater":      "Commit appends w.History after the stored records",
		"logsShared":         "History returns copies",
		"logsFirst":          "A write refused for its version or read set appends no history",
		"logsUnnumbered":     "Commit appends w.Journal after the stored entries, numbering them",
		"logsUnknownIsEmpty": "History and Journal of an unknown record are errors matching ErrNotFound",
		"logsNoRedact":       "Commit blanks the named fields of the stored entries",
		"logsRedactAny":      "Commit refuses a write whose redaction names an entry that is not stored",

		"outboxEventsFirst": "Outbox: a write refused for its version or read set stores none of its events",
		"outboxNotOutbox":   "Outbox: a store that stores a write's events with its record says so",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenCommitterHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LIFECYCLETEST_BROKEN_COMMITTER="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("TestCommitter passed the %s store:\n%s", name, out)
			}
			if !strings.Contains(string(out), "contract: "+want) {
				t.Errorf("TestCommitter failed the %s store without quoting %q:\n%s", name, want, out)
			}
		})
	}
}
