// Package dialects registers every API dialect, client and sandbox server;
// import it for its side effects. Adding a dialect adds its client package
// (internal/userapi/NAME) and its sandbox server (internal/sandbox/NAME)
// here.
package dialects

import (
	_ "github.com/userctl/userctl/internal/userapi/basic"   // HTTP Basic /api/v1/users
	_ "github.com/userctl/userctl/internal/userapi/datadog" // Datadog API v1 users
	_ "github.com/userctl/userctl/internal/userapi/rest"    // generic JSON users API
	_ "github.com/userctl/userctl/internal/userapi/scim"    // SCIM 2.0 /Users
	_ "github.com/userctl/userctl/internal/userapi/udata"   // data.gouv.fr udata API v1

	_ "github.com/userctl/userctl/internal/sandbox/basic"   // its sandbox server
	_ "github.com/userctl/userctl/internal/sandbox/datadog" // its sandbox server
	_ "github.com/userctl/userctl/internal/sandbox/rest"    // its sandbox server
	_ "github.com/userctl/userctl/internal/sandbox/scim"    // its sandbox server
	_ "github.com/userctl/userctl/internal/sandbox/udata"   // its sandbox server
)
