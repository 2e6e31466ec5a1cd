package testenv_test

import (
	"testing"

	"github.com/storefront/storefront/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
