package lifecycle_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

type limitPlans struct {
	Test string `json:"test"`
}

type limitRecord struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Group      string             `json:"group"`
	Changes    []string           `json:"changes"`
	Plans      *limitPlans        `json:"plans"`
	Attributes map[string]string  `json:"attributes"`
	History    []lifecycle.Record `json:"history"`
	Seen       time.Time          `json:"seen"`
}

func TestTextLimit(t *testing.T) {
	for field, want := range map[string]int{
		"id": lifecycle.MaxIDLength, "parent": lifecycle.MaxIDLength, "service_id": lifecycle.MaxIDLength, "changes": lifecycle.MaxIDLength,
		"title": lifecycle.MaxNameLength, "group": lifecycle.MaxNameLength, "assignee": lifecycle.MaxNameLength,
		"description": lifecycle.MaxTextLength, "text": lifecycle.MaxTextLength, "notes": lifecycle.MaxTextLength,
	} {
		assert.Equal(t, want, lifecycle.TextLimit(field), field)
	}
}

// TestCheckLimits: every text at its limit passes; one character more is
// a ValidationError naming the field's path that quotes a short prefix.
func TestCheckLimits(t *testing.T) {
	at := func() limitRecord {
		return limitRecord{
			ID: strings.Repeat("i", lifecycle.MaxIDLength), Title: strings.Repeat("é", lifecycle.MaxNameLength),
			Group: strings.Repeat("g", lifecycle.MaxNameLength), Changes: []string{strings.Repeat("c", lifecycle.MaxIDLength)},
			Plans:      &limitPlans{Test: strings.Repeat("t", lifecycle.MaxTextLength)},
			Attributes: map[string]string{strings.Repeat("k", lifecycle.MaxNameLength): strings.Repeat("v", lifecycle.MaxValueLength)},
			History:    []lifecycle.Record{{Note: strings.Repeat("n", lifecycle.MaxTextLength+1)}},
		}
	}
	x := at()
	require.NoError(t, lifecycle.CheckLimits(&x), "at the limits, characters counted (not bytes); stored history is not checked again")
	for path, past := range map[string]func(*limitRecord){
		"id":           func(x *limitRecord) { x.ID += "i" },
		"title":        func(x *limitRecord) { x.Title += "é" },
		"group":        func(x *limitRecord) { x.Group += "g" },
		"changes":      func(x *limitRecord) { x.Changes = append(x.Changes, strings.Repeat("c", lifecycle.MaxIDLength+1)) },
		"plans.test":   func(x *limitRecord) { x.Plans.Test += "t" },
		"attributes":   func(x *limitRecord) { x.Attributes[strings.Repeat("k", lifecycle.MaxNameLength+1)] = "v" },
		"attributes.a": func(x *limitRecord) { x.Attributes["a"] = strings.Repeat("v", lifecycle.MaxValueLength+1) },
	} {
		x := at()
		past(&x)
		err := lifecycle.CheckLimits(x)
		var ve *lifecycle.ValidationError
		require.True(t, errors.As(err, &ve), "%s: %v", path, err)
		assert.Equal(t, path, ve.Field)
		assert.Less(t, len(err.Error()), 300, "%s: the error quotes a prefix, not the value", path)
	}
	assert.NoError(t, lifecycle.CheckLimits((*limitRecord)(nil)))
	assert.ErrorIs(t, lifecycle.Actor{ID: strings.Repeat("a", lifecycle.MaxNameLength+1)}.Validate(), lifecycle.ErrValidation)
}

// TestLimitsInEveryOperation: the kernel checks the limits before it
// stores a creation or a command, so nothing over them is stored.
func TestLimitsInEveryOperation(t *testing.T) {
	ctx := context.Background()
	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	ann := lifecycle.Actor{ID: "ann"}
	_, err = svc.Open(ctx, ann, incident.Open{Title: strings.Repeat("t", lifecycle.MaxNameLength+1)})
	var ve *lifecycle.ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, "title", ve.Field)
	page, err := svc.List(ctx, incident.Filter{})
	require.NoError(t, err)
	assert.Empty(t, page.Incidents)

	x, err := svc.Open(ctx, ann, incident.Open{Title: strings.Repeat("t", lifecycle.MaxNameLength)})
	require.NoError(t, err)
	_, err = svc.Assign(ctx, ann, incident.Assign{ID: x.ID, Group: strings.Repeat("g", 3000)})
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, "group", ve.Field)
	_, err = svc.WorkNote(ctx, ann, incident.WorkNote{ID: x.ID, Text: strings.Repeat("w", lifecycle.MaxTextLength+1)})
	require.True(t, errors.As(err, &ve), "%v", err)
	assert.Equal(t, "work_notes.text", ve.Field)
	got, err := svc.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "nothing over the limits was stored")
	_, err = svc.Assign(ctx, ann, incident.Assign{ID: x.ID, Group: strings.Repeat("g", lifecycle.MaxNameLength)})
	assert.NoError(t, err)
}
