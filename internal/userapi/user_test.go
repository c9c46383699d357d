package userapi_test

import (
	"testing"

	"github.com/userctl/userctl/internal/userapi"
)

func TestUserJSONContract(t *testing.T) {
	b, err := userapi.User{ID: "1"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"1","username":null,"email":null,"name":null,"roles":[],"status":null,"created_at":null,"updated_at":null,"extra":{}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}
