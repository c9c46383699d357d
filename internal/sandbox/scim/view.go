package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// scimVersion is the weak ETag of a record's current state.
func scimVersion(r *sandbox.Record) string {
	sum := sha256.Sum256([]byte(r.ID + "\x00" + r.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimMulti struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type scimMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

// scimUser is a User resource on the wire. The password never is.
type scimUser struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        *scimName   `json:"name,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Emails      []scimMulti `json:"emails,omitempty"`
	Active      bool        `json:"active"`
	Roles       []scimMulti `json:"roles,omitempty"`
	Meta        scimMeta    `json:"meta"`
}

func scimLocation(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + scimUsersPath + "/" + id
}

func scimView(req *http.Request, r *sandbox.Record) scimUser {
	u := scimUser{
		Schemas: []string{scimSchemaUser}, ID: r.ID, ExternalID: r.ExternalID, UserName: r.Username,
		DisplayName: r.DisplayName, Active: r.Status != "disabled",
		Meta: scimMeta{ResourceType: "User", Created: r.CreatedAt.UTC().Format(time.RFC3339),
			LastModified: r.UpdatedAt.UTC().Format(time.RFC3339), Location: scimLocation(req, r.ID), Version: scimVersion(r)},
	}
	if r.Name != "" || r.FirstName != "" || r.LastName != "" {
		u.Name = &scimName{Formatted: r.Name, GivenName: r.FirstName, FamilyName: r.LastName}
	}
	if r.Email != "" {
		u.Emails = []scimMulti{{Value: r.Email, Type: "work", Primary: true}}
	}
	for _, role := range r.Roles {
		u.Roles = append(u.Roles, scimMulti{Value: role})
	}
	return u
}

func (h *scimHandler) writeUser(w http.ResponseWriter, req *http.Request, status int, r *sandbox.Record) {
	w.Header().Set("ETag", scimVersion(r))
	if status == http.StatusCreated {
		w.Header().Set("Location", scimLocation(req, r.ID))
	}
	scimJSON(w, status, scimView(req, r))
}
