package testdb

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRequirePostgres(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	assert.Error(t, RequirePostgres(env(map[string]string{"ITSM_REQUIRE_POSTGRES": "1"})))
	assert.NoError(t, RequirePostgres(env(map[string]string{"ITSM_REQUIRE_POSTGRES": "1", "ITSM_TEST_POSTGRES_URL": "postgres://x"})))
	assert.NoError(t, RequirePostgres(env(nil)))
}

func TestBufferKeepsConcurrentWrites(t *testing.T) {
	var b Buffer
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				_, _ = b.Write([]byte("x"))
			}
		}()
	}
	for range 4 {
		<-done
	}
	assert.Len(t, b.String(), 400)
}
