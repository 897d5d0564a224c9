package lifecycle_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
)

func votes(spec ...string) []lifecycle.Vote {
	out := make([]lifecycle.Vote, 0, len(spec))
	for _, s := range spec { // "+ann" approves, "-ann" rejects
		d := lifecycle.Approved
		if s[0] == '-' {
			d = lifecycle.Rejected
		}
		out = append(out, lifecycle.Vote{Approver: s[1:], Decision: d})
	}
	return out
}

func TestPanelDecided(t *testing.T) {
	named := []string{"ann", "bob", "cy", "dee"}
	type outcome int
	const (
		pending outcome = iota
		approved
		rejected
	)
	cases := []struct {
		name  string
		panel lifecycle.Panel
		votes []lifecycle.Vote
		want  outcome
	}{
		{"any: one approval", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAny}, votes("+bob"), approved},
		{"any: a rejection decides", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAny}, votes("-bob"), rejected},
		{"all: three of four", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAll}, votes("+ann", "+bob", "+cy"), pending},
		{"all: every one", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAll}, votes("+ann", "+bob", "+cy", "+dee"), approved},
		{"all: excluded need not vote", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAll, Excluded: []string{"dee"}}, votes("+ann", "+bob", "+cy"), approved},
		{"all: a rejection decides", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAll}, votes("+ann", "-cy"), rejected},
		{"quorum: two of four", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentQuorum, Quorum: 2}, votes("+ann", "+dee"), approved},
		{"quorum: a rejection leaves it reachable", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentQuorum, Quorum: 2}, votes("-ann", "+bob"), pending},
		{"quorum: out of reach", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentQuorum, Quorum: 3}, votes("-ann", "-bob"), rejected},
		{"quorum with veto", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentQuorum, Quorum: 2, Veto: true}, votes("+ann", "-bob"), rejected},
		{"quorum with a role: uncountable, so a rejection decides", lifecycle.Panel{Role: "cab", Consent: lifecycle.ConsentQuorum, Quorum: 2}, votes("-x"), rejected},
		{"first vote counts", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentQuorum, Quorum: 2}, votes("+ann", "+ann"), pending},
		{"excluded votes do not count", lifecycle.Panel{Approvers: named, Consent: lifecycle.ConsentAny, Excluded: []string{"ann"}}, votes("-ann", "+ann"), pending},
		{"all counts named approvers only", lifecycle.Panel{Approvers: []string{"ann"}, Consent: lifecycle.ConsentAll}, votes("+zed"), pending},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done, ok := tc.panel.Decided(tc.votes)
			got := pending
			switch {
			case done && ok:
				got = approved
			case done:
				got = rejected
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPanelAdmitAndCount(t *testing.T) {
	p := lifecycle.Panel{Approvers: []string{"ann", "bob", "ann"}, Role: "cab", Consent: lifecycle.ConsentQuorum, Quorum: 2}.Exclude("", "bob")
	assert.Equal(t, []string{"bob"}, p.Excluded)
	assert.Equal(t, []string{"ann"}, p.Eligible())
	assert.Equal(t, 2, p.Needed())
	assert.Zero(t, p.Shortfall(), "role holders cannot be counted, so a quorum is taken as reachable")

	require.NoError(t, p.Admit(lifecycle.Actor{ID: "ann"}, "approve", nil))
	require.NoError(t, p.Admit(lifecycle.Actor{ID: "zed", Roles: []string{"cab"}}, "approve", nil))
	var fe *lifecycle.ForbiddenError
	require.ErrorAs(t, p.Admit(lifecycle.Actor{ID: "bob", Roles: []string{"cab"}}, "approve", nil), &fe)
	assert.Contains(t, fe.Reason, "requester")
	require.ErrorAs(t, p.Admit(lifecycle.Actor{ID: "zed"}, "approve", nil), &fe)
	assert.Contains(t, fe.Reason, "not an approver")
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, p.Admit(lifecycle.Actor{ID: "ann"}, "approve", votes("+ann")), &ve)
	assert.Equal(t, "approver", ve.Field)

	short := []struct {
		p    lifecycle.Panel
		want int
	}{
		{lifecycle.Panel{Approvers: []string{"ann", "bob"}, Consent: lifecycle.ConsentQuorum, Quorum: 3}, 1},
		{lifecycle.Panel{Approvers: []string{"ann"}, Consent: lifecycle.ConsentAll, Excluded: []string{"ann"}}, 1},
		{lifecycle.Panel{Consent: lifecycle.ConsentAny}, 1},
		{lifecycle.Panel{Role: "cab", Consent: lifecycle.ConsentAny}, 0},
		{lifecycle.Panel{Approvers: []string{"ann", "bob"}, Consent: lifecycle.ConsentAll}, 0},
	}
	for _, tc := range short {
		assert.Equal(t, tc.want, tc.p.Shortfall(), "%+v", tc.p)
	}
}

func TestVoteJSON(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	v := lifecycle.Vote{Approver: "ann", Decision: lifecycle.Rejected, Comment: "no budget", At: at}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"approver":"ann","decision":"rejected","comment":"no budget","at":"2026-03-02T10:00:00Z"}`, string(b))
	var back lifecycle.Vote
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, v, back)

	// The form service requests store decodes to the same vote.
	require.NoError(t, json.Unmarshal([]byte(`{"approver":"ann","approved":false,"comment":"no budget","time":"2026-03-02T10:00:00Z"}`), &back))
	assert.Equal(t, v, back)
	require.NoError(t, json.Unmarshal([]byte(`{"approver":"ann","approved":true,"time":"2026-03-02T10:00:00Z"}`), &back))
	assert.Equal(t, lifecycle.Approved, back.Decision)

	for raw, field := range map[string]string{
		`{"approver":"ann"}`:                                       "decision",
		`{"approver":"ann","decision":"maybe"}`:                    "decision",
		`{"approver":"ann","decision":"approved","approved":true}`: "approved",
	} {
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, json.Unmarshal([]byte(raw), &back), &ve, raw)
		assert.Equal(t, field, ve.Field, raw)
	}
}

func TestConsentText(t *testing.T) {
	for _, c := range lifecycle.Consents() {
		var back lifecycle.Consent
		b, err := c.MarshalText()
		require.NoError(t, err)
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, c, back)
		assert.True(t, c.Valid())
	}
	var c lifecycle.Consent
	require.ErrorIs(t, c.UnmarshalText([]byte("most")), lifecycle.ErrValidation)
	assert.False(t, lifecycle.Consent("most").Valid())
	err := lifecycle.Renamed(c.UnmarshalText([]byte("")), "consent", "decide")
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "decide", ve.Field)
	assert.Nil(t, lifecycle.Renamed(nil, "consent", "decide"))
}
