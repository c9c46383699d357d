// Package dialects registers every API dialect; import it for its side
// effects. (The sandbox package registers each dialect's server itself.)
package dialects

import (
	_ "github.com/userctl/userctl/internal/userapi/basic"   // HTTP Basic /api/v1/users
	_ "github.com/userctl/userctl/internal/userapi/datadog" // Datadog API v1 users
	_ "github.com/userctl/userctl/internal/userapi/rest"    // generic JSON users API
	_ "github.com/userctl/userctl/internal/userapi/scim"    // SCIM 2.0 /Users
	_ "github.com/userctl/userctl/internal/userapi/udata"   // data.gouv.fr udata API v1
)
