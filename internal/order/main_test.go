package order_test

import (
	"testing"

	"github.com/storefront/storefront/internal/testenv"
)

// STOREFRONT_TEST_REDIS_CLUSTER=1 runs the suite on a Redis Cluster.
func TestMain(m *testing.M) { testenv.Main(m) }
