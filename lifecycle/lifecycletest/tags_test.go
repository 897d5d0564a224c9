package lifecycletest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

type tagged struct {
	ID    string `json:"id"`
	Note  string `json:"note,omitempty"`
	inner string
}

type untagged struct {
	ID      string `json:"id"`
	Reason  string
	Comment string `json:",omitempty"`
	Skip    string `json:"-"`
}

func TestUntaggedFields(t *testing.T) {
	assert.Empty(t, lifecycletest.UntaggedFields(tagged{inner: "x"}, &tagged{}, nil, 3))
	assert.Equal(t, []string{"untagged.Reason", "untagged.Comment"}, lifecycletest.UntaggedFields(tagged{}, &untagged{}))
}
