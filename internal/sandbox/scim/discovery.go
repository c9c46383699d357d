package scim

// The discovery documents: /ServiceProviderConfig, /ResourceTypes and
// /Schemas, served without credentials.

func scimListOf(v any) any {
	return map[string]any{"schemas": []string{scimSchemaList}, "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": []any{v}}
}

var scimSPC = map[string]any{
	"schemas":          []string{scimSchemaSPC},
	"documentationUri": "https://github.com/userctl/userctl/blob/main/docs/dialects.md",
	"patch":            map[string]any{"supported": true},
	"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
	"filter":           map[string]any{"supported": true, "maxResults": scimMaxPerPage},
	"changePassword":   map[string]any{"supported": true},
	"sort":             map[string]any{"supported": false},
	"etag":             map[string]any{"supported": true},
	"authenticationSchemes": []any{map[string]any{
		"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
		"description": "Authentication with a bearer token: any non-empty token unless the sandbox was started with --token",
	}},
	"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": scimBase + "/ServiceProviderConfig"},
}

var scimResourceTypeUser = map[string]any{
	"schemas": []string{scimSchemaRT}, "id": "User", "name": "User", "endpoint": "/Users",
	"description": "User Account", "schema": scimSchemaUser,
	"meta": map[string]any{"resourceType": "ResourceType", "location": scimBase + "/ResourceTypes/User"},
}

func scimAttr(name, typ string, extra map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": false, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

var scimUserSchema = map[string]any{
	"schemas": []string{scimSchemaSchema}, "id": scimSchemaUser, "name": "User", "description": "User Account",
	"attributes": []any{
		scimAttr("userName", "string", map[string]any{"required": true, "uniqueness": "server"}),
		scimAttr("externalId", "string", map[string]any{"caseExact": true}),
		scimAttr("name", "complex", map[string]any{"subAttributes": []any{
			scimAttr("formatted", "string", nil), scimAttr("givenName", "string", nil), scimAttr("familyName", "string", nil),
		}}),
		scimAttr("displayName", "string", nil),
		scimAttr("emails", "complex", map[string]any{"multiValued": true, "subAttributes": []any{
			scimAttr("value", "string", nil), scimAttr("type", "string", nil), scimAttr("primary", "boolean", nil),
		}}),
		scimAttr("active", "boolean", nil),
		scimAttr("password", "string", map[string]any{"mutability": "writeOnly", "returned": "never"}),
		scimAttr("roles", "complex", map[string]any{"multiValued": true, "subAttributes": []any{scimAttr("value", "string", nil)}}),
	},
	"meta": map[string]any{"resourceType": "Schema", "location": scimBase + "/Schemas/" + scimSchemaUser},
}
